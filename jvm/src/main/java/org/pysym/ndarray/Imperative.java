package org.pysym.ndarray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
import org.pysym.op.TypeContext;

/**
 * Runs one registered operator on NDArrays right away (NDArray arithmetic, NDArray.api.X): a
 * one-instruction plan run in inference mode (is_train false). Shapes and dtypes come from the
 * operator's own rules; every input, auxiliary states included, must be given. Hidden outputs
 * (Dropout's mask, BatchNorm's saved mean/var) are temporaries, disposed before returning; view
 * operators (Reshape, Flatten, expand_dims) return a view sharing the input's memory.
 */
public final class Imperative {
    private Imperative() {}

    /** Applies a single-visible-output op to inputs; writes into out if given (in-place forms), else allocates the result. */
    public static NDArray invoke(String opName, Map<String, ?> rawParams, NDArray out, NDArray... inputs) {
        List<NDArray> r = invokeAll(opName, rawParams, out == null ? null : List.of(out), inputs);
        if (r.size() != 1) {
            if (out == null) r.forEach(NDArray::dispose);
            throw PysymError.format("operator %s has %d outputs and cannot run imperatively through invoke: use invokeAll",
                    opName, r.size());
        }
        return r.get(0);
    }

    /**
     * Applies any registered op to inputs and returns its visible outputs. outs, if given, holds one
     * array per visible output (MXNet's out=), which is written and returned.
     */
    public static List<NDArray> invokeAll(String opName, Map<String, ?> rawParams, List<NDArray> outs, NDArray... inputs) {
        OpDef op = OpRegistry.op(opName);
        Map<String, ?> raw = rawParams == null ? Map.of() : rawParams;
        if (op.variadic && !raw.containsKey("num_args")) {
            Map<String, Object> withN = new LinkedHashMap<>(raw);
            withN.put("num_args", inputs.length);
            raw = withN;
        }
        Params p = Params.parse(op, raw);
        List<String> names = op.inputNames(p);
        checkInputs(op, names, inputs);
        int nOut = op.numOutputs(p), nVis = op.numVisibleOutputs(p);
        if (outs != null) {
            PysymError.require(outs.size() == nVis, "%s: out= must give %d array(s), one per output, got %d", opName, nVis, outs.size());
            for (int i = 0; i < nVis; i++) PysymError.require(outs.get(i) != null, "%s: out array %d is null", opName, i);
        }
        Shape[] inShapes = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) inShapes[i] = inputs[i].shape();
        Shape[] outShapes = inferShapes(op, p, names, inShapes, nOut, outs);
        DType[] outTypes = inferTypes(op, p, inputs, nOut, outs);

        if (op.view) return List.of(viewResult(op, inputs[0], outShapes[0], outs));
        PysymError.require(op.kernel != null, "operator %s has no kernel and cannot run imperatively", opName);

