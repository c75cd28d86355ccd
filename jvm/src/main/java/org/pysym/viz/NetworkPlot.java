package org.pysym.viz;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pysym.PysymError;
import org.pysym.graph.Graph;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/**
 * MXNet's plot_network / Visualization.plotNetwork: a Graphviz picture of a symbol's graph with
 * MXNet's layout. Inputs are ovals, operators boxes coloured by kind; convolution, dense, activation
 * and pooling nodes show their main parameters; weights, biases and BatchNorm's gamma/beta/moving
 * statistics are left out; each edge points back to its input and, when input shapes are given,
 * carries the per-sample shape of the tensor it carries.
 */
public final class NetworkPlot {
    private NetworkPlot() {}

    /** MXNet's colour map, indexed by kind of node. */
    private static final String INPUT = "#8dd3c7", WEIGHTED = "#fb8072", ACTIVATION = "#ffffb3", NORM = "#bebada",
            POOLING = "#80b1d3", RESHAPING = "#fdb462", SOFTMAX = "#b3de69", OTHER = "#fccde5";
    private static final List<String> WEIGHT_SUFFIXES = List.of("_weight", "_bias", "_beta", "_gamma", "_moving_var",
            "_moving_mean", "_running_var", "_running_mean");
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    /** The attributes every node starts from; nodeAttrs given by the caller override them. */
    public static Map<String, String> defaultNodeAttrs() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("shape", "box");
        a.put("fixedsize", "true");
        a.put("width", "1.3");
        a.put("height", "0.8034");
        a.put("style", "filled");
        return a;
    }

    /**
     * @param shapes input shapes by name, or null to draw no shapes
     * @param dtypes input dtypes by name, or null to draw no dtypes
     * @param nodeAttrs Graphviz node attributes overriding the defaults (may be null)
     * @param hideWeights leave out the edges to weight-like inputs (*_weight, *_bias, ...); they are
     *                    never drawn as nodes of their own, so when shown they are plain ellipses
     */
    public static Dot plot(Symbol symbol, String title, Map<String, Shape> shapes, Map<String, DType> dtypes,
                           Map<String, String> nodeAttrs, boolean hideWeights) {
        PysymError.require(symbol != null, "plotNetwork: symbol must be a Symbol, got null");
        Outputs outs = new Outputs(symbol, shapes, dtypes);
        Map<String, String> base = defaultNodeAttrs();
        if (nodeAttrs != null) base.putAll(nodeAttrs);
        Dot dot = new Dot(title == null ? "plot" : title);
        Graph g = new Graph(symbol.outputs());

        Set<String> hidden = new HashSet<>();
        for (Node n : g.nodes) {
            if (n.isVariable() && looksLikeWeight(n.name)) {
                if (hideWeights) hidden.add(n.name);
                continue;
            }
            Map<String, String> attrs = new LinkedHashMap<>(base);
            String label = n.isVariable() ? n.name : describe(n, attrs);
            if (n.isVariable()) {
                attrs.put("shape", "oval");
                attrs.put("fillcolor", INPUT);
            }
            dot.node(n.name, label, attrs);
        }
        for (Node n : g.nodes) {
            if (n.isVariable()) continue;
            for (NodeEntry in : n.inputs) {
                if (hidden.contains(in.node().name)) continue;
                Map<String, String> attrs = new LinkedHashMap<>();
                attrs.put("dir", "back");
                attrs.put("arrowtail", "open");
                dot.edge(n.name, in.node().name, edgeLabel(in, outs), attrs);
            }
        }
        return dot;
    }

    /** Node names used more than once (MXNet warns: the picture may merge them into a cycle). */
    public static List<String> repeatedNames(Symbol symbol) {
        Set<String> seen = new HashSet<>();
        Set<String> repeated = new LinkedHashSet<>();
        for (Node n : new Graph(symbol.outputs()).nodes) if (!seen.add(n.name)) repeated.add(n.name);
        return new ArrayList<>(repeated);
    }

    static boolean looksLikeWeight(String name) {
        for (String s : WEIGHT_SUFFIXES) if (name.endsWith(s)) return true;
        return false;
    }

    /** An operator node's label, and its fill colour put into attrs. */
    private static String describe(Node n, Map<String, String> attrs) {
        Map<String, String> given = n.params.given();
        String op = n.op.name;
        String color = OTHER;
        String label = n.name;
        switch (op) {
            case "Convolution" -> {
                label = "Convolution\n" + dims(given.get("kernel"), "") + "/" + dims(given.get("stride"), "1") + ", "
                        + given.get("num_filter");
                color = WEIGHTED;
            }
            case "FullyConnected" -> {
                label = "FullyConnected\n" + given.get("num_hidden");
                color = WEIGHTED;
            }
            case "BatchNorm" -> color = NORM;
            case "Activation" -> {
                label = "Activation\n" + given.get("act_type");
                color = ACTIVATION;
            }
            case "LeakyReLU" -> {
                // MXNet prints "Leaky" (its spelling, not the parameter's default "leaky") when act_type is not set
                label = "LeakyReLU\n" + given.getOrDefault("act_type", "Leaky");
                color = ACTIVATION;
            }
            case "Pooling" -> {
                String poolType = given.containsKey("pool_type") ? given.get("pool_type") : n.params.getString("pool_type");
                label = "Pooling\n" + poolType + ", " + dims(given.get("kernel"), "[]") + "/" + dims(given.get("stride"), "1");
                color = POOLING;
            }
            case "Concat", "Flatten", "Reshape" -> color = RESHAPING;
            case "Softmax" -> color = SOFTMAX;
            default -> { }
        }
        attrs.put("fillcolor", color);
        return label;
    }

    /** A tuple parameter's numbers joined by x ("(5, 5)" -> 5x5), or ifAbsent when it was not set. */
    private static String dims(String tuple, String ifAbsent) {
        if (tuple == null) return ifAbsent;
        List<String> parts = new ArrayList<>();
        Matcher m = DIGITS.matcher(tuple);
        while (m.find()) parts.add(m.group());
        return String.join("x", parts);
    }

    /** "" without shapes and dtypes; else the per-sample shape and/or "(float32)". */
    private static String edgeLabel(NodeEntry in, Outputs outs) {
        String label = "";
        if (outs.hasShapes) label = Outputs.perSample(outs.shape(in));
        if (outs.hasTypes) label += "(" + outs.type(in).mxName + ")";
        return label;
    }
}
