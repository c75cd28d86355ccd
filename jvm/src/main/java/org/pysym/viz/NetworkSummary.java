package org.pysym.viz;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pysym.PysymError;
import org.pysym.graph.Graph;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.op.Params;
import org.pysym.op.Shape;

/**
 * MXNet's print_summary: one row per layer (operator node, plus the first input) with its
 * per-sample output shape, parameter count and the layers feeding it, then the total.
 *
 * <p>Parameter counts follow MXNet's own rule, so the numbers are MXNet's: a layer's input width is
 * the sum of the channel (first per-sample) dimensions of its previous layers, where a previous layer
 * is an operator or the graph's first input; Convolution counts width x num_filter / num_group x
 * kernel (+ num_filter bias), FullyConnected (width + bias) x num_hidden, BatchNorm 2 x channels,
 * Embedding input_dim x output_dim. Without shapes the widths are 0.
 */
public final class NetworkSummary {
    private NetworkSummary() {}

    /** The header of the four columns. */
    public static final List<String> HEADER = List.of("Layer (type)", "Output Shape", "Param #", "Previous Layer");

    /** One layer: "name(op)", its per-sample output shape ("" when unknown), its parameters, its inputs. */
    public record Row(String layer, String outputShape, long params, List<String> previous, boolean lastNode) {}

    public static List<Row> rows(Symbol symbol, Map<String, Shape> shapes) {
        PysymError.require(symbol != null, "printSummary: symbol must be a Symbol, got null");
        Outputs outs = new Outputs(symbol, shapes, null);
        Graph g = new Graph(symbol.outputs());
        // MXNet builds this set from the first head's [node, output, version] triple: node 0 (the
        // first input) and the head itself count as layers.
        NodeEntry head = symbol.outputs().get(0);
        Set<Integer> layerIds = new HashSet<>(List.of(g.nodeId(head.node()), head.index(), 0));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            Node n = g.nodes.get(i);
            if (n.isVariable() && i > 0) continue;
            List<String> previous = new ArrayList<>();
            long width = 0;
            for (NodeEntry in : n.inputs) {
                Node p = in.node();
                if (p.isVariable() && !layerIds.contains(g.nodeId(p))) continue;
                previous.add(p.name);
                if (outs.hasShapes) width += channels(outs.shapeByName(outputKey(p)));
            }
            Shape own = outs.hasShapes ? outs.shapeByName(outputKey(n)) : null;
            String opName = n.isVariable() ? "null" : n.op.name;
            rows.add(new Row(n.name + "(" + opName + ")", own == null ? "" : Outputs.perSample(own),
                    params(n, width, outs), previous, i == g.nodes.size() - 1));
        }
        return rows;
    }

    /** The summary text as MXNet prints it; positions are column ends, as fractions of lineLength when the last is <= 1. */
    public static String format(List<Row> rows, int lineLength, double[] positions) {
        PysymError.require(lineLength > 0, "printSummary: line_length must be positive, got %d", lineLength);
        PysymError.require(positions != null && positions.length >= HEADER.size(),
                "printSummary: positions needs %d column ends, got %s", HEADER.size(),
                positions == null ? "null" : java.util.Arrays.toString(positions));
        int[] ends = new int[positions.length];
        boolean relative = positions[positions.length - 1] <= 1;
        for (int i = 0; i < ends.length; i++) {
            PysymError.require(positions[i] >= 0, "printSummary: positions must be non-negative, got %s",
                    java.util.Arrays.toString(positions));
            ends[i] = (int) (relative ? lineLength * positions[i] : positions[i]);
        }
        StringBuilder sb = new StringBuilder();
        String rule = "_".repeat(lineLength) + "\n", doubleRule = "=".repeat(lineLength) + "\n";
        long total = 0;
        sb.append(rule);
        row(sb, HEADER, ends);
        sb.append(doubleRule);
        for (Row r : rows) {
            String first = r.previous.isEmpty() ? "" : r.previous.get(0);
            row(sb, List.of(r.layer, r.outputShape, Long.toString(r.params), first), ends);
            for (int k = 1; k < r.previous.size(); k++) row(sb, List.of("", "", "", r.previous.get(k)), ends);
            sb.append(r.lastNode ? doubleRule : rule);
            total += r.params;
        }
        sb.append("Total params: ").append(total).append('\n');
        return sb.append(rule).toString();
    }

    public static String text(Symbol symbol, Map<String, Shape> shapes, int lineLength, double[] positions) {
        return format(rows(symbol, shapes), lineLength, positions);
    }

    /** Each field cut or padded so that it ends at its column's end. */
    private static void row(StringBuilder sb, List<String> fields, int[] ends) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            line.append(fields.get(i));
            if (line.length() > ends[i]) line.setLength(ends[i]);
            while (line.length() < ends[i]) line.append(' ');
        }
        sb.append(line).append('\n');
    }

    /** The output name MXNet looks a layer's shape up by: the variable's name or name_output. */
    private static String outputKey(Node n) { return n.isVariable() ? n.name : n.name + "_output"; }

    /** The first per-sample dimension; 0 when unknown or absent (MXNet fails there with an IndexError). */
    private static long channels(Shape s) { return s == null || s.ndim() < 2 ? 0 : s.get(1); }

    private static long params(Node n, long width, Outputs outs) {
        if (n.isVariable()) return 0;
        Params p = n.params;
        switch (n.op.name) {
            case "Convolution": {
                long filters = p.getInt("num_filter");
                long count = width * filters / p.getInt("num_group") * p.getShape("kernel").size();
                return p.getBool("no_bias") ? count : count + filters;
            }
            case "FullyConnected": {
                long hidden = p.getInt("num_hidden");
                return (p.getBool("no_bias") ? width : width + 1) * hidden;
            }
            case "BatchNorm":
                return outs.hasShapes ? 2 * channels(outs.shapeByName(outputKey(n))) : 0;
            case "Embedding":
                return (long) p.getInt("input_dim") * p.getInt("output_dim");
            default:
                return 0;
        }
    }
}
