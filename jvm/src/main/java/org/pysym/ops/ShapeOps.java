package org.pysym.ops;

import static org.pysym.op.Field.boolParam;
import static org.pysym.op.Field.enumParam;
import static org.pysym.op.Field.enumRequired;
import static org.pysym.op.Field.floatParam;
import static org.pysym.op.Field.intParam;
import static org.pysym.op.Field.intRequired;
import static org.pysym.op.Field.shapeParam;
import static org.pysym.op.Field.shapeRequired;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.op.DType;
import org.pysym.op.GradContext;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;
import org.pysym.op.ReshapeSpec;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;

/**
 * Shape manipulation: views (Flatten, Reshape, expand_dims), permutations (transpose, SwapAxis),
 * joining and splitting (Concat, stack, SliceChannel, slice_axis), Pad, nearest UpSampling and
 * Cast, with their gradients.
 *
 * Two internal view operators carry shapes into gradients: {@code _reshape_like(data, like)} is
 * data re-viewed with like's shape (the gradient of every view), and {@code _identity_like(data,
 * like)} is data itself, declared to have like's shape and dtype. The second exists because
 * several backward kernels (split_fwd, slice_axis_bwd, cast) take only the head gradient, so
 * nothing else would tell shape and type inference what their output looks like.
 */
final class ShapeOps {
    private ShapeOps() {}

    private static final Shape EMPTY = Shape.ofSigned();
    /** Cast targets with kernels; MXNet also lists bfloat16 and bool, which pysym has no dtype for. */
    private static final List<String> CAST_TYPES = List.of("float16", "float32", "float64", "int32", "int64", "int8", "uint8");
    private static final List<String> PAD_MODES = List.of("constant", "edge", "reflect");   // kernel ordinals 0, 1, 2

    static void register(OpRegistry r) {
        registerViews(r);
        registerPermutations(r);
        registerJoinSplit(r);
        registerPadUpCast(r);
    }

    // ---- views ---------------------------------------------------------------------------------

    private static void registerViews(OpRegistry r) {
        r.register(OpDef.builder("Flatten").alias("flatten")
                .doc("Flattens the input to 2-D, collapsing all but the first axis: (d1, d2, ..., dk) -> (d1, d2*...*dk).")
                .shape(c -> {
                    Shape in = c.in(0);
                    if (in == null) return;
                    if (in.ndim() == 0) throw c.error("Flatten needs an input with at least 1 dimension, got %s", in);
                    c.setOut(0, Shape.of(in.get(0), (int) in.drop(1).size()));
                })
                .view().grad(ShapeOps::viewGrad).build());

        r.register(OpDef.builder("Reshape").alias("reshape")
                .doc("Reshapes the input without copying. shape takes MXNet's special values: 0 copies a dimension, "
                        + "-1 infers one, -2 copies all remaining, -3 merges two consecutive dimensions, -4 splits one "
                        + "into the next two values (one may be -1); reverse applies them right to left.")
                .param(shapeParam("shape", EMPTY, "The target shape"))
                .param(boolParam("reverse", false, "If true then the special values are inferred from right to left"))
                .param(shapeParam("target_shape", EMPTY, "(Deprecated! Use shape instead.) Target new shape. One and only one dim can be 0, in which case it will be inferred from the rest of dims"))
                .param(boolParam("keep_highest", false, "(Deprecated! Use shape instead.) Whether keep the highest dim unchanged. If set to true, then the first dim in target_shape is ignored, and always fixed as input"))
                .shape(c -> {
                    if (c.in(0) != null) c.setOut(0, reshapeTarget(c, c.in(0)));
                })
                .view().grad(ShapeOps::viewGrad).build());

        r.register(OpDef.builder("expand_dims")
                .doc("Inserts a new axis of size 1 at position axis; axis may be negative, in [-ndim-1, ndim].")
                .param(intRequired("axis", Integer.MIN_VALUE, "Position where new axis is to be inserted. Suppose that the input `NDArray`'s dimension is `ndim`, the range of the inserted axis is `[-ndim, ndim]`"))
                .shape(c -> {
                    int a = c.params().getInt("axis");
                    if (c.in(0) != null) {
                        Shape in = c.in(0);
                        c.setOut(0, insertAxis(in, axis(c, "axis", a, in.ndim() + 1), 1));
                    } else if (c.out(0) != null && c.out(0).ndim() > 0) {
                        Shape out = c.out(0);
                        c.setIn(0, removeAxis(out, axis(c, "axis", a, out.ndim())));
                    }
                })
                .view().grad(ShapeOps::viewGrad).build());

        r.register(OpDef.builder("_reshape_like")
                .doc("Internal view: data with the shape of like (same size, no copy). The gradient of the views.")
                .inputs("data", "like")
                .shape(c -> {
                    Shape d = c.in(0), l = c.in(1);
                    if (d != null && l != null && d.size() != l.size())
                        throw c.error("_reshape_like: data %s has %d elements, like %s has %d", d, d.size(), l, l.size());
                    if (l != null) c.setOut(0, l);
                })
                .view()
                .grad(g -> Arrays.asList(g.op1("_reshape_like", Map.of(), g.outGrad(0), g.input(0)), null)).build());

        r.register(OpDef.builder("_identity_like")
                .doc("Internal view: data unchanged, declared to have the shape and dtype of like. Lets inference reach "
                        + "gradients whose backward kernel cannot take the forward input.")
                .inputs("data", "like")
                .shape(ShapeRules.SAME).view()
                .grad(g -> Arrays.asList(g.outGrad(0), null)).build());
    }

