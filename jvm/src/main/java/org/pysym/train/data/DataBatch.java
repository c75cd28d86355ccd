package org.pysym.train.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.pysym.PysymError;
import org.pysym.ndarray.NDArray;
import org.pysym.op.Shape;

/**
 * One batch: data and label arrays, the example index of each row, how many rows at the end are
 * padding, a bucket key and the descriptions of the arrays (MXNet Scala's DataBatch).
 *
 * <p>Ownership: a batch built by its constructor or Builder owns its arrays and dispose() releases
 * them. A batch returned by one of pysym's iterators borrows the iterator's reused buffers:
 * dispose() leaves them alone, and the batch is valid until the iterator fills the same buffers
 * again (see DataIter). Copy what must outlive that.
 */
public final class DataBatch implements AutoCloseable {
    private final List<NDArray> data;
    private final List<NDArray> label;
    private final long[] index;
    private final int pad;
    private final Object bucketKey;
    private final List<DataDesc> dataDesc;
    private final List<DataDesc> labelDesc;
    private final boolean ownsArrays;

    private DataBatch(List<NDArray> data, List<NDArray> label, long[] index, int pad, Object bucketKey,
                      List<DataDesc> dataDesc, List<DataDesc> labelDesc, boolean ownsArrays) {
        PysymError.require(data != null, "DataBatch: data is required");
        PysymError.require(pad >= 0, "DataBatch: pad must be >= 0, got %d", pad);
        this.data = Collections.unmodifiableList(new ArrayList<>(data));
        this.label = label == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(label));
        this.index = index == null ? null : index.clone();
        this.pad = pad;
        this.bucketKey = bucketKey;
        this.dataDesc = dataDesc == null ? null : List.copyOf(dataDesc);
        this.labelDesc = labelDesc == null ? null : List.copyOf(labelDesc);
        this.ownsArrays = ownsArrays;
    }

    /** A batch owning its arrays. */
    public DataBatch(List<NDArray> data, List<NDArray> label, long[] index, int pad, Object bucketKey,
                     List<DataDesc> provideDataDesc, List<DataDesc> provideLabelDesc) {
        this(data, label, index, pad, bucketKey, provideDataDesc, provideLabelDesc, true);
    }

    public DataBatch(List<NDArray> data, List<NDArray> label, long[] index, int pad) {
        this(data, label, index, pad, null, null, null, true);
    }

    /** A batch over arrays someone else owns (an iterator's buffers); dispose() does not release them. */
    public static DataBatch borrowed(List<NDArray> data, List<NDArray> label, long[] index, int pad, Object bucketKey,
                                     List<DataDesc> provideDataDesc, List<DataDesc> provideLabelDesc) {
        return new DataBatch(data, label, index, pad, bucketKey, provideDataDesc, provideLabelDesc, false);
    }

    public List<NDArray> data() { return data; }
    public List<NDArray> label() { return label; }
    /** The example index of each row (a copy), or null when the batch has none. */
    public long[] index() { return index == null ? null : index.clone(); }
    public int pad() { return pad; }
    public Object bucketKey() { return bucketKey; }
    public List<DataDesc> provideDataDesc() { return dataDesc; }
    public List<DataDesc> provideLabelDesc() { return labelDesc; }
    public Map<String, Shape> provideData() { return DataDesc.toShapeMap(dataDesc); }
    public Map<String, Shape> provideLabel() { return DataDesc.toShapeMap(labelDesc); }
    public boolean ownsArrays() { return ownsArrays; }

    /** Releases the arrays if this batch owns them; a borrowed batch is left to its iterator. */
    public void dispose() {
        if (!ownsArrays) return;
        for (NDArray a : data) if (a != null) a.dispose();
        for (NDArray a : label) if (a != null) a.dispose();
    }

    @Override public void close() { dispose(); }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("DataBatch: data shapes: [");
        for (int i = 0; i < data.size(); i++) sb.append(i > 0 ? ", " : "").append(data.get(i).shape());
        sb.append("] label shapes: [");
        for (int i = 0; i < label.size(); i++) sb.append(i > 0 ? ", " : "").append(label.get(i).shape());
        return sb.append("] pad: ").append(pad).toString();
    }

    /** MXNet's DataBatch.Builder; build() gives a batch that owns its arrays. */
    public static final class Builder {
        private List<NDArray> data;
        private List<NDArray> label;
        private long[] index;
        private int pad;
        private Object bucketKey;
        private List<DataDesc> dataDesc;
        private List<DataDesc> labelDesc;

        public Builder setData(NDArray... data) { this.data = List.of(data); return this; }
        public Builder setLabel(NDArray... label) { this.label = List.of(label); return this; }
        public Builder setIndex(long... index) { this.index = index.clone(); return this; }
        public Builder setPad(int pad) { this.pad = pad; return this; }
        public Builder setBucketKey(Object bucketKey) { this.bucketKey = bucketKey; return this; }
        public Builder provideDataDesc(List<DataDesc> dataDesc) { this.dataDesc = dataDesc; return this; }
        public Builder provideLabelDesc(List<DataDesc> labelDesc) { this.labelDesc = labelDesc; return this; }

        public DataBatch build() {
            PysymError.require(data != null, "DataBatch.Builder: data is required (setData)");
            return new DataBatch(data, label, index, pad, bucketKey, dataDesc, labelDesc, true);
        }
    }
}
