package org.pysym.ops;

import static org.pysym.op.Field.boolParam;
import static org.pysym.op.Field.enumParam;
import static org.pysym.op.Field.floatParam;
import static org.pysym.op.Field.intParam;
import static org.pysym.op.Field.shapeParam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pysym.PysymError;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;

/**
 * Reductions over axes (sum, mean, max, min, prod), arg-searches (argmax, argmin), and the per-group
 * normalisations L2Normalization and InstanceNorm.
 */
final class Reduce {
    private Reduce() {}

    /** reduce_fwd/reduce_bwd op codes, by operator. */
    private static final List<String> REDUCERS = List.of("sum", "mean", "max", "min", "prod");

    /** l2_normalization_* mode codes are MXNet's enum values, not the order its docs list the choices in. */
    private static final List<String> L2_MODES = List.of("instance", "channel", "spatial");

    static void register(OpRegistry r) {
        registerReduction(r, "sum", "Sum of array elements over the given axes.", "sum_axis");
        registerReduction(r, "mean", "Mean of array elements over the given axes.");
        registerReduction(r, "max", "Maximum of array elements over the given axes (NaN propagates).", "max_axis");
        registerReduction(r, "min", "Minimum of array elements over the given axes (NaN propagates).", "min_axis");
        registerReduction(r, "prod", "Product of array elements over the given axes.");
        registerArgSearch(r, "argmax", "Indices of the maximum values along an axis, as float32; ties give the first index.");
        registerArgSearch(r, "argmin", "Indices of the minimum values along an axis, as float32; ties give the first index.");
        registerL2Normalization(r);
        registerInstanceNorm(r);
    }

    // ---------------------------------------------------------------------------------------
    // sum, mean, max, min, prod
    // ---------------------------------------------------------------------------------------

    private static OpDef.Builder axesParams(OpDef.Builder b) {
        return b.param(shapeParam("axis", null, "The axis or axes along which to perform the reduction. The default, axis=(), "
                        + "reduces all elements into an array of shape (1,). Negative values index from the end."))
                .param(boolParam("keepdims", false, "If true, the reduced axes are left in the result as dimensions of size one."))
                .param(boolParam("exclude", false, "Whether to reduce over the axes that are NOT in axis instead."));
    }

    private static void registerReduction(OpRegistry r, String name, String doc, String... aliases) {
        double code = REDUCERS.indexOf(name);
        String backward = "_backward_" + name;
        r.register(axesParams(OpDef.builder(name).alias(aliases)
                .doc(doc + " data: any shape; output: data's shape without the reduced axes (with them as 1 if keepdims), "
                        + "(1,) when every axis is reduced."))
                .inputs("data")
                .shape(c -> {
                    Shape in = c.in(0);
                    if (in != null) c.setOut(0, reducedShape(c, in));
                })
                .kernel("reduce_fwd", (p, in, out) -> new double[] {code, axisMask(null, in[0], p)})
                // the forward input and output give the gradient its shape (and max/min/prod need their values)
                .grad(g -> List.of(g.op1(backward, g.params().given(), g.outGrad(0), g.input(0), g.output(0))))
                .build());
        r.register(axesParams(OpDef.builder(backward)
                .doc("Gradient of " + name + ": (out_grad, data, output) -> d_data of data's shape."))
                .inputs("out_grad", "data", "output")
                .shape(ShapeRules.outputsLikeInputs(1))
                .kernel("reduce_bwd", (p, in, out) -> new double[] {code, axisMask(null, in[1], p)})
                .backwardOp().build());
    }

    /** The reduced axes of data as a set (a boolean per dim), following MXNet's ReduceAxesShapeImpl. */
    private static boolean[] reducedAxes(ShapeContext c, Shape data, Params p) {
        int nd = data.ndim();
        boolean[] red = new boolean[nd];
        Shape axis = p.getShape("axis");
        if (axis == null || axis.ndim() == 0) {   // MXNet ignores exclude here: everything is reduced
            Arrays.fill(red, true);
            return red;
        }
        for (int a : axis.toArray()) {
            int ax = a < 0 ? a + nd : a;
            if (ax < 0 || ax >= nd)
                throw error(c, "Reduction axis %d exceeds input dimensions %s", a, data);
            if (red[ax]) throw error(c, "Reduction axes have duplicates %s", axis.toMXString());
            red[ax] = true;
        }
        if (p.getBool("exclude"))
            for (int d = 0; d < nd; d++) red[d] = !red[d];
        return red;
    }