    /** The gradient of a view: the head gradient re-viewed with the input's shape. */
    private static List<NodeEntry> viewGrad(GradContext g) {
        return List.of(g.op1("_reshape_like", Map.of(), g.outGrad(0), g.input(0)));
    }

    /** Reshape's output shape: shape with its special codes, else the legacy target_shape. */
    private static Shape reshapeTarget(ShapeContext c, Shape in) {
        Params p = c.params();
        Shape spec = p.getShape("shape");
        if (spec.ndim() > 0) {
            try {
                return ReshapeSpec.resolve(in, spec.toArray(), p.getBool("reverse"));
            } catch (org.pysym.PysymError e) {
                throw c.error("%s", e.getMessage());
            }
        }
        Shape target = p.getShape("target_shape");
        if (target.ndim() == 0)
            throw c.error("Reshape needs parameter shape (or the deprecated target_shape); got neither for input %s", in);
        // MXNet's legacy rule: keep_highest keeps dim 0; one 0 among the rest is inferred
        int[] t = target.toArray();
        int start = p.getBool("keep_highest") ? 1 : 0;
        if (start == 1) t[0] = in.get(0);
        int zeros = 0, at = -1;
        long known = 1;
        for (int i = 0; i < t.length; i++) {
            if (i >= start && t[i] == 0) { zeros++; at = i; }
            else known *= t[i];
        }
        if (zeros > 1) throw c.error("Reshape target_shape %s: at most one dimension can be 0 (inferred)", target);
        if (zeros == 1) {
            if (known <= 0 || in.size() % known != 0)
                throw c.error("Reshape target_shape %s cannot be inferred from input %s", target, in);
            t[at] = (int) (in.size() / known);
        }
        for (int d : t) if (d < 0) throw c.error("Reshape target_shape %s has a negative dimension", target);
        Shape out = Shape.of(t);
        if (out.size() != in.size())
            throw c.error("Reshape target_shape %s (%d elements) does not match input %s (%d elements)", out, out.size(), in, in.size());
        return out;
    }

    // ---- permutations --------------------------------------------------------------------------

    private static void registerPermutations(OpRegistry r) {
        r.register(OpDef.builder("transpose")
                .doc("Permutes the dimensions: output dim i is input dim axes[i]. Empty axes (default) reverses them.")
                .param(shapeParam("axes", EMPTY, "Target axis order. By default the axes will be inverted."))
                .shape(c -> {
                    Shape in = c.in(0), out = c.out(0);
                    int nd = in != null ? in.ndim() : out != null ? out.ndim() : -1;
                    if (nd < 0) return;
                    int[] perm = permutation(c, nd);
                    if (in != null) c.setOut(0, permute(in, perm));
                    else c.setIn(0, permute(out, invert(perm)));
                })
                .kernel("transpose", (p, in, out) -> toDoubles(permutation(p.getShape("axes"), in[0].ndim())))
                .grad(g -> {
                    Shape axes = g.params().getShape("axes");
                    // reversal is its own inverse; keep it as the empty default
                    Shape inv = axes.ndim() == 0 ? EMPTY : Shape.ofSigned(invert(normalizedAxes(axes)));
                    return List.of(g.op1("transpose", Map.of("axes", inv), g.outGrad(0)));
                }).build());

        r.register(OpDef.builder("SwapAxis").alias("swapaxes")
                .doc("Interchanges two axes of the input (dim1 and dim2; negative values count from the end).")
                .param(intParam("dim1", 0, "the first axis to be swapped."))
                .param(intParam("dim2", 0, "the second axis to be swapped."))
                .shape(c -> {
                    Shape in = c.in(0), out = c.out(0);
                    if (in != null) c.setOut(0, permute(in, swapPerm(c, in.ndim())));
                    else if (out != null) c.setIn(0, permute(out, swapPerm(c, out.ndim())));
                })
                .kernel("transpose", (p, in, out) -> toDoubles(swapPerm(null, p, in[0].ndim())))
                .grad(g -> List.of(g.op1("SwapAxis", Map.of("dim1", g.params().getInt("dim1"), "dim2", g.params().getInt("dim2")),
                        g.outGrad(0))))
                .build());
    }

