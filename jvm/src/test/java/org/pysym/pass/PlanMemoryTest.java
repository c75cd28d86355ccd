package org.pysym.pass;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Test;
import org.pysym.graph.Graph;
import org.pysym.graph.NameManager;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.op.DType;
import org.pysym.op.Shape;
import org.pysym.pass.PlanMemory.Kind;
import org.pysym.pass.PlanMemory.Location;
import org.pysym.pass.PlanMemory.Plan;
import org.pysym.pass.PlanMemory.Step;
import org.pysym.pass.PlanMemory.StepKind;

/** The memory plan as data: where entries live, which steps run, and that pool reuse never aliases live values. */
public class PlanMemoryTest {
    @Before public void fresh() { NameManager.reset(); }

    /** A plan for sym's forward graph, plus gradients of the listed arguments (accumulating or not). */
    private static final class Planned {
        final Graph g;
        final Shape[] shapes;
        final Plan plan;

        Planned(Symbol sym, Shape shape, List<String> gradArgs, boolean accumulate) {
            List<Node> args = sym.argumentNodes();
            java.util.Set<Node> wrt = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Node n : args) if (gradArgs.contains(n.name)) wrt.add(n);
            Gradient.Result gr = wrt.isEmpty() ? null : Gradient.run(sym.outputs(), wrt);
            List<NodeEntry> all = new ArrayList<>(sym.outputs());
            if (gr != null) all.addAll(gr.argGrads().values());
            g = new Graph(all);
            int numForward = new Graph(sym.outputs()).nodes.size();
            shapes = new Shape[g.numEntries()];
            Arrays.fill(shapes, shape);
            DType[] types = new DType[g.numEntries()];
            Arrays.fill(types, DType.Float32);
            Location[] fixed = new Location[g.numEntries()];
            for (int i = 0; i < args.size(); i++) fixed[g.entryId(new NodeEntry(args.get(i), 0))] = new Location(Kind.ARG, i, 0);
            if (gr != null)
                for (int i = 0; i < sym.outputs().size(); i++) {
                    Node v = gr.headGrads().get(i);
                    if (v != null && g.contains(v)) fixed[g.entryId(new NodeEntry(v, 0))] = new Location(Kind.HEAD_GRAD, i, 0);
                }
            int[] heads = sym.outputs().stream().mapToInt(g::entryId).toArray();
            List<PlanMemory.GradTarget> targets = new ArrayList<>();
            if (gr != null)
                for (int i = 0; i < args.size(); i++) {
                    NodeEntry ge = gr.argGrads().get(args.get(i));
                    if (ge != null) targets.add(new PlanMemory.GradTarget(g.entryId(ge), i, accumulate));
                }
            plan = PlanMemory.run(g, shapes, types, fixed, heads, targets, numForward);
        }

