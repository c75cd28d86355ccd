package org.pysym.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pysym.Context;
import org.pysym.PysymError;
import org.pysym.nativeio.Native;
import org.pysym.ndarray.NDArray;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/**
 * MXNet's binary NDArray-list format (the .params files of checkpoints), as MXNet 1.9.1's
 * NDArray::Save/Load (src/ndarray/ndarray.cc) and MXNDArraySave/Load (src/c_api/c_api.cc)
 * read and write it. Everything is little-endian:
 *
 * <pre>
 * file   := uint64 0x112 (kMXAPINDArrayListMagic) · uint64 0 (reserved)
 *           · uint64 n · array × n · uint64 k (0 or n) · (uint64 len · UTF-8 bytes) × k
 * array  := uint32 0xF993FAC9 (V2) · int32 stype (0 = dense) · shape · context · int32 type flag · raw data
 * shape  := int32 ndim · int64 dim × ndim
 * context:= int32 dev_type (1 cpu, 2 gpu, 3 cpu_pinned, 5 cpu_shared) · int32 dev_id
 * </pre>
 *
 * Loading also accepts V3 (0xF993FACA, NumPy shape semantics: ndim 0 is a scalar), V1
 * (0xF993FAC8: no storage type) and the legacy layout whose first uint32 is the ndim, followed by
 * uint32 dims. Arrays always load into cpu(0), as a CPU-only MXNet does. Every count and size is
 * checked against the bytes left in the file before anything is allocated, and errors name the
 * problem and its byte offset; a failed load frees whatever it had allocated.
 */
public final class NDArrayFile {
    private NDArrayFile() {}

    static final long LIST_MAGIC = 0x112;
    static final int V1_MAGIC = 0xF993FAC8;
    static final int V2_MAGIC = 0xF993FAC9;
    static final int V3_MAGIC = 0xF993FACA;

    /** Names of MXNet type flags pysym has no dtype for, for error messages (index = flag). */
    private static final String[] MX_TYPE_NAMES = {"float32", "float64", "float16", "uint8", "int32", "int8", "int64",
            "bool", "int16", "uint16", "uint32", "uint64", "bfloat16"};

    /** Largest chunk moved between a file and native memory at once (Native.wrap views at most 2 GB). */
    private static final int CHUNK = 1 << 30;

    /** The arrays of a file, in file order, and their names (empty for a file saved from a list). */
    public record Contents(List<String> names, List<NDArray> arrays) implements AutoCloseable {
        public Contents {
            names = Collections.unmodifiableList(names);
            arrays = Collections.unmodifiableList(arrays);
        }

        public boolean hasNames() { return !names.isEmpty(); }

        public int size() { return arrays.size(); }

        /** name → array in file order; a repeated name keeps its last array, as MXNet Python's dict does. */
        public Map<String, NDArray> toMap() {
            PysymError.require(hasNames(), "this NDArray file has no names (it was saved from a list): use arrays()");
            Map<String, NDArray> m = new LinkedHashMap<>();
            for (int i = 0; i < arrays.size(); i++) m.put(names.get(i), arrays.get(i));
            return m;
        }

        /** Disposes every array. */
        @Override public void close() { for (NDArray a : arrays) a.dispose(); }
    }

    /** A checkpoint's parameters: "arg:" and "aux:" entries with the prefix removed, in file order. */
    public record CheckpointParams(Map<String, NDArray> argParams, Map<String, NDArray> auxParams) implements AutoCloseable {
        @Override public void close() {
            for (NDArray a : argParams.values()) a.dispose();
            for (NDArray a : auxParams.values()) a.dispose();
        }
    }

    // ---- saving ------------------------------------------------------------------------------

    /** Saves name → array (file order = the map's iteration order), as MXNet Python's nd.save(fname, dict). */
    public static void save(String path, Map<String, NDArray> data) {
        PysymError.require(data != null, "save: data must be a map of name -> NDArray or a list of NDArrays");
        save(path, new ArrayList<>(data.keySet()), new ArrayList<>(data.values()));
    }

