package org.pysym.op;

import static org.junit.Assert.assertEquals;
import static org.pysym.TestSupport.assertPysymError;

import org.junit.Test;

/** The examples of MXNet's Reshape documentation (src/operator/tensor/matrix_op.cc). */
public class ReshapeSpecTest {
    private static Shape r(Shape in, int... spec) { return ReshapeSpec.resolve(in, spec, false); }
    private static final Shape S234 = Shape.of(2, 3, 4);

    @Test public void zeroCopies() {
        assertEquals(Shape.of(4, 3, 2), r(S234, 4, 0, 2));
        assertEquals(Shape.of(2, 3, 4), r(S234, 2, 0, 0));
    }

    @Test public void minusOneInfers() {
        assertEquals(Shape.of(6, 1, 4), r(S234, 6, 1, -1));
        assertEquals(Shape.of(3, 1, 8), r(S234, 3, -1, 8));
        assertEquals(Shape.of(24), r(S234, -1));
    }

    @Test public void minusTwoCopiesTheRest() {
        assertEquals(Shape.of(2, 3, 4), r(S234, -2));
        assertEquals(Shape.of(2, 3, 4), r(S234, 2, -2));
        assertEquals(Shape.of(2, 3, 4, 1, 1), r(S234, -2, 1, 1));
    }

    @Test public void minusThreeMerges() {
        assertEquals(Shape.of(6, 4), r(S234, -3, 4));
        assertEquals(Shape.of(6, 20), r(Shape.of(2, 3, 4, 5), -3, -3));
        assertEquals(Shape.of(2, 12), r(S234, 0, -3));
        assertEquals(Shape.of(6, 4), r(S234, -3, -2));
    }

    @Test public void minusFourSplits() {
        assertEquals(Shape.of(1, 2, 3, 4), r(S234, -4, 1, 2, -2));
        assertEquals(Shape.of(2, 1, 3, 4), r(S234, 2, -4, -1, 3, -2));
    }

    @Test public void reverseMatchesFromTheRight() {
        assertEquals(Shape.of(40, 5), ReshapeSpec.resolve(Shape.of(10, 5, 4), new int[] {-1, 0}, false));
        assertEquals(Shape.of(50, 4), ReshapeSpec.resolve(Shape.of(10, 5, 4), new int[] {-1, 0}, true));
    }

    @Test public void plainTargets() {
        assertEquals(Shape.of(4, 6), r(S234, 4, 6));
        assertEquals(Shape.of(24, 1), r(S234, 24, 1));
    }

    @Test public void errorsNameTheInputAndTheSpec() {
        assertPysymError(() -> r(S234, 5, 5), "Reshape of (2,3,4)", "[5, 5]", "elements");
        assertPysymError(() -> r(S234, -1, -1), "only one dimension can be -1");
        assertPysymError(() -> r(S234, -4, -1, -1, -2), "cannot infer both");
        assertPysymError(() -> r(S234, -4, 5, 2), "does not equal");
        assertPysymError(() -> r(S234, 0, 0, 0, 0), "past the input's rank");
        assertPysymError(() -> r(S234, -5), "invalid code -5");
        assertPysymError(() -> r(S234, -1, 5), "cannot infer");
        assertPysymError(() -> r(Shape.of(4), -3), "-3 needs two input dimensions");
    }
}
