package org.pysym.op;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;
import org.pysym.PysymError;

public class ShapeTest {
    @Test public void printsLikeMXNetScala() {
        assertEquals("(2,3)", Shape.of(2, 3).toString());
        assertEquals("(5)", Shape.of(5).toString());
        assertEquals("()", Shape.of().toString());
    }

    @Test public void printsMXNetAttributeSpelling() {
        assertEquals("(2, 3)", Shape.of(2, 3).toMXString());
        assertEquals("(5,)", Shape.of(5).toMXString());
        assertEquals("()", Shape.of().toMXString());
    }

    @Test public void equalityAndHashByDimensions() {
        assertEquals(Shape.of(2, 3), Shape.of(2, 3));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertEquals(Shape.of(2, 3), Shape.of(2L, 3L));
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
        assertNotEquals(Shape.of(2, 3), Shape.of(2, 3, 1));
        assertNotEquals(Shape.of(2, 3), "(2,3)");
    }

    @Test public void sizeAndAccessors() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(24L, s.size());
        assertEquals(3, s.ndim());
        assertEquals(3, s.get(1));
        assertEquals(1L, Shape.of().size());
        assertEquals(0L, Shape.of(4, 0).size());
        assertEquals(Shape.of(2, 7, 4), s.withDim(1, 7));
        assertEquals(Shape.of(3, 4), s.drop(1));
        int[] a = s.toArray();
        a[0] = 99;
        assertEquals("toArray must return a copy", 2, s.get(0));
    }

    @Test public void ofCopiesItsArgument() {
        int[] d = {2, 3};
        Shape s = Shape.of(d);
        d[0] = 9;
        assertEquals(Shape.of(2, 3), s);
    }

    @Test public void rejectsNegativeDimensions() {
        PysymError e = assertThrows(PysymError.class, () -> Shape.of(2, -1));
        assertTrue(e.getMessage(), e.getMessage().contains("negative"));
        assertThrows(PysymError.class, () -> Shape.of(2L, -1L));
        assertEquals(Shape.ofSigned(2, -1).get(1), -1);
    }

    @Test public void rejectsTooManyDimensions() {
        Shape.of(1, 1, 1, 1, 1, 1, 1, 1);
        PysymError e = assertThrows(PysymError.class, () -> Shape.of(1, 1, 1, 1, 1, 1, 1, 1, 1));
        assertTrue(e.getMessage(), e.getMessage().contains("at most 8"));
    }
}
