package org.pysym.memory;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import org.pysym.PysymError;

/**
 * A reference-counted block of native memory. Owners (an NDArray, its views, a NumPy lease,
 * an executor) each hold one reference; the memory is freed when the last one is released,
 * so closing an owner never frees memory under a live view.
 */
public final class NativeBuffer {
    static final Cleaner CLEANER = Cleaner.create();

    private final long address;
    private final long bytes;
    private final AtomicInteger refs = new AtomicInteger(1);

    private NativeBuffer(long address, long bytes) {
        this.address = address;
        this.bytes = bytes;
    }

    /** A new buffer with one reference, owned by the caller. */
    public static NativeBuffer allocate(long bytes) {
        return new NativeBuffer(TrackingAllocator.allocate(bytes), bytes);
    }

    public long address() {
        PysymError.require(refs.get() > 0, "native buffer used after it was freed");
        return address;
    }

    public long bytes() { return bytes; }

    public void retain() {
        int n;
        do {
            n = refs.get();
            PysymError.require(n > 0, "cannot retain a freed native buffer");
        } while (!refs.compareAndSet(n, n + 1));
    }

    public void release() {
        int n = refs.decrementAndGet();
        if (n == 0) TrackingAllocator.free(address, bytes);
        else if (n < 0) throw new IllegalStateException("native buffer released more often than retained");
    }

    /**
     * One reference, released exactly once: by close() or, as a backstop, by the Cleaner when
     * the holder becomes unreachable. The cleaning action captures the buffer, never the holder.
     */
    public static final class Ref implements Runnable {
        private final NativeBuffer buffer;
        private final AtomicInteger done = new AtomicInteger();

        Ref(NativeBuffer buffer) { this.buffer = buffer; }

        @Override public void run() {
            if (done.compareAndSet(0, 1)) buffer.release();
        }
    }

    /** Registers a reference (already counted) to be released when holder is cleaned or unreachable. */
    public Cleaner.Cleanable registerOwner(Object holder) {
        return CLEANER.register(holder, new Ref(this));
    }
}
