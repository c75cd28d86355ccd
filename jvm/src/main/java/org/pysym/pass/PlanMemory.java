package org.pysym.pass;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pysym.graph.Graph;
import org.pysym.graph.Node;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/**
 * Memory planning: decides where every entry of a bound graph lives (a bound array, an output,
 * a gradient array, or an offset in one pooled arena reused by liveness) and which steps run.
 * The result is plain data that can print itself.
 */
public final class PlanMemory {
    private PlanMemory() {}

    public enum Kind { ARG, AUX, HEAD_GRAD, OUTPUT, GRAD, POOL, NONE }

    /** Where an entry's bytes are: base of (kind, slot) plus offset. NONE = not computed. */
    public record Location(Kind kind, int slot, long offset) {
        static final Location NONE = new Location(Kind.NONE, -1, 0);
        @Override public String toString() { return kind == Kind.POOL ? "pool+" + offset : kind + "#" + slot; }
    }

    public enum StepKind { OP, COPY, ACCUMULATE }

    /** One native call: an op node, or a copy/accumulate of one entry into a destination. */
    public record Step(StepKind kind, int nodeId, int[] inEntries, Location[] in, Location[] out, Shape[] outShapes,
                       boolean[] outWanted) {
        @Override public String toString() {
            return kind + (nodeId >= 0 ? " node " + nodeId : "") + " in=" + Arrays.toString(in) + " out=" + Arrays.toString(out);
        }
    }

    public record GradTarget(int entryId, int slot, boolean accumulate) {}

    public record Plan(List<Step> steps, int numForwardSteps, long poolBytes, Location[] locations) {
        @Override public String toString() {
            StringBuilder sb = new StringBuilder("MemoryPlan pool=" + poolBytes + " bytes, forward steps=" + numForwardSteps + "\n");
            for (int i = 0; i < steps.size(); i++) sb.append("  ").append(i).append(": ").append(steps.get(i)).append('\n');
            return sb.toString();
        }
    }

