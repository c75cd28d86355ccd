package org.pysym.train.data;

import java.util.List;
import java.util.NoSuchElementException;
import org.pysym.PysymError;
import org.pysym.ndarray.NDArray;

/**
 * Makes an epoch of reSize batches out of another iterator (MXNet's ResizeIter): when the inner
 * iterator runs out it is reset and continues, so an epoch may hold padded batches in its middle.
 * reset() starts a new epoch and, with resetInternal, resets the inner iterator too. The inner
 * iterator stays the caller's: dispose() here does not dispose it.
 */
public final class ResizeIter implements DataIter {
    private final DataIter dataIter;
    private final int reSize;
    private final boolean resetInternal;
    private DataBatch pending;
    private DataBatch current;
    private int cur;

    public ResizeIter(DataIter dataIter, int reSize, boolean resetInternal) {
        PysymError.require(dataIter != null, "ResizeIter: dataIter must be given");
        PysymError.require(reSize >= 0, "ResizeIter: reSize must be >= 0, got %d", reSize);
        this.dataIter = dataIter;
        this.reSize = reSize;
        this.resetInternal = resetInternal;
    }

    public ResizeIter(DataIter dataIter, int reSize) { this(dataIter, reSize, true); }

    @Override public void reset() {
        cur = 0;
        pending = null;
        if (resetInternal) dataIter.reset();
    }

    @Override public boolean hasNext() {
        if (pending != null) return true;
        if (cur == reSize) return false;
        if (!dataIter.hasNext()) {
            dataIter.reset();
            PysymError.require(dataIter.hasNext(), "ResizeIter: the inner iterator has no batch even right after reset()");
        }
        pending = dataIter.next();
        cur++;
        return true;
    }

    @Override public DataBatch next() {
        if (!hasNext()) throw new NoSuchElementException("ResizeIter: all " + reSize + " batches of this epoch were returned (call reset())");
        current = pending;
        pending = null;
        return current;
    }

    private DataBatch currentBatch() {
        PysymError.require(current != null, "ResizeIter: no current batch: call next() first");
        return current;
    }

    @Override public List<NDArray> getData() { return currentBatch().data(); }
    @Override public List<NDArray> getLabel() { return currentBatch().label(); }
    @Override public long[] getIndex() { return currentBatch().index(); }
    @Override public int getPad() { return currentBatch().pad(); }
    @Override public int batchSize() { return dataIter.batchSize(); }
    @Override public List<DataDesc> provideDataDesc() { return dataIter.provideDataDesc(); }
    @Override public List<DataDesc> provideLabelDesc() { return dataIter.provideLabelDesc(); }
    @Override public Object defaultBucketKey() { return dataIter.defaultBucketKey(); }

    /** The iterator this one resizes. */
    public DataIter inner() { return dataIter; }
}
