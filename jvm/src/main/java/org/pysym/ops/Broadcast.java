package org.pysym.ops;

import static org.pysym.op.Field.floatRequired;
import static org.pysym.op.Field.shapeParam;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.op.GradContext;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;

/** NumPy-style broadcasting: binary arithmetic between broadcastable shapes, broadcast_to/axis, clip and where. */
final class Broadcast {
    private Broadcast() {}

    /** broadcast_binary_fwd/bwd op codes, by operator suffix. */
    private static final List<String> BINARY = List.of("add", "sub", "mul", "div", "maximum", "minimum", "power");

    static void register(OpRegistry r) {
        binary(r, "add", "Sum", "broadcast_plus");
        binary(r, "sub", "Difference", "broadcast_minus");
        binary(r, "mul", "Product", "");
        binary(r, "div", "Quotient", "");
        binary(r, "maximum", "Maximum (NaN propagates)", "");
        binary(r, "minimum", "Minimum (NaN propagates)", "");
        binary(r, "power", "lhs raised to the power rhs", "");
        registerBroadcastTo(r);
        registerClip(r);
        registerWhere(r);
    }

    // ---------------------------------------------------------------------------------------
    // broadcast_add ... broadcast_power
    // ---------------------------------------------------------------------------------------

    private static void binary(OpRegistry r, String op, String what, String alias) {
        double code = BINARY.indexOf(op);
        String name = "broadcast_" + op, backward = "_backward_" + name;
        OpDef.Builder b = OpDef.builder(name)
                .doc(what + " of the arguments, element-wise with broadcasting. The shorter shape is left-padded with 1s; "
                        + "each dim pair must be equal or contain a 1, and the output takes the larger.")
                .inputs("lhs", "rhs")
                .shape(Broadcast::binaryShape)
                .kernel("broadcast_binary_fwd", (p, in, out) -> new double[] {code})
                .grad(g -> {
                    Node n = g.op(backward, Map.of(), g.outGrad(0), g.input(0), g.input(1));
                    return List.of(new NodeEntry(n, 0), new NodeEntry(n, 1));
                });
        if (!alias.isEmpty()) b.alias(alias);
        r.register(b.build());
        r.register(OpDef.builder(backward)
                .doc("Gradient of " + name + ": (out_grad, lhs, rhs) -> (d_lhs, d_rhs), each summed over the dims its input "
                        + "was broadcast along.")
                .inputs("out_grad", "lhs", "rhs").outputs("lhs_grad", "rhs_grad")
                .shape(ShapeRules.outputsLikeInputs(1, 2))
                .kernel("broadcast_binary_bwd", (p, in, out) -> new double[] {code})
                .backwardOp().build());
    }

    /** MXNet's BinaryBroadcastShape: the output from both inputs (nothing flows back to them). */
    private static void binaryShape(ShapeContext c) {
        Shape l = c.in(0), rr = c.in(1);
        if (l == null || rr == null) return;
        if (l.equals(rr)) {
            c.setOut(0, l);
            return;
        }
        int nd = Math.max(l.ndim(), rr.ndim()), bl = nd - l.ndim(), br = nd - rr.ndim();
        int[] out = new int[nd];
        for (int i = 0; i < nd; i++) {
            int a = i >= bl ? l.get(i - bl) : 1, b = i >= br ? rr.get(i - br) : 1;
            if (a != b && a != 1 && b != 1)
                throw c.error("operands could not be broadcast together with shapes %s %s", l, rr);
            out[i] = a == 1 ? b : a;
        }
        c.setOut(0, Shape.of(out));
    }

    // ---------------------------------------------------------------------------------------
    // broadcast_to, broadcast_axis
    // ---------------------------------------------------------------------------------------

    /**
     * d_data sums out_grad over the broadcast dims. That is exactly d_lhs of broadcast_add(data, y) with y of the
     * output's shape, and _backward_broadcast_add gets data's shape from its lhs input; broadcast_to_bwd alone could
     * not, since shape rules see only a node's own inputs (MXNet reads the forward node's shapes instead).
     */
    private static List<NodeEntry> broadcastGradient(GradContext g) {
        Node n = g.op("_backward_broadcast_add", Map.of(), g.outGrad(0), g.input(0), g.outGrad(0));
        return List.of(new NodeEntry(n, 0));
    }

