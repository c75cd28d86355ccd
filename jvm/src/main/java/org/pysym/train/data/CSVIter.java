package org.pysym.train.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pysym.PysymError;
import org.pysym.nativeio.Native;
import org.pysym.ndarray.NDArray;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/**
 * Rows of CSV files as examples (MXNet's CSVIter, created as IO.CSVIter(Map(...))): data_csv (a file,
 * or a directory whose files are read in name order) with data_shape per row, label_csv with
 * label_shape, or all-zero labels when label_csv is "NULL"; dtype float32 (default), int32 or int64.
 *
 * <p>Batches follow MXNet 1.9.1's BatchLoader: with round_batch (default) an incomplete last batch is
 * completed from the start of the data, pad counts those rows, and after reset() the next epoch
 * starts where the wrap stopped; without it, the missing rows repeat the previous batch's rows at
 * those positions and pad counts them. getIndex() gives the row number of each example. A label of
 * shape (1,) comes as (batch_size,). The files are parsed once, at construction, into native memory
 * (MXNet streams them); a malformed value or a row of the wrong length is an error naming the file,
 * line and column.
 */
public final class CSVIter extends GatherIter {
    static final Set<String> PARAMS = Set.of("data_csv", "data_shape", "label_csv", "label_shape", "batch_size", "round_batch",
            "dtype", "data_name", "label_name", "prefetch_buffer", "ctx");

    private final boolean roundBatch;
    /** next row to read, as MXNet's underlying row iterator */
    private int position;
    /** rows taken from the start to complete the last batch (MXNet's num_overflow_) */
    private int overflow;
    private int[] previousRows;

    public CSVIter(Map<String, String> params) { this(Parsed.of(new IterParams("CSVIter", params, PARAMS))); }

    private CSVIter(Parsed p) {
        super("CSVIter", p.batchSize, List.of(p.data, p.label),
                List.of(new DataDesc(p.dataName, IterParams.batchShape(p.batchSize, p.dataShape, false), p.dtype, Layout.UNDEFINED)),
                List.of(new DataDesc(p.labelName, IterParams.batchShape(p.batchSize, p.labelShape, true), p.dtype, Layout.UNDEFINED)));
        roundBatch = p.roundBatch;
    }

    @Override boolean more() { return overflow == 0 && position < numExamples(); }

    @Override Plan advance() {
        int n = numExamples(), bs = batchSize();
        int[] rows = new int[bs];
        int top = Math.min(bs, n - position);
        for (int j = 0; j < top; j++) rows[j] = position + j;
        position += top;
        int pad = bs - top;
        if (pad > 0 && roundBatch) {
            PysymError.require(pad <= n, "CSVIter: round_batch needs %d more rows to complete the last batch but the data has %d rows "
                    + "(MXNet: number of input must be bigger than batch size)", pad, n);
            for (int j = 0; j < pad; j++) rows[top + j] = j;
            overflow = pad;
            position = pad;
        } else if (pad > 0) {
            for (int j = top; j < bs; j++) rows[j] = previousRows != null ? previousRows[j] : (j - top) % n;
        }
        previousRows = rows;
        long[] index = new long[bs];
        for (int j = 0; j < bs; j++) index[j] = rows[j];
        return new Plan(rows, pad, index);
    }

    /** MXNet's BatchLoader.BeforeFirst: after a wrapped last batch the next epoch goes on from the wrap. */
    @Override void restart() {
        if (roundBatch && overflow != 0) overflow = 0;
        else position = 0;
    }

    private static final class Parsed {
        int batchSize;
        boolean roundBatch;
        DType dtype;
        Shape dataShape, labelShape;
        String dataName, labelName;
        NDArray data, label;

        static Parsed of(IterParams p) {
            Parsed r = new Parsed();
            String dataCsv = p.string("data_csv", null);
            r.dataShape = p.shape("data_shape", null);
            PysymError.require(r.dataShape != null, "CSVIter: parameter 'data_shape' is required");
            String labelCsv = p.string("label_csv", "NULL");
            r.labelShape = p.shape("label_shape", Shape.of(1));
            r.batchSize = p.integer("batch_size", null, 1);
            r.roundBatch = p.bool("round_batch", true);
            r.dtype = DType.byName(p.choice("dtype", "float32", "float32", "int32", "int64"));
            r.dataName = p.string("data_name", "data");
            r.labelName = p.string("label_name", "label");
            p.integer("prefetch_buffer", 4, 1);
            p.choice("ctx", "gpu", "cpu", "gpu");

            Rows data = Rows.parse(dataCsv, "data_csv", r.dataShape, r.dtype);
            PysymError.require(data.count > 0, "CSVIter: data_csv '%s' holds no rows", dataCsv);
            Rows label = labelCsv.equals("NULL") ? Rows.zeros(data.count, r.dtype) : Rows.parse(labelCsv, "label_csv", r.labelShape, r.dtype);
            if (labelCsv.equals("NULL")) r.labelShape = Shape.of(1);
            PysymError.require(label.count == data.count, "CSVIter: label_csv '%s' has %d rows but data_csv '%s' has %d",
                    labelCsv, label.count, dataCsv, data.count);
            r.data = data.toNDArray(r.dataShape);
            try {
                r.label = label.toNDArray(r.labelShape);
            } catch (RuntimeException e) {
                r.data.dispose();
                throw e;
            }
            return r;
        }
    }