    /** The transpose permutation for rank nd, with MXNet's checks; errors name the node. */
    private static int[] permutation(ShapeContext c, int nd) {
        try {
            return permutation(c.params().getShape("axes"), nd);
        } catch (IllegalArgumentException e) {
            throw c.error("%s", e.getMessage());
        }
    }

    private static int[] permutation(Shape axes, int nd) {
        if (axes.ndim() == 0) {
            int[] rev = new int[nd];
            for (int i = 0; i < nd; i++) rev[i] = nd - 1 - i;
            return rev;
        }
        if (axes.ndim() != nd)
            throw new IllegalArgumentException("transpose axes " + axes.toMXString() + " has " + axes.ndim()
                    + " entries for an input of rank " + nd);
        int[] perm = normalizedAxes(axes);
        boolean[] seen = new boolean[nd];
        for (int a : perm) {
            if (a < 0 || a >= nd || seen[a])
                throw new IllegalArgumentException("transpose axes " + axes.toMXString() + " is not a permutation of 0.." + (nd - 1));
            seen[a] = true;
        }
        return perm;
    }

    private static int[] normalizedAxes(Shape axes) {
        int nd = axes.ndim();
        int[] perm = axes.toArray();
        for (int i = 0; i < nd; i++) if (perm[i] < 0) perm[i] += nd;
        return perm;
    }

    private static int[] invert(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }

    private static Shape permute(Shape s, int[] perm) {
        int[] d = new int[perm.length];
        for (int i = 0; i < perm.length; i++) d[i] = s.get(perm[i]);
        return Shape.of(d);
    }

    private static int[] swapPerm(ShapeContext c, int nd) { return swapPerm(c, c.params(), nd); }

    private static int[] swapPerm(ShapeContext c, Params p, int nd) {
        int a = p.getInt("dim1"), b = p.getInt("dim2");
        int a1 = a < 0 ? a + nd : a, b1 = b < 0 ? b + nd : b;
        for (int[] v : new int[][] {{a, a1}, {b, b1}})
            if (v[1] < 0 || v[1] >= nd) {
                String msg = String.format("SwapAxis: axis %d is out of bounds for an input of rank %d", v[0], nd);
                throw c != null ? c.error("%s", msg) : new org.pysym.PysymError(msg);
            }
        int[] perm = new int[nd];
        for (int i = 0; i < nd; i++) perm[i] = i;
        perm[a1] = b1;
        perm[b1] = a1;
        return perm;
    }

    // ---- joining and splitting -----------------------------------------------------------------

