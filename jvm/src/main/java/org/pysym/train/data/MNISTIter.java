package org.pysym.train.data;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.pysym.PysymError;
import org.pysym.nativeio.Native;
import org.pysym.ndarray.NDArray;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/**
 * MNIST images and labels from IDX files (MXNet's MNISTIter, created as IO.MNISTIter(Map(...))).
 *
 * <p>As MXNet 1.9.1: pixels become float32 value/256; labels float32 of shape (batch_size,); data is
 * (batch_size, 1, rows, cols), or (batch_size, rows*cols) with flat; shuffle (default on) orders the
 * examples once, at construction, from the seed parameter, and every epoch repeats that order (the
 * order differs from MXNet's); only full batches are returned (the remainder is dropped, pad is 0);
 * num_parts/part_index read one contiguous part. Differences: data_shape, when given, is the shape of
 * one example (MXNet ignores it); getIndex() gives each example's position in the file (MXNet's
 * are all 0); prefetch_buffer, ctx and silent are accepted and have no effect (wrap the iterator in
 * a PrefetchingIter to load in the background).
 */
public final class MNISTIter extends GatherIter {
    static final Set<String> PARAMS = Set.of("image", "label", "batch_size", "shuffle", "flat", "seed", "silent", "num_parts",
            "part_index", "data_shape", "data_name", "label_name", "prefetch_buffer", "ctx", "dtype");

    private final long[] exampleIds;
    private int cursor;

    public MNISTIter(Map<String, String> params) { this(Loaded.of(new IterParams("MNISTIter", params, PARAMS))); }

    private MNISTIter(Loaded l) {
        super("MNISTIter", l.batchSize, List.of(l.images, l.labels),
                List.of(new DataDesc(l.dataName, IterParams.batchShape(l.batchSize, l.exampleShape, false), DType.Float32, Layout.UNDEFINED)),
                List.of(new DataDesc(l.labelName, Shape.of(l.batchSize), DType.Float32, Layout.UNDEFINED)));
        exampleIds = l.exampleIds;
        cursor = 0;
    }

    @Override boolean more() { return cursor + batchSize() <= numExamples(); }

    @Override Plan advance() {
        int bs = batchSize();
        int[] rows = new int[bs];
        long[] index = new long[bs];
        for (int j = 0; j < bs; j++) {
            rows[j] = cursor + j;
            index[j] = exampleIds[cursor + j];
        }
        cursor += bs;
        return new Plan(rows, 0, index);
    }

    @Override void restart() { cursor = 0; }

    /** The parsed parameters and the examples, already in iteration order, in native memory. */
    private static final class Loaded {
        int batchSize;
        Shape exampleShape;
        String dataName, labelName;
        NDArray images, labels;
        long[] exampleIds;

        static Loaded of(IterParams p) {
            Loaded l = new Loaded();
            l.batchSize = p.integer("batch_size", 128, 1);
            boolean shuffle = p.bool("shuffle", true), flat = p.bool("flat", false);
            int seed = p.integer("seed", 0, Integer.MIN_VALUE);
            p.bool("silent", false);
            int numParts = p.integer("num_parts", 1, 1), partIndex = p.integer("part_index", 0, 0);
            PysymError.require(partIndex < numParts, "MNISTIter: part_index %d must be < num_parts %d", partIndex, numParts);
            p.integer("prefetch_buffer", 4, 1);
            p.choice("ctx", "gpu", "cpu", "gpu");
            p.choice("dtype", "float32", "float32");
            l.dataName = p.string("data_name", "data");
            l.labelName = p.string("label_name", "label");
            String imagePath = p.string("image", "./train-images-idx3-ubyte"), labelPath = p.string("label", "./train-labels-idx1-ubyte");

            IdxFile img = IdxFile.read("MNISTIter", "image file", imagePath, 3);
            IdxFile lab = IdxFile.read("MNISTIter", "label file", labelPath, 1);
            PysymError.require(img.dims[0] == lab.dims[0], "MNISTIter: the label file '%s' holds %d labels but the image file '%s' holds %d images",
                    labelPath, lab.dims[0], imagePath, img.dims[0]);
            int rows = img.dims[1], cols = img.dims[2];
            PysymError.require((long) rows * cols <= Integer.MAX_VALUE, "MNISTIter: images of %d x %d pixels are too large", rows, cols);
            int pixels = rows * cols;
            Shape natural = flat ? Shape.of(pixels) : Shape.of(1, rows, cols);
            l.exampleShape = p.shape("data_shape", natural);
            PysymError.require(l.exampleShape.size() == pixels, "MNISTIter: data_shape %s has %d elements but each image is %d x %d = %d pixels",
                    l.exampleShape, l.exampleShape.size(), rows, cols, pixels);

            // MXNet's GetPart: the part boundaries in double arithmetic
            int count = img.dims[0];
            int start = (int) ((double) count / numParts * partIndex), end = (int) ((double) count / numParts * (partIndex + 1));
            int n = end - start;
            PysymError.require(n >= 1, "MNISTIter: part %d of %d of the image file '%s' (%d images) holds no image", partIndex, numParts, imagePath, count);
            int[] order = DataRandom.identity(n);
            if (shuffle) DataRandom.shuffle(order, new SplittableRandom(seed));
            l.exampleIds = new long[n];
            for (int i = 0; i < n; i++) l.exampleIds[i] = start + order[i];

            int[] dataDims = new int[l.exampleShape.ndim() + 1];
            dataDims[0] = n;
            System.arraycopy(l.exampleShape.toArray(), 0, dataDims, 1, l.exampleShape.ndim());
            l.images = NDArray.empty(Shape.of(dataDims), null, DType.Float32);
            try {
                l.labels = NDArray.empty(Shape.of(n), null, DType.Float32);
                fill(l.images, img, start, order, pixels);
                fill(l.labels, lab, start, order, 1);
            } catch (RuntimeException e) {
                l.images.dispose();
                if (l.labels != null) l.labels.dispose();
                throw e;
            }
            return l;
        }

        /** Writes example order[i] (of the part starting at start) as row i, bytes scaled to value/256 for images. */
        private static void fill(NDArray dst, IdxFile src, int start, int[] order, int width) {
            float scale = width == 1 ? 1f : 1f / 256f;
            float[] row = new float[width];
            int chunkRows = Math.max(1, (1 << 28) / (4 * width));   // views of at most 256 MB
            for (int c = 0; c < order.length; c += chunkRows) {
                int m = Math.min(chunkRows, order.length - c);
                FloatBuffer fb = Native.wrap(dst.address() + 4L * c * width, 4L * m * width).asFloatBuffer();
                for (int i = c; i < c + m; i++) {
                    int at = src.dataOffset + (start + order[i]) * width;
                    for (int k = 0; k < width; k++) row[k] = (src.bytes[at + k] & 0xff) * scale;
                    fb.put(row);
                }
            }
        }
    }
}