    /** Parsed rows, all of one width, as raw little-endian values of the dtype. */
    private static final class Rows {
        private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
        private static final Pattern SPECIAL = Pattern.compile("[+-]?(?i:inf|infinity|nan)");
        private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

        final int count;
        final DType dtype;
        final byte[] values;

        private Rows(int count, DType dtype, byte[] values) {
            this.count = count;
            this.dtype = dtype;
            this.values = values;
        }

        static Rows zeros(int count, DType dtype) { return new Rows(count, dtype, new byte[count * dtype.bytes]); }

        static Rows parse(String path, String param, Shape shape, DType dtype) {
            List<Path> files = files(path, param);
            long width = shape.size();
            ByteBuffer out = ByteBuffer.allocate(1 << 12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int count = 0;
            for (Path f : files) {
                try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    String line;
                    int lineNo = 0;
                    while ((line = in.readLine()) != null) {
                        lineNo++;
                        if (line.isBlank()) continue;    // MXNet skips empty lines
                        String[] fields = line.split(",", -1);
                        PysymError.require(fields.length == width, "CSVIter: %s '%s' line %d has %d values, but %s %s needs %d "
                                + "(MXNet: the data size in CSV does not match the size of shape)", param, f, lineNo, fields.length,
                                param.equals("data_csv") ? "data_shape" : "label_shape", shape, width);
                        if (out.remaining() < width * dtype.bytes) out = grow(out, width * dtype.bytes);
                        for (int c = 0; c < fields.length; c++) put(out, fields[c].trim(), dtype, f, param, lineNo, c + 1);
                        count++;
                    }
                } catch (IOException e) {
                    throw PysymError.format("CSVIter: cannot read %s '%s': %s", param, f, e.getMessage());
                }
            }
            byte[] v = new byte[out.position()];
            out.flip().get(v);
            return new Rows(count, dtype, v);
        }

        private static List<Path> files(String path, String param) {
            Path p = Path.of(path);
            PysymError.require(Files.exists(p), "CSVIter: %s '%s' does not exist", param, path);
            if (!Files.isDirectory(p)) return List.of(p);
            try (Stream<Path> s = Files.list(p)) {
                List<Path> files = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
                PysymError.require(!files.isEmpty(), "CSVIter: %s directory '%s' holds no files", param, path);
                return files;
            } catch (NoSuchFileException e) {
                throw PysymError.format("CSVIter: %s '%s' does not exist", param, path);
            } catch (IOException e) {
                throw PysymError.format("CSVIter: cannot list %s directory '%s': %s", param, path, e.getMessage());
            }
        }

        private static ByteBuffer grow(ByteBuffer b, long need) {
            long size = Math.max((long) b.capacity() * 2, b.position() + need);
            PysymError.require(size <= Integer.MAX_VALUE - 8, "CSVIter: the CSV data exceeds 2 GB");
            ByteBuffer n = ByteBuffer.allocate((int) size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            return n.put(b.flip());
        }

        private static void put(ByteBuffer out, String s, DType dtype, Path f, String param, int line, int column) {
            try {
                switch (dtype) {
                    case Float32 -> {
                        if (DECIMAL.matcher(s).matches()) out.putFloat(Float.parseFloat(s));
                        else if (SPECIAL.matcher(s).matches()) out.putFloat(special(s));
                        else throw new NumberFormatException();
                    }
                    case Int32 -> {
                        if (!INTEGER.matcher(s).matches()) throw new NumberFormatException();
                        out.putInt(Integer.parseInt(s));
                    }
                    default -> {
                        if (!INTEGER.matcher(s).matches()) throw new NumberFormatException();
                        out.putLong(Long.parseLong(s));
                    }
                }
            } catch (NumberFormatException e) {
                throw PysymError.format("CSVIter: %s '%s' line %d, column %d: '%s' is not %s", param, f, line, column, s,
                        dtype == DType.Float32 ? "a number" : "an integer in " + dtype + "'s range");
            }
        }

        private static float special(String s) {
            String t = s.toLowerCase();
            float v = t.endsWith("nan") ? Float.NaN : Float.POSITIVE_INFINITY;
            return t.startsWith("-") ? -v : v;
        }

        NDArray toNDArray(Shape example) {
            int[] d = new int[example.ndim() + 1];
            d[0] = count;
            System.arraycopy(example.toArray(), 0, d, 1, example.ndim());
            NDArray a = NDArray.empty(Shape.of(d), null, dtype);
            if (values.length > 0) Native.wrap(a.address(), values.length).put(values);
            return a;
        }
    }
}
