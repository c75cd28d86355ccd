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
import org.pysym.op.DType;
import org.pysym.op.Params;
import org.pysym.op.TypeContext;

/** Type inference: runs every node's type rule until nothing changes. */
public final class InferType {
    private InferType() {}

    public record Result(List<DType> argTypes, List<DType> outTypes, List<DType> auxTypes, boolean complete) {}

    public static Result run(Symbol sym, Map<String, DType> known) {
        Graph g = new Graph(sym.outputs());
        List<Node> args = sym.argumentNodes(), aux = sym.auxiliaryNodes();
        Map<String, Node> inputs = new LinkedHashMap<>();
        for (Node n : args) inputs.put(n.name, n);
        for (Node n : aux) inputs.put(n.name, n);
        for (String k : known.keySet())
            PysymError.require(inputs.containsKey(k), "InferTypeKeyword argument name %s not found. Candidate arguments: %s",
                    k, inputs.keySet());
        DType[] types = new DType[g.numEntries()];
        for (Node n : inputs.values()) {
            DType t = known.get(n.name);
            if (t == null && n.attrs.containsKey("__dtype__")) t = DType.byId(Integer.parseInt(n.attrs.get("__dtype__")));
            types[g.entryId(new NodeEntry(n, 0))] = t;
        }
        infer(g, types);
        List<DType> a = new ArrayList<>(), x = new ArrayList<>(), o = new ArrayList<>();
        for (Node n : args) a.add(types[g.entryId(new NodeEntry(n, 0))]);
        for (Node n : aux) x.add(types[g.entryId(new NodeEntry(n, 0))]);
        for (NodeEntry e : sym.outputs()) o.add(types[g.entryId(e)]);
        boolean complete = true;
        for (DType t : types) complete &= t != null;
        return new Result(a, o, x, complete);
    }

    public static void infer(Graph g, DType[] types) {
        boolean changed = true;
        for (int round = 0; changed && round < 2 * g.nodes.size() + 4; round++) {
            changed = false;
            for (int i = 0; i < g.nodes.size(); i++) changed |= visit(g, i, types);
            for (int i = g.nodes.size() - 1; i >= 0; i--) changed |= visit(g, i, types);
        }
    }

    private static boolean visit(Graph g, int nodeId, DType[] types) {
        Node n = g.nodes.get(nodeId);
        if (n.isVariable()) return false;
        int[] inIds = new int[n.inputs.size()], outIds = new int[n.numOutputs()];
        for (int i = 0; i < inIds.length; i++) inIds[i] = g.entryId(n.inputs.get(i));
        for (int i = 0; i < outIds.length; i++) outIds[i] = g.entryId(nodeId, i);
        boolean[] changed = {false};
        n.op.typeRule.infer(new TypeContext() {
            @Override public Params params() { return n.params; }
            @Override public String nodeName() { return n.name; }
            @Override public int numInputs() { return inIds.length; }
            @Override public int numOutputs() { return outIds.length; }
            @Override public DType in(int i) { return types[inIds[i]]; }
            @Override public DType out(int i) { return types[outIds[i]]; }
            @Override public void setIn(int i, DType t) { assign(inIds[i], t, "input " + i); }
            @Override public void setOut(int i, DType t) { assign(outIds[i], t, "output " + i); }

            private void assign(int id, DType t, String what) {
                if (t == null) return;
                if (types[id] == null) {
                    types[id] = t;
                    changed[0] = true;
                } else if (types[id] != t) {
                    throw PysymError.format("Error in operator %s: Type inconsistent for %s, Provided = %s, inferred type=%s",
                            n.name, what, types[id], t);
                }
            }
        });
        return changed[0];
    }
}
