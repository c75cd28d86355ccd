package org.pysym.ops;

import static org.pysym.op.Field.boolParam;
import static org.pysym.op.Field.floatParam;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pysym.graph.NodeEntry;
import org.pysym.op.GradContext;
import org.pysym.op.Kernel;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;

/** Element-wise arithmetic between equal shapes, with scalars, unary math, and their gradients. */
final class Elementwise {
    private Elementwise() {}

    private static final Kernel.Packer SCALAR = (p, in, out) -> new double[] {p.getDouble("scalar")};

    static void register(OpRegistry r) {
        // binary, same shapes (MXNet's elemwise_*; broadcasting ones are broadcast_*)
        r.register(binary("elemwise_add", "add", "Adds arguments element-wise.", g -> List.of(g.outGrad(0), g.outGrad(0)))
                .alias("_add", "_plus", "_Plus").build());
        r.register(binary("elemwise_sub", "sub", "Subtracts arguments element-wise.",
                g -> List.of(g.outGrad(0), g.op1("negative", Map.of(), g.outGrad(0))))
                .alias("_sub", "_minus", "_Minus").build());
        r.register(binary("elemwise_mul", "mul", "Multiplies arguments element-wise.",
                g -> List.of(g.op1("elemwise_mul", Map.of(), g.outGrad(0), g.input(1)),
                        g.op1("elemwise_mul", Map.of(), g.outGrad(0), g.input(0))))
                .alias("_mul", "_Mul").build());
        r.register(binary("elemwise_div", "div", "Divides arguments element-wise.", twoOutputBackward("_backward_div"))
                .alias("_div", "_Div").build());
        r.register(binary("_power", "power", "First array elements raised to powers from the second array, element-wise.",
                twoOutputBackward("_backward_power")).alias("_Power", "pow").build());
        r.register(binary("_maximum", "maximum", "Element-wise maximum of the arguments.",
                twoOutputBackward("_backward_maximum")).alias("_Maximum").build());
        r.register(binary("_minimum", "minimum", "Element-wise minimum of the arguments.",
                twoOutputBackward("_backward_minimum")).alias("_Minimum").build());
        for (String b : List.of("div", "power", "maximum", "minimum"))
            r.register(OpDef.builder("_backward_" + b).doc("Gradient of " + b + ": (out_grad, lhs, rhs) -> (d_lhs, d_rhs).")
                    .inputs("out_grad", "lhs", "rhs").outputs("lhs_grad", "rhs_grad")
                    .shape(c -> { ShapeRules.SAME.infer(c); }).kernel(b + "_bwd").backwardOp().build());

        // with a scalar
        r.register(scalar("_plus_scalar", "plus_scalar", "x + scalar", g -> List.of(g.outGrad(0))).alias("_PlusScalar").build());
        r.register(scalar("_minus_scalar", "minus_scalar", "x - scalar", g -> List.of(g.outGrad(0))).alias("_MinusScalar").build());
        r.register(scalar("_rminus_scalar", "rminus_scalar", "scalar - x",
                g -> List.of(g.op1("negative", Map.of(), g.outGrad(0)))).alias("_RMinusScalar").build());
        r.register(scalar("_mul_scalar", "mul_scalar", "x * scalar",
                g -> List.of(g.op1("_mul_scalar", Map.of("scalar", g.params().getDouble("scalar")), g.outGrad(0))))
                .alias("_MulScalar").build());
        r.register(scalar("_div_scalar", "div_scalar", "x / scalar",
                g -> List.of(g.op1("_div_scalar", Map.of("scalar", g.params().getDouble("scalar")), g.outGrad(0))))
                .alias("_DivScalar").build());
        r.register(scalar("_rdiv_scalar", "rdiv_scalar", "scalar / x", scalarBackward("_backward_rdiv_scalar", false))
                .alias("_RDivScalar").build());
        r.register(scalar("_power_scalar", "power_scalar", "x ** scalar", scalarBackward("_backward_power_scalar", false))
                .alias("_PowerScalar").build());
        r.register(scalar("_rpower_scalar", "rpower_scalar", "scalar ** x", scalarBackward("_backward_rpower_scalar", true))
                .alias("_RPowerScalar").build());
        r.register(scalar("_maximum_scalar", "maximum_scalar", "max(x, scalar)", scalarBackward("_backward_maximum_scalar", false))
                .alias("_MaximumScalar").build());
        r.register(scalar("_minimum_scalar", "minimum_scalar", "min(x, scalar)", scalarBackward("_backward_minimum_scalar", false))
                .alias("_MinimumScalar").build());
        for (String s : List.of("rdiv_scalar", "power_scalar", "rpower_scalar", "maximum_scalar", "minimum_scalar"))
            r.register(OpDef.builder("_backward_" + s).doc("Gradient of " + s + ".").inputs("out_grad", "data")
                    .param(floatParam("scalar", 1.0, "scalar value")).param(boolParam("is_int", true, "unused"))
                    .shape(ShapeRules.SAME).kernel(s + "_bwd", SCALAR).backwardOp().build());

        // unary math; the gradient uses the input (x) or the output (y), as MXNet's backward ops do
        unary(r, "exp", "Exponential of the input, element-wise.", g -> g.op1("elemwise_mul", Map.of(), g.outGrad(0), g.output(0)));
        unary(r, "log", "Natural logarithm, element-wise.", viaInput("_backward_log"));
        unary(r, "sqrt", "Square root, element-wise.", viaOutput("_backward_sqrt"));
        unary(r, "square", "Square, element-wise.", viaInput("_backward_square"));
        unary(r, "abs", "Absolute value, element-wise.", viaInput("_backward_abs"));
        unary(r, "tanh", "Hyperbolic tangent, element-wise.", viaOutput("_backward_tanh"));
        unary(r, "sigmoid", "Logistic sigmoid 1/(1+exp(-x)), element-wise.", viaOutput("_backward_sigmoid"));
        unary(r, "relu", "Rectified linear unit max(x, 0), element-wise.", viaOutput("_backward_relu"));
        unary(r, "negative", "Numerical negative, element-wise.", g -> g.op1("negative", Map.of(), g.outGrad(0)));
        for (String u : List.of("log", "sqrt", "square", "abs", "tanh", "sigmoid", "relu"))
            r.register(OpDef.builder("_backward_" + u).doc("Gradient of " + u + ": (out_grad, x or y) -> d_data.")
                    .inputs("out_grad", "data").shape(ShapeRules.SAME).kernel(u + "_bwd").backwardOp().build());

        r.register(OpDef.builder("add_n").alias("ElementWiseSum").doc("Adds all input arguments element-wise.")
                .variadic().shape(ShapeRules.SAME).kernel("add_n")
                .grad(g -> {
                    List<NodeEntry> l = new ArrayList<>();
                    for (int i = 0; i < g.node().inputs.size(); i++) l.add(g.outGrad(0));
                    return l;
                }).build());
        r.register(OpDef.builder("zeros_like").doc("An array of zeros with the input's shape and type.")
                .shape(ShapeRules.SAME).kernel("fill", (p, in, out) -> new double[] {0}).nonDifferentiable().build());
        r.register(OpDef.builder("ones_like").doc("An array of ones with the input's shape and type.")
                .shape(ShapeRules.SAME).kernel("fill", (p, in, out) -> new double[] {1}).nonDifferentiable().build());
        r.register(OpDef.builder("_full_like").doc("An array filled with value, with the input's shape and type.")
                .param(floatParam("value", 0.0, "fill value"))
                .shape(ShapeRules.SAME).kernel("fill", (p, in, out) -> new double[] {p.getDouble("value")}).nonDifferentiable().build());
        r.register(OpDef.builder("_copy").alias("identity").doc("Returns a copy of the input.")
                .shape(ShapeRules.SAME).kernel("copy").grad(g -> List.of(g.outGrad(0))).build());
    }

