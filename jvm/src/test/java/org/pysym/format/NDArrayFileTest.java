package org.pysym.format;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.pysym.TestSupport.assertPysymError;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.pysym.PysymError;
import org.pysym.TestSupport;
import org.pysym.memory.TrackingAllocator;
import org.pysym.nativeio.Native;
import org.pysym.ndarray.NDArray;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/** MXNet's NDArray-list format: the MXNet 1.9.1 fixtures bit for bit, round trips, exact layout, malformed files, fuzz. */
public class NDArrayFileTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();
    @Rule public final TemporaryFolder tmp = new TemporaryFolder();

    static final File FIXTURES = new File("tests/fixtures/mxnet");

    // ---- helpers -------------------------------------------------------------------------------

    static byte[] raw(NDArray a) {
        byte[] b = new byte[(int) a.byteSize()];
        if (b.length > 0) Native.wrap(a.address(), b.length).get(b);
        return b;
    }

    static File[] paramFiles() {
        File[] fs = FIXTURES.listFiles((d, n) -> n.endsWith(".params"));
        assertTrue("no .params fixtures in " + FIXTURES.getAbsolutePath(), fs != null && fs.length >= 5);
        Arrays.sort(fs);
        return fs;
    }

    /** A .npy entry of an .npz: dtype string, shape and raw little-endian bytes. */
    static final class Npy {
        final String descr;
        final int[] shape;
        final byte[] data;
        Npy(String descr, int[] shape, byte[] data) { this.descr = descr; this.shape = shape; this.data = data; }
        String descr() { return descr; }
        int[] shape() { return shape; }
        byte[] data() { return data; }
    }

    static Map<String, Npy> readNpz(File f) throws IOException {
        Map<String, Npy> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(f)) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                byte[] all;
                try (InputStream in = z.getInputStream(e)) { all = in.readAllBytes(); }
                ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals((byte) 0x93, b.get(0));
                int major = all[6];
                int hlen = major == 1 ? (b.getShort(8) & 0xffff) : b.getInt(8);
                int start = major == 1 ? 10 : 12;
                String header = new String(all, start, hlen, StandardCharsets.ISO_8859_1);
                Matcher d = Pattern.compile("'descr':\\s*'([^']+)'").matcher(header);
                Matcher s = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(header);
                assertTrue(header, d.find() && s.find() && header.contains("'fortran_order': False"));
                int[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                        .mapToInt(Integer::parseInt).toArray();
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
                out.put(name, new Npy(d.group(1), shape, Arrays.copyOfRange(all, start + hlen, all.length)));
            }
        }
        return out;
    }

    static NDArray filled(DType t, Shape s, long seed) {
        Random r = new Random(seed);
        double[] v = new double[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (t) {
                case Float32, Float64, Float16 -> r.nextGaussian() * 100;
                case UInt8 -> r.nextInt(256);
                case Int8 -> r.nextInt(256) - 128;
                case Int32 -> r.nextInt();
                case Int64 -> r.nextLong() >> 8;   // exact in a double
            };
        }
        return NDArray.empty(s, null, t).set(v);
    }

    /** Little-endian byte builder for hand-made files. */
    static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        Bytes u32(long v) { for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i))); return this; }
        Bytes u64(long v) { for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i))); return this; }
        Bytes f32(float... v) { for (float x : v) u32(Float.floatToRawIntBits(x)); return this; }
        Bytes str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); u64(b.length); out.write(b, 0, b.length); return this; }
        Bytes header(long n) { return u64(0x112).u64(0).u64(n); }
        byte[] get() { return out.toByteArray(); }
    }

    // ---- the real MXNet 1.9.1 files --------------------------------------------------------------

    @Test public void loadsEveryMXNetFixtureBitExactly() throws IOException {
        int checked = 0;
        for (File f : paramFiles()) {
            String model = f.getName().replace("-0000.params", "");
            Map<String, Npy> npz = readNpz(new File(FIXTURES, model + "-io.npz"));
            try (NDArrayFile.Contents c = NDArrayFile.load(f.getPath())) {
                assertTrue(f + " has names", c.hasNames());
                assertTrue(c.size() > 0);
                for (int i = 0; i < c.size(); i++) {
                    String key = c.names().get(i);
                    assertTrue(key, key.startsWith("arg:") || key.startsWith("aux:"));
                    Npy want = npz.get(key.replace(':', '/'));
                    assertTrue(model + ": no npz entry for " + key, want != null);
                    NDArray a = c.arrays().get(i);
                    assertEquals(key, "<f4", want.descr());
                    assertEquals(key, DType.Float32, a.dtype());
                    assertEquals(key, Shape.of(want.shape()), a.shape());
                    assertArrayEquals(key, want.data(), raw(a));
                    assertEquals("cpu(0)", a.context().toString());
                    checked++;
                }
                // every parameter and aux state of the model is in the file (data and labels are not)
                long expected = npz.keySet().stream().filter(k -> k.startsWith("aux/")).count();
                assertEquals(model + " aux count", expected, c.names().stream().filter(n -> n.startsWith("aux:")).count());
            }
        }
        assertTrue(checked >= 20);
    }

    @Test public void fixtureFilesRoundTripByteForByte() throws IOException {
        // pysym writes exactly the bytes MXNet 1.9.1 wrote
        for (File f : paramFiles()) {
            byte[] original = Files.readAllBytes(f.toPath());
            try (NDArrayFile.Contents c = NDArrayFile.load(f.getPath())) {
                assertArrayEquals(f.getName(), original, NDArrayFile.saveToBytes(c.names(), c.arrays()));
                File out = tmp.newFile(f.getName());
                NDArrayFile.save(out.getPath(), c.toMap());
                assertArrayEquals(f.getName(), original, Files.readAllBytes(out.toPath()));
            }
        }
    }

    @Test public void loadsCheckpointParams() {
        try (NDArrayFile.CheckpointParams p = NDArrayFile.loadCheckpointParams(new File(FIXTURES, "bn_residual").getPath(), 0)) {
            assertEquals(List.of("conv1_weight", "bn1_gamma", "bn1_beta", "conv2_weight", "conv2_bias", "bn2_gamma", "bn2_beta",
                    "fc_weight", "fc_bias"), new ArrayList<>(p.argParams().keySet()));
            assertEquals(List.of("bn1_moving_mean", "bn1_moving_var", "bn2_moving_mean", "bn2_moving_var"),
                    new ArrayList<>(p.auxParams().keySet()));
            assertEquals(Shape.of(8, 8, 3, 3), p.argParams().get("conv1_weight").shape());
        }
        try (NDArrayFile.CheckpointParams p = NDArrayFile.loadCheckpointParams(new File(FIXTURES, "mlp").getPath(), 0)) {
            assertEquals(4, p.argParams().size());
            assertTrue(p.auxParams().isEmpty());
        }
        assertPysymError(() -> NDArrayFile.loadCheckpointParams(new File(FIXTURES, "mlp").getPath(), 7),
                "mlp-0007.params", "no such file");
        assertEquals("model-0012.params", NDArrayFile.checkpointParamsPath("model", 12));
        assertPysymError(() -> NDArrayFile.checkpointParamsPath("model", -1), "epoch", "-1");
    }

    @Test public void checkpointRoundTripAndBadKeys() throws IOException {
        String prefix = new File(tmp.getRoot(), "net").getPath();
        try (NDArray w = filled(DType.Float32, Shape.of(3, 2), 1); NDArray m = filled(DType.Float64, Shape.of(2), 2)) {
            NDArrayFile.saveCheckpointParams(prefix, 3, Map.of("w", w), Map.of("bn_moving_mean", m));
            try (NDArrayFile.Contents c = NDArrayFile.load(prefix + "-0003.params")) {
                assertEquals(List.of("arg:w", "aux:bn_moving_mean"), c.names());
            }
            try (NDArrayFile.CheckpointParams p = NDArrayFile.loadCheckpointParams(prefix, 3)) {
                assertArrayEquals(raw(w), raw(p.argParams().get("w")));
                assertArrayEquals(raw(m), raw(p.auxParams().get("bn_moving_mean")));
                assertEquals(DType.Float64, p.auxParams().get("bn_moving_mean").dtype());
            }
            // other prefixes are dropped (and freed) as MXNet's load_checkpoint does; no prefix at all is an error
            NDArrayFile.save(prefix + "-0004.params", List.of("arg:w", "opt:state", "arg:w"), List.of(w, m, w));
            try (NDArrayFile.CheckpointParams p = NDArrayFile.loadCheckpointParams(prefix, 4)) {
                assertEquals(List.of("w"), new ArrayList<>(p.argParams().keySet()));
            }
            NDArrayFile.save(prefix + "-0005.params", Map.of("w", w));
            assertPysymError(() -> NDArrayFile.loadCheckpointParams(prefix, 5), "entry 'w'", "'arg:' or 'aux:'");
            NDArrayFile.save(prefix + "-0006.params", List.of(w));
            assertPysymError(() -> NDArrayFile.loadCheckpointParams(prefix, 6), "no names");
        }
    }

    // ---- writing ---------------------------------------------------------------------------------

    @Test public void roundTripsEveryDTypeWithAndWithoutNames() throws IOException {
        List<NDArray> arrays = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Shape[] shapes = {Shape.of(7), Shape.of(2, 3), Shape.of(1, 2, 3, 4, 1), Shape.of(0, 3), Shape.of(1, 1, 1, 1, 1, 1, 1, 2)};
        long seed = 0;
        try {
            for (DType t : DType.values())
                for (Shape s : shapes) {
                    arrays.add(filled(t, s, seed++));
                    names.add("arg:" + t + "_" + s + "_ü");
                }
            for (boolean named : new boolean[] {true, false}) {
                File f = tmp.newFile("all-" + named + ".params");
                if (named) NDArrayFile.save(f.getPath(), names, arrays);
                else NDArrayFile.save(f.getPath(), arrays);
                assertArrayEquals(NDArrayFile.saveToBytes(named ? names : List.of(), arrays), Files.readAllBytes(f.toPath()));
                try (NDArrayFile.Contents c = NDArrayFile.load(f.getPath())) {
                    assertEquals(named ? names : List.of(), c.names());
                    assertEquals(named, c.hasNames());
                    assertEquals(arrays.size(), c.size());
                    for (int i = 0; i < arrays.size(); i++) {
                        NDArray want = arrays.get(i), got = c.arrays().get(i);
                        assertEquals(want.dtype(), got.dtype());
                        assertEquals(want.shape(), got.shape());
                        assertArrayEquals(names.get(i), raw(want), raw(got));
                    }
                    if (!named) assertPysymError(c::toMap, "no names");
                }
            }
            // an empty list and an empty map
            File e = tmp.newFile("empty.params");
            NDArrayFile.save(e.getPath(), List.<NDArray>of());
            assertEquals(32, e.length());
            try (NDArrayFile.Contents c = NDArrayFile.load(e.getPath())) { assertEquals(0, c.size()); }
        } finally {
            for (NDArray a : arrays) a.dispose();
        }
    }

    @Test public void writesMXNetsExactLayout() {
        try (NDArray a = NDArray.array(new float[] {1, 2, 3, 4, 5, 6}, Shape.of(2, 3), null);
             NDArray b = NDArray.empty(Shape.of(2), null, DType.Int64).set(new double[] {-1, 7})) {
            byte[] want = new Bytes().header(2)
                    .u32(0xF993FAC9L).u32(0).u32(2).u64(2).u64(3).u32(1).u32(0).u32(0).f32(1, 2, 3, 4, 5, 6)
                    .u32(0xF993FAC9L).u32(0).u32(1).u64(2).u32(1).u32(0).u32(6).u64(-1).u64(7)
                    .u64(2).str("w").str("aux:b").get();
            assertArrayEquals(want, NDArrayFile.saveToBytes(List.of("w", "aux:b"), List.of(a, b)));
        }
    }

    @Test public void saveRejectsWhatMXNetCannotRead() throws IOException {
        String path = new File(tmp.getRoot(), "x.params").getPath();
        try (NDArray scalar = NDArray.empty(Shape.of(), null, DType.Float32); NDArray a = NDArray.ones(2)) {
            assertPysymError(() -> NDArrayFile.save(path, List.of(scalar)), "array 0", "0-dimensional", "(1,)");
            assertPysymError(() -> NDArrayFile.save(path, Map.of("s", scalar)), "array 's'", "0-dimensional");
            assertPysymError(() -> NDArrayFile.save(path, List.of("a", "b"), List.of(a)), "2 names for 1 arrays");
            NDArray d = NDArray.ones(3);
            d.dispose();
            assertPysymError(() -> NDArrayFile.save(path, List.of(a, d)), "array 1", "disposed");
            assertPysymError(() -> NDArrayFile.save(tmp.getRoot().getPath() + "/no/such/dir/x.params", List.of(a)),
                    "cannot write", "no/such/dir");
            assertFalse(new File(path).exists());
            // a failed save leaves the previous file untouched and no temporary behind
            NDArrayFile.save(path, List.of(a));
            byte[] before = Files.readAllBytes(new File(path).toPath());
            assertPysymError(() -> NDArrayFile.save(path, List.of(a, d)), "disposed");
            assertArrayEquals(before, Files.readAllBytes(new File(path).toPath()));
            assertEquals(1, tmp.getRoot().list().length);
        }
    }

    // ---- older versions --------------------------------------------------------------------------

    @Test public void readsV1LegacyAndV3Arrays() {
        // V1: no storage type; int32 ndim + int64 dims
        byte[] v1 = new Bytes().header(1).u32(0xF993FAC8L).u32(2).u64(1).u64(2).u32(1).u32(0).u32(0).f32(1.5f, -2)
                .u64(1).str("x").get();
        // legacy: the first uint32 is the ndim, dims are uint32
        byte[] legacy = new Bytes().header(1).u32(2).u32(2).u32(1).u32(1).u32(0).u32(1).u64(Double.doubleToLongBits(3.25))
                .u64(Double.doubleToLongBits(-4)).u64(0).get();
        // V3 (NumPy shape semantics): ndim 0 is a scalar with one element
        byte[] v3 = new Bytes().header(1).u32(0xF993FACAL).u32(0).u32(0).u32(1).u32(0).u32(0).f32(3.5f).u64(0).get();
        try (NDArrayFile.Contents c = NDArrayFile.load(v1)) {
            assertEquals(List.of("x"), c.names());
            assertEquals(Shape.of(1, 2), c.arrays().get(0).shape());
            assertArrayEquals(new float[] {1.5f, -2}, c.arrays().get(0).toArray(), 0);
        }
        try (NDArrayFile.Contents c = NDArrayFile.load(legacy)) {
            assertEquals(Shape.of(2, 1), c.arrays().get(0).shape());
            assertEquals(DType.Float64, c.arrays().get(0).dtype());
            assertArrayEquals(new double[] {3.25, -4}, c.arrays().get(0).toFloat64Array(), 0);
        }
        try (NDArrayFile.Contents c = NDArrayFile.load(v3)) {
            assertEquals(Shape.of(), c.arrays().get(0).shape());
            assertArrayEquals(new float[] {3.5f}, c.arrays().get(0).toArray(), 0);
        }
        // a GPU array loads into cpu(0), as a CPU-only MXNet does
        byte[] gpu = new Bytes().header(1).u32(0xF993FAC9L).u32(0).u32(1).u64(1).u32(2).u32(3).u32(0).f32(9).u64(0).get();
        try (NDArrayFile.Contents c = NDArrayFile.load(gpu)) {
            assertEquals("cpu(0)", c.arrays().get(0).context().toString());
        }
    }

    // ---- malformed files -------------------------------------------------------------------------

    static Bytes oneArray(long stype, long ndim, long[] dims, long devType, long flag) {
        Bytes b = new Bytes().header(1).u32(0xF993FAC9L).u32(stype).u32(ndim);
        for (long d : dims) b.u64(d);
        return b.u32(devType).u32(0).u32(flag);
    }

    @Test public void malformedFilesNameTheProblemAndOffset() throws IOException {
        byte[] good = Files.readAllBytes(new File(FIXTURES, "mlp-0000.params").toPath());
        assertPysymError(() -> NDArrayFile.load(new byte[0]), "truncated", "file header", "byte offset 0");
        assertPysymError(() -> NDArrayFile.load(Arrays.copyOf(good, 20)), "truncated", "array count", "byte offset 16");
        byte[] wrong = good.clone();
        wrong[0] = 0x13;
        assertPysymError(() -> NDArrayFile.load(wrong), "not an MXNet NDArray file", "0x113", "byte offset 0");
        assertPysymError(() -> NDArrayFile.load(new Bytes().header(1L << 40).get()), "array count 1099511627776", "byte offset 16");
        assertPysymError(() -> NDArrayFile.load(new Bytes().header(-1).get()), "array count 18446744073709551615");
        // data: the first array is (16, 20) float32 = 1280 bytes starting at byte 60
        assertPysymError(() -> NDArrayFile.load(Arrays.copyOf(good, 100)), "truncated", "array 0", "(16,20) float32",
                "1280 bytes", "only 36 bytes", "byte offset 64");
        assertPysymError(() -> NDArrayFile.load(Arrays.copyOf(good, 40)), "truncated", "array 0's 2 dims need 16 bytes", "byte offset 36");
        assertPysymError(() -> NDArrayFile.load(Arrays.copyOf(good, good.length - 3)), "truncated", "name 3", "byte offset");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 30, new long[0], 1, 0).get()), "array 0", "ndim 30", "byte offset 32");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, -5, new long[0], 1, 0).get()), "ndim -5");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 0, new long[0], 1, 0).get()), "'none'", "byte offset 32");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 2, new long[] {1L << 40, 2}, 1, 0).get()), "dim 0 = 1099511627776",
                "byte offset 36");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 2, new long[] {-3, 2}, 1, 0).get()), "dim 0 = -3");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 3, new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, 1, 6).get()),
                "needs more than 2^63 bytes", "byte offset 72");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 2, new long[] {100000, 100000}, 1, 1).get()),
                "needs 80000000000 bytes", "only 0 bytes");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 1, new long[] {1}, 1, 7).get()), "dtype bool (type flag 7)",
                "not support", "byte offset 52");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 1, new long[] {1}, 1, 12).get()), "bfloat16");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 1, new long[] {1}, 1, 99).get()), "unknown type flag 99");
        assertPysymError(() -> NDArrayFile.load(oneArray(1, 1, new long[] {1}, 1, 0).get()), "row_sparse", "not supported",
                "byte offset 28");
        assertPysymError(() -> NDArrayFile.load(oneArray(2, 1, new long[] {1}, 1, 0).get()), "csr", "not supported");
        assertPysymError(() -> NDArrayFile.load(oneArray(-1, 1, new long[] {1}, 1, 0).get()), "'none'");
        assertPysymError(() -> NDArrayFile.load(oneArray(9, 1, new long[] {1}, 1, 0).get()), "unknown storage type 9");
        assertPysymError(() -> NDArrayFile.load(oneArray(0, 1, new long[] {1}, 4, 0).get()), "unknown device type 4",
                "byte offset 44");
        // an unknown per-array magic reads as a legacy ndim, which is then absurd
        assertPysymError(() -> NDArrayFile.load(new Bytes().header(1).u32(0xDEADBEEFL).get()), "magic number 0xdeadbeef",
                "byte offset 24");
        // names
        Bytes ok = oneArray(0, 1, new long[] {1}, 1, 0).f32(1);
        byte[] base = ok.get();
        assertPysymError(() -> NDArrayFile.load(cat(base, new Bytes().u64(2).get())), "2 names for 1 arrays", "byte offset 60");
        assertPysymError(() -> NDArrayFile.load(cat(base, new Bytes().u64(1).u64(1L << 50).get())), "name 0's length",
                "exceeds", "byte offset 68");
        assertPysymError(() -> NDArrayFile.load(cat(base, new Bytes().u64(1).u64(2).u32(0xffff).get())), "not valid UTF-8");
        assertPysymError(() -> NDArrayFile.load(base), "truncated", "name count", "byte offset 60");
        try (NDArrayFile.Contents c = NDArrayFile.load(cat(base, new Bytes().u64(0).u64(12345).get()))) {
            assertEquals(1, c.size());   // trailing bytes are ignored, as MXNet does
        }
        // files
        assertPysymError(() -> NDArrayFile.load(new File(tmp.getRoot(), "missing.params").getPath()), "no such file");
        assertPysymError(() -> NDArrayFile.load(tmp.getRoot().getPath()), "cannot read");
    }

    static byte[] cat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Random corruption and truncation of every fixture: each attempt loads or raises PysymError, and frees everything. */
    @Test public void fuzzCorruptedAndTruncatedFixtures() throws IOException {
        long start = TrackingAllocator.liveBytes();
        Random r = new Random(20240605);
        int loaded = 0, rejected = 0;
        for (File f : paramFiles()) {
            byte[] good = Files.readAllBytes(f.toPath());
            for (int iter = 0; iter < 600; iter++) {
                byte[] b;
                switch (iter % 4) {
                    case 0 -> b = Arrays.copyOf(good, r.nextInt(good.length));
                    case 1 -> {
                        b = good.clone();
                        for (int k = 1 + r.nextInt(4); k > 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                    case 2 -> {
                        // overwrite a header-ish field near the start of an array with an extreme 32/64-bit value
                        b = good.clone();
                        int at = r.nextInt(Math.min(b.length - 8, 200));
                        long v = new long[] {-1L, 0, 1L << 31, 0x7fffffffL, 1L << 40, Long.MIN_VALUE, 8, 9}[r.nextInt(8)];
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
                    }
                    default -> {
                        b = good.clone();
                        for (int k = 1 + r.nextInt(3); k > 0; k--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                        b = Arrays.copyOf(b, b.length - r.nextInt(Math.min(b.length, 64)));
                    }
                }
                try (NDArrayFile.Contents c = NDArrayFile.load(b)) {
                    loaded++;
                    long total = 0;
                    for (NDArray a : c.arrays()) total += a.byteSize();
                    assertTrue("allocation bounded by the input", total <= b.length);
                } catch (PysymError e) {
                    rejected++;
                    assertTrue(e.getMessage(), e.getMessage().contains("byte offset"));
                } catch (Throwable t) {
                    throw new AssertionError("load threw " + t + " for a corrupted " + f.getName(), t);
                }
            }
        }
        assertEquals(start, TrackingAllocator.liveBytes());
        assertTrue("some corruptions load (data bytes), some are rejected: " + loaded + "/" + rejected, loaded > 100 && rejected > 100);
    }

    @Test public void rejectsNullArguments() {
        assertPysymError(() -> NDArrayFile.load((String) null), "path");
        assertPysymError(() -> NDArrayFile.load((byte[]) null), "null");
        assertPysymError(() -> NDArrayFile.save("x.params", (List<NDArray>) null), "list of NDArrays");
        List<NDArray> withNull = new ArrayList<>();
        withNull.add(null);
        assertPysymError(() -> NDArrayFile.save("x.params", withNull), "array 0 is null");
        fail_if_exists("x.params");
    }

    static void fail_if_exists(String p) {
        if (new File(p).exists()) fail(p + " should not have been written");
    }
}
