package org.pysym.train.data;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.pysym.PysymError;
import org.pysym.ndarray.NDArray;

/**
 * Fetches the next batch of one or more iterators on background threads while the current batch is
 * in use (MXNet's PrefetchingIter); a batch combines the iterators' data and labels in order, with
 * names optionally renamed per iterator. The batches are the inner iterators' own, handed on without
 * a copy: an inner iterator's batch must stay valid until its next-but-one batch is requested, as
 * pysym's iterators guarantee (so PrefetchingIters do not nest). The returned batch is valid until
 * the following next().
 *
 * <p>One daemon thread per inner iterator, started at construction; dispose() stops and joins them
 * (a Cleaner does so as a backstop when the iterator is dropped). The inner iterators stay the
 * caller's: dispose() does not dispose them. An exception in an inner iterator is rethrown by the
 * hasNext()/next() that would have returned its batch.
 */
public final class PrefetchingIter implements DataIter {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final List<DataIter> iters;
    private final List<DataDesc> dataDescs;
    private final List<DataDesc> labelDescs;
    private final int batchSize;
    private final Worker[] workers;
    private final Cleaner.Cleanable stopper;
    private DataBatch peeked;
    private DataBatch current;
    private boolean ended;
    private boolean disposed;

    /**
     * dataNames / labelNames: null, or one map per iterator from its names to the names this
     * iterator provides (every name of that iterator must be mapped).
     */
    public PrefetchingIter(List<DataIter> iters, List<Map<String, String>> dataNames, List<Map<String, String>> labelNames) {
        PysymError.require(iters != null && !iters.isEmpty(), "PrefetchingIter: iters must hold at least one iterator");
        for (int i = 0; i < iters.size(); i++) {
            PysymError.require(iters.get(i) != null, "PrefetchingIter: iterator %d is null", i);
            PysymError.require(!(iters.get(i) instanceof PrefetchingIter), "PrefetchingIter: iterator %d is itself a PrefetchingIter; "
                    + "nesting them would overwrite batches still in use", i);
        }
        this.iters = List.copyOf(iters);
        dataDescs = renamed("dataNames", dataNames, true);
        labelDescs = renamed("labelNames", labelNames, false);
        PysymError.require(!dataDescs.isEmpty() && dataDescs.get(0).shape().ndim() >= 1, "PrefetchingIter: the iterators provide no data");
        batchSize = dataDescs.get(0).shape().get(0);
        workers = new Worker[this.iters.size()];
        for (int i = 0; i < workers.length; i++) workers[i] = new Worker(this.iters.get(i));
        stopper = CLEANER.register(this, new Stopper(workers));
        for (Worker w : workers) {
            w.thread.start();
            w.request();
        }
    }

    public PrefetchingIter(List<DataIter> iters) { this(iters, null, null); }

    private List<DataDesc> renamed(String what, List<Map<String, String>> names, boolean data) {
        PysymError.require(names == null || names.size() == iters.size(), "PrefetchingIter: %s has %d maps for %d iterators",
                what, names == null ? 0 : names.size(), iters.size());
        List<DataDesc> out = new ArrayList<>();
        for (int i = 0; i < iters.size(); i++) {
            List<DataDesc> descs = data ? iters.get(i).provideDataDesc() : iters.get(i).provideLabelDesc();
            if (descs == null) continue;
            for (DataDesc d : descs) {
                if (names == null || names.get(i) == null) {
                    out.add(d);
                    continue;
                }
                String to = names.get(i).get(d.name());
                PysymError.require(to != null, "PrefetchingIter: %s[%d] has no new name for '%s' (it maps %s)", what, i, d.name(), names.get(i).keySet());
                out.add(new DataDesc(to, d.shape(), d.dtype(), d.layout()));
            }
        }
        return List.copyOf(out);
    }

    private void checkOpen() { PysymError.require(!disposed, "PrefetchingIter has been disposed"); }

