package org.pysym;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Random;
import org.junit.rules.ExternalResource;
import org.junit.function.ThrowingRunnable;
import org.pysym.memory.TrackingAllocator;
import org.pysym.ndarray.NDArray;
import org.pysym.op.Shape;

/** Helpers shared by the JUnit tests: array construction, tolerant comparison, error and leak checks. */
public final class TestSupport {
    private TestSupport() {}

    /** A float32 NDArray holding data with the given dimensions (1-D if none). */
    public static NDArray arr(float[] data, int... dims) {
        return NDArray.array(data, dims.length == 0 ? Shape.of(data.length) : Shape.of(dims), null);
    }

    /** n values uniform in [lo, hi), reproducible. */
    public static float[] uniform(long seed, int n, double lo, double hi) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    public static float[] filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    /** |actual - expected| <= atol + rtol * |expected| for every element. */
    public static void assertClose(String what, double[] expected, float[] actual, double rtol, double atol) {
        assertEquals(what + ": length", expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tol))
                fail(String.format("%s[%d]: expected %.9g, got %.9g (tolerance %.3g)", what, i, expected[i], actual[i], tol));
        }
    }

    public static void assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) e[i] = expected[i];
        assertClose(what, e, actual, rtol, atol);
    }

    /** Runs r, expecting a PysymError whose message contains every fragment; returns the message. */
    public static String assertPysymError(ThrowingRunnable r, String... fragments) {
        try {
            r.run();
        } catch (PysymError e) {
            String m = e.getMessage();
            for (String f : fragments) assertTrue("message should contain '" + f + "' but was: " + m, m.contains(f));
            return m;
        } catch (Throwable t) {
            throw new AssertionError("expected a PysymError, got " + t, t);
        }
        throw new AssertionError("expected a PysymError containing " + java.util.Arrays.toString(fragments) + ", nothing was thrown");
    }

    /**
     * Fails a test that leaves native memory allocated: live bytes and buffers must not grow over
     * the test. (They may shrink: the Cleaner can free what another test class leaked meanwhile.)
     */
    public static final class LeakCheck extends ExternalResource {
        private long bytes, buffers;

        @Override protected void before() {
            bytes = TrackingAllocator.liveBytes();
            buffers = TrackingAllocator.liveBuffers();
        }

        @Override protected void after() {
            long b = TrackingAllocator.liveBytes(), n = TrackingAllocator.liveBuffers();
            assertTrue("native memory leaked by this test: " + (b - bytes) + " bytes in " + (n - buffers) + " buffers",
                    b <= bytes && n <= buffers);
        }
    }
}
