package org.pysym.ndarray;

import java.util.Map;
import org.pysym.PysymError;
import org.pysym.exec.PlanWriter;
import org.pysym.memory.NativeBuffer;
import org.pysym.nativeio.Native;
import org.pysym.op.DType;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;

/** Runs one registered operator on NDArrays right away (NDArray arithmetic): a one-instruction plan. */
public final class Imperative {
    private Imperative() {}

    /** Applies op to inputs; writes into out if given (in-place forms), else allocates the result. */
    public static NDArray invoke(String opName, Map<String, ?> rawParams, NDArray out, NDArray... inputs) {
        OpDef op = OpRegistry.op(opName);
        Params p = Params.parse(op, rawParams);
        PysymError.require(op.numOutputs(p) == 1 && op.kernel != null, "operator %s cannot run imperatively", opName);
        Shape[] inShapes = new Shape[inputs.length];
        DType dtype = inputs.length > 0 ? inputs[0].dtype() : DType.Float32;
        for (int i = 0; i < inputs.length; i++) {
            inShapes[i] = inputs[i].shape();
            PysymError.require(inputs[i].dtype() == dtype, "%s: input %d has dtype %s, expected %s",
                    opName, i, inputs[i].dtype(), dtype);
        }
        Shape[] outShape = {out == null ? null : out.shape()};
        op.shapeRule.infer(new ShapeContext() {
            @Override public Params params() { return p; }
            @Override public String nodeName() { return opName; }
            @Override public int numInputs() { return inShapes.length; }
            @Override public int numOutputs() { return 1; }
            @Override public Shape in(int i) { return inShapes[i]; }
            @Override public Shape out(int i) { return outShape[0]; }
            @Override public void setIn(int i, Shape s) {
                if (s != null && !s.equals(inShapes[i]))
                    throw error("Shape inconsistent for input %d, Provided = %s, inferred shape=%s", i, inShapes[i], s);
            }
            @Override public void setOut(int i, Shape s) {
                if (outShape[0] != null && s != null && !outShape[0].equals(s))
                    throw error("Shape inconsistent for the output, Provided = %s, inferred shape=%s", outShape[0], s);
                if (outShape[0] == null) outShape[0] = s;
            }
            @Override public String inputName(int i) { return "input" + i; }
        });
        PysymError.require(outShape[0] != null, "%s: cannot infer the output shape from inputs", opName);
        NDArray result = out != null ? out : NDArray.empty(outShape[0], inputs.length > 0 ? inputs[0].context() : null, dtype);
        try {
            PlanWriter w = new PlanWriter();
            int first = -1;
            for (NDArray in : inputs) {
                int t = w.tensor(in.address(), in.shape(), in.dtype(), PlanWriter.REQ_NULL);
                if (first < 0) first = t;
            }
            int o = w.tensor(result.address(), result.shape(), result.dtype(), PlanWriter.REQ_WRITE);
            w.instr(Native.kernelId(op.kernel.name()), first < 0 ? o : first, inputs.length, o, 1,
                    op.kernel.packer().pack(p, inShapes, outShape));
            NativeBuffer plan = w.write(0);
            try {
                Native.runPlan(plan.address(), 0, 1, false);
            } finally {
                Native.releasePlanState(plan.address());
                plan.release();
            }
        } catch (RuntimeException e) {
            if (out == null) result.dispose();
            throw e;
        }
        return result;
    }
}
