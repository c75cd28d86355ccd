package org.pysym.train.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.pysym.PysymError;
import org.pysym.ndarray.NDArray;

/**
 * Batches over NDArrays held in memory (MXNet's NDArrayIter), along axis 0.
 *
 * <p>lastBatchHandle decides the last, incomplete batch of an epoch, with MXNet 1.9.1 Python's
 * batches and pads: "pad" fills it from the start of the data and reports the filled rows as pad;
 * "discard" drops it; "roll_over" keeps its rows and, after reset(), puts them first in the next
 * epoch's first batch (whose pad MXNet reports as the number of carried rows). shuffle draws a new
 * order at construction and at every reset, from DataRandom.
 *
 * <p>getIndex() gives the source row of each batch row (for a padded batch, the wrapped rows too).
 * The iterator keeps its own reference to the given arrays (disposing them elsewhere does not
 * free them under it) and owns its batch buffers; dispose() releases both.
 */
public final class NDArrayIter extends GatherIter {
    /** MXNet's lastBatchHandle values. */
    public enum LastBatch {
        PAD("pad"), DISCARD("discard"), ROLL_OVER("roll_over");

        final String mxName;

        LastBatch(String mxName) { this.mxName = mxName; }

        static LastBatch of(String name) {
            for (LastBatch h : values()) if (h.mxName.equals(name)) return h;
            throw PysymError.format("NDArrayIter: lastBatchHandle must be one of pad, discard, roll_over, got '%s'", name);
        }
    }

    private final LastBatch handle;
    private final SplittableRandom rng;
    private final int[] order;
    /** start of the batch last returned (MXNet's cursor); -batchSize before the first */
    private int cursor;
    /** rows carried over by roll_over into the first batch after reset, else null */
    private int[] carry;
    /** hasNext() found only an incomplete batch left (what MXNet remembers to roll over) */
    private boolean endedIncomplete;

    /**
     * MXNet Scala's primary constructor: each array with its description (name, dtype, layout; the
     * batch axis must be 0).
     */
    public NDArrayIter(List<Map.Entry<DataDesc, NDArray>> data, List<Map.Entry<DataDesc, NDArray>> label,
                       int dataBatchSize, boolean shuffle, String lastBatchHandle) {
        super("NDArrayIter", dataBatchSize, views(data, label), batchDescs(data, dataBatchSize), batchDescs(label, dataBatchSize));
        try {
            handle = LastBatch.of(lastBatchHandle);
            int n = numExamples();
            PysymError.require(n >= 1, "NDArrayIter: the data has no examples (axis 0 is empty)");
            if (handle != LastBatch.PAD)
                PysymError.require(dataBatchSize <= n, "NDArrayIter: batch size %d exceeds the %d examples; lastBatchHandle '%s' "
                        + "needs at least one full batch", dataBatchSize, n, handle.mxName);
            rng = shuffle ? DataRandom.nextStream() : null;
            order = DataRandom.identity(n);
        } catch (RuntimeException e) {
            dispose();
            throw e;
        }
        hardReset();
    }

    /**
     * MXNet Scala's secondary constructor: one array is named dataName (labelName), several are
     * named dataName_0, dataName_1, ...; descriptions take each array's dtype.
     */
    public NDArrayIter(List<NDArray> data, List<NDArray> label, int dataBatchSize, boolean shuffle, String lastBatchHandle,
                       String dataName, String labelName) {
        this(named(data, dataName, false), named(label, labelName, true), dataBatchSize, shuffle, lastBatchHandle);
    }

    public NDArrayIter(List<NDArray> data, List<NDArray> label, int dataBatchSize) {
        this(data, label, dataBatchSize, false, "pad", "data", "label");
    }

