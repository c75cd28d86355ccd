package org.pysym.pass;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.assertPysymError;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Test;
import org.pysym.graph.NameManager;
import org.pysym.graph.Symbol;
import org.pysym.op.Shape;

public class InferShapeTest {
    private Symbol a, b, c;

    @Before public void fresh() {
        NameManager.reset();
        a = Symbol.variable("a");
        b = Symbol.variable("b");
        c = Symbol.variable("c");
    }

    @Test public void forwardFill() {
        Symbol y = Symbol.create("exp", Map.of(), a.plus(b)).mul(c);
        InferShape.Result r = y.inferShape(Map.of("a", Shape.of(2, 3)));
        assertEquals(List.of(Shape.of(2, 3), Shape.of(2, 3), Shape.of(2, 3)), r.argShapes());
        assertEquals(List.of(Shape.of(2, 3)), r.outShapes());
        assertEquals(List.of(), r.auxShapes());
        assertTrue(r.complete());
    }

    @Test public void backwardFillFromALaterInput() {
        // only c is known; a and b are reached backwards through mul, exp and plus
        Symbol y = Symbol.create("exp", Map.of(), a.plus(b)).mul(c);
        InferShape.Result r = y.inferShape(Map.of("c", Shape.of(4)));
        assertEquals(List.of(Shape.of(4), Shape.of(4), Shape.of(4)), r.argShapes());
        assertTrue(r.complete());
    }

    @Test public void partialInferenceLeavesUnknownsNull() {
        Symbol g = Symbol.group(List.of(a.plus(b), Symbol.create("tanh", Map.of(), c)));
        InferShape.Result r = g.inferShape(Map.of("b", Shape.of(5, 1)));
        assertEquals(Arrays.asList(Shape.of(5, 1), Shape.of(5, 1), null), r.argShapes());
        assertEquals(Arrays.asList(Shape.of(5, 1), null), r.outShapes());
        assertFalse(r.complete());
        InferShape.Result none = g.inferShape(Map.of());
        assertEquals(Arrays.asList(null, null, null), none.argShapes());
        assertFalse(none.complete());
    }

    @Test public void inconsistentShapesRaiseNamingTheNode() {
        Symbol y = a.plus(b);
        assertPysymError(() -> y.inferShape(Map.of("a", Shape.of(2, 3), "b", Shape.of(3, 2))),
                "Error in operator _plus0", "Shape inconsistent", "Provided = [3,2]", "inferred shape=(2,3)");
        Symbol z = Symbol.create("exp", Map.of(), a).mul(b).plus(c);
        assertPysymError(() -> z.inferShape(Map.of("a", Shape.of(2), "c", Shape.of(3))), "Shape inconsistent");
    }

    @Test public void unknownKeywordRaisesWithCandidates() {
        assertPysymError(() -> a.plus(b).inferShape(Map.of("x", Shape.of(1))),
                "InferShapeKeyword argument name x not found", "[0]a", "[1]b");
    }

    @Test public void variableShapeAttributeIsAKnownShape() {
        Symbol w = Symbol.variable("w", null, Shape.of(3, 4), null, null, null, null);
        InferShape.Result r = w.plus(a).inferShape(Map.of());
        assertEquals(List.of(Shape.of(3, 4), Shape.of(3, 4)), r.argShapes());
        Symbol unknownDim = Symbol.variable("u", Map.of("__shape__", "(0, 4)"));
        assertNull("a 0 dimension means unknown", unknownDim.inferShape(Map.of()).argShapes().get(0));
        assertPysymError(() -> w.plus(a).inferShape(Map.of("a", Shape.of(4, 3))), "Shape inconsistent");
    }

    @Test public void positionalFormFollowsListArguments() {
        Symbol y = a.mul(b).plus(c);
        InferShape.Result r = y.inferShape(Arrays.asList(null, Shape.of(7), null));
        assertEquals(List.of(Shape.of(7), Shape.of(7), Shape.of(7)), r.argShapes());
        assertPysymError(() -> y.inferShape(Arrays.asList(Shape.of(1), Shape.of(1), Shape.of(1), Shape.of(1))),
                "got 4 shapes for 3 arguments");
    }

    @Test public void multiOutputBackwardOperator() {
        Symbol d = Symbol.create("_backward_div", Map.of(), a, b, c);
        InferShape.Result r = d.inferShape(Map.of("b", Shape.of(2, 2)));
        assertEquals(List.of(Shape.of(2, 2), Shape.of(2, 2)), r.outShapes());
    }

    /** MXNet matches keyword shapes to every argument node of that name (MatchArguments). */
    @Test public void sameNamedVariablesAllReceiveTheKeywordShape() {
        Symbol x1 = Symbol.variable("x"), x2 = Symbol.variable("x");
        Symbol g = Symbol.group(List.of(Symbol.create("exp", Map.of(), x1), Symbol.create("tanh", Map.of(), x2)));
        InferShape.Result r = g.inferShape(Map.of("x", Shape.of(2)));
        assertEquals(List.of(Shape.of(2), Shape.of(2)), r.argShapes());
        assertEquals(List.of(Shape.of(2), Shape.of(2)), r.outShapes());
    }
}
