package org.pysym.train.data;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The random streams that shuffle data. Each shuffling iterator takes the next stream of a sequence
 * that MXNet's Random.seed restarts, so iterators built after a seed shuffle reproducibly.
 * (MXNet shuffles NDArrayIter with NumPy's global generator: the orders themselves differ.)
 */
public final class DataRandom {
    private DataRandom() {}

    private static final AtomicLong seeds = new AtomicLong(0xDA7A5EEDL);

    public static void seed(long seed) { seeds.set(seed); }

    static SplittableRandom nextStream() { return new SplittableRandom(seeds.incrementAndGet() * 0x9E3779B97F4A7C15L); }

    /** Fisher-Yates, in place. */
    static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }
}
