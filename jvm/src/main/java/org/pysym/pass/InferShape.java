package org.pysym.pass;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pysym.PysymError;
import org.pysym.graph.Graph;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.op.Field;
import org.pysym.op.Params;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;

/** Shape inference: runs every node's shape rule forward and backward until nothing changes. */
public final class InferShape {
    private InferShape() {}

    /** Shapes in listArguments/listOutputs/listAuxiliaryStates order; null entries are unknown. */
    public record Result(List<Shape> argShapes, List<Shape> outShapes, List<Shape> auxShapes, boolean complete) {}

    public static Result run(Symbol sym, Map<String, Shape> known) {
        Graph g = new Graph(sym.outputs());
        List<Node> args = sym.argumentNodes();
        List<Node> aux = sym.auxiliaryNodes();
        Map<String, List<Node>> inputs = new LinkedHashMap<>();   // one name may label several variables
        for (Node n : args) inputs.computeIfAbsent(n.name, k -> new ArrayList<>()).add(n);
        for (Node n : aux) inputs.computeIfAbsent(n.name, k -> new ArrayList<>()).add(n);
        for (String k : known.keySet()) {
            if (!inputs.containsKey(k)) {
                StringBuilder sb = new StringBuilder();
                int j = 0;
                for (String name : inputs.keySet()) sb.append("\n\t[").append(j++).append("]").append(name);
                throw new PysymError("InferShapeKeyword argument name " + k + " not found.\nCandidate arguments:" + sb);
            }
        }
        Shape[] shapes = new Shape[g.numEntries()];
        for (List<Node> same : inputs.values()) {
            for (Node n : same) {
                Shape s = known.get(n.name);
                if (s == null) s = attrShape(n);
                shapes[g.entryId(new NodeEntry(n, 0))] = s;
            }
        }
        infer(g, shapes);
        List<Shape> argShapes = new ArrayList<>(), auxShapes = new ArrayList<>(), outShapes = new ArrayList<>();
        boolean complete = true;
        for (Node n : args) argShapes.add(shapes[g.entryId(new NodeEntry(n, 0))]);
        for (Node n : aux) auxShapes.add(shapes[g.entryId(new NodeEntry(n, 0))]);
        for (NodeEntry e : sym.outputs()) outShapes.add(shapes[g.entryId(e)]);
        for (Shape s : shapes) complete &= s != null;
        return new Result(argShapes, outShapes, auxShapes, complete);
    }

    /** A variable's __shape__ attribute; a 0 dimension means unknown, as in MXNet. */
    static Shape attrShape(Node n) {
        String a = n.attrs.get("__shape__");
        if (a == null) return null;
        Shape s = (Shape) Field.shapeParam("__shape__", null, "").parse("Variable " + n.name, a);
        for (int d : s.toArray()) if (d <= 0) return null;
        return s;
    }

    /** Fills shapes[] (indexed by entry id) in place; throws on a conflict. */
    public static void infer(Graph g, Shape[] shapes) {
        boolean changed = true;
        for (int round = 0; changed && round < 2 * g.nodes.size() + 4; round++) {
            changed = false;
            for (int i = 0; i < g.nodes.size(); i++) changed |= visit(g, i, shapes);
            for (int i = g.nodes.size() - 1; i >= 0; i--) changed |= visit(g, i, shapes);
        }
    }

    private static boolean visit(Graph g, int nodeId, Shape[] shapes) {
        Node n = g.nodes.get(nodeId);
        if (n.isVariable()) return false;
        Ctx c = new Ctx(g, nodeId, n, shapes);
        n.op.shapeRule.infer(c);
        return c.changed;
    }

    private static final class Ctx implements ShapeContext {
        final Graph g;
        final Node n;
        final Shape[] shapes;
        final int[] inIds, outIds;
        List<String> inNames;
        boolean changed;

        Ctx(Graph g, int nodeId, Node n, Shape[] shapes) {
            this.g = g;
            this.n = n;
            this.shapes = shapes;
            inIds = new int[n.inputs.size()];
            for (int i = 0; i < inIds.length; i++) inIds[i] = g.entryId(n.inputs.get(i));
            outIds = new int[n.numOutputs()];
            for (int i = 0; i < outIds.length; i++) outIds[i] = g.entryId(nodeId, i);
        }

        @Override public Params params() { return n.params; }
        @Override public String nodeName() { return n.name; }
        @Override public int numInputs() { return inIds.length; }
        @Override public int numOutputs() { return outIds.length; }
        @Override public Shape in(int i) { return shapes[inIds[i]]; }
        @Override public Shape out(int i) { return shapes[outIds[i]]; }
        @Override public String inputName(int i) {
            if (inNames == null) inNames = n.op.inputNames(n.params);
            return i < inNames.size() ? inNames.get(i) : "input" + i;
        }
        @Override public void setIn(int i, Shape s) { assign(inIds[i], s, "input '" + inputName(i) + "'"); }
        @Override public void setOut(int i, Shape s) { assign(outIds[i], s, "output " + i); }

        private void assign(int id, Shape s, String what) {
            if (s == null) return;
            Shape old = shapes[id];
            if (old == null) {
                shapes[id] = s;
                changed = true;
            } else if (!old.equals(s)) {
                throw error("Shape inconsistent for %s, Provided = %s, inferred shape=%s",
                        what, old.toString().replace('(', '[').replace(')', ']'), s);
            }
        }
    }
}