    /** Saves arrays without names, as MXNet Python's nd.save(fname, list); load gives a list back. */
    public static void save(String path, List<NDArray> data) {
        PysymError.require(data != null, "save: data must be a map of name -> NDArray or a list of NDArrays");
        save(path, List.of(), data);
    }

    /** Saves arrays with names (names empty = no names, else one per array). */
    public static void save(String path, List<String> names, List<NDArray> arrays) {
        PysymError.require(path != null, "save: a file path is required");
        byte[][] encoded = checkForSave(names, arrays);
        Path target = Paths.get(path);
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            // write beside the target and move it into place, so a failed save never leaves a truncated file
            Path t = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
            try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                tmp = t;
                write(ch, encoded, arrays);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw PysymError.format("cannot write NDArray file %s: %s", path, describe(e));
        } finally {
            if (tmp != null) try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
        }
    }

    /** The bytes save(path, names, arrays) would write (MXNet's NDArray::Save into a memory stream). */
    public static byte[] saveToBytes(List<String> names, List<NDArray> arrays) {
        byte[][] encoded = checkForSave(names, arrays);
        long total = 24 + 8;
        for (NDArray a : arrays) total += arrayHeaderBytes(a) + a.byteSize();
        for (byte[] n : encoded) total += 8 + n.length;
        PysymError.require(total <= Integer.MAX_VALUE - 16, "saveToBytes: %d bytes do not fit in a byte array; save to a file", total);
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        try {
            write(new Sink() {
                @Override public void write(ByteBuffer b) { out.put(b); }
            }, encoded, arrays);
        } catch (IOException e) {
            throw new PysymError("saveToBytes: " + describe(e));
        }
        return out.array();
    }

    /** Validates before anything is written; returns the UTF-8 names. */
    private static byte[][] checkForSave(List<String> names, List<NDArray> arrays) {
        PysymError.require(arrays != null, "save: the list of arrays is null");
        List<String> ns = names == null ? List.of() : names;
        PysymError.require(ns.isEmpty() || ns.size() == arrays.size(),
                "save: %d names for %d arrays: give one name per array, or none", ns.size(), arrays.size());
        byte[][] encoded = new byte[ns.size()][];
        for (int i = 0; i < ns.size(); i++) {
            PysymError.require(ns.get(i) != null, "save: name %d is null", i);
            encoded[i] = ns.get(i).getBytes(StandardCharsets.UTF_8);
        }
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            String which = ns.isEmpty() ? "array " + i : "array '" + ns.get(i) + "'";
            PysymError.require(a != null, "save: %s is null", which);
            PysymError.require(!a.isDisposed(), "save: %s %s %s has been disposed", which, a.shape(), a.dtype());
            // MXNet 1.x (outside NumPy shape semantics) reads ndim 0 as an empty 'none' array and stops there
            PysymError.require(a.shape().ndim() > 0, "save: %s is 0-dimensional; MXNet's NDArray file format "
                    + "(outside NumPy shape semantics) cannot hold 0-d arrays: reshape it to (1,)", which);
        }
        return encoded;
    }

    private interface Sink { void write(ByteBuffer b) throws IOException; }

    private static void write(FileChannel ch, byte[][] names, List<NDArray> arrays) throws IOException {
        write(b -> { while (b.hasRemaining()) ch.write(b); }, names, arrays);
    }

    private static long arrayHeaderBytes(NDArray a) { return 4 + 4 + 4 + 8L * a.shape().ndim() + 8 + 4; }

    private static void write(Sink out, byte[][] names, List<NDArray> arrays) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(LIST_MAGIC).putLong(0).putLong(arrays.size()).flip();
        out.write(h);
        for (NDArray a : arrays) {
            Shape s = a.shape();
            ByteBuffer b = ByteBuffer.allocate((int) arrayHeaderBytes(a)).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(V2_MAGIC).putInt(0).putInt(s.ndim());
            for (int d = 0; d < s.ndim(); d++) b.putLong(s.get(d));
            b.putInt(1).putInt(a.context().deviceId()).putInt(a.dtype().id).flip();
            out.write(b);
            long address = a.address(), bytes = a.byteSize();
            for (long done = 0; done < bytes; done += CHUNK) {
                long n = Math.min(CHUNK, bytes - done);
                out.write(Native.wrap(address + done, n));
            }
        }
        ByteBuffer k = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        k.putLong(names.length).flip();
        out.write(k);
        for (byte[] n : names) {
            ByteBuffer b = ByteBuffer.allocate(8 + n.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(n.length).put(n).flip();
            out.write(b);
        }
    }

    // ---- loading -----------------------------------------------------------------------------

    /** Loads every array (into cpu(0)) with its name, as MXNDArrayLoad does. */
    public static Contents load(String path) {
        PysymError.require(path != null, "load: a file path is required");
        try (FileChannel ch = FileChannel.open(Paths.get(path), StandardOpenOption.READ)) {
            long size = ch.size();
            return new Reader(path, size, (dst, pos) -> {
                long p = pos;
                while (dst.hasRemaining()) {
                    int n = ch.read(dst, p);
                    if (n < 0) throw new IOException("file shrank while being read");
                    p += n;
                }
            }).readAll();
        } catch (NoSuchFileException e) {
            throw PysymError.format("cannot read NDArray file %s: no such file", path);
        } catch (IOException e) {
            throw PysymError.format("cannot read NDArray file %s: %s", path, describe(e));
        }
    }

    /** Loads from the bytes of a file, as MXNDArrayLoadFromBuffer does. */
    public static Contents load(byte[] bytes) {
        PysymError.require(bytes != null, "load: the byte array is null");
        try {
            return new Reader("<bytes>", bytes.length,
                    (dst, pos) -> dst.put(ByteBuffer.wrap(bytes, (int) pos, dst.remaining()))).readAll();
        } catch (IOException e) {
            throw new PysymError("cannot read NDArray bytes: " + describe(e));
        }
    }

    private interface Source { void read(ByteBuffer dst, long pos) throws IOException; }

    /** One pass over a file; pos is the byte offset of the next field. */
    private static final class Reader {
        private final String name;
        private final long size;
        private final Source src;
        private final ByteBuffer small = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long pos;

        Reader(String name, long size, Source src) {
            this.name = name;
            this.size = size;
            this.src = src;
        }

        PysymError error(long at, String fmt, Object... args) {
            return new PysymError("NDArray file " + name + ": " + String.format(fmt, args) + " (at byte offset " + at + ")");
        }

        long remaining() { return size - pos; }

        private ByteBuffer take(int n, String what) throws IOException {
            if (remaining() < n)
                throw error(pos, "truncated: %s needs %d bytes but the file ends after %d", what, n, remaining());
            small.clear().limit(n);
            src.read(small, pos);
            pos += n;
            return small.flip();
        }

        int i32(String what) throws IOException { return take(4, what).getInt(); }

        long i64(String what) throws IOException { return take(8, what).getLong(); }

        Contents readAll() throws IOException {
            long at = pos;
            long magic = i64("the file header");
            if (magic != LIST_MAGIC)
                throw error(at, "not an MXNet NDArray file: header 0x%x, expected 0x112 (kMXAPINDArrayListMagic)", magic);
            i64("the reserved header field");
            at = pos;
            long n = i64("the array count");
            // the smallest array (legacy, ndim 0) takes 4 bytes: a count beyond that is corruption
            if (n < 0 || n > remaining() / 4 || n > Integer.MAX_VALUE)
                throw error(at, "array count %s is impossible: only %d bytes follow", Long.toUnsignedString(n), remaining());
            List<NDArray> arrays = new ArrayList<>((int) Math.min(n, 1024));
            try {
                for (int i = 0; i < n; i++) arrays.add(readArray(i));
                List<String> names = readNames(arrays.size());
                return new Contents(names, arrays);
            } catch (RuntimeException | IOException e) {
                for (NDArray a : arrays) a.dispose();
                throw e;
            }
        }

        private NDArray readArray(int index) throws IOException {
            long start = pos;
            int magic = i32("array " + index + "'s magic number");
            String arr = "array " + index;
            boolean npShape = magic == V3_MAGIC;
            int[] dims;
            if (magic == V2_MAGIC || magic == V3_MAGIC) {
                long at = pos;
                int stype = i32(arr + "'s storage type");
                switch (stype) {
                    case 0 -> { }
                    case 1, 2 -> throw error(at, "%s has storage type %s: sparse arrays are not supported by pysym "
                            + "(only dense, storage type 0)", arr, stype == 1 ? "row_sparse (1)" : "csr (2)");
                    case -1 -> throw error(at, "%s has undefined storage type (-1): it is an empty ('none') NDArray, "
                            + "which pysym cannot represent", arr);
                    default -> throw error(at, "%s has unknown storage type %d (expected 0 = dense)", arr, stype);
                }
                dims = readShape(arr, true, npShape);
            } else if (magic == V1_MAGIC) {
                dims = readShape(arr, true, false);
            } else {
                // legacy layout: the first uint32 is the ndim, followed by uint32 dims
                pos = start;
                dims = readShape(arr, false, false);
            }
            long at = pos;
            int devType = i32(arr + "'s device type");
            if (devType != 1 && devType != 2 && devType != 3 && devType != 5)
                throw error(at, "%s has unknown device type %d (expected 1 cpu, 2 gpu, 3 cpu_pinned or 5 cpu_shared)",
                        arr, devType);
            at = pos;
            int devId = i32(arr + "'s device id");
            if (devId < 0) throw error(at, "%s has a negative device id %d", arr, devId);
            at = pos;
            int flag = i32(arr + "'s type flag");
            DType dtype = dtypeOf(flag, arr, at);
            long bytes = dataBytes(dims, dtype.bytes);
            if (bytes < 0 || bytes > remaining())
                throw error(pos, "truncated: %s of shape %s %s needs %s bytes of data but only %d bytes are left",
                        arr, java.util.Arrays.toString(dims).replace('[', '(').replace(']', ')').replace(" ", ""), dtype,
                        bytes < 0 ? "more than 2^63" : Long.toString(bytes), remaining());
            NDArray a = NDArray.empty(Shape.of(dims), Context.cpu(), dtype);
            try {
                long address = a.address();
                for (long done = 0; done < bytes; done += CHUNK) {
                    int len = (int) Math.min(CHUNK, bytes - done);
                    src.read(Native.wrap(address + done, len), pos + done);
                }
                pos += bytes;
            } catch (RuntimeException | IOException e) {
                a.dispose();
                throw e;
            }
            return a;
        }

        /** int32 ndim + int64 dims (V1..V3), or uint32 ndim + uint32 dims (legacy). */
        private int[] readShape(String arr, boolean int64Dims, boolean npShape) throws IOException {
            long at = pos;
            int ndim = i32(arr + "'s ndim");
            if (ndim == -1 && npShape || ndim == 0 && !npShape)
                throw error(at, "%s is an empty ('none') NDArray (ndim %d), which pysym cannot represent", arr, ndim);
            if (ndim < 0 || ndim > Shape.MAX_NDIM) {
                String what = int64Dims ? "ndim " + ndim
                        : String.format("magic number 0x%08x (not V1/V2/V3; read as a legacy ndim it is %s)", ndim,
                                Integer.toUnsignedString(ndim));
                throw error(at, "%s has %s: pysym supports 1 to %d dimensions", arr, what, Shape.MAX_NDIM);
            }
            int width = int64Dims ? 8 : 4;
            if ((long) ndim * width > remaining())
                throw error(pos, "truncated: %s's %d dims need %d bytes but the file ends after %d", arr, ndim,
                        ndim * width, remaining());
            int[] dims = new int[ndim];
            for (int d = 0; d < ndim; d++) {
                long dat = pos;
                long v = int64Dims ? i64(arr + "'s dim " + d) : Integer.toUnsignedLong(i32(arr + "'s dim " + d));
                if (v == -1 && npShape)
                    throw error(dat, "%s has an unknown dim (-1): it is an empty ('none') NDArray, which pysym cannot represent", arr);
                if (v < 0 || v > Integer.MAX_VALUE)
                    throw error(dat, "%s has dim %d = %d, outside 0..%d", arr, d, v, Integer.MAX_VALUE);
                dims[d] = (int) v;
            }
            return dims;
        }

        private DType dtypeOf(int flag, String arr, long at) {
            if (flag >= 0 && flag <= 6) return DType.byId(flag);
            if (flag >= 0 && flag < MX_TYPE_NAMES.length)
                throw error(at, "%s has dtype %s (type flag %d), which pysym does not support "
                        + "(supported: float32, float64, float16, uint8, int32, int8, int64)", arr, MX_TYPE_NAMES[flag], flag);
            throw error(at, "%s has unknown type flag %d (MXNet's flags are 0..12)", arr, flag);
        }

        private List<String> readNames(int arrays) throws IOException {
            long at = pos;
            long k = i64("the name count");
            if (k != 0 && k != arrays)
                throw error(at, "%s names for %d arrays: a file has one name per array, or none", Long.toUnsignedString(k), arrays);
            List<String> names = new ArrayList<>((int) k);
            var decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            for (int i = 0; i < k; i++) {
                long nat = pos;
                long len = i64("the length of name " + i);
                if (len < 0 || len > remaining())
                    throw error(nat, "truncated or corrupt: name %d's length %s exceeds the %d bytes left in the file", i,
                            Long.toUnsignedString(len), remaining());
                ByteBuffer b = ByteBuffer.allocate((int) len);
                src.read(b, pos);
                b.flip();
                try {
                    names.add(decoder.decode(b).toString());
                } catch (CharacterCodingException e) {
                    throw error(pos, "name %d is not valid UTF-8", i);
                }
                pos += len;
            }
            return names;
        }
    }

    /** Bytes of data for dims and an element size, or -1 if the product overflows a long. */
    static long dataBytes(int[] dims, int elementBytes) {
        for (int d : dims) if (d == 0) return 0;
        long n = elementBytes;
        for (int d : dims) {
            if (n > Long.MAX_VALUE / d) return -1;
            n *= d;
        }
        return n;
    }

    // ---- checkpoints ---------------------------------------------------------------------------

    /** MXNet's parameter file name for a checkpoint: prefix-0007.params. */
    public static String checkpointParamsPath(String prefix, int epoch) {
        PysymError.require(prefix != null, "a checkpoint prefix is required");
        PysymError.require(epoch >= 0, "checkpoint epoch must be >= 0, got %d", epoch);
        return String.format("%s-%04d.params", prefix, epoch);
    }

    /**
     * Loads prefix-%04d.params and splits its "arg:name" / "aux:name" entries, as MXNet's
     * model.load_checkpoint does; entries with another prefix are dropped (and freed), as there.
     */
    public static CheckpointParams loadCheckpointParams(String prefix, int epoch) {
        String path = checkpointParamsPath(prefix, epoch);
        Contents c = load(path);
        Map<String, NDArray> arg = new LinkedHashMap<>(), aux = new LinkedHashMap<>();
        try {
            PysymError.require(c.hasNames() || c.size() == 0,
                    "%s is not a checkpoint: its %d arrays have no names (expected arg:<name> and aux:<name>)", path, c.size());
            for (int i = 0; i < c.size(); i++) {
                String key = c.names().get(i);
                int colon = key.indexOf(':');
                PysymError.require(colon >= 0, "%s is not a checkpoint: entry '%s' has no 'arg:' or 'aux:' prefix", path, key);
                String kind = key.substring(0, colon), name = key.substring(colon + 1);
                NDArray a = c.arrays().get(i), old = null;
                if (kind.equals("arg")) old = arg.put(name, a);
                else if (kind.equals("aux")) old = aux.put(name, a);
                else a.dispose();
                if (old != null) old.dispose();
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return new CheckpointParams(arg, aux);
    }

    /** Writes prefix-%04d.params with "arg:" and "aux:" names, as MXNet's model.save_checkpoint does. */
    public static void saveCheckpointParams(String prefix, int epoch, Map<String, NDArray> argParams,
                                            Map<String, NDArray> auxParams) {
        String path = checkpointParamsPath(prefix, epoch);
        List<String> names = new ArrayList<>();
        List<NDArray> arrays = new ArrayList<>();
        if (argParams != null) argParams.forEach((k, v) -> { names.add("arg:" + k); arrays.add(v); });
        if (auxParams != null) auxParams.forEach((k, v) -> { names.add("aux:" + k); arrays.add(v); });
        save(path, names, arrays);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