        NDArray[] results = new NDArray[nOut];
        boolean[] mine = new boolean[nOut];
        try {
            for (int i = 0; i < nOut; i++) {
                if (outs != null && i < nVis) {
                    NDArray o = outs.get(i);
                    PysymError.require(o.dtype() == outTypes[i], "%s: out array %d has dtype %s, expected %s",
                            opName, i, o.dtype(), outTypes[i]);
                    results[i] = o;
                } else {
                    results[i] = NDArray.empty(outShapes[i], inputs.length > 0 ? inputs[0].context() : null, outTypes[i]);
                    mine[i] = true;
                }
            }
            run(op, p, inputs, inShapes, results, outShapes);
        } catch (RuntimeException e) {
            for (int i = 0; i < nOut; i++) if (mine[i] && results[i] != null) results[i].dispose();
            throw e;
        }
        for (int i = nVis; i < nOut; i++) results[i].dispose();
        return List.of(Arrays.copyOf(results, nVis));
    }

    /**
     * The generated APIs' entry: inputs by position (a null is a missing input; nulls past the
     * operator's input list are dropped, as for FullyConnected(x, w, None, no_bias=True)) and/or by name.
     */
    public static List<NDArray> invokeNamed(String opName, Map<String, ?> rawParams, List<NDArray> outs,
                                            List<NDArray> positional, Map<String, NDArray> named) {
        OpDef op = OpRegistry.op(opName);
        List<NDArray> pos = positional == null ? List.of() : positional;
        Map<String, NDArray> byName = named == null ? Map.of() : named;
        if (op.variadic) {
            PysymError.require(byName.isEmpty(), "[%s] support variable length of NDArray arguments.\n"
                    + "Please pass all the input NDArrays via positional arguments instead of keyword arguments.", op.name);
            return invokeAll(opName, rawParams, outs, pos.stream().filter(a -> a != null).toArray(NDArray[]::new));
        }
        Map<String, ?> raw = rawParams == null ? Map.of() : rawParams;
        List<String> names = op.inputNames(Params.parse(op, raw));
        int n = pos.size();
        while (n > names.size() && pos.get(n - 1) == null) n--;
        PysymError.require(n <= names.size(), "operator %s takes %d input(s) %s, got %d", op.name, names.size(), names, n);
        NDArray[] in = new NDArray[names.size()];
        for (int i = 0; i < n; i++) in[i] = pos.get(i);
        for (Map.Entry<String, NDArray> e : byName.entrySet()) {
            int i = names.indexOf(e.getKey());
            PysymError.require(i >= 0, "operator %s has no input '%s'; its inputs are %s", op.name, e.getKey(), names);
            PysymError.require(in[i] == null, "operator %s: input '%s' given both by position and by name", op.name, e.getKey());
            in[i] = e.getValue();
        }
        return invokeAll(opName, raw, outs, in);
    }

    private static void checkInputs(OpDef op, List<String> names, NDArray[] inputs) {
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) if (i >= inputs.length || inputs[i] == null) missing.add(names.get(i));
        if (!missing.isEmpty())
            throw PysymError.format("operator %s: missing input(s) %s; an imperative call must pass every input %s",
                    op.name, missing, names);
        PysymError.require(inputs.length == names.size(), "operator %s takes %d input(s) %s, got %d",
                op.name, names.size(), names, inputs.length);
    }

    private static Shape[] inferShapes(OpDef op, Params p, List<String> names, Shape[] inShapes, int nOut, List<NDArray> outs) {
        Shape[] outShapes = new Shape[nOut];
        if (outs != null) for (int i = 0; i < outs.size(); i++) outShapes[i] = outs.get(i).shape();
        Shape[] given = outShapes.clone();
        op.shapeRule.infer(new ShapeContext() {
            @Override public Params params() { return p; }
            @Override public String nodeName() { return op.name; }
            @Override public int numInputs() { return inShapes.length; }
            @Override public int numOutputs() { return nOut; }
            @Override public Shape in(int i) { return inShapes[i]; }
            @Override public Shape out(int i) { return outShapes[i]; }
            @Override public void setIn(int i, Shape s) {
                if (s != null && !s.equals(inShapes[i]))
                    throw error("Shape inconsistent for input '%s', Provided = %s, inferred shape=%s", inputName(i), inShapes[i], s);
            }
            @Override public void setOut(int i, Shape s) {
                if (s == null) return;
                if (outShapes[i] != null && !outShapes[i].equals(s))
                    throw error(given[i] != null ? "out array %d has shape %s, inferred shape=%s"
                            : "Shape inconsistent for output %d, Provided = %s, inferred shape=%s", i, outShapes[i], s);
                outShapes[i] = s;
            }
            @Override public String inputName(int i) { return i < names.size() ? names.get(i) : "input" + i; }
        });
        for (int i = 0; i < nOut; i++)
            PysymError.require(outShapes[i] != null, "%s: cannot infer the shape of output %d from the inputs' shapes %s",
                    op.name, i, Arrays.toString(inShapes));
        return outShapes;
    }

    private static DType[] inferTypes(OpDef op, Params p, NDArray[] inputs, int nOut, List<NDArray> outs) {
        DType[] inTypes = new DType[inputs.length], outTypes = new DType[nOut];
        for (int i = 0; i < inputs.length; i++) inTypes[i] = inputs[i].dtype();
        op.typeRule.infer(new TypeContext() {
            @Override public Params params() { return p; }
            @Override public String nodeName() { return op.name; }
            @Override public int numInputs() { return inTypes.length; }
            @Override public int numOutputs() { return nOut; }
            @Override public DType in(int i) { return inTypes[i]; }
            @Override public DType out(int i) { return outTypes[i]; }
            @Override public void setIn(int i, DType t) {
                if (t != null && t != inTypes[i])
                    throw PysymError.format("Error in operator %s: input %d has dtype %s, expected %s", op.name, i, inTypes[i], t);
            }
            @Override public void setOut(int i, DType t) {
                if (t != null && outTypes[i] == null) outTypes[i] = t;
            }
        });
        for (int i = 0; i < nOut; i++) if (outTypes[i] == null) outTypes[i] = DType.Float32;
        return outTypes;
    }

    private static NDArray viewResult(OpDef op, NDArray in, Shape shape, List<NDArray> outs) {
        if (outs != null) {   // out= for a view op: the values are copied into out
            NDArray v = in.reshape(shape);
            try {
                v.copyTo(outs.get(0));
            } finally {
                v.dispose();
            }
            return outs.get(0);
        }
        return in.reshape(shape);
    }

    private static void run(OpDef op, Params p, NDArray[] inputs, Shape[] inShapes, NDArray[] results, Shape[] outShapes) {
        PlanWriter w = new PlanWriter();
        int first = -1;
        for (NDArray in : inputs) {
            int t = w.tensor(in.address(), in.shape(), in.dtype(), PlanWriter.REQ_NULL);
            if (first < 0) first = t;
        }
        int firstOut = -1;
        for (NDArray r : results) {
            int t = w.tensor(r.address(), r.shape(), r.dtype(), PlanWriter.REQ_WRITE);
            if (firstOut < 0) firstOut = t;
        }
        w.instr(Native.kernelId(op.kernel.name()), first < 0 ? firstOut : first, inputs.length, firstOut, results.length,
                op.kernel.packer().pack(p, inShapes, outShapes));
        NativeBuffer plan = w.write(0);
        try {
            Native.runPlan(plan.address(), 0, 1, false);
        } finally {
            Native.releasePlanState(plan.address());
            plan.release();
        }
    }
}
