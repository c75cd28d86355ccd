package org.pysym.exec;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.pysym.Context;
import org.pysym.PysymError;
import org.pysym.graph.Graph;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.memory.Lease;
import org.pysym.memory.NativeBuffer;
import org.pysym.nativeio.Native;
import org.pysym.ndarray.NDArray;
import org.pysym.op.DType;
import org.pysym.op.Kernel;
import org.pysym.op.Shape;
import org.pysym.pass.Gradient;
import org.pysym.pass.InferShape;
import org.pysym.pass.InferType;
import org.pysym.pass.PlanMemory;
import org.pysym.pass.PlanMemory.Kind;
import org.pysym.pass.PlanMemory.Location;
import org.pysym.pass.PlanMemory.Step;

/**
 * A symbol bound to arrays: differentiated, planned and packed once at bind time, so forward()
 * and backward() are each one native call. Holds the same NDArray objects it was given.
 */
public final class Executor implements AutoCloseable {
    /** Each executor's RNG (Dropout masks) starts from the next value; Random.seed resets the sequence. */
    private static final AtomicLong seeds = new AtomicLong(0x5EED);
    private static final Cleaner CLEANER = Cleaner.create();

    private final Symbol symbol;
    private final Context context;
    private final List<String> argNames, auxNames;
    private final List<NDArray> argArrays, gradArrays, auxArrays, outputs;
    private final List<String> gradReqs;
    private final List<NDArray> owned = new ArrayList<>();
    private final List<Lease> leases = new ArrayList<>();
    private final boolean[] headNeedsGrad;
    private final int numHeadGrads;
    private NativeBuffer pool;
    private final NativeBuffer plan;
    private final ByteBuffer planView;
    private final long[][] headGradSlots;   // per head: byte offsets of tensor data pointers to patch
    private final int numForwardSteps, numSteps;
    private final String planText;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;

    private Executor(Symbol symbol, Context ctx, List<NDArray> args, List<NDArray> grads, List<String> reqs, List<NDArray> aux) {
        this.symbol = symbol;
        this.context = ctx == null ? Context.cpu() : ctx;
        this.argNames = symbol.listArguments();
        this.auxNames = symbol.listAuxiliaryStates();
        this.argArrays = List.copyOf(args);
        this.auxArrays = List.copyOf(aux);
        this.gradArrays = Collections.unmodifiableList(new ArrayList<>(grads));
        this.gradReqs = List.copyOf(reqs);

        List<Node> argNodes = symbol.argumentNodes(), auxNodes = symbol.auxiliaryNodes();
        List<NodeEntry> heads = symbol.outputs();
        Set<Node> wrt = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < argNodes.size(); i++) if (!reqs.get(i).equals(BindSpec.NULL)) wrt.add(argNodes.get(i));
        Gradient.Result gr = wrt.isEmpty() ? null : Gradient.run(heads, wrt);

        List<NodeEntry> all = new ArrayList<>(heads);
        if (gr != null) all.addAll(gr.argGrads().values());
        Graph g = new Graph(all);
        int numForward = new Graph(heads).nodes.size();

