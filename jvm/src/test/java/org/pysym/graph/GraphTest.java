package org.pysym.graph;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Test;

public class GraphTest {
    @Before public void fresh() { NameManager.reset(); }

    @Test public void postOrderAndEntryIds() {
        Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
        Symbol d = Symbol.create("_backward_div", Map.of(), Symbol.create("exp", Map.of(), a), b, a);   // 2 outputs
        Graph g = new Graph(d.outputs());
        List<String> names = g.nodes.stream().map(n -> n.name).toList();
        assertEquals(List.of("a", "exp0", "b", "_backward_div0"), names);
        assertEquals(5, g.numEntries());   // a, exp0, b, and two outputs of _backward_div0
        assertEquals(3, g.entryId(d.outputs().get(0)));
        assertEquals(4, g.entryId(d.outputs().get(1)));
        assertEquals(4, g.entryId(3, 1));
        assertTrue(g.contains(a.outputs().get(0).node()));
        assertFalse(g.contains(Symbol.variable("z").outputs().get(0).node()));
        assertThrows(IllegalArgumentException.class, () -> g.nodeId(Symbol.variable("z").outputs().get(0).node()));
    }

    @Test public void deepChainsDoNotOverflowTheStack() {
        Symbol s = Symbol.variable("x");
        for (int i = 0; i < 20000; i++) s = s.plus(1);
        Graph g = new Graph(s.outputs());
        assertEquals(20001, g.nodes.size());
        assertEquals("x", g.nodes.get(0).name);
        assertEquals(List.of("x"), s.listArguments());
        org.pysym.pass.InferShape.Result r = s.inferShape(Map.of("x", org.pysym.op.Shape.of(3)));
        assertEquals(List.of(org.pysym.op.Shape.of(3)), r.outShapes());
    }

    @Test public void sharedSubgraphsAppearOnce() {
        Symbol a = Symbol.variable("a");
        Symbol e = Symbol.create("exp", Map.of(), a);
        Symbol s = e.plus(e).mul(e);
        assertEquals(4, new Graph(s.outputs()).nodes.size());
    }
}