    private static void registerJoinSplit(OpRegistry r) {
        r.register(OpDef.builder("Concat").alias("concat")
                .doc("Joins its inputs along axis dim (default 1); all other dimensions must match.")
                .param(intRequired("num_args", 1, "Number of inputs to be concated."))
                .param(intParam("dim", 1, "the dimension to be concated."))
                .variadic().shape(ShapeOps::concatShape)
                .kernel("concat_fwd", (p, in, out) -> new double[] {normAxis(p.getInt("dim"), out[0].ndim())})
                .grad(g -> {
                    int n = g.node().inputs.size();
                    Node split = g.op("_backward_Concat", Map.of("num_args", n, "dim", g.params().getInt("dim")), g.outGrad(0));
                    List<NodeEntry> grads = new ArrayList<>();
                    for (int i = 0; i < n; i++)
                        grads.add(g.op1("_identity_like", Map.of(), new NodeEntry(split, i), g.input(i)));
                    return grads;
                }).build());
        r.register(OpDef.builder("_backward_Concat")
                .doc("Gradient of Concat: splits out_grad along dim into parts shaped like Concat's inputs.")
                .param(intRequired("num_args", 1, "Number of parts."))
                .param(intParam("dim", 1, "the dimension that was concated."))
                .inputs("out_grad").outputs(p -> numbered("data", p == null ? 1 : p.getInt("num_args")))
                .shape(ShapeOps::splitBackShape)
                .kernel("split_fwd", (p, in, out) -> new double[] {normAxis(p.getInt("dim"), in[0].ndim())})
                .backwardOp().build());

        r.register(OpDef.builder("SliceChannel").alias("split")
                .doc("Splits the input along axis into num_outputs equal parts; squeeze_axis drops the axis when each "
                        + "part has size 1. Outputs output0 .. output{num_outputs-1}.")
                .param(intRequired("num_outputs", 1, OpDef.MAX_VARIADIC_INPUTS, "Number of splits. Note that this should evenly divide the length of the `axis`."))
                .param(intParam("axis", 1, "Axis along which to split."))
                .param(boolParam("squeeze_axis", false, "If true, Removes the axis with length 1 from the shapes of the output arrays. **Note** that setting `squeeze_axis` to ``true`` removes axis with length 1 only along the `axis` which it is split. Also `squeeze_axis` can be set to ``true`` only if ``input.shape[axis] == num_outputs``."))
                .outputs(p -> numbered("output", p == null ? 1 : p.getInt("num_outputs")))
                .shape(ShapeOps::sliceChannelShape)
                .kernel("split_fwd", (p, in, out) -> new double[] {normAxis(p.getInt("axis"), in[0].ndim())})
                .grad(g -> {
                    Params p = g.params();
                    int n = p.getInt("num_outputs"), axis = p.getInt("axis");
                    boolean squeeze = p.getBool("squeeze_axis");
                    List<NodeEntry> parts = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        // an output nobody used has a zero gradient
                        NodeEntry part = g.outGrad(i) != null ? g.outGrad(i) : g.op1("zeros_like", Map.of(), g.output(i));
                        if (squeeze) part = g.op1("expand_dims", Map.of("axis", axis), part);
                        parts.add(part);
                    }
                    return List.of(g.op1("Concat", Map.of("num_args", n, "dim", axis), parts.toArray(new NodeEntry[0])));
                }).build());

        r.register(OpDef.builder("slice_axis")
                .doc("Slices the input along axis from begin (inclusive) to end (exclusive); negative indices count "
                        + "from the end, end=None means the end of the axis.")
                .param(intRequired("axis", Integer.MIN_VALUE, "Axis along which to be sliced, supports negative indexes."))
                .param(intRequired("begin", Integer.MIN_VALUE, "The beginning index along the axis to be sliced,  supports negative indexes."))
                .param(intRequired("end", Integer.MIN_VALUE, "The ending index along the axis to be sliced,  supports negative indexes."))
                .shape(c -> {
                    Shape in = c.in(0);
                    if (in == null) return;
                    int[] s = sliceBounds(c, c.params(), in);
                    c.setOut(0, in.withDim(s[0], s[2] - s[1]));
                })
                .kernel("slice_axis_fwd", (p, in, out) -> toDoubles(sliceBounds(null, p, in[0])))
                .grad(g -> List.of(g.op1("_identity_like", Map.of(),
                        g.op1("_backward_slice_axis", sliceParams(g.params()), g.outGrad(0)), g.input(0))))
                .build());
        r.register(OpDef.builder("_backward_slice_axis")
                .doc("Gradient of slice_axis: out_grad placed into [begin, end) along axis, zeros elsewhere.")
                .param(intRequired("axis", Integer.MIN_VALUE, "Axis that was sliced."))
                .param(intRequired("begin", Integer.MIN_VALUE, "Beginning index."))
                .param(intRequired("end", Integer.MIN_VALUE, "Ending index, None for the end."))
                .inputs("out_grad")
                .shape(c -> {
                    Shape d = c.out(0);   // d_data, reached through _identity_like from the forward input
                    if (d == null) return;
                    int[] s = sliceBounds(c, c.params(), d);
                    c.setIn(0, d.withDim(s[0], s[2] - s[1]));
                })
                .kernel("slice_axis_bwd", (p, in, out) -> toDoubles(sliceBounds(null, p, out[0])))
                .backwardOp().build());

