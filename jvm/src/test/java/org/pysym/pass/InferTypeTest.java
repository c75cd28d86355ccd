package org.pysym.pass;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.assertPysymError;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Test;
import org.pysym.graph.NameManager;
import org.pysym.graph.Symbol;
import org.pysym.op.DType;

public class InferTypeTest {
    private Symbol a, b;

    @Before public void fresh() {
        NameManager.reset();
        a = Symbol.variable("a");
        b = Symbol.variable("b");
    }

    @Test public void sameTypeEverywhere() {
        InferType.Result r = a.plus(b).mul(2).inferType(Map.of("b", DType.Float64));
        assertEquals(List.of(DType.Float64, DType.Float64), r.argTypes());
        assertEquals(List.of(DType.Float64), r.outTypes());
        assertTrue(r.complete());
    }

    @Test public void unknownStaysNull() {
        InferType.Result r = Symbol.group(List.of(a, b.plus(1))).inferType(Map.of("a", DType.Float32));
        assertEquals(Arrays.asList(DType.Float32, null), r.argTypes());
        assertFalse(r.complete());
    }

    @Test public void dtypeAttributeIsKnown() {
        Symbol w = Symbol.variable("w", null, null, null, null, DType.Float16, null);
        assertEquals(List.of(DType.Float16, DType.Float16), w.mul(a).inferType(Map.of()).argTypes());
    }

    @Test public void errors() {
        assertPysymError(() -> a.plus(b).inferType(Map.of("a", DType.Float32, "b", DType.Int32)),
                "_plus0", "Type inconsistent");
        assertPysymError(() -> a.plus(b).inferType(Map.of("z", DType.Float32)), "InferTypeKeyword argument name z not found");
    }
}
