package org.pysym.exec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.pysym.PysymError;
import org.pysym.memory.NativeBuffer;
import org.pysym.nativeio.Native;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/**
 * Packs instructions, tensor descriptors and parameters into one native buffer in the layout of
 * pysym.h (pysym_plan, pysym_instr, pysym_tensor), so a whole forward or backward pass is one
 * native call.
 */
public final class PlanWriter {
    static final long MAGIC = 0x50595359504c414eL;
    static final int VERSION = 1;
    static final int HEADER_BYTES = 14 * 8;
    static final int INSTR_BYTES = 40;
    static final int TENSOR_BYTES = 88;
    public static final int REQ_NULL = 0, REQ_WRITE = 1;

    private final List<long[]> tensors = new ArrayList<>();   // address, dtype, ndim, size, dims...
    private final List<Integer> reqs = new ArrayList<>();
    private final List<int[]> instrs = new ArrayList<>();
    private final List<Double> params = new ArrayList<>();

    /** Adds a tensor descriptor; address 0 marks an output that is not computed. */
    public int tensor(long address, Shape shape, DType dtype, int req) {
        long[] t = new long[4 + shape.ndim()];
        t[0] = address;
        t[1] = dtype.id;
        t[2] = shape.ndim();
        t[3] = shape.size();
        for (int i = 0; i < shape.ndim(); i++) t[4 + i] = shape.get(i);
        tensors.add(t);
        reqs.add(req);
        return tensors.size() - 1;
    }

    /** Adds an instruction over tensors [inIndex, inIndex+nIn) and [outIndex, outIndex+nOut). */
    public void instr(int kernelId, int inIndex, int nIn, int outIndex, int nOut, double[] p) {
        instrs.add(new int[] {kernelId, nIn, nOut, p.length, inIndex, outIndex, params.size(), instrs.size()});
        for (double d : p) params.add(d);
    }

    public int numInstructions() { return instrs.size(); }

    public static long tensorDataOffset(ByteBuffer plan, int tensorIndex) {
        return plan.getLong(6 * 8) + (long) tensorIndex * TENSOR_BYTES;
    }

    /** Writes the plan into a new native buffer owned by the caller, checked natively. */
    public NativeBuffer write(long rngSeed) {
        long instrOff = HEADER_BYTES;
        long tensorOff = instrOff + (long) instrs.size() * INSTR_BYTES;
        long reqOff = tensorOff + (long) tensors.size() * TENSOR_BYTES;
        long paramOff = align8(reqOff + 4L * reqs.size());
        long stateOff = paramOff + 8L * params.size();
        long total = stateOff + 8L * instrs.size();
        PysymError.require(total < Integer.MAX_VALUE, "execution plan too large: %d bytes", total);
        NativeBuffer buf = NativeBuffer.allocate(total);
        ByteBuffer b = Native.wrap(buf.address(), total);
        long[] header = {MAGIC, VERSION, total, instrs.size(), instrOff, tensors.size(), tensorOff, reqs.size(), reqOff,
                params.size(), paramOff, instrs.size(), stateOff, rngSeed};
        for (int i = 0; i < header.length; i++) b.putLong(i * 8, header[i]);
        for (int i = 0; i < instrs.size(); i++) {
            int base = (int) (instrOff + (long) i * INSTR_BYTES);
            int[] in = instrs.get(i);
            for (int j = 0; j < 8; j++) b.putInt(base + 4 * j, in[j]);
            b.putLong(base + 32, 0);
        }
        for (int i = 0; i < tensors.size(); i++) {
            int base = (int) (tensorOff + (long) i * TENSOR_BYTES);
            long[] t = tensors.get(i);
            b.putLong(base, t[0]);
            b.putInt(base + 8, (int) t[1]);
            b.putInt(base + 12, (int) t[2]);
            b.putLong(base + 16, t[3]);
            for (int d = 0; d < 8; d++) b.putLong(base + 24 + 8 * d, d < t[2] ? t[4 + d] : 0);
        }
        for (int i = 0; i < reqs.size(); i++) b.putInt((int) (reqOff + 4L * i), reqs.get(i));
        for (int i = 0; i < params.size(); i++) b.putDouble((int) (paramOff + 8L * i), params.get(i));
        for (int i = 0; i < instrs.size(); i++) b.putLong((int) (stateOff + 8L * i), 0);
        try {
            Native.checkPlan(buf.address(), total);
        } catch (PysymError e) {
            buf.release();
            throw e;
        }
        return buf;
    }

    private static long align8(long x) { return (x + 7) / 8 * 8; }
}