    private static OpDef.Builder binary(String name, String kernel, String doc, org.pysym.op.GradRule grad) {
        return OpDef.builder(name).doc(doc + " Both inputs must have the same shape.").inputs("lhs", "rhs")
                .shape(ShapeRules.SAME).kernel(kernel).grad(grad);
    }

    private static org.pysym.op.GradRule twoOutputBackward(String op) {
        return g -> {
            var n = g.op(op, Map.of(), g.outGrad(0), g.input(0), g.input(1));
            return List.of(new NodeEntry(n, 0), new NodeEntry(n, 1));
        };
    }

    private static OpDef.Builder scalar(String name, String kernel, String doc, org.pysym.op.GradRule grad) {
        return OpDef.builder(name).doc(doc + ", element-wise.").inputs("data")
                .param(floatParam("scalar", 1.0, "scalar input value"))
                .param(boolParam("is_int", true, "Whether the scalar is an integer (changes integer output types only)"))
                .shape(ShapeRules.SAME).kernel(kernel, SCALAR).grad(grad);
    }

    private static org.pysym.op.GradRule scalarBackward(String op, boolean usesOutput) {
        return g -> List.of(g.op1(op, Map.of("scalar", g.params().getDouble("scalar")), g.outGrad(0),
                usesOutput ? g.output(0) : g.input(0)));
    }

    private interface EntryRule { NodeEntry apply(GradContext g); }

    private static EntryRule viaInput(String op) { return g -> g.op1(op, Map.of(), g.outGrad(0), g.input(0)); }
    private static EntryRule viaOutput(String op) { return g -> g.op1(op, Map.of(), g.outGrad(0), g.output(0)); }

    private static void unary(OpRegistry r, String name, String doc, EntryRule grad) {
        r.register(OpDef.builder(name).doc(doc).inputs("data").shape(ShapeRules.SAME).kernel(name)
                .grad(g -> List.of(grad.apply(g))).build());
    }
}