        // shapes and types of every entry, forward then backward
        Shape[] shapes = new Shape[g.numEntries()];
        DType[] types = new DType[g.numEntries()];
        Location[] fixed = new Location[g.numEntries()];
        for (int i = 0; i < argNodes.size(); i++) {
            int e = g.entryId(new NodeEntry(argNodes.get(i), 0));
            shapes[e] = args.get(i).shape();
            types[e] = args.get(i).dtype();
            fixed[e] = new Location(Kind.ARG, i, 0);
        }
        for (int i = 0; i < auxNodes.size(); i++) {
            int e = g.entryId(new NodeEntry(auxNodes.get(i), 0));
            shapes[e] = aux.get(i).shape();
            types[e] = aux.get(i).dtype();
            fixed[e] = new Location(Kind.AUX, i, 0);
        }
        InferShape.infer(g, shapes);
        headNeedsGrad = new boolean[heads.size()];
        int needed = 0;
        if (gr != null) {
            for (int i = 0; i < heads.size(); i++) {
                Node v = gr.headGrads().get(i);
                if (v == null) continue;
                headNeedsGrad[i] = true;
                needed++;
                if (!g.contains(v)) continue;   // the head grad reaches no argument (non-differentiable path)
                int e = g.entryId(new NodeEntry(v, 0));
                shapes[e] = shapes[g.entryId(heads.get(i))];
                fixed[e] = new Location(Kind.HEAD_GRAD, i, 0);
            }
            InferShape.infer(g, shapes);
        }
        numHeadGrads = needed;
        InferType.infer(g, types);
        for (int e = 0; e < shapes.length; e++) {
            PysymError.require(shapes[e] != null, "bind: cannot infer the shape of entry %d of the bound graph", e);
            if (types[e] == null) types[e] = DType.Float32;
        }

        int[] headIds = heads.stream().mapToInt(g::entryId).toArray();
        List<PlanMemory.GradTarget> targets = new ArrayList<>();
        if (gr != null) {
            for (int i = 0; i < argNodes.size(); i++) {
                NodeEntry ge = gr.argGrads().get(argNodes.get(i));
                if (ge != null) targets.add(new PlanMemory.GradTarget(g.entryId(ge), i, reqs.get(i).equals(BindSpec.ADD)));
            }
        }
        PlanMemory.Plan mp = PlanMemory.run(g, shapes, types, fixed, headIds, targets, numForward);
        planText = mp.toString();

