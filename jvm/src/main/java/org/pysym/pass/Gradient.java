package org.pysym.pass;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pysym.PysymError;
import org.pysym.graph.Graph;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.op.GradContext;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;

/**
 * Reverse-mode differentiation over the node graph: walks nodes in reverse topological order,
 * sums the partial gradients of each entry, and asks each node's gradient rule for its inputs'
 * gradients. The result is ordinary nodes, so inference and planning treat them like any other.
 */
public final class Gradient {
    private Gradient() {}

    /**
     * @param argGrads    gradient entry per requested variable
     * @param headGrads   the variable receiving head i's gradient, null where none is needed (loss heads,
     *                    or heads that do not depend on any requested variable)
     */
    public record Result(Map<Node, NodeEntry> argGrads, List<Node> headGrads) {}

    public static Result run(List<NodeEntry> heads, Set<Node> wrt) {
        Graph g = new Graph(heads);
        Map<Node, Boolean> needs = new IdentityHashMap<>();
        for (Node n : g.nodes) {
            boolean need = wrt.contains(n);
            for (NodeEntry in : n.inputs) need |= needs.containsKey(in.node());
            if (need) needs.put(n, true);
        }

        Map<NodeEntry, List<NodeEntry>> partials = new HashMap<>();
        List<Node> headVars = new ArrayList<>();
        Set<Node> lossHeads = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < heads.size(); i++) {
            NodeEntry h = heads.get(i);
            Node v = null;
            if (!needs.containsKey(h.node())) {
                // nothing to differentiate through this head
            } else if (h.node().op != null && h.node().op.loss) {
                lossHeads.add(h.node());
            } else {
                v = Node.variable("_head_grad" + i, Map.of());
                partials.computeIfAbsent(h, k -> new ArrayList<>()).add(new NodeEntry(v, 0));
            }
            headVars.add(v);
        }

        for (int idx = g.nodes.size() - 1; idx >= 0; idx--) {
            Node n = g.nodes.get(idx);
            if (n.isVariable() || !needs.containsKey(n)) continue;
            NodeEntry[] ograds = new NodeEntry[n.numOutputs()];
            boolean any = false;
            for (int i = 0; i < ograds.length; i++) {
                ograds[i] = sum(partials.get(new NodeEntry(n, i)), n.name + "_out" + i);
                any |= ograds[i] != null;
            }
            if (!any && !lossHeads.contains(n)) continue;
            if (n.op.nonDifferentiable) continue;   // declared: its inputs get no gradient
            List<NodeEntry> inGrads = n.op.gradRule.gradient(new Ctx(n, ograds));
            PysymError.require(inGrads.size() == n.inputs.size(),
                    "gradient rule of %s returned %d gradients for %d inputs", n.op.name, inGrads.size(), n.inputs.size());
            for (int i = 0; i < inGrads.size(); i++) {
                NodeEntry in = n.inputs.get(i);
                if (inGrads.get(i) != null && needs.containsKey(in.node()))
                    partials.computeIfAbsent(in, k -> new ArrayList<>()).add(inGrads.get(i));
            }
        }

        Map<Node, NodeEntry> argGrads = new LinkedHashMap<>();
        for (Node v : g.nodes) {
            if (!wrt.contains(v)) continue;
            NodeEntry e = sum(partials.get(new NodeEntry(v, 0)), v.name + "_grad");
            if (e == null)   // v reaches the heads only through non-differentiable ops: its gradient is zero
                e = new NodeEntry(new Node(OpRegistry.op("zeros_like"), v.name + "_zero_grad", Params.EMPTY, Map.of(),
                        List.of(new NodeEntry(v, 0))), 0);
            argGrads.put(v, e);
        }
        return new Result(argGrads, headVars);
    }

    private static NodeEntry sum(List<NodeEntry> parts, String name) {
        if (parts == null || parts.isEmpty()) return null;
        if (parts.size() == 1) return parts.get(0);
        Params p = Params.parse(OpRegistry.op("add_n"), Map.of("num_args", parts.size()));
        return new NodeEntry(new Node(OpRegistry.op("add_n"), name + "_sum", p, Map.of(), parts), 0);
    }

    private static final class Ctx implements GradContext {
        final Node n;
        final NodeEntry[] ograds;
        int created;

        Ctx(Node n, NodeEntry[] ograds) {
            this.n = n;
            this.ograds = ograds;
        }

        @Override public Node node() { return n; }
        @Override public Params params() { return n.params; }
        @Override public NodeEntry input(int i) { return n.inputs.get(i); }
        @Override public NodeEntry output(int i) { return new NodeEntry(n, i); }
        @Override public NodeEntry outGrad(int i) { return ograds[i]; }

        @Override public Node op(String opName, Map<String, ?> params, NodeEntry... inputs) {
            var op = OpRegistry.op(opName);
            String name = n.name + "_backward" + (created++ == 0 ? "" : Integer.toString(created - 1));
            return new Node(op, name, Params.parse(op, params), Map.of(), List.of(inputs));
        }
    }
}
