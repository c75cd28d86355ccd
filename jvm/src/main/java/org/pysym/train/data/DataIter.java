package org.pysym.train.data;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.pysym.ndarray.NDArray;
import org.pysym.op.Shape;

/**
 * A source of batches (MXNet Scala's DataIter): hasNext()/next() walk one epoch, reset() starts the
 * next. An interface, so Python classes can implement it through a JPype proxy and Java code (Module)
 * can consume them alike.
 *
 * <p>Batch lifetime: a batch returned by next() stays valid at least until the following call to
 * hasNext() or next(); pysym's own iterators keep it valid one batch longer (they alternate two
 * buffer sets), which is what lets PrefetchingIter fill the next batch while this one is in use.
 * The iterator owns its buffers and releases them in dispose().
 */
public interface DataIter extends Iterator<DataBatch>, AutoCloseable {
    /** Starts the next epoch. */
    void reset();

    int batchSize();

    @Override boolean hasNext();

    /** The next batch; NoSuchElementException at the end of the epoch. */
    @Override DataBatch next() throws NoSuchElementException;

    /** The data of the batch last returned by next(). */
    List<NDArray> getData();

    List<NDArray> getLabel();

    /** The example index of each row of the current batch, or null if the iterator has none. */
    long[] getIndex();

    /** How many rows at the end of the current batch are padding. */
    int getPad();

    List<DataDesc> provideDataDesc();

    List<DataDesc> provideLabelDesc();

    /** name -> batch shape of the data (MXNet's older provideData). */
    default Map<String, Shape> provideData() { return DataDesc.toShapeMap(provideDataDesc()); }

    default Map<String, Shape> provideLabel() { return DataDesc.toShapeMap(provideLabelDesc()); }

    /** For bucketing iterators: the bucket key of the default symbol. */
    default Object defaultBucketKey() { return null; }

    /** Releases what the iterator owns (its batch buffers and copies of the data); idempotent. */
    default void dispose() {}

    @Override default void close() { dispose(); }
}