        // arrays: outputs owned here; bound arrays leased so native pointers stay valid
        List<NDArray> outs = new ArrayList<>();
        for (int i = 0; i < heads.size(); i++) outs.add(NDArray.empty(shapes[headIds[i]], context, types[headIds[i]]));
        this.outputs = Collections.unmodifiableList(outs);
        NativeBuffer poolBuf = null, planBuf;
        List<List<Integer>> headTensors = new ArrayList<>();
        try {
            for (NDArray a : argArrays) leases.add(a.lease());
            for (NDArray a : auxArrays) leases.add(a.lease());
            for (NDArray a : gradArrays) if (a != null) leases.add(a.lease());
            poolBuf = NativeBuffer.allocate(mp.poolBytes());
            pool = poolBuf;

            PlanWriter w = new PlanWriter();
            for (int i = 0; i < heads.size(); i++) headTensors.add(new ArrayList<>());
            for (Step st : mp.steps()) {
                Kernel k;
                double[] params;
                Shape[] inShapes = new Shape[st.inEntries().length];
                for (int i = 0; i < inShapes.length; i++) inShapes[i] = shapes[st.inEntries()[i]];
                if (st.kind() == PlanMemory.StepKind.OP) {
                    Node node = g.nodes.get(st.nodeId());
                    k = node.op.kernel;
                    params = k.packer().pack(node.params, inShapes, st.outShapes());
                } else {
                    k = Kernel.of(st.kind() == PlanMemory.StepKind.COPY ? "copy" : "accumulate");
                    params = new double[0];
                }
                int first = -1;
                for (int i = 0; i < inShapes.length; i++) {
                    int e = st.inEntries()[i];
                    int t = w.tensor(address(st.in()[i]), shapes[e], types[e], PlanWriter.REQ_NULL);
                    if (st.in()[i].kind() == Kind.HEAD_GRAD) headTensors.get(st.in()[i].slot()).add(t);
                    if (first < 0) first = t;
                }
                int firstOut = -1;
                for (int o = 0; o < st.out().length; o++) {
                    boolean wanted = st.outWanted()[o];
                    Shape s = st.outShapes()[o];
                    DType t0 = st.kind() == PlanMemory.StepKind.OP ? types[g.entryId(st.nodeId(), o)] : types[st.inEntries()[0]];
                    int t = w.tensor(wanted ? address(st.out()[o]) : 0, s, t0, wanted ? PlanWriter.REQ_WRITE : PlanWriter.REQ_NULL);
                    if (firstOut < 0) firstOut = t;
                }
                w.instr(Native.kernelId(k.name()), first < 0 ? firstOut : first, inShapes.length, firstOut, st.out().length, params);
            }
            planBuf = w.write(seeds.incrementAndGet() * 0x9E3779B97F4A7C15L);
        } catch (RuntimeException e) {   // nothing allocated here may outlive a failed bind
            for (NDArray o : outs) o.dispose();
            for (Lease l : leases) l.close();
            if (poolBuf != null) poolBuf.release();
            throw e;
        }
        plan = planBuf;
        planView = Native.wrap(plan.address(), plan.bytes());
        headGradSlots = new long[heads.size()][];
        for (int i = 0; i < heads.size(); i++) {
            List<Integer> ts = headTensors.get(i);
            headGradSlots[i] = ts.stream().mapToLong(t -> PlanWriter.tensorDataOffset(planView, t)).toArray();
        }
        numForwardSteps = mp.numForwardSteps();
        numSteps = mp.steps().size();
        cleanable = CLEANER.register(this, new Resources(plan, pool));
    }

    private long address(Location l) {
        return switch (l.kind()) {
            case ARG -> argArrays.get(l.slot()).address();
            case AUX -> auxArrays.get(l.slot()).address();
            case GRAD -> gradArrays.get(l.slot()).address();
            case OUTPUT -> outputs.get(l.slot()).address();
            case POOL -> pool.address() + l.offset();
            case HEAD_GRAD, NONE -> 0;
        };
    }

    // ---- binding ----------------------------------------------------------------------------

    /**
     * Binds arrays to a symbol. args/argsGrad/auxStates: a List in listArguments (or
     * listAuxiliaryStates) order, or a Map by name; argsGrad entries may be missing (no gradient).
     * gradReq: "write", "add", "null", or a List/Map of them per argument.
     */
    public static Executor bind(Symbol sym, Context ctx, Object args, Object argsGrad, Object gradReq, Object auxStates) {
        PysymError.require(args != null, "args must be provided");
        List<String> argNames = sym.listArguments(), auxNames = sym.listAuxiliaryStates();
        List<NDArray> argArr = BindSpec.required("args", argNames, args);
        List<NDArray> gradArr = BindSpec.optional("args_grad", argNames, argsGrad);
        List<String> reqs = new ArrayList<>(BindSpec.gradReqs(argNames, gradReq));
        if (auxStates == null && !auxNames.isEmpty())
            throw PysymError.format("Length of aux_states do not match number of auxiliary states: expected %d %s, got 0",
                    auxNames.size(), auxNames);
        List<NDArray> auxArr = BindSpec.required("aux_states", auxNames, auxStates);

        Map<String, Shape> known = new LinkedHashMap<>();
        for (int i = 0; i < argNames.size(); i++) known.put(argNames.get(i), argArr.get(i).shape());
        for (int i = 0; i < auxNames.size(); i++) known.put(auxNames.get(i), auxArr.get(i).shape());
        InferShape.Result r = sym.inferShape(known);
        for (int i = 0; i < argNames.size(); i++) {
            NDArray gr = gradArr.get(i);
            if (gr == null) reqs.set(i, BindSpec.NULL);
            else PysymError.require(gr.shape().equals(argArr.get(i).shape()),
                    "bind: gradient array for '%s' has shape %s, expected %s (the argument's shape)",
                    argNames.get(i), gr.shape(), argArr.get(i).shape());
        }
        for (int i = 0; i < r.outShapes().size(); i++)
            PysymError.require(r.outShapes().get(i) != null, "bind: cannot infer the shape of output %s",
                    sym.listOutputs().get(i));
        checkFloat32("args", argNames, argArr);
        checkFloat32("aux_states", auxNames, auxArr);
        return new Executor(sym, ctx, argArr, gradArr, reqs, auxArr);
    }

    private static void checkFloat32(String what, List<String> names, List<NDArray> arrays) {
        for (int i = 0; i < arrays.size(); i++)
            PysymError.require(arrays.get(i).dtype() == DType.Float32,
                    "bind: %s '%s' has dtype %s; the kernels support float32 only so far", what, names.get(i), arrays.get(i).dtype());
    }

    /**
     * MXNet Scala's simpleBind: zeros for every argument and aux state; gradient arrays (zeros)
     * for arguments whose names do not end in "data" or "label". This executor owns the arrays
     * it allocated and disposes them on close().
     */
    public static Executor simpleBind(Symbol sym, Context ctx, String gradReq, Map<String, Shape> shapeDict) {
        List<String> argNames = sym.listArguments(), auxNames = sym.listAuxiliaryStates();
        BindSpec.gradReqs(argNames, gradReq == null ? BindSpec.WRITE : gradReq);
        InferShape.Result r = sym.inferShape(shapeDict);
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < argNames.size(); i++) if (r.argShapes().get(i) == null) unknown.add(argNames.get(i));
        for (int i = 0; i < auxNames.size(); i++) if (r.auxShapes().get(i) == null) unknown.add(auxNames.get(i));
        PysymError.require(unknown.isEmpty(), "Shape inference failed. Known shapes are %s for symbol arguments %s and aux states %s;"
                + " cannot decide the shapes of %s: provide them in shapeDict", shapeDict, argNames, auxNames, unknown);
        List<NDArray> mine = new ArrayList<>();
        try {
            List<NDArray> args = new ArrayList<>(), aux = new ArrayList<>();
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (int i = 0; i < argNames.size(); i++) {
                NDArray a = NDArray.zeros(r.argShapes().get(i), ctx, DType.Float32);
                mine.add(a);
                args.add(a);
                String n = argNames.get(i);
                if (!BindSpec.NULL.equals(gradReq) && !n.endsWith("data") && !n.endsWith("label")) {
                    NDArray gArr = NDArray.zeros(r.argShapes().get(i), ctx, DType.Float32);
                    mine.add(gArr);
                    grads.put(n, gArr);
                }
            }
            for (int i = 0; i < auxNames.size(); i++) {
                NDArray a = NDArray.zeros(r.auxShapes().get(i), ctx, DType.Float32);
                mine.add(a);
                aux.add(a);
            }
            Executor ex = bind(sym, ctx, args, grads, gradReq == null ? BindSpec.WRITE : gradReq, aux);
            ex.owned.addAll(mine);
            return ex;
        } catch (RuntimeException e) {
            for (NDArray a : mine) a.dispose();
            throw e;
        }
    }

    /** MXNet's Random.seed: executors bound afterwards draw reproducible random streams. */
    public static void seed(long seed) { seeds.set(seed); }

    /** Makes this executor the owner of arrays it was bound with: disposed together with it. */
    public void adopt(java.util.Collection<NDArray> arrays) { owned.addAll(arrays); }

    // ---- running ----------------------------------------------------------------------------

    private void checkLive() {
        PysymError.require(!closed, "Executor has been disposed");
        for (int i = 0; i < argArrays.size(); i++)
            PysymError.require(!argArrays.get(i).isDisposed(), "Executor: argument '%s' has been disposed", argNames.get(i));
        for (int i = 0; i < auxArrays.size(); i++)
            PysymError.require(!auxArrays.get(i).isDisposed(), "Executor: aux state '%s' has been disposed", auxNames.get(i));
    }

    public void forward(boolean isTrain) {
        checkLive();
        Native.runPlan(plan.address(), 0, numForwardSteps, isTrain);
    }

    /** Copies each kwarg into the bound argument of that name, then runs forward. */
    public void forward(boolean isTrain, Map<String, NDArray> kwargs) {
        if (kwargs != null) {
            for (Map.Entry<String, NDArray> e : kwargs.entrySet()) {
                int i = argNames.indexOf(e.getKey());
                PysymError.require(i >= 0, "forward: unknown argument '%s'; arguments are %s", e.getKey(), argNames);
                e.getValue().copyTo(argArrays.get(i));
            }
        }
        forward(isTrain);
    }

    /** Backward with one head gradient per output that is not a loss (all outputs may be given). */
    public void backward(List<NDArray> outGrads) {
        checkLive();
        List<NDArray> gs = outGrads == null ? List.of() : outGrads;
        int heads = headNeedsGrad.length;
        PysymError.require(gs.size() == numHeadGrads || gs.size() == heads,
                "backward expected %d head gradients (one per output that is not a loss), got %d", numHeadGrads, gs.size());
        int k = 0;
        for (int i = 0; i < heads; i++) {
            if (gs.size() == heads) k = i;
            else if (!headNeedsGrad[i]) continue;
            NDArray g = gs.get(k++);
            if (!headNeedsGrad[i]) continue;
            PysymError.require(g != null, "backward: head gradient %d is missing", i);
            PysymError.require(g.shape().equals(outputs.get(i).shape()),
                    "backward: head gradient %d has shape %s, expected %s (the shape of output %s)",
                    i, g.shape(), outputs.get(i).shape(), symbol.listOutputs().get(i));
            PysymError.require(g.dtype() == outputs.get(i).dtype(), "backward: head gradient %d has dtype %s, expected %s",
                    i, g.dtype(), outputs.get(i).dtype());
            long addr = g.address();
            for (long off : headGradSlots[i]) planView.putLong((int) off, addr);
        }
        Native.runPlan(plan.address(), numForwardSteps, numSteps, true);
    }

    public void backward(NDArray outGrad) { backward(List.of(outGrad)); }
    public void backward() { backward(List.of()); }

    // ---- accessors ----------------------------------------------------------------------------

    public Symbol symbol() { return symbol; }
    public Context context() { return context; }
    public List<NDArray> outputs() { return outputs; }
    public List<NDArray> argArrays() { return argArrays; }
    public List<NDArray> gradArrays() { return gradArrays; }
    public List<NDArray> auxArrays() { return auxArrays; }
    public List<String> gradReqs() { return gradReqs; }

    public Map<String, NDArray> argDict() { return dict(argNames, argArrays); }
    public Map<String, NDArray> gradDict() { return dict(argNames, gradArrays); }
    public Map<String, NDArray> auxDict() { return dict(auxNames, auxArrays); }

    private static Map<String, NDArray> dict(List<String> names, List<NDArray> arrays) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(names.get(i), arrays.get(i));
        return Collections.unmodifiableMap(m);
    }

    /** The memory plan, one step per line. */
    public String debugStr() { return planText; }

    public boolean isDisposed() { return closed; }

    public void dispose() {
        if (closed) return;
        closed = true;
        cleanable.clean();
        for (NDArray o : outputs) o.dispose();
        for (Lease l : leases) l.close();
        Set<NDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (NDArray a : owned) if (seen.add(a)) a.dispose();
    }

    @Override public void close() { dispose(); }

    public List<String> listArguments() { return argNames; }
    public List<String> listAuxiliaryStates() { return auxNames; }

    /** The plan and pool, released exactly once: by dispose() or, as a backstop, by the Cleaner. */
    private static final class Resources implements Runnable {
        private final NativeBuffer plan, pool;
        private boolean released;

        Resources(NativeBuffer plan, NativeBuffer pool) {
            this.plan = plan;
            this.pool = pool;
        }

        @Override public synchronized void run() {
            if (released) return;
            released = true;
            Native.releasePlanState(plan.address());
            plan.release();
            pool.release();
        }
    }
}