    private static List<Map.Entry<DataDesc, NDArray>> named(List<NDArray> arrays, String name, boolean allowEmpty) {
        PysymError.require(arrays != null, "NDArrayIter: %s arrays must be given (an empty list for none)", name);
        PysymError.require(allowEmpty || !arrays.isEmpty(), "NDArrayIter: data must hold at least one array");
        List<Map.Entry<DataDesc, NDArray>> out = new ArrayList<>();
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            PysymError.require(a != null, "NDArrayIter: %s array %d is null", name, i);
            String n = arrays.size() == 1 ? name : name + "_" + i;
            out.add(Map.entry(new DataDesc(n, a.shape(), a.dtype(), Layout.UNDEFINED), a));
        }
        return out;
    }

    /** The iterator's own references (views) to the arrays, data then label, after validating the names. */
    private static List<NDArray> views(List<Map.Entry<DataDesc, NDArray>> data, List<Map.Entry<DataDesc, NDArray>> label) {
        PysymError.require(data != null && !data.isEmpty(), "NDArrayIter: data must hold at least one array");
        PysymError.require(label != null, "NDArrayIter: label must be given (an empty list for none)");
        Set<String> names = new HashSet<>();
        List<NDArray> out = new ArrayList<>();
        try {
            for (List<Map.Entry<DataDesc, NDArray>> part : List.of(data, label))
                for (Map.Entry<DataDesc, NDArray> e : part) {
                    DataDesc d = e.getKey();
                    NDArray a = e.getValue();
                    PysymError.require(d != null && a != null, "NDArrayIter: null description or array");
                    PysymError.require(names.add(d.name()), "NDArrayIter: the name '%s' is given twice", d.name());
                    PysymError.require(DataDesc.getBatchAxis(d.layout()) == 0,
                            "NDArrayIter: '%s' has layout %s; batches are taken along axis 0, so N must come first", d.name(), d.layout());
                    PysymError.require(a.shape().ndim() >= 1, "NDArrayIter: '%s' is a 0-d array; examples are taken along axis 0", d.name());
                    out.add(a.slice(0, a.shape().get(0)));
                }
        } catch (RuntimeException ex) {
            for (NDArray v : out) v.dispose();
            throw ex;
        }
        return out;
    }

    private static List<DataDesc> batchDescs(List<Map.Entry<DataDesc, NDArray>> arrays, int batchSize) {
        List<DataDesc> out = new ArrayList<>();
        if (arrays == null) return out;
        for (Map.Entry<DataDesc, NDArray> e : arrays) {
            DataDesc d = e.getKey();
            if (d == null || e.getValue() == null || e.getValue().shape().ndim() == 0 || batchSize < 1) continue;  // reported by views()
            out.add(new DataDesc(d.name(), e.getValue().shape().withDim(0, batchSize), d.dtype(), d.layout()));
        }
        return out;
    }

    public String lastBatchHandle() { return handle.mxName; }

    @Override boolean more() {
        int n = numExamples(), bs = batchSize(), next = cursor + batchSize();
        if (next >= n) return false;
        if (handle == LastBatch.PAD || next < 0 || next + bs <= n) return true;
        endedIncomplete = true;
        return false;
    }

    @Override Plan advance() {
        int n = numExamples(), bs = batchSize();
        cursor += bs;
        int[] rows = new int[bs];
        int pad = 0;
        if (cursor < 0) {                         // roll_over: carried rows, then the new epoch's first rows
            System.arraycopy(carry, 0, rows, 0, carry.length);
            System.arraycopy(order, 0, rows, carry.length, bs - carry.length);
            pad = carry.length;
            carry = null;
        } else if (cursor + bs > n) {             // pad: wrap around to the start, tiling if the data is short
            int have = n - cursor;
            System.arraycopy(order, cursor, rows, 0, have);
            pad = bs - have;
            for (int j = 0; j < pad; j++) rows[have + j] = order[j % n];
        } else {
            System.arraycopy(order, cursor, rows, 0, bs);
        }
        long[] index = new long[bs];
        for (int j = 0; j < bs; j++) index[j] = rows[j];
        return new Plan(rows, pad, index);
    }

    /** MXNet's reset: reshuffles, and with roll_over carries an incomplete last batch into the next epoch. */
    @Override void restart() {
        int n = numExamples(), bs = batchSize();
        boolean roll = handle == LastBatch.ROLL_OVER && endedIncomplete;
        int[] carried = roll ? Arrays.copyOfRange(order, cursor + bs, n) : null;
        if (rng != null) DataRandom.shuffle(order, rng);
        cursor = roll ? cursor + bs - n - bs : -bs;
        carry = carried;
        endedIncomplete = false;
    }

    /** Starts over without carrying rows (MXNet's hardReset); reshuffles when shuffling. */
    public void hardReset() {
        checkOpen();
        if (rng != null) DataRandom.shuffle(order, rng);
        cursor = -batchSize();
        carry = null;
        endedIncomplete = false;
    }

    /** MXNet's NDArrayIter.Builder, plus setShuffle. */
    public static final class Builder {
        private final List<Map.Entry<DataDesc, NDArray>> data = new ArrayList<>();
        private final List<Map.Entry<DataDesc, NDArray>> label = new ArrayList<>();
        private int batchSize = 1;
        private boolean shuffle;
        private String lastBatchHandle = "pad";

        public Builder addData(String name, NDArray data) { return addDataWithDesc(new DataDesc(name, data.shape(), data.dtype(), Layout.UNDEFINED), data); }
        public Builder addLabel(String name, NDArray label) { return addLabelWithDesc(new DataDesc(name, label.shape(), label.dtype(), Layout.UNDEFINED), label); }
        public Builder addDataWithDesc(DataDesc desc, NDArray data) { this.data.add(Map.entry(desc, data)); return this; }
        public Builder addLabelWithDesc(DataDesc desc, NDArray label) { this.label.add(Map.entry(desc, label)); return this; }
        public Builder setBatchSize(int batchSize) { this.batchSize = batchSize; return this; }
        public Builder setShuffle(boolean shuffle) { this.shuffle = shuffle; return this; }
        public Builder setLastBatchHandle(String lastBatchHandle) { this.lastBatchHandle = lastBatchHandle; return this; }

        public NDArrayIter build() { return new NDArrayIter(data, label, batchSize, shuffle, lastBatchHandle); }
    }

}
