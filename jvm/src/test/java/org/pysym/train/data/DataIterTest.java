package org.pysym.train.data;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.assertPysymError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.pysym.TestSupport;
import org.pysym.ndarray.NDArray;
import org.pysym.op.Shape;

/** The data iterators in Java: MXNet 1.9.1's batches (values from tests/fixtures/mxnet/io.json), files, threads, leaks. */
public class DataIterTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();
    @Rule public final TemporaryFolder tmp = new TemporaryFolder();

    /** n examples of two values [2r, 2r+1], labels 10r. */
    private static NDArrayIter numbered(int n, int batch, String handle, boolean shuffle) {
        float[] x = new float[2 * n], y = new float[n];
        for (int r = 0; r < n; r++) {
            x[2 * r] = 2 * r;
            x[2 * r + 1] = 2 * r + 1;
            y[r] = 10 * r;
        }
        try (NDArray data = NDArray.array(x, Shape.of(n, 2), null); NDArray label = NDArray.array(y, Shape.of(n), null)) {
            return new NDArrayIter(List.of(data), List.of(label), batch, shuffle, handle, "data", "softmax_label");
        }
    }

    /** Each batch as its rows followed by its pad, over the given number of epochs. */
    private static List<List<List<Integer>>> epochs(DataIter it, int count) {
        List<List<List<Integer>>> out = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            List<List<Integer>> epoch = new ArrayList<>();
            while (it.hasNext()) {
                DataBatch b = it.next();
                float[] v = b.data().get(0).toArray(), lab = b.label().get(0).toArray();
                List<Integer> rows = new ArrayList<>();
                for (int j = 0; j < lab.length; j++) {
                    int r = (int) (v[2 * j] / 2);
                    assertEquals(10f * r, lab[j], 0f);
                    assertEquals(r, b.index()[j]);
                    rows.add(r);
                }
                rows.add(b.pad());
                epoch.add(rows);
            }
            out.add(epoch);
            it.reset();
        }
        return out;
    }

    private static List<List<Integer>> rows(int[]... batches) {
        List<List<Integer>> out = new ArrayList<>();
        for (int[] b : batches) out.add(Arrays.stream(b).boxed().toList());
        return out;
    }

    @Test public void lastBatchHandlesAsMXNet() {
        try (NDArrayIter pad = numbered(10, 3, "pad", false); NDArrayIter discard = numbered(10, 3, "discard", false);
             NDArrayIter roll = numbered(10, 3, "roll_over", false); NDArrayIter tiny = numbered(2, 5, "pad", false)) {
            assertEquals(List.of(rows(new int[] {0, 1, 2, 0}, new int[] {3, 4, 5, 0}, new int[] {6, 7, 8, 0}, new int[] {9, 0, 1, 2})),
                    epochs(pad, 1));
            assertEquals(List.of(rows(new int[] {0, 1, 2, 0}, new int[] {3, 4, 5, 0}, new int[] {6, 7, 8, 0})), epochs(discard, 1));
            assertEquals(List.of(rows(new int[] {0, 1, 2, 0}, new int[] {3, 4, 5, 0}, new int[] {6, 7, 8, 0}),
                    rows(new int[] {9, 0, 1, 1}, new int[] {2, 3, 4, 0}, new int[] {5, 6, 7, 0}),
                    rows(new int[] {8, 9, 0, 2}, new int[] {1, 2, 3, 0}, new int[] {4, 5, 6, 0}, new int[] {7, 8, 9, 0})),
                    epochs(roll, 3));
            assertEquals(List.of(rows(new int[] {0, 1, 0, 1, 0, 3})), epochs(tiny, 1));
            assertEquals(Map.of("data", Shape.of(3, 2)), pad.provideData());
            assertEquals("DataDesc[softmax_label,(3),float32,__undefined__]", pad.provideLabelDesc().get(0).toString());
        }
    }

    @Test public void shuffledBatchesGatherTheirRows() {
        DataRandom.seed(5);
        List<List<List<Integer>>> first;
        try (NDArrayIter it = numbered(11, 4, "roll_over", true)) {
            first = epochs(it, 3);   // epochs() checks every row against its label and index
        }
        DataRandom.seed(5);
        try (NDArrayIter again = numbered(11, 4, "roll_over", true)) {
            assertEquals(first, epochs(again, 3));
        }
        assertNotEquals(first.get(0), first.get(1));
        assertEquals(3, first.get(1).get(0).get(4).intValue());   // the 3 rows left in epoch 0 open epoch 1
    }

    @Test public void buffersAlternateAndBatchesBorrow() {
        try (NDArrayIter it = numbered(10, 4, "pad", false)) {
            DataBatch a = it.next(), b = it.next(), c = it.next();
            assertSame(a.data().get(0), c.data().get(0));
            assertNotEquals(a.data().get(0), b.data().get(0));
            assertFalse(a.ownsArrays());
            a.dispose();
            assertFalse(c.data().get(0).isDisposed());
            assertEquals(2, it.getPad());
            assertTrue(!it.hasNext());
            try {
                it.next();
                throw new AssertionError("expected NoSuchElementException");
            } catch (NoSuchElementException expected) {
                // the end of the epoch
            }
        }
        assertPysymError(() -> numbered(5, 6, "discard", false), "batch size 6 exceeds the 5 examples");
        assertPysymError(() -> numbered(5, 2, "wrap", false), "lastBatchHandle must be one of pad, discard, roll_over, got 'wrap'");
    }

    private String idx(String name, int magic, int[] dims, int payload) throws IOException {
        byte[] b = new byte[4 + 4 * dims.length + payload];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
        bb.putInt(magic);
        for (int d : dims) bb.putInt(d);
        for (int i = 0; i < payload; i++) b[4 + 4 * dims.length + i] = (byte) (i * 7);
        Path p = tmp.getRoot().toPath().resolve(name);
        Files.write(p, b);
        return p.toString();
    }

    @Test public void mnistFiles() throws IOException {
        String img = idx("img", 0x803, new int[] {5, 2, 3}, 30), lab = idx("lab", 0x801, new int[] {5}, 5);
        try (DataIter it = IO.MNISTIter(Map.of("image", img, "label", lab, "batch_size", "2", "shuffle", "false", "flat", "1"))) {
            assertEquals(Map.of("data", Shape.of(2, 6)), it.provideData());
            DataBatch b = it.next();
            float[] expected = new float[12];
            for (int i = 0; i < 12; i++) expected[i] = ((i * 7) & 0xff) / 256f;
            assertArrayEquals(expected, b.data().get(0).toArray(), 0f);
            assertArrayEquals(new float[] {0, 7}, b.label().get(0).toArray(), 0f);
            it.next();
            assertFalse(it.hasNext());   // the fifth image does not fill a batch
        }
        assertPysymError(() -> IO.MNISTIter(Map.of("image", lab, "label", lab)), "expected magic 0x00000803 at byte offset 0, found 0x00000801");
        String cut = idx("cut", 0x803, new int[] {5, 2, 3}, 20);
        assertPysymError(() -> IO.MNISTIter(Map.of("image", cut, "label", lab)), "is truncated", "should have 46 bytes, but it has 36",
                "example 3, at byte offset 34");
    }

    @Test public void csvRows() throws IOException {
        Path f = tmp.getRoot().toPath().resolve("d.csv");
        Files.writeString(f, "1,2\n3,4\n5,6\n");
        try (DataIter it = IO.CSVIter(Map.of("data_csv", f.toString(), "data_shape", "(2)", "batch_size", "2"))) {
            it.next();
            DataBatch b = it.next();
            assertArrayEquals(new float[] {5, 6, 1, 2}, b.data().get(0).toArray(), 0f);
            assertArrayEquals(new long[] {2, 0}, b.index());
            assertEquals(1, b.pad());
        }
        Files.writeString(f, "1,2\n3;4\n");
        assertPysymError(() -> IO.CSVIter(Map.of("data_csv", f.toString(), "data_shape", "(2)", "batch_size", "2")), "line 2 has 1 values");
    }

    @Test public void prefetchingMatchesAndStops() {
        try (NDArrayIter plain = numbered(13, 4, "roll_over", false); NDArrayIter inner = numbered(13, 4, "roll_over", false)) {
            List<List<List<Integer>>> expected = epochs(plain, 3);
            PrefetchingIter it = new PrefetchingIter(List.of(inner), List.of(Map.of("data", "x")), null);
            assertEquals(Map.of("x", Shape.of(4, 2)), it.provideData());
            assertEquals(expected, epochs(it, 3));
            assertTrue(it.threadsAlive());
            it.dispose();
            assertFalse(it.threadsAlive());
            assertPysymError(it::hasNext, "PrefetchingIter has been disposed");
        }
    }

    @Test public void resizeRepeatsTheInnerIterator() {
        try (NDArrayIter inner = numbered(10, 3, "pad", false)) {
            ResizeIter it = new ResizeIter(inner, 6);
            List<List<List<Integer>>> got = epochs(it, 1);
            assertEquals(List.of(rows(new int[] {0, 1, 2, 0}, new int[] {3, 4, 5, 0}, new int[] {6, 7, 8, 0}, new int[] {9, 0, 1, 2},
                    new int[] {0, 1, 2, 0}, new int[] {3, 4, 5, 0})), got);
        }
    }
}