    @Override public boolean hasNext() {
        checkOpen();
        if (peeked != null) return true;
        if (ended) return false;
        for (Worker w : workers) w.collect();
        for (int i = 0; i < workers.length; i++) {
            Throwable t = workers[i].error;
            if (t != null) {
                PysymError e = new PysymError("PrefetchingIter: iterator " + i + " failed: " + (t.getMessage() != null ? t.getMessage() : t));
                e.initCause(t);
                throw e;
            }
        }
        DataBatch first = workers[0].batch;
        for (int i = 1; i < workers.length; i++) {
            DataBatch b = workers[i].batch;
            PysymError.require((b == null) == (first == null), "PrefetchingIter: iterator %d %s while iterator 0 %s: the iterators must "
                    + "yield equally many batches", i, b == null ? "has ended" : "has another batch", first == null ? "has ended" : "has another batch");
            PysymError.require(b == null || b.pad() == first.pad(), "PrefetchingIter: iterator %d has pad %d but iterator 0 has pad %d",
                    i, b == null ? 0 : b.pad(), first == null ? 0 : first.pad());
        }
        if (first == null) {
            ended = true;
            return false;
        }
        List<NDArray> data = new ArrayList<>(), label = new ArrayList<>();
        for (Worker w : workers) {
            data.addAll(w.batch.data());
            label.addAll(w.batch.label());
        }
        peeked = DataBatch.borrowed(data, label, first.index(), first.pad(), first.bucketKey(), dataDescs, labelDescs);
        return true;
    }

    /** The combined batch; the inner iterators start on the one after it. */
    @Override public DataBatch next() {
        if (!hasNext()) throw new NoSuchElementException("PrefetchingIter: no more batches in this epoch (call reset())");
        current = peeked;
        peeked = null;
        for (Worker w : workers) w.request();
        return current;
    }

    @Override public void reset() {
        checkOpen();
        for (Worker w : workers) w.collect();
        for (DataIter it : iters) it.reset();
        peeked = null;
        ended = false;
        for (Worker w : workers) w.request();
    }

    private DataBatch currentBatch() {
        checkOpen();
        PysymError.require(current != null, "PrefetchingIter: no current batch: call next() first");
        return current;
    }

    @Override public List<NDArray> getData() { return currentBatch().data(); }
    @Override public List<NDArray> getLabel() { return currentBatch().label(); }
    @Override public long[] getIndex() { return currentBatch().index(); }
    @Override public int getPad() { return currentBatch().pad(); }
    @Override public int batchSize() { return batchSize; }
    @Override public List<DataDesc> provideDataDesc() { return dataDescs; }
    @Override public List<DataDesc> provideLabelDesc() { return labelDescs; }

    /** Stops and joins the prefetch threads (the inner iterators are not disposed). */
    @Override public void dispose() {
        if (disposed) return;
        disposed = true;
        peeked = current = null;
        stopper.clean();
    }

    /** Whether any prefetch thread is still alive (for tests of clean shutdown). */
    public boolean threadsAlive() {
        for (Worker w : workers) if (w.thread.isAlive()) return true;
        return false;
    }

    /**
     * One inner iterator's prefetch thread and its handshake: request() lets the thread fetch one
     * batch, collect() waits for it. Holds no reference to the PrefetchingIter, so a dropped
     * iterator becomes unreachable and its Cleaner stops the thread.
     */
    private static final class Worker implements Runnable {
        final DataIter iter;
        final Thread thread;
        final Semaphore requested = new Semaphore(0);
        final Semaphore ready = new Semaphore(0);
        volatile boolean running = true;
        // written by the thread before ready.release(), read by the consumer after ready.acquire()
        DataBatch batch;
        Throwable error;
        // consumer side only: a fetch was requested and not yet collected
        boolean inFlight;

        Worker(DataIter iter) {
            this.iter = iter;
            thread = new Thread(this, "pysym-prefetch-" + THREAD_IDS.incrementAndGet());
            thread.setDaemon(true);
        }

        @Override public void run() {
            while (true) {
                requested.acquireUninterruptibly();
                if (!running) return;
                try {
                    batch = iter.hasNext() ? iter.next() : null;
                    error = null;
                } catch (Throwable t) {
                    batch = null;
                    error = t;
                }
                ready.release();
            }
        }

        void request() {
            inFlight = true;
            requested.release();
        }

        void collect() {
            if (!inFlight) return;
            ready.acquireUninterruptibly();
            inFlight = false;
        }

        void stop() {
            collect();
            running = false;
            requested.release();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private record Stopper(Worker[] workers) implements Runnable {
        @Override public void run() { for (Worker w : workers) w.stop(); }
    }
}
