package org.pysym.nativeio;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.arr;
import static org.pysym.TestSupport.assertPysymError;

import org.junit.Rule;
import org.junit.Test;
import org.pysym.TestSupport;
import org.pysym.exec.PlanWriter;
import org.pysym.memory.NativeBuffer;
import org.pysym.ndarray.NDArray;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/** The JNI boundary: plans are checked natively before they run, and kernel failures come back as PysymError. */
public class NativeTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();

    @Test public void unknownKernelNamesAreErrors() {
        assertPysymError(() -> Native.kernelId("no_such_kernel"), "native kernel 'no_such_kernel' is not in");
        assertTrue(Native.kernelId("add") >= 0);
    }

    @Test public void aOneInstructionPlanRuns() {
        try (NDArray a = arr(new float[] {1, 2, 3}); NDArray b = arr(new float[] {10, 20, 30}); NDArray c = NDArray.zeros(3)) {
            PlanWriter w = new PlanWriter();
            int t0 = w.tensor(a.address(), a.shape(), DType.Float32, PlanWriter.REQ_NULL);
            w.tensor(b.address(), b.shape(), DType.Float32, PlanWriter.REQ_NULL);
            int out = w.tensor(c.address(), c.shape(), DType.Float32, PlanWriter.REQ_WRITE);
            w.instr(Native.kernelId("add"), t0, 2, out, 1, new double[0]);
            w.instr(Native.kernelId("mul_scalar"), out, 1, out, 1, new double[] {0.5});
            assertEquals(2, w.numInstructions());
            NativeBuffer plan = w.write(1);
            try {
                Native.runPlan(plan.address(), 0, 2, false);
                assertArrayEquals(new float[] {5.5f, 11, 16.5f}, c.toArray(), 0f);
                assertPysymError(() -> Native.runPlan(plan.address(), 1, 3, false), "plan run range [1, 3) outside [0, 2)");
            } finally {
                Native.releasePlanState(plan.address());
                plan.release();
            }
        }
    }

    @Test public void kernelFailuresBecomePysymErrors() {
        try (NDArray a = arr(new float[] {1, 2, 3}); NDArray c = NDArray.zeros(2)) {
            PlanWriter w = new PlanWriter();
            int t0 = w.tensor(a.address(), a.shape(), DType.Float32, PlanWriter.REQ_NULL);
            w.tensor(a.address(), a.shape(), DType.Float32, PlanWriter.REQ_NULL);
            int out = w.tensor(c.address(), c.shape(), DType.Float32, PlanWriter.REQ_WRITE);
            w.instr(Native.kernelId("add"), t0, 2, out, 1, new double[0]);
            NativeBuffer plan = w.write(1);
            try {
                assertPysymError(() -> Native.runPlan(plan.address(), 0, 1, false), "kernel add", "3 elements", "2");
            } finally {
                Native.releasePlanState(plan.address());
                plan.release();
            }
        }
    }

    @Test public void malformedPlansAreRejectedBeforeRunning() {
        PlanWriter w = new PlanWriter();
        w.tensor(0, Shape.of(2), DType.Float32, PlanWriter.REQ_NULL);
        w.instr(Native.kernelId("add"), 0, 2, 5, 1, new double[0]);   // tensors 1 and 5 do not exist
        assertPysymError(() -> w.write(1), "invalid execution plan", "table indices out of range");
        PlanWriter k = new PlanWriter();
        k.tensor(0, Shape.of(2), DType.Float32, PlanWriter.REQ_NULL);
        k.instr(1 << 20, 0, 1, 0, 1, new double[0]);
        assertPysymError(() -> k.write(1), "invalid execution plan", "kernel id", "out of range");
    }

    @Test public void missingDataIsCaughtBeforeTheKernel() {
        try (NDArray c = NDArray.zeros(2)) {
            PlanWriter w = new PlanWriter();
            int in = w.tensor(0, Shape.of(2), DType.Float32, PlanWriter.REQ_NULL);
            int out = w.tensor(c.address(), c.shape(), DType.Float32, PlanWriter.REQ_WRITE);
            w.instr(Native.kernelId("exp"), in, 1, out, 1, new double[0]);
            NativeBuffer plan = w.write(1);
            try {
                assertPysymError(() -> Native.runPlan(plan.address(), 0, 1, false), "kernel exp", "input 0 has no data");
            } finally {
                Native.releasePlanState(plan.address());
                plan.release();
            }
        }
    }

    @Test public void wrapAndCopyValidateArguments() {
        assertPysymError(() -> Native.wrap(0, 8), "cannot view 8 bytes");
        assertPysymError(() -> Native.copy(0, 0, 8), "invalid native copy");
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = NDArray.zeros(2)) {
            Native.copy(b.address(), a.address(), 8);
            assertArrayEquals(new float[] {1, 2}, b.toArray(), 0f);
        }
    }

    @Test public void threadCount() {
        assertPysymError(() -> Native.setThreads(-1), "thread count must be >= 0");
        assertEquals(1, Native.setThreads(1));
        try (NDArray a = NDArray.ones(200_000); NDArray r = a.mul(3)) {
            assertEquals(3f, r.toArray()[199_999], 0f);
        } finally {
            assertEquals(Runtime.getRuntime().availableProcessors(), Native.setThreads(0));
        }
    }
}