        long bytes(int entry) { return shapes[entry].size() * 4; }
    }

    private static Symbol chain(Symbol x, String op, int n) {
        for (int i = 0; i < n; i++) x = Symbol.create(op, Map.of(), x);
        return x;
    }

    @Test public void longForwardChainReusesTwoBlocks() {
        Planned p = new Planned(chain(Symbol.variable("x"), "tanh", 10), Shape.of(1000), List.of(), false);
        assertEquals(10, p.plan.steps().size());
        assertEquals(10, p.plan.numForwardSteps());
        long block = (4000 + 63) / 64 * 64;
        assertTrue("pool " + p.plan.poolBytes() + " bytes for a 10-op chain", p.plan.poolBytes() <= 3 * block);
        assertEquals(2 * block, p.plan.poolBytes());
        Step last = p.plan.steps().get(9);
        assertEquals("the head is written straight into the output", new Location(Kind.OUTPUT, 0, 0), last.out()[0]);
        assertEquals(Kind.ARG, p.plan.steps().get(0).in()[0].kind());
        assertNoLiveAliasing(p);
    }

    @Test public void planPrintsItsSteps() {
        Planned p = new Planned(chain(Symbol.variable("x"), "tanh", 3), Shape.of(10), List.of("x"), false);
        String s = p.plan.toString();
        assertTrue(s, s.startsWith("MemoryPlan pool=" + p.plan.poolBytes() + " bytes, forward steps=3\n"));
        for (int i = 0; i < p.plan.steps().size(); i++) assertTrue(s, s.contains("  " + i + ": OP node"));
        assertTrue(s, s.contains("in=[ARG#0]"));
        assertTrue(s, s.contains("out=[OUTPUT#0]"));
        assertTrue(s, s.contains("out=[GRAD#0]"));
        assertTrue(s, s.contains("pool+"));
        assertEquals(1 + 6, s.split("\n").length);
    }

    @Test public void backwardChainStaysSmallerThanOneBlockPerEntry() {
        Planned p = new Planned(chain(Symbol.variable("x"), "tanh", 10), Shape.of(1000), List.of("x"), false);
        long block = (4000 + 63) / 64 * 64;
        int pooled = 0;
        for (Location l : p.plan.locations()) if (l != null && l.kind() == Kind.POOL) pooled++;
        assertTrue(pooled > 15);
        // forward intermediates stay alive for backward (9), backward intermediates are reused
        assertTrue("pool " + p.plan.poolBytes(), p.plan.poolBytes() <= 12 * block);
        assertNoLiveAliasing(p);
    }

    @Test public void variableAndRepeatedHeadsAreCopied() {
        Symbol x = Symbol.variable("x");
        Symbol e = Symbol.create("exp", Map.of(), x);
        Planned p = new Planned(Symbol.group(List.of(e, x, e)), Shape.of(4), List.of(), false);
        List<Step> st = p.plan.steps();
        assertEquals(3, st.size());
        assertEquals(StepKind.OP, st.get(0).kind());
        assertEquals(new Location(Kind.OUTPUT, 0, 0), st.get(0).out()[0]);
        assertEquals(StepKind.COPY, st.get(1).kind());
        assertEquals(new Location(Kind.ARG, 0, 0), st.get(1).in()[0]);
        assertEquals(new Location(Kind.OUTPUT, 1, 0), st.get(1).out()[0]);
        assertEquals(StepKind.COPY, st.get(2).kind());
        assertEquals(new Location(Kind.OUTPUT, 0, 0), st.get(2).in()[0]);
        assertEquals(new Location(Kind.OUTPUT, 2, 0), st.get(2).out()[0]);
        assertEquals(0, p.plan.poolBytes());
    }

    @Test public void gradientsAreWrittenInPlaceOrAccumulated() {
        Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
        Planned write = new Planned(a.mul(b), Shape.of(8), List.of("a"), false);
        Step last = write.plan.steps().get(write.plan.steps().size() - 1);
        assertEquals(StepKind.OP, last.kind());
        assertEquals(new Location(Kind.GRAD, 0, 0), last.out()[0]);
        assertEquals(Kind.HEAD_GRAD, last.in()[0].kind());

        Planned add = new Planned(a.mul(b), Shape.of(8), List.of("a"), true);
        List<Step> st = add.plan.steps();
        Step acc = st.get(st.size() - 1);
        assertEquals(StepKind.ACCUMULATE, acc.kind());
        assertEquals(Kind.POOL, acc.in()[0].kind());
        assertEquals(new Location(Kind.GRAD, 0, 0), acc.out()[0]);

        // gradient = head gradient itself: copied
        Planned copy = new Planned(a.plus(b), Shape.of(8), List.of("a", "b"), false);
        List<Step> cs = copy.plan.steps();
        assertEquals(StepKind.COPY, cs.get(cs.size() - 2).kind());
        assertEquals(StepKind.COPY, cs.get(cs.size() - 1).kind());
        assertEquals(Kind.HEAD_GRAD, cs.get(cs.size() - 1).in()[0].kind());
        assertEquals(new Location(Kind.GRAD, 1, 0), cs.get(cs.size() - 1).out()[0]);
    }

    @Test public void unwantedBackwardOutputsAreNotComputed() {
        Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
        Planned p = new Planned(a.div(b), Shape.of(8), List.of("a"), false);
        Step bwd = p.plan.steps().get(1);
        assertEquals("_backward_div", p.g.nodes.get(bwd.nodeId()).op.name);
        assertArrayEquals(new boolean[] {true, false}, bwd.outWanted());
        assertEquals(Kind.NONE, bwd.out()[1].kind());
        assertEquals(new Location(Kind.GRAD, 0, 0), bwd.out()[0]);
    }

    @Test public void randomGraphsNeverAliasLiveEntries() {
        java.util.Random r = new java.util.Random(11);
        for (int t = 0; t < 200; t++) {
            NameManager.reset();
            List<Symbol> pool = new ArrayList<>(List.of(Symbol.variable("x0"), Symbol.variable("x1"), Symbol.variable("x2")));
            int n = 3 + r.nextInt(15);
            for (int i = 0; i < n; i++) {
                Symbol u = pool.get(r.nextInt(pool.size())), v = pool.get(r.nextInt(pool.size()));
                pool.add(switch (r.nextInt(5)) {
                    case 0 -> u.plus(v);
                    case 1 -> u.mul(v);
                    case 2 -> Symbol.create("tanh", Map.of(), u);
                    case 3 -> u.div(v);
                    default -> u.mul(0.5);
                });
            }
            List<Symbol> heads = new ArrayList<>();
            heads.add(pool.get(pool.size() - 1));
            if (r.nextBoolean()) heads.add(pool.get(3 + r.nextInt(n)));
            Symbol sym = Symbol.group(heads);
            List<String> gradArgs = new ArrayList<>();
            for (String s : sym.listArguments()) if (r.nextBoolean()) gradArgs.add(s);
            assertNoLiveAliasing(new Planned(sym, Shape.of(1 + r.nextInt(40)), gradArgs, r.nextBoolean()));
        }
    }

    /**
     * Independent check over the resolved steps: two pooled entries whose byte ranges overlap
     * must have disjoint lifetimes [producing step, last reading step].
     */
    private static void assertNoLiveAliasing(Planned p) {
        Map<Integer, long[]> life = new java.util.HashMap<>();    // entry -> {offset, bytes, def, lastUse}
        List<Step> steps = p.plan.steps();
        for (int s = 0; s < steps.size(); s++) {
            Step st = steps.get(s);
            if (st.kind() == StepKind.OP)
                for (int o = 0; o < st.out().length; o++) {
                    Location l = st.out()[o];
                    if (l.kind() != Kind.POOL) continue;
                    int e = p.g.entryId(st.nodeId(), o);
                    life.put(e, new long[] {l.offset(), p.bytes(e), s, s});
                }
            for (int i = 0; i < st.inEntries().length; i++) {
                long[] v = life.get(st.inEntries()[i]);
                if (st.in()[i].kind() == Kind.POOL) {
                    assertTrue("pooled entry read before it is written", v != null);
                    assertEquals(v[0], st.in()[i].offset());
                    v[3] = Math.max(v[3], s);
                }
            }
        }
        List<Map.Entry<Integer, long[]>> es = new ArrayList<>(life.entrySet());
        for (int i = 0; i < es.size(); i++)
            for (int j = i + 1; j < es.size(); j++) {
                long[] x = es.get(i).getValue(), y = es.get(j).getValue();
                boolean memOverlap = x[0] < y[0] + y[1] && y[0] < x[0] + x[1];
                boolean timeOverlap = x[2] <= y[3] && y[2] <= x[3];
                assertTrue("entries " + es.get(i).getKey() + " and " + es.get(j).getKey() + " share pool bytes while both live\n" + p.plan,
                        !(memOverlap && timeOverlap));
                assertTrue(x[0] + x[1] <= p.plan.poolBytes());
            }
    }
}