    private static void registerBroadcastTo(OpRegistry r) {
        r.register(OpDef.builder("broadcast_to")
                .doc("Broadcasts data to shape: each dim of data must equal the target's or be 1; a 0 in shape keeps "
                        + "data's dim. data and shape must have the same rank.")
                .param(shapeParam("shape", Shape.of(), "The shape of the desired array; 0 keeps the input's dim, so "
                        + "broadcast_to(B, shape=(10, 0, 0)) is broadcast_axis(B, axis=0, size=10)."))
                .inputs("data")
                .shape(c -> {
                    Shape d = c.in(0);
                    if (d == null) return;
                    Shape target = c.params().getShape("shape");
                    if (d.ndim() != target.ndim())
                        throw c.error("Operand of shape %s cannot be broadcasted to %s", d, target);
                    int[] out = target.toArray();
                    for (int i = 0; i < out.length; i++) {
                        if (out[i] == 0) out[i] = d.get(i);
                        else if (d.get(i) != out[i] && d.get(i) != 1)
                            throw c.error("Array cannot be broadcasted from %s to %s", d, target);
                    }
                    c.setOut(0, Shape.of(out));
                })
                .kernel("broadcast_to_fwd").grad(Broadcast::broadcastGradient).build());

        r.register(OpDef.builder("broadcast_axis").alias("broadcast_axes")
                .doc("Broadcasts data along the given axes, each of size 1, to the given sizes.")
                .param(shapeParam("axis", Shape.of(), "The axes to perform the broadcasting."))
                .param(shapeParam("size", Shape.of(), "Target sizes of the broadcasting axes."))
                .inputs("data")
                .shape(c -> {
                    Shape d = c.in(0);
                    if (d == null) return;
                    int[] axis = c.params().getShape("axis").toArray(), size = c.params().getShape("size").toArray();
                    if (axis.length != size.length)
                        throw c.error("axis %s and size %s must have the same length", Arrays.toString(axis), Arrays.toString(size));
                    int nd = d.ndim();
                    int[] out = d.toArray();
                    for (int i = 0; i < axis.length; i++) {
                        if (axis[i] >= nd || axis[i] < -nd)
                            throw c.error("Invalid broadcast axis %d for input of %d dims", axis[i], nd);
                        int a = axis[i] < 0 ? axis[i] + nd : axis[i];
                        if (d.get(a) != 1)
                            throw c.error("Broadcasting axis must have size 1, received input shape %s", d);
                        out[a] = size[i];
                    }
                    c.setOut(0, Shape.of(out));
                })
                .kernel("broadcast_to_fwd").grad(Broadcast::broadcastGradient).build());
    }

    // ---------------------------------------------------------------------------------------
    // clip
    // ---------------------------------------------------------------------------------------

    private static void registerClip(OpRegistry r) {
        r.register(OpDef.builder("clip")
                .doc("Clips (limits) the values of data to [a_min, a_max]. The gradient passes where a_min <= x <= a_max.")
                .param(floatRequired("a_min", "Minimum value"))
                .param(floatRequired("a_max", "Maximum value"))
                .inputs("data")
                .shape(ShapeRules.SAME)
                .kernel("clip_fwd", (p, in, out) -> new double[] {p.getDouble("a_min"), p.getDouble("a_max")})
                .grad(g -> List.of(g.op1("_backward_clip", g.params().given(), g.outGrad(0), g.input(0))))
                .build());
        r.register(OpDef.builder("_backward_clip")
                .doc("Gradient of clip: (out_grad, data) -> d_data.")
                .param(floatRequired("a_min", "Minimum value"))
                .param(floatRequired("a_max", "Maximum value"))
                .inputs("out_grad", "data")
                .shape(ShapeRules.SAME)
                .kernel("clip_bwd", (p, in, out) -> new double[] {p.getDouble("a_min"), p.getDouble("a_max")})
                .backwardOp().build());
    }

    // ---------------------------------------------------------------------------------------
    // where
    // ---------------------------------------------------------------------------------------

    private static void registerWhere(OpRegistry r) {
        r.register(OpDef.builder("where")
                .doc("Elements of x where condition is non-zero, else of y. x, y and the output share one shape; condition "
                        + "has it too, or is 1-D over x's first axis (selecting whole rows). condition gets no gradient.")
                .inputs("condition", "x", "y")
                .shape(Broadcast::whereShape)
                .kernel("where_fwd")
                .grad(g -> {
                    Node n = g.op("_backward_where", Map.of(), g.outGrad(0), g.input(0));
                    return Arrays.asList(null, new NodeEntry(n, 0), new NodeEntry(n, 1));
                })
                .build());
        r.register(OpDef.builder("_backward_where")
                .doc("Gradient of where: (out_grad, condition) -> (d_x, d_y).")
                .inputs("out_grad", "condition").outputs("x_grad", "y_grad")
                .shape(ShapeRules.outputsLikeInputs(0, 0))
                .kernel("where_bwd").backwardOp().build());
    }

    /** MXNet's WhereOpShape: x, y and output share a shape; condition has it or is 1-D of size x.shape[0]. */
    private static void whereShape(ShapeContext c) {
        Shape t = c.in(1) != null ? c.in(1) : c.in(2) != null ? c.in(2) : c.out(0);
        if (t == null) return;
        c.setIn(1, t);
        c.setIn(2, t);
        c.setOut(0, t);
        Shape cond = c.in(0);
        if (cond == null || cond.equals(t)) return;
        if (cond.ndim() == 1 && t.ndim() >= 1 && cond.get(0) == t.get(0)) return;
        throw c.error("condition shape %s must equal the shape of x %s or be 1-D of size %d", cond, t,
                t.ndim() >= 1 ? t.get(0) : 1);
    }
}