    /** Shape rules name the node; kernel packers (c == null) only see shapes the rule already checked. */
    private static PysymError error(ShapeContext c, String fmt, Object... args) {
        return c == null ? PysymError.format(fmt, args) : c.error(fmt, args);
    }

    /** reduce_fwd's axis bitmask: bit d set = dim d reduced. */
    private static double axisMask(ShapeContext c, Shape data, Params p) {
        boolean[] red = reducedAxes(c, data, p);
        long mask = 0;
        for (int d = 0; d < red.length; d++) if (red[d]) mask |= 1L << d;
        return mask;
    }

    /** MXNet's output shape: reduced dims dropped (or 1 with keepdims); (1,) if nothing is left. */
    private static Shape reducedShape(ShapeContext c, Shape data) {
        boolean[] red = reducedAxes(c, data, c.params());
        boolean keepdims = c.params().getBool("keepdims");
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < red.length; d++) {
            if (!red[d]) dims.add(data.get(d));
            else if (keepdims) dims.add(1);
        }
        if (dims.isEmpty()) dims.add(1);
        return Shape.of(dims.stream().mapToInt(Integer::intValue).toArray());
    }

    // ---------------------------------------------------------------------------------------
    // argmax, argmin
    // ---------------------------------------------------------------------------------------

    private static void registerArgSearch(OpRegistry r, String name, String doc) {
        r.register(OpDef.builder(name)
                .doc(doc + " data: any shape; output: data's shape without axis (1 there if keepdims); "
                        + "axis=None searches the flattened input and gives shape (1,).")
                .param(intParam("axis", null, "The axis along which to search; None searches the flattened input. "
                        + "Negative values index from the end."))
                .param(boolParam("keepdims", false, "If true, the searched axis is left in the result as a dimension of size one."))
                .inputs("data")
                .shape(c -> {
                    Shape in = c.in(0);
                    if (in != null) c.setOut(0, argShape(c, in));
                })
                .kernel(name, (p, in, out) -> new double[] {searchAxis(null, in[0], p)})
                .nonDifferentiable().build());
    }

    /** The axis the kernel searches: -1 for the flattened input (axis None, or a 1-D input). */
    private static int searchAxis(ShapeContext c, Shape data, Params p) {
        if (p.isNone("axis")) return -1;
        int nd = data.ndim(), a = p.getInt("axis");
        if (a >= nd || a < -nd) throw error(c, "axis %d exceeds the input dimension of %d", a, nd);
        return nd == 1 ? -1 : (a + nd) % nd;
    }

    /** MXNet's ReduceAxisShapeImpl. */
    private static Shape argShape(ShapeContext c, Shape data) {
        int axis = searchAxis(c, data, c.params());
        boolean keep = c.params().getBool("keepdims");
        int nd = data.ndim();
        if (axis < 0) {
            if (!keep) return Shape.of(1);
            int[] ones = new int[nd];
            Arrays.fill(ones, 1);
            return Shape.of(ones);
        }
        int[] d = data.toArray();
        if (keep) return data.withDim(axis, 1);
        int[] out = new int[nd - 1];
        for (int i = 0, k = 0; i < nd; i++) if (i != axis) out[k++] = d[i];
        return Shape.of(out);
    }

    // ---------------------------------------------------------------------------------------
    // L2Normalization
    // ---------------------------------------------------------------------------------------

    private static void registerL2Normalization(OpRegistry r) {
        r.register(OpDef.builder("L2Normalization")
                .doc("Normalises data to unit L2 norm: per instance (over all but axis 0, the default), per channel "
                        + "(across axis 1 at each position) or spatial (over axes 2.. per channel). "
                        + "data: (N, ...), at least 3-D for channel and spatial; output: data's shape.")
                .param(floatParam("eps", 1e-10, "Epsilon to prevent division by 0."))
                .param(enumParam("mode", "instance", List.of("channel", "instance", "spatial"), "Normalization mode."))
                .inputs("data")
                .outputs("output", "norm").visibleOutputs(1)
                .shape(Reduce::l2Shape)
                .kernel("l2_normalization_fwd", Reduce::l2Params)
                .grad(g -> List.of(g.op1("_backward_L2Normalization", g.params().given(), g.outGrad(0), g.output(0), g.output(1))))
                .build());
        r.register(OpDef.builder("_backward_L2Normalization")
                .doc("Gradient of L2Normalization: (out_grad, output, norm) -> d_data.")
                .param(floatParam("eps", 1e-10, "Epsilon to prevent division by 0."))
                .param(enumParam("mode", "instance", List.of("channel", "instance", "spatial"), "Normalization mode."))
                .inputs("out_grad", "output", "norm")
                .shape(ShapeRules.outputsLikeInputs(1))
                .kernel("l2_normalization_bwd", Reduce::l2Params)
                .backwardOp().build());
    }

    private static double[] l2Params(Params p, Shape[] in, Shape[] out) {
        return new double[] {L2_MODES.indexOf(p.getString("mode")), p.getDouble("eps")};
    }

    /** output like data; norm (N,) for instance, (N,1,spatial...) for channel, (N,C) for spatial. */
    private static void l2Shape(ShapeContext c) {
        if (c.in(0) == null && c.out(0) != null) c.setIn(0, c.out(0));
        Shape d = c.in(0);
        if (d == null) return;
        String mode = c.params().getString("mode");
        if (d.ndim() < (mode.equals("instance") ? 1 : 3))
            throw c.error("L2Normalization in %s mode needs data of at least %d dimensions, got shape %s",
                    mode, mode.equals("instance") ? 1 : 3, d);
        c.setOut(0, d);
        c.setOut(1, switch (mode) {
            case "instance" -> Shape.of(d.get(0));
            case "channel" -> d.withDim(1, 1);
            default -> Shape.of(d.get(0), d.get(1));
        });
    }

    // ---------------------------------------------------------------------------------------
    // InstanceNorm
    // ---------------------------------------------------------------------------------------

    private static void registerInstanceNorm(OpRegistry r) {
        r.register(OpDef.builder("InstanceNorm")
                .doc("Instance normalisation: out = gamma * (x - mean) / sqrt(var + eps) + beta, with mean and (biased) var "
                        + "per instance and channel over the spatial axes. data: (N, C, ...), at least 3-D; gamma, beta: (C,); "
                        + "output: data's shape.")
                .param(floatParam("eps", 1e-3, "An epsilon parameter to prevent division by 0."))
                .inputs("data", "gamma", "beta")
                .outputs("output", "mean", "var").visibleOutputs(1)
                .shape(Reduce::instanceNormShape)
                .kernel("instance_norm_fwd", (p, in, out) -> new double[] {p.getDouble("eps")})
                .grad(g -> {
                    Node b = g.op("_backward_InstanceNorm", g.params().given(), g.outGrad(0), g.input(0), g.input(1),
                            g.output(1), g.output(2));
                    return List.of(new NodeEntry(b, 0), new NodeEntry(b, 1), new NodeEntry(b, 2));
                })
                .build());
        r.register(OpDef.builder("_backward_InstanceNorm")
                .doc("Gradient of InstanceNorm: (out_grad, data, gamma, mean, var) -> (d_data, d_gamma, d_beta).")
                .param(floatParam("eps", 1e-3, "An epsilon parameter to prevent division by 0."))
                .inputs("out_grad", "data", "gamma", "mean", "var")
                .outputs("data_grad", "gamma_grad", "beta_grad")
                .shape(ShapeRules.outputsLikeInputs(1, 2, 2))
                .kernel("instance_norm_bwd", (p, in, out) -> new double[] {p.getDouble("eps")})
                .backwardOp().build());
    }

    private static void instanceNormShape(ShapeContext c) {
        if (c.in(0) == null && c.out(0) != null) c.setIn(0, c.out(0));
        Shape d = c.in(0);
        if (d == null) return;
        if (d.ndim() < 3)
            throw c.error("InstanceNorm needs data of at least 3 dimensions (N, C, ...), got shape %s", d);
        Shape ch = Shape.of(d.get(1)), nc = Shape.of(d.get(0), d.get(1));
        c.setIn(1, ch);
        c.setIn(2, ch);
        c.setOut(0, d);
        c.setOut(1, nc);
        c.setOut(2, nc);
    }
}
