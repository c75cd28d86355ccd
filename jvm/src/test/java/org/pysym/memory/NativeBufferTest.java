package org.pysym.memory;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.arr;
import static org.pysym.TestSupport.assertPysymError;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.pysym.TestSupport;
import org.pysym.exec.Executor;
import org.pysym.graph.NameManager;
import org.pysym.graph.Symbol;
import org.pysym.nativeio.Native;
import org.pysym.ndarray.NDArray;

/** Who owns each native byte: counting, reference counts, views and leases outliving their owner. */
public class NativeBufferTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();

    @Test public void allocateAndReleaseAreCounted() {
        long bytes = TrackingAllocator.liveBytes(), buffers = TrackingAllocator.liveBuffers();
        NativeBuffer b = NativeBuffer.allocate(1000);
        assertEquals(bytes + 1000, TrackingAllocator.liveBytes());
        assertEquals(buffers + 1, TrackingAllocator.liveBuffers());
        assertEquals(0, b.address() % 64);
        assertEquals(1000, b.bytes());
        b.retain();
        b.release();
        assertEquals("still one reference", bytes + 1000, TrackingAllocator.liveBytes());
        b.release();
        assertEquals(bytes, TrackingAllocator.liveBytes());
        assertEquals(buffers, TrackingAllocator.liveBuffers());
        assertPysymError(b::address, "used after it was freed");
        assertPysymError(b::retain, "cannot retain a freed native buffer");
        assertThrows(IllegalStateException.class, b::release);
    }

    @Test public void zeroByteBuffersAreRealAllocations() {
        NativeBuffer b = NativeBuffer.allocate(0);
        assertTrue(b.address() != 0);
        b.release();
        assertPysymError(() -> Native.alloc(-1), "cannot allocate -1 bytes");
    }

    @Test public void disposeFreesAndIsIdempotent() {
        long before = TrackingAllocator.liveBytes();
        NDArray a = NDArray.zeros(10, 10);
        assertEquals(before + 400, TrackingAllocator.liveBytes());
        a.dispose();
        a.dispose();
        a.close();
        assertEquals(before, TrackingAllocator.liveBytes());
        assertTrue(a.isDisposed());
        assertEquals("<NDArray (10,10) cpu(0) float32 (disposed)>", a.toString());
    }

    @Test public void usingADisposedArrayRaises() {
        NDArray a = NDArray.ones(3);
        NDArray b = NDArray.ones(3);
        a.dispose();
        assertPysymError(a::toArray, "has been disposed");
        assertPysymError(a::address, "(3) float32 has been disposed");
        assertPysymError(() -> a.set(1), "disposed");
        assertPysymError(() -> a.plus(b), "disposed");
        assertPysymError(() -> b.plus(a), "disposed");
        assertPysymError(() -> b.copyTo(a), "disposed");
        assertPysymError(() -> a.slice(0, 1), "disposed");
        assertPysymError(() -> a.reshape(new int[] {3}), "disposed");
        assertPysymError(a::lease, "disposed");
        b.dispose();
    }

    @Test public void viewsKeepMemoryAliveAfterTheOwnerIsDisposed() {
        long before = TrackingAllocator.liveBytes();
        NDArray a = arr(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        NDArray row = a.at(1);
        NDArray flat = a.reshape(new int[] {-1});
        a.dispose();
        assertEquals("views hold the buffer", before + 24, TrackingAllocator.liveBytes());
        assertArrayEquals(new float[] {4, 5, 6}, row.toArray(), 0f);
        flat.mulInPlace(10);
        assertArrayEquals(new float[] {40, 50, 60}, row.toArray(), 0f);
        row.dispose();
        assertEquals(before + 24, TrackingAllocator.liveBytes());
        flat.dispose();
        assertEquals(before, TrackingAllocator.liveBytes());
    }

    @Test public void leaseKeepsMemoryAliveUntilClosed() {
        long before = TrackingAllocator.liveBytes();
        NDArray a = arr(new float[] {1.5f, 2.5f});
        Lease l = a.lease();
        assertEquals(8, l.bytes());
        a.dispose();
        assertEquals(before + 8, TrackingAllocator.liveBytes());
        ByteBuffer view = Native.wrap(l.address(), l.bytes());
        assertEquals(2.5f, view.getFloat(4), 0f);
        l.close();
        l.close();   // idempotent
        assertEquals(before, TrackingAllocator.liveBytes());
    }

    @Test public void executorsReturnEveryByte() {
        NameManager.reset();
        long before = TrackingAllocator.liveBytes(), buffers = TrackingAllocator.liveBuffers();
        Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
        Symbol y = Symbol.create("tanh", Map.of(), a.mul(b).plus(a));
        NDArray av = NDArray.ones(100), bv = NDArray.ones(100), ga = NDArray.zeros(100), h = NDArray.ones(100);
        Executor ex = Executor.bind(Symbol.group(List.of(y, a.mul(2))), null, Map.of("a", av, "b", bv), Map.of("a", ga), "add", null);
        ex.forward(true);
        try (NDArray h2 = NDArray.ones(100)) {
            ex.backward(List.of(h, h2));
        }
        assertTrue(TrackingAllocator.liveBytes() > before + 4 * 400);
        av.dispose();
        assertTrue("a disposed argument stays leased by the executor", TrackingAllocator.liveBytes() >= before + 4 * 400);
        ex.dispose();
        bv.dispose();
        ga.dispose();
        h.dispose();
        assertEquals(before, TrackingAllocator.liveBytes());
        assertEquals(buffers, TrackingAllocator.liveBuffers());
    }

    @Test public void failedOperationsDoNotLeak() {
        long before = TrackingAllocator.liveBytes();
        try (NDArray a = NDArray.ones(2, 3); NDArray b = NDArray.ones(3, 2);
             NDArray f64 = NDArray.array(new double[] {1, 2}, null, null, org.pysym.op.DType.Float64)) {
            for (int i = 0; i < 3; i++) {
                assertPysymError(() -> a.plus(b), "Shape inconsistent");
                assertPysymError(() -> f64.mul(2), "float32");
            }
            NameManager.reset();
            Symbol s = Symbol.variable("x").plus(Symbol.variable("y"));
            assertPysymError(() -> Executor.bind(s, null, Map.of("x", a, "y", b), null, null, null), "Shape inconsistent");
            assertPysymError(() -> Executor.simpleBind(s, null, "write", Map.of("x", org.pysym.op.Shape.of(2), "y", org.pysym.op.Shape.of(3))),
                    "Shape inconsistent");
        }
        assertEquals(before, TrackingAllocator.liveBytes());
    }
}
