package org.pysym.op;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Random;
import org.junit.Test;

/** IEEE binary16 conversions checked against values derived from the format definition. */
public class HalfTest {
    /** Independent decoding: (-1)^s * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024. */
    private static double decode(int bits) {
        int s = (bits >> 15) & 1, e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
        double v;
        if (e == 0x1f) v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        else if (e == 0) v = Math.scalb(m / 1024.0, -14);
        else v = Math.scalb(1 + m / 1024.0, e - 15);
        return s == 1 ? -v : v;
    }

    @Test public void knownValues() {
        assertEquals(1.0f, Half.toFloat((short) 0x3c00), 0);
        assertEquals(-2.0f, Half.toFloat((short) 0xc000), 0);
        assertEquals(65504.0f, Half.toFloat((short) 0x7bff), 0);
        assertEquals(0x1p-24f, Half.toFloat((short) 0x0001), 0);
        assertEquals(0x1p-14f, Half.toFloat((short) 0x0400), 0);
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat((short) 0x7c00), 0);
        assertTrue(Float.isNaN(Half.toFloat((short) 0x7e00)));
        assertEquals((short) 0x3c00, Half.fromFloat(1.0f));
        assertEquals((short) 0x3555, Half.fromFloat(1f / 3f));
        assertEquals((short) 0x8000, Half.fromFloat(-0.0f));
        assertEquals((short) 0x7c00, Half.fromFloat(1e6f));
        assertEquals((short) 0xfc00, Half.fromFloat(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0, Half.fromFloat(1e-9f));
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
    }

    @Test public void everyHalfDecodesAndRoundTrips() {
        for (int b = 0; b < 0x10000; b++) {
            float f = Half.toFloat((short) b);
            double ref = decode(b);
            if (Double.isNaN(ref)) {
                assertTrue(Float.isNaN(f));
                assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(f))));
                continue;
            }
            assertEquals("decode 0x" + Integer.toHexString(b), ref, f, 0);
            assertEquals("round trip 0x" + Integer.toHexString(b), (short) b, Half.fromFloat(f));
        }
    }

    @Test public void roundsToNearestEven() {
        // 2048..4096 has spacing 2: odd integers are ties
        assertEquals(2048f, Half.toFloat(Half.fromFloat(2049f)), 0);
        assertEquals(2052f, Half.toFloat(Half.fromFloat(2051f)), 0);
        assertEquals(2050f, Half.toFloat(Half.fromFloat(2049.01f)), 0);
        // largest half is 65504; 65520 is the tie with 65536, which overflows to infinity
        assertEquals(65504f, Half.toFloat(Half.fromFloat(65519f)), 0);
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat(Half.fromFloat(65520f)), 0);
        // subnormal ties: 1.5 * 2^-24 rounds to 2 * 2^-24 (even), 2.5 * 2^-24 to 2 * 2^-24
        assertEquals(2 * 0x1p-24f, Half.toFloat(Half.fromFloat(1.5f * 0x1p-24f)), 0);
        assertEquals(2 * 0x1p-24f, Half.toFloat(Half.fromFloat(2.5f * 0x1p-24f)), 0);
        assertEquals(0f, Half.toFloat(Half.fromFloat(0.5f * 0x1p-24f)), 0);
    }

    @Test public void randomFloatsRoundToANearestHalf() {
        Random r = new Random(7);
        for (int i = 0; i < 20000; i++) {
            float f = (float) ((r.nextDouble() * 2 - 1) * Math.pow(2, r.nextInt(40) - 26));
            short h = Half.fromFloat(f);
            double got = decode(h & 0xffff);
            if (Double.isInfinite(got)) {
                assertTrue(Math.abs(f) >= 65520f);
                continue;
            }
            // no other finite half is closer
            double err = Math.abs(got - f);
            for (int d : new int[] {-1, 1}) {
                int nb = (h & 0xffff) + d;
                if ((nb & 0x7fff) >= 0x7c00 || nb < 0 || nb > 0xffff || ((nb ^ h) & 0x8000) != 0) continue;
                assertTrue("f=" + f + " half=" + got, err <= Math.abs(decode(nb) - f));
            }
        }
    }
}
