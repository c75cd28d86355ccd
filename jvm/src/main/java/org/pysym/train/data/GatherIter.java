package org.pysym.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.pysym.PysymError;
import org.pysym.nativeio.Native;
import org.pysym.ndarray.NDArray;

/**
 * An iterator over examples held as rows (axis 0) of native arrays: each batch copies its rows into
 * buffers the iterator owns, one native copy per run of consecutive rows, so shuffled or wrapped
 * batches cost no per-element work in Java. Two buffer sets alternate: the batch handed out stays
 * intact while the next one is filled. Subclasses decide which rows make the next batch.
 */
abstract class GatherIter implements DataIter {
    /** The rows of one batch in order, its pad count and the example index reported for each row. */
    record Plan(int[] rows, int pad, long[] index) {}

    private final String kind;
    private final int batchSize;
    private final int numExamples;
    private final List<DataDesc> dataDescs;
    private final List<DataDesc> labelDescs;
    /** data then label sources, owned (disposed) by this iterator */
    private final NDArray[] sources;
    private final long[] rowBytes;
    private final NDArray[][] buffers = new NDArray[2][];
    private final List<List<NDArray>> dataViews = new ArrayList<>(2);
    private final List<List<NDArray>> labelViews = new ArrayList<>(2);
    private int slot = 1;
    private DataBatch current;
    private boolean disposed;

    /**
     * Takes ownership of sources (data arrays then label arrays, with descs giving each batch's
     * shape and dtype); on failure they are released before the error propagates.
     */
    GatherIter(String kind, int batchSize, List<NDArray> sources, List<DataDesc> dataDescs, List<DataDesc> labelDescs) {
        this.kind = kind;
        this.sources = sources.toArray(new NDArray[0]);
        try {
            PysymError.require(batchSize >= 1, "%s: batch size must be >= 1, got %d", kind, batchSize);
            PysymError.require(this.sources.length == dataDescs.size() + labelDescs.size(), "%s: %d sources for %d descriptions",
                    kind, this.sources.length, dataDescs.size() + labelDescs.size());
            this.batchSize = batchSize;
            this.dataDescs = List.copyOf(dataDescs);
            this.labelDescs = List.copyOf(labelDescs);
            this.numExamples = this.sources[0].shape().get(0);
            List<DataDesc> all = new ArrayList<>(dataDescs);
            all.addAll(labelDescs);
            rowBytes = new long[this.sources.length];
            for (int k = 0; k < this.sources.length; k++) {
                NDArray s = this.sources[k];
                DataDesc d = all.get(k);
                PysymError.require(s.shape().ndim() >= 1 && s.shape().get(0) == numExamples,
                        "%s: '%s' has shape %s but the first input has %d examples along axis 0", kind, d.name(), s.shape(), numExamples);
                PysymError.require(s.dtype() == d.dtype(), "%s: '%s' is described as %s but its array is %s", kind, d.name(), d.dtype(), s.dtype());
                PysymError.require(d.shape().ndim() >= 1 && d.shape().get(0) == batchSize,
                        "%s: '%s' batch shape %s does not start with the batch size %d", kind, d.name(), d.shape(), batchSize);
                rowBytes[k] = d.shape().size() / batchSize * d.dtype().bytes;
                long sourceRow = numExamples == 0 ? rowBytes[k] : s.byteSize() / numExamples;
                PysymError.require(sourceRow == rowBytes[k], "%s: '%s' batch shape %s does not hold rows of the source shape %s",
                        kind, d.name(), d.shape(), s.shape());
            }
            for (int b = 0; b < 2; b++) {
                buffers[b] = new NDArray[this.sources.length];
                for (int k = 0; k < this.sources.length; k++)
                    buffers[b][k] = NDArray.empty(all.get(k).shape(), null, all.get(k).dtype());
                List<NDArray> row = List.of(buffers[b]);
                dataViews.add(row.subList(0, dataDescs.size()));
                labelViews.add(row.subList(dataDescs.size(), row.size()));
            }
        } catch (RuntimeException e) {
            releaseAll();
            throw e;
        }
    }

    /** The rows of the next batch; called only after hasNext() returned true. */
    abstract Plan advance();

    /** Whether another batch follows in this epoch (subclasses; checked for disposal by hasNext). */
    abstract boolean more();

    /** Starts a new epoch (subclasses). */
    abstract void restart();

    final int numExamples() { return numExamples; }

    final void checkOpen() {
        PysymError.require(!disposed, "%s has been disposed", kind);
    }

    @Override public final boolean hasNext() {
        checkOpen();
        return more();
    }

    @Override public final DataBatch next() {
        if (!hasNext()) throw new NoSuchElementException(kind + ": no more batches in this epoch (call reset())");
        Plan p = advance();
        slot ^= 1;
        NDArray[] out = buffers[slot];
        for (int k = 0; k < sources.length; k++) gather(sources[k], out[k], p.rows(), rowBytes[k]);
        current = DataBatch.borrowed(dataViews.get(slot), labelViews.get(slot), p.index(), p.pad(), null, dataDescs, labelDescs);
        return current;
    }

    @Override public final void reset() {
        checkOpen();
        restart();
    }

    /** Copies rows[i] of src to row i of dst, one native copy per run of consecutive rows. */
    private void gather(NDArray src, NDArray dst, int[] rows, long rowBytes) {
        PysymError.require(rows.length == batchSize, "%s: a batch plan has %d rows, expected %d", kind, rows.length, batchSize);
        for (int r : rows) PysymError.require(r >= 0 && r < numExamples, "%s: row %d out of range [0, %d)", kind, r, numExamples);
        long s = src.address(), d = dst.address();
        int i = 0;
        while (i < rows.length) {
            int j = i + 1;
            while (j < rows.length && rows[j] == rows[j - 1] + 1) j++;
            Native.copy(d + i * rowBytes, s + rows[i] * rowBytes, (j - i) * rowBytes);
            i = j;
        }
    }

    private DataBatch currentBatch() {
        checkOpen();
        PysymError.require(current != null, "%s: no current batch: call next() first", kind);
        return current;
    }

    @Override public List<NDArray> getData() { return currentBatch().data(); }
    @Override public List<NDArray> getLabel() { return currentBatch().label(); }
    @Override public long[] getIndex() { return currentBatch().index(); }
    @Override public int getPad() { return currentBatch().pad(); }
    @Override public int batchSize() { return batchSize; }
    @Override public List<DataDesc> provideDataDesc() { return dataDescs; }
    @Override public List<DataDesc> provideLabelDesc() { return labelDescs; }

    /** Releases the batch buffers and the source arrays; batches handed out become unusable. */
    @Override public void dispose() {
        if (disposed) return;
        disposed = true;
        current = null;
        releaseAll();
    }

    private void releaseAll() {
        for (NDArray[] set : buffers) if (set != null) for (NDArray a : set) if (a != null) a.dispose();
        for (NDArray a : sources) if (a != null) a.dispose();
    }

    @Override public String toString() { return kind + "(batchSize=" + batchSize + ", " + numExamples + " examples)"; }
}
