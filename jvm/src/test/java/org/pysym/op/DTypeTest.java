package org.pysym.op;

import static org.junit.Assert.assertEquals;
import static org.pysym.TestSupport.assertPysymError;

import org.junit.Test;

public class DTypeTest {
    @Test public void mxnetTypeFlagsAndSizes() {
        int[] ids = {0, 1, 2, 3, 4, 5, 6};
        String[] names = {"float32", "float64", "float16", "uint8", "int32", "int8", "int64"};
        int[] bytes = {4, 8, 2, 1, 4, 1, 8};
        for (int i = 0; i < ids.length; i++) {
            DType t = DType.byId(ids[i]);
            assertEquals(names[i], t.toString());
            assertEquals(bytes[i], t.bytes);
            assertEquals(t, DType.byName(names[i]));
        }
        assertEquals(DType.Float32, DType.byName("Float32"));
    }

    @Test public void unknownDTypes() {
        assertPysymError(() -> DType.byId(7), "unknown dtype id 7");
        assertPysymError(() -> DType.byName("bfloat16"), "bfloat16", "float32");
    }
}