        r.register(OpDef.builder("stack")
                .doc("Joins inputs of one shape along a new axis (default 0): output rank is input rank + 1.")
                .param(intParam("axis", 0, "The axis in the result array along which the input arrays are stacked."))
                .param(intRequired("num_args", 1, "Number of inputs to be stacked."))
                .variadic().shape(ShapeOps::stackShape)
                // concat_fwd along the new axis: each part is the input without that (size-1) axis
                .kernel("concat_fwd", (p, in, out) -> new double[] {normAxis(p.getInt("axis"), out[0].ndim())})
                .grad(g -> {
                    int n = g.node().inputs.size();
                    Node split = g.op("SliceChannel", Map.of("num_outputs", n, "axis", g.params().getInt("axis")), g.outGrad(0));
                    List<NodeEntry> grads = new ArrayList<>();
                    for (int i = 0; i < n; i++)
                        grads.add(g.op1("_reshape_like", Map.of(), new NodeEntry(split, i), g.input(i)));
                    return grads;
                }).build());
    }

    private static List<String> numbered(String prefix, int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(prefix + i);
        return l;
    }

    private static void concatShape(ShapeContext c) {
        int n = c.numInputs();
        int dim = c.params().getInt("dim");
        Shape ref = null;
        int refIdx = -1;
        for (int i = 0; i < n && ref == null; i++) if (c.in(i) != null) { ref = c.in(i); refIdx = i; }
        if (ref == null) ref = c.out(0);
        if (ref == null) return;
        int nd = ref.ndim();
        int axis = axis(c, "dim", dim, nd);
        int known = 0, missing = -1;
        long total = 0;
        for (int i = 0; i < n; i++) {
            Shape s = c.in(i);
            if (s == null) { missing = i; continue; }
            known++;
            if (s.ndim() != nd || !sameExcept(s, ref, axis))
                throw c.error("Concat(dim=%d): input '%s' has shape %s, incompatible with input '%s' of shape %s: "
                                + "all dimensions except dim %d must match", dim, c.inputName(i), s,
                        refIdx >= 0 ? c.inputName(refIdx) : "output", ref, axis);
            total += s.get(axis);
        }
        if (known == n) {
            c.setOut(0, ref.withDim(axis, (int) total));
        } else if (known == n - 1 && c.out(0) != null) {
            Shape out = c.out(0);
            if (out.ndim() != nd || !sameExcept(out, ref, axis) || out.get(axis) < total)
                throw c.error("Concat(dim=%d): output shape %s does not fit the inputs", dim, out);
            c.setIn(missing, out.withDim(axis, (int) (out.get(axis) - total)));
        }
    }

    /** _backward_Concat: out_grad is the concatenation of the outputs. */
    private static void splitBackShape(ShapeContext c) {
        int n = c.numOutputs();
        int dim = c.params().getInt("dim");
        Shape whole = c.in(0);
        int known = 0, missing = -1;
        long total = 0;
        Shape ref = null;
        for (int i = 0; i < n; i++) {
            Shape s = c.out(i);
            if (s == null) { missing = i; continue; }
            if (ref == null) ref = s;
            int axis = axis(c, "dim", dim, s.ndim());
            if (!sameExcept(s, ref, axis) || s.ndim() != ref.ndim())
                throw c.error("_backward_Concat: part %d shape %s differs from part shape %s outside dim %d", i, s, ref, dim);
            known++;
            total += s.get(axis);
        }
        if (known == n) {
            c.setIn(0, ref.withDim(axis(c, "dim", dim, ref.ndim()), (int) total));
        } else if (known == n - 1 && whole != null) {
            int axis = axis(c, "dim", dim, whole.ndim());
            c.setOut(missing, whole.withDim(axis, (int) (whole.get(axis) - total)));
        }
    }

    private static void sliceChannelShape(ShapeContext c) {
        Params p = c.params();
        int n = p.getInt("num_outputs"), a = p.getInt("axis");
        boolean squeeze = p.getBool("squeeze_axis");
        Shape in = c.in(0);
        if (in != null) {
            int axis = axis(c, "axis", a, in.ndim());
            int len = in.get(axis);
            if (len % n != 0)
                throw c.error("SliceChannel: num_outputs=%d does not evenly divide the length %d of axis %d of input %s",
                        n, len, a, in);
            if (squeeze && len != n)
                throw c.error("SliceChannel: squeeze_axis needs input.shape[axis] == num_outputs; axis %d of input %s has "
                        + "length %d, num_outputs=%d", a, in, len, n);
            Shape part = squeeze ? removeAxis(in, axis) : in.withDim(axis, len / n);
            for (int i = 0; i < n; i++) c.setOut(i, part);
        } else {
            Shape part = null;
            for (int i = 0; i < n && part == null; i++) part = c.out(i);
            if (part == null) return;
            if (squeeze) c.setIn(0, insertAxis(part, axis(c, "axis", a, part.ndim() + 1), n));
            else {
                int axis = axis(c, "axis", a, part.ndim());
                c.setIn(0, part.withDim(axis, part.get(axis) * n));
            }
        }
    }

    private static void stackShape(ShapeContext c) {
        int n = c.numInputs(), a = c.params().getInt("axis");
        Shape s = null;
        for (int i = 0; i < n && s == null; i++) s = c.in(i);
        if (s == null && c.out(0) != null) {
            Shape out = c.out(0);
            int axis = axis(c, "axis", a, out.ndim());
            if (out.get(axis) != n)
                throw c.error("stack: output shape %s has %d along axis %d, expected num_args=%d", out, out.get(axis), a, n);
            s = removeAxis(out, axis);
        }
        if (s == null) return;
        for (int i = 0; i < n; i++) {
            if (c.in(i) != null && !c.in(i).equals(s))
                throw c.error("stack: all inputs must have the same shape; input '%s' has %s, expected %s", c.inputName(i), c.in(i), s);
            c.setIn(i, s);
        }
        c.setOut(0, insertAxis(s, axis(c, "axis", a, s.ndim() + 1), n));
    }

    /** slice_axis bounds {axis, begin, end} normalised against shape, with MXNet's checks. */
    private static int[] sliceBounds(ShapeContext c, Params p, Shape s) {
        int nd = s.ndim();
        int a = p.getInt("axis");
        int axis = a < 0 ? a + nd : a;
        if (axis < 0 || axis >= nd) throw err(c, "slice_axis: axis %d is out of range for input %s", a, s);
        int size = s.get(axis);
        int begin = p.getInt("begin");
        Object endRaw = p.get("end");
        if (begin < 0) begin += size;
        int end = endRaw == null ? size : (Integer) endRaw;
        if (endRaw != null && end < 0) end += size;
        if (size == 0) { begin = 0; end = 0; }
        else {
            if (end > size) throw err(c, "slice_axis: invalid end=%s for axis %d of size %d (input %s)", endRaw, a, size, s);
            if (!(begin < end)) throw err(c, "slice_axis: invalid begin=%d, end=%s for axis %d of size %d (input %s): begin must come before end",
                    p.getInt("begin"), endRaw, a, size, s);
        }
        if (end < 0 || begin < 0) throw err(c, "slice_axis: invalid begin=%d, end=%s for axis of size %d", p.getInt("begin"), endRaw, size);
        return new int[] {axis, begin, end};
    }

    private static Map<String, Object> sliceParams(Params p) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("axis", p.getInt("axis"));
        m.put("begin", p.getInt("begin"));
        m.put("end", p.get("end") == null ? "None" : p.get("end"));
        return m;
    }

    // ---- Pad, UpSampling, Cast -----------------------------------------------------------------

    private static void registerPadUpCast(OpRegistry r) {
        r.register(OpDef.builder("Pad").alias("pad")
                .doc("Pads a 4-D or 5-D input (N, C, spatial...) with a constant, the edge values or a reflection. "
                        + "pad_width holds (before, after) per axis, 2*ndim numbers; the first four must be 0.")
                .param(enumRequired("mode", PAD_MODES, "Padding type to use. \"constant\" pads with `constant_value` \"edge\" pads using the edge values of the input array \"reflect\" pads by reflecting values with respect to the edges."))
                .param(shapeRequired("pad_width", "Widths of the padding regions applied to the edges of each axis. It is a tuple of integer padding widths for each axis of the format ``(before_1, after_1, ... , before_N, after_N)``. It should be of length ``2*N`` where ``N`` is the number of dimensions of the array.This is equivalent to pad_width in numpy.pad, but flattened. For 4-D and 5-D arrays the first four entries must be 0."))
                .param(floatParam("constant_value", 0.0, "The value used for padding when `mode` is \"constant\"."))
                .shape(c -> padShape(c, c.in(0), c.out(0), true))
                .kernel("pad_fwd", (p, in, out) -> packPad(p))
                .grad(g -> List.of(g.op1("_backward_Pad", padParams(g.params()), g.outGrad(0)))).build());
        r.register(OpDef.builder("_backward_Pad")
                .doc("Gradient of Pad: each padded position sends its gradient to the element it copied.")
                .param(enumRequired("mode", PAD_MODES, "Padding type."))
                .param(shapeRequired("pad_width", "Padding widths, as Pad."))
                .param(floatParam("constant_value", 0.0, "Unused."))
                .inputs("out_grad")
                .shape(c -> padShape(c, c.out(0), c.in(0), false))
                .kernel("pad_bwd", (p, in, out) -> packPad(p))
                .backwardOp().build());

        r.register(OpDef.builder("UpSampling")
                .doc("Upsamples 4-D (N, C, H, W) input by an integer scale. Only sample_type='nearest' with one input "
                        + "is implemented: out[.., y, x] = data[.., y/scale, x/scale].")
                .param(intRequired("scale", 1, "Up sampling scale"))
                .param(intParam("num_filter", 0, "Input filter. Only used by bilinear sample_type.Since bilinear upsampling uses deconvolution, num_filters is set to the number of channels."))
                .param(enumRequired("sample_type", List.of("bilinear", "nearest"), "upsampling method"))
                .param(enumParam("multi_input_mode", "concat", List.of("concat", "sum"), "How to handle multiple input. concat means concatenate upsampled images along the channel dimension. sum means add all images together, only available for nearest neighbor upsampling."))
                .param(intRequired("num_args", 1, "Number of inputs to be upsampled. For nearest neighbor upsampling, this can be 1-N; the size of output will be(scale*h_0,scale*w_0) and all other inputs will be upsampled to thesame size. For bilinear upsampling this must be 2; 1 input and 1 weight."))
                .param(intParam("workspace", 512, 0, Integer.MAX_VALUE, "Tmp workspace for deconvolution (MB)"))
                .variadic()
                .shape(c -> {
                    checkUpSampling(c);
                    upShape(c, c.in(0), c.out(0), true);
                })
                .kernel("upsampling_nearest_fwd", (p, in, out) -> new double[] {p.getInt("scale")})
                .grad(g -> List.of(g.op1("_backward_UpSampling", Map.of("scale", g.params().getInt("scale")), g.outGrad(0))))
                .build());
        r.register(OpDef.builder("_backward_UpSampling")
                .doc("Gradient of nearest UpSampling: each input element sums its scale x scale block of out_grad.")
                .param(intRequired("scale", 1, "Up sampling scale"))
                .inputs("out_grad")
                .shape(c -> upShape(c, c.out(0), c.in(0), false))
                .kernel("upsampling_nearest_bwd", (p, in, out) -> new double[] {p.getInt("scale")})
                .backwardOp().build());

        r.register(OpDef.builder("Cast").alias("cast")
                .doc("Casts the input to dtype (float16 rounds to nearest even; float to integer truncates toward zero). "
                        + "The only operator whose output dtype differs from its input's.")
                .param(enumRequired("dtype", CAST_TYPES, "Output data type."))
                .shape(ShapeRules.SAME)
                .type(c -> c.setOut(0, DType.byName(c.params().getString("dtype"))))
                .kernel("cast")
                .grad(g -> List.of(g.op1("_identity_like", Map.of(),
                        g.op1("_backward_Cast", Map.of("dtype", g.params().getString("dtype")), g.outGrad(0)), g.input(0))))
                .build());
        r.register(OpDef.builder("_backward_Cast")
                .doc("Gradient of Cast: out_grad (of Cast's dtype) cast back to the forward input's dtype, which "
                        + "_identity_like supplies.")
                .param(enumRequired("dtype", CAST_TYPES, "The forward Cast's output dtype, i.e. out_grad's."))
                .inputs("out_grad")
                .shape(ShapeRules.SAME)
                .type(c -> c.setIn(0, DType.byName(c.params().getString("dtype"))))
                .kernel("cast").backwardOp().build());
    }

    private static Map<String, Object> padParams(Params p) {
        return Map.of("mode", p.getString("mode"), "pad_width", p.getShape("pad_width"), "constant_value", p.getDouble("constant_value"));
    }

    /** Pad's shape both ways: padded = data + widths. forward says which op it is, for messages. */
    private static void padShape(ShapeContext c, Shape data, Shape padded, boolean forward) {
        Shape ref = data != null ? data : padded;
        if (ref == null) return;
        int nd = ref.ndim();
        int[] w = c.params().getShape("pad_width").toArray();
        String op = forward ? "Pad" : "_backward_Pad";
        if (nd != 4 && nd != 5)
            throw c.error("%s: only 4-D and 5-D inputs can be padded (as MXNet), got shape %s", op, ref);
        if (w.length != 2 * nd)
            throw c.error("%s: pad_width %s must have 2*ndim = %d entries for input %s", op,
                    c.params().getShape("pad_width").toMXString(), 2 * nd, ref);
        for (int i = 0; i < w.length; i++) {
            if (w[i] < 0) throw c.error("%s: pad_width %s has a negative width", op, Arrays.toString(w));
            if (i < 4 && w[i] != 0)
                throw c.error("%s: pad_width %s pads the batch or channel axis: the first four entries must be 0 (as MXNet)",
                        op, c.params().getShape("pad_width").toMXString());
        }
        if (data != null) {
            String mode = c.params().getString("mode");
            for (int d = 2; d < nd; d++) {
                if (mode.equals("reflect") && (w[2 * d] >= data.get(d) || w[2 * d + 1] >= data.get(d)) && (w[2 * d] > 0 || w[2 * d + 1] > 0))
                    throw c.error("%s: reflect padding (%d, %d) of axis %d must be smaller than its size %d (input %s)",
                            op, w[2 * d], w[2 * d + 1], d, data.get(d), data);
                if (mode.equals("edge") && data.get(d) == 0 && (w[2 * d] > 0 || w[2 * d + 1] > 0))
                    throw c.error("%s: cannot edge-pad the empty axis %d of input %s", op, d, data);
            }
        }
        int[] dd = new int[nd];
        if (data != null) {
            for (int d = 0; d < nd; d++) dd[d] = data.get(d) + w[2 * d] + w[2 * d + 1];
            if (forward) c.setOut(0, Shape.of(dd)); else c.setIn(0, Shape.of(dd));
        } else {
            for (int d = 0; d < nd; d++) {
                dd[d] = padded.get(d) - w[2 * d] - w[2 * d + 1];
                if (dd[d] < 0) throw c.error("%s: padded shape %s is smaller than the pad widths", op, padded);
            }
            if (forward) c.setIn(0, Shape.of(dd)); else c.setOut(0, Shape.of(dd));
        }
    }

    /** pad_fwd / pad_bwd params: mode ordinal, constant_value, pad_width. */
    private static double[] packPad(Params p) {
        int[] w = p.getShape("pad_width").toArray();
        double[] d = new double[2 + w.length];
        d[0] = PAD_MODES.indexOf(p.getString("mode"));
        d[1] = p.getDouble("constant_value");
        for (int i = 0; i < w.length; i++) d[2 + i] = w[i];
        return d;
    }

    private static void checkUpSampling(ShapeContext c) {
        Params p = c.params();
        if (!p.getString("sample_type").equals("nearest"))
            throw c.error("UpSampling: sample_type='%s' is not implemented in pysym; only 'nearest' is", p.getString("sample_type"));
        if (p.getInt("num_args") != 1)
            throw c.error("UpSampling: nearest upsampling of %d inputs (multi_input_mode) is not implemented in pysym; "
                    + "use num_args=1 and Concat or add the results", p.getInt("num_args"));
    }

    /** Nearest upsampling shape both ways: big = small with H, W times scale. */
    private static void upShape(ShapeContext c, Shape small, Shape big, boolean forward) {
        int s = c.params().getInt("scale");
        String op = forward ? "UpSampling" : "_backward_UpSampling";
        if (small != null) {
            if (small.ndim() != 4) throw c.error("%s: data must be 4-D (N, C, H, W), got %s", op, small);
            Shape b = Shape.of(small.get(0), small.get(1), small.get(2) * s, small.get(3) * s);
            if (forward) c.setOut(0, b); else c.setIn(0, b);
        } else if (big != null) {
            if (big.ndim() != 4 || big.get(2) % s != 0 || big.get(3) % s != 0)
                throw c.error("%s: upsampled shape %s is not a 4-D shape with H and W divisible by scale %d", op, big, s);
            Shape sm = Shape.of(big.get(0), big.get(1), big.get(2) / s, big.get(3) / s);
            if (forward) c.setIn(0, sm); else c.setOut(0, sm);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** An axis in [-nd, nd) normalised to [0, nd); the error names the parameter and the rank. */
    private static int axis(ShapeContext c, String param, int a, int nd) {
        int x = a < 0 ? a + nd : a;
        if (x < 0 || x >= nd)
            throw c.error("%s=%d is out of range for rank %d: expected a value in [%d, %d]", param, a, nd, -nd, nd - 1);
        return x;
    }

    /** Kernel-side normalisation; the shape rule has already validated the range. */
    private static int normAxis(int a, int nd) { return a < 0 ? a + nd : a; }

    private static boolean sameExcept(Shape a, Shape b, int axis) {
        if (a.ndim() != b.ndim()) return false;
        for (int d = 0; d < a.ndim(); d++) if (d != axis && a.get(d) != b.get(d)) return false;
        return true;
    }

    private static Shape insertAxis(Shape s, int axis, int size) {
        int[] d = new int[s.ndim() + 1];
        for (int i = 0, j = 0; i < d.length; i++) d[i] = i == axis ? size : s.get(j++);
        return Shape.of(d);
    }

    private static Shape removeAxis(Shape s, int axis) {
        int[] d = new int[s.ndim() - 1];
        for (int i = 0, j = 0; i < s.ndim(); i++) if (i != axis) d[j++] = s.get(i);
        return Shape.of(d);
    }

    private static double[] toDoubles(int[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    private static RuntimeException err(ShapeContext c, String fmt, Object... args) {
        return c != null ? c.error(fmt, args) : new org.pysym.PysymError(String.format(fmt, args));
    }
}
