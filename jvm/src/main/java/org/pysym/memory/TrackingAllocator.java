package org.pysym.memory;

import java.util.concurrent.atomic.AtomicLong;
import org.pysym.nativeio.Native;

/** Every native byte pysym allocates goes through here, so tests can assert the live count returns to zero. */
public final class TrackingAllocator {
    private TrackingAllocator() {}

    private static final AtomicLong liveBytes = new AtomicLong();
    private static final AtomicLong liveBuffers = new AtomicLong();

    static long allocate(long bytes) {
        long address = Native.alloc(bytes);
        liveBytes.addAndGet(bytes);
        liveBuffers.incrementAndGet();
        return address;
    }

    static void free(long address, long bytes) {
        Native.free(address);
        liveBytes.addAndGet(-bytes);
        liveBuffers.decrementAndGet();
    }

    public static long liveBytes() { return liveBytes.get(); }
    public static long liveBuffers() { return liveBuffers.get(); }
}