    /**
     * @param fixed        locations of variable entries (args, aux, head gradients), by entry id
     * @param heads        forward head entry ids, output i goes to OUTPUT slot i
     * @param numForward   nodes [0, numForward) of g are the forward graph
     */
    public static Plan run(Graph g, Shape[] shapes, DType[] types, Location[] fixed, int[] heads, List<GradTarget> grads,
                           int numForward) {
        int n = g.numEntries();
        Location[] loc = fixed.clone();
        int[] root = new int[n], entryNode = new int[n];
        for (int i = 0; i < n; i++) root[i] = i;
        for (int id = 0; id < g.nodes.size(); id++)
            for (int o = 0; o < g.nodes.get(id).numOutputs(); o++) entryNode[g.entryId(id, o)] = id;
        for (int id = 0; id < g.nodes.size(); id++) {
            Node node = g.nodes.get(id);
            if (node.op != null && node.op.view) root[g.entryId(id, 0)] = root[g.entryId(node.inputs.get(0))];
        }

        List<Step> fwdCopies = new ArrayList<>(), bwdCopies = new ArrayList<>();
        for (int i = 0; i < heads.length; i++) {
            int e = heads[i];
            Location out = new Location(Kind.OUTPUT, i, 0);
            if (root[e] == e && loc[e] == null && producedByOp(g, entryNode, e)) loc[e] = out;
            else fwdCopies.add(copy(StepKind.COPY, e, out, shapes[e]));
        }
        for (GradTarget t : grads) {
            int e = t.entryId();
            Location dst = new Location(Kind.GRAD, t.slot(), 0);
            boolean backwardOp = producedByOp(g, entryNode, e) && entryNode[e] >= numForward;
            if (!t.accumulate() && root[e] == e && loc[e] == null && backwardOp) loc[e] = dst;
            else bwdCopies.add(copy(t.accumulate() ? StepKind.ACCUMULATE : StepKind.COPY, e, dst, shapes[e]));
        }

        // the step sequence: forward ops, forward copies, backward ops, gradient copies
        List<Step> steps = new ArrayList<>();
        addOpSteps(g, 0, numForward, steps);
        steps.addAll(fwdCopies);
        int numForwardSteps = steps.size();
        addOpSteps(g, numForward, g.nodes.size(), steps);
        steps.addAll(bwdCopies);

        // liveness of pooled roots: defined by their producing step, alive until their last reader
        int[] def = new int[n], last = new int[n];
        Arrays.fill(def, -1);
        Arrays.fill(last, -1);
        for (int s = 0; s < steps.size(); s++) {
            Step st = steps.get(s);
            for (int e : st.inEntries()) last[root[e]] = Math.max(last[root[e]], s);
            if (st.kind() == StepKind.OP)
                for (int o = 0; o < st.out().length; o++) def[g.entryId(st.nodeId(), o)] = s;
        }

        // backward() may run again after one forward(): forward values it reads must survive it
        for (int e = 0; e < n; e++)
            if (def[e] >= 0 && def[e] < numForwardSteps && last[e] >= numForwardSteps) last[e] = steps.size();

        // decide each op output's fate, then hand out pool blocks in step order
        List<long[]> blocks = new ArrayList<>();           // {offset, bytes, freeAfterStep or -1 if free}
        long poolEnd = 0;
        for (int s = 0; s < steps.size(); s++) {
            Step st = steps.get(s);
            for (long[] b : blocks) if (b[2] >= 0 && b[2] < s) b[2] = -1;
            if (st.kind() != StepKind.OP) continue;
            Node node = g.nodes.get(st.nodeId());
            for (int o = 0; o < st.out().length; o++) {
                int e = g.entryId(st.nodeId(), o);
                if (loc[e] != null) continue;
                boolean used = last[e] >= 0;
                if (!used && node.op.skippableOutputs) {
                    loc[e] = Location.NONE;
                    continue;
                }
                long bytes = align(shapes[e].size() * types[e].bytes);
                long until = Math.max(last[e], s);
                long[] best = null;
                for (long[] b : blocks) if (b[2] == -1 && b[1] >= bytes && (best == null || b[1] < best[1])) best = b;
                if (best == null) {
                    best = new long[] {poolEnd, bytes, -1};
                    blocks.add(best);
                    poolEnd += bytes;
                }
                best[2] = until;
                loc[e] = new Location(Kind.POOL, -1, best[0]);
            }
        }
        // views share their root's location
        for (int e = 0; e < n; e++) if (root[e] != e) loc[e] = loc[root[e]];

        List<Step> resolved = new ArrayList<>();
        for (Step st : steps) resolved.add(resolve(g, st, loc, shapes));
        return new Plan(resolved, numForwardSteps, poolEnd, loc);
    }

    private static long align(long bytes) { return (bytes + 63) / 64 * 64; }

    private static boolean producedByOp(Graph g, int[] entryNode, int entry) {
        Node n = g.nodes.get(entryNode[entry]);
        return n.op != null && !n.op.view;
    }

    private static Step copy(StepKind kind, int src, Location dst, Shape shape) {
        return new Step(kind, -1, new int[] {src}, null, new Location[] {dst}, new Shape[] {shape}, new boolean[] {true});
    }

    private static void addOpSteps(Graph g, int from, int to, List<Step> steps) {
        for (int id = from; id < to; id++) {
            Node node = g.nodes.get(id);
            if (node.op == null || node.op.view) continue;
            int[] ins = new int[node.inputs.size()];
            for (int i = 0; i < ins.length; i++) ins[i] = g.entryId(node.inputs.get(i));
            steps.add(new Step(StepKind.OP, id, ins, null, new Location[node.numOutputs()], null, null));
        }
    }

    private static Step resolve(Graph g, Step st, Location[] loc, Shape[] shapes) {
        Location[] in = new Location[st.inEntries().length];
        for (int i = 0; i < in.length; i++) in[i] = loc[st.inEntries()[i]];
        if (st.kind() != StepKind.OP) return new Step(st.kind(), -1, st.inEntries(), in, st.out(), st.outShapes(), st.outWanted());
        int k = st.out().length;
        Location[] out = new Location[k];
        Shape[] outShapes = new Shape[k];
        boolean[] wanted = new boolean[k];
        for (int o = 0; o < k; o++) {
            int e = g.entryId(st.nodeId(), o);
            out[o] = loc[e];
            outShapes[o] = shapes[e];
            wanted[o] = loc[e].kind() != Kind.NONE;
        }
        return new Step(StepKind.OP, st.nodeId(), st.inEntries(), in, out, outShapes, wanted);
    }
}
