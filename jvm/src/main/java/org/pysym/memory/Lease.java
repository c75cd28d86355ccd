package org.pysym.memory;

import java.lang.ref.Cleaner;

/**
 * A borrowed reference to native memory, for a zero-copy view (a NumPy array in Python):
 * the memory stays valid until the lease is closed, even if the owning NDArray is disposed.
 */
public final class Lease implements AutoCloseable {
    private final long address;
    private final long bytes;
    private final Cleaner.Cleanable cleanable;

    public Lease(NativeBuffer buffer, long address, long bytes) {
        buffer.retain();
        this.address = address;
        this.bytes = bytes;
        this.cleanable = buffer.registerOwner(this);
    }

    public long address() { return address; }
    public long bytes() { return bytes; }

    @Override public void close() { cleanable.clean(); }
}
