package org.pysym.ops;

import static org.pysym.op.Field.boolParam;
import static org.pysym.op.Field.enumParam;
import static org.pysym.op.Field.floatParam;
import static org.pysym.op.Field.intParam;

import java.util.Arrays;
import java.util.List;
import org.pysym.PysymError;
import org.pysym.graph.NodeEntry;
import org.pysym.op.DType;
import org.pysym.op.Field;
import org.pysym.op.GradRule;
import org.pysym.op.Kernel;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;
import org.pysym.op.ShapeRule;
import org.pysym.op.TypeRule;

/**
 * The softmax family and the loss heads: softmax, log_softmax, SoftmaxActivation, SoftmaxOutput,
 * the three regression outputs, MakeLoss and BlockGrad, with their backward operators.
 * Loss heads compute their gradient from the output and the label alone, so backward() needs no
 * head gradient for them; their labels never receive a gradient.
 */
final class Loss {
    private Loss() {}

    /** MXNet prints enum choices sorted; the kernels number them in declaration order (null 0, batch 1, valid 2). */
    private static final List<String> NORMALIZATION = List.of("batch", "null", "valid");
    private static final List<String> NORMALIZATION_ORDINAL = List.of("null", "batch", "valid");

    static void register(OpRegistry r) {
        registerSoftmax(r, "softmax", "softmax_fwd", "softmax_bwd",
                "Softmax along axis: exp(x/t) / sum(exp(x/t)). Output shape = data shape.");
        registerSoftmax(r, "log_softmax", "log_softmax_fwd", "log_softmax_bwd",
                "Log of the softmax along axis: x/t - log(sum(exp(x/t))). Output shape = data shape.");
        registerSoftmaxActivation(r);
        registerSoftmaxOutput(r);
        registerRegression(r, "LinearRegressionOutput", 0,
                "Least-squares loss head: forward identity; gradient (out - label) * grad_scale / num_output.");
        registerRegression(r, "LogisticRegressionOutput", 1,
                "Logistic loss head: forward sigmoid; gradient (out - label) * grad_scale / num_output.");
        registerRegression(r, "MAERegressionOutput", 2,
                "Mean-absolute-error loss head: forward identity; gradient sign(out - label) * grad_scale / num_output.");
        registerMakeLoss(r);
        r.register(OpDef.builder("BlockGrad").alias("stop_gradient")
                .doc("Stops gradient propagation: forward identity; its input receives no gradient. Output shape = data shape.")
                .shape(ShapeRules.SAME).kernel("copy").nonDifferentiable().build());
    }

    // ---- softmax / log_softmax ---------------------------------------------------------------

    private static List<Field> softmaxFields() {
        return List.of(
                intParam("axis", -1, "The axis along which to compute softmax."),
                floatParam("temperature", null, "Temperature parameter in softmax (None means 1)."),
                enumParam("dtype", null, List.of("float16", "float32", "float64"),
                        "Output data type (None: the input's type). Only the input's own type is supported."),
                boolParam("use_length", false, "Whether to use the length input as a mask over the data (not supported)."));
    }

    private static OpDef.Builder withFields(OpDef.Builder b, List<Field> fields) {
        for (Field f : fields) b.param(f);
        return b;
    }

    /** Kernel params [axis normalised to 0..ndim-1, temperature]; the shape rule has checked both. */
    private static final Kernel.Packer SOFTMAX = (p, in, out) -> {
        int ndim = in[0].ndim();
        int axis = p.getInt("axis");
        double t = p.isNone("temperature") ? 1.0 : p.getDouble("temperature");
        return new double[] {axis < 0 ? axis + ndim : axis, t};
    };

    private static final ShapeRule SOFTMAX_SHAPE = c -> {
        ShapeRules.SAME.infer(c);
        Shape s = c.in(0);
        if (s == null) return;
        int axis = c.params().getInt("axis");
        if (s.ndim() < 1) throw c.error("data must have at least one dimension, got shape %s", s);
        if (axis < -s.ndim() || axis >= s.ndim())
            throw c.error("axis %d is out of range for data of shape %s (valid: %d..%d)", axis, s, -s.ndim(), s.ndim() - 1);
        if (!c.params().isNone("temperature")) {
            double t = c.params().getDouble("temperature");
            if (t == 0 || !Double.isFinite(t)) throw c.error("temperature must be finite and non-zero, got %s", t);
        }
    };

    /** dtype may only restate the input's type: the kernels produce the input's type. */
    private static final TypeRule SOFTMAX_TYPE = c -> {
        TypeRule.SAME.infer(c);
        Object want = c.params().get("dtype");
        DType in = c.in(0);
        if (want != null && in != null && !in.mxName.equals(want))
            throw PysymError.format("Error in operator %s: dtype=%s differs from the input type %s; "
                    + "only softmax in the input's own type is supported", c.nodeName(), want, in);
    };

    private static void registerSoftmax(OpRegistry r, String name, String fwd, String bwd, String doc) {
        r.register(withFields(OpDef.builder(name), softmaxFields()).doc(doc)
                .inputs(p -> {
                    // MXNet adds a `length` input only with use_length=True, which has no kernel here.
                    if (p != null && Boolean.TRUE.equals(p.get("use_length")))
                        throw PysymError.format("Invalid parameter use_length=True for operator %s: "
                                + "masking by a length input is not supported", name);
                    return List.of("data");
                })
                .shape(SOFTMAX_SHAPE).type(SOFTMAX_TYPE).kernel(fwd, SOFTMAX)
                .grad(g -> List.of(g.op1("_backward_" + name, g.params().given(), g.outGrad(0), g.output(0))))
                .build());
        r.register(withFields(OpDef.builder("_backward_" + name), softmaxFields())
                .doc("Gradient of " + name + ": (out_grad, out_data) -> d_data.")
                .inputs("out_grad", "out_data").shape(ShapeRules.SAME).kernel(bwd, SOFTMAX).backwardOp().build());
    }

    // ---- SoftmaxActivation -------------------------------------------------------------------

    private static final Field MODE = enumParam("mode", "instance", List.of("channel", "instance"),
            "instance: softmax over the last axis of each instance; channel: softmax over axis 1 (ndim >= 3).");

    private static final Kernel.Packer MODE_PACKER =
            (p, in, out) -> new double[] {p.getString("mode").equals("channel") ? 1 : 0};

    private static void registerSoftmaxActivation(OpRegistry r) {
        r.register(OpDef.builder("SoftmaxActivation").param(MODE)
                .doc("Softmax activation (deprecated; use softmax). Output shape = data shape.")
                .shape(c -> {
                    ShapeRules.SAME.infer(c);
                    Shape s = c.in(0);
                    if (s == null) return;
                    if (s.ndim() < 1) throw c.error("data must have at least one dimension, got shape %s", s);
                    if (c.params().getString("mode").equals("channel") && s.ndim() < 3)
                        throw c.error("mode='channel' needs data with at least 3 dimensions (N, C, ...), got shape %s", s);
                })
                .kernel("softmax_activation_fwd", MODE_PACKER)
                .grad(g -> List.of(g.op1("_backward_SoftmaxActivation", g.params().given(), g.outGrad(0), g.output(0))))
                .build());
        r.register(OpDef.builder("_backward_SoftmaxActivation").param(MODE)
                .doc("Gradient of SoftmaxActivation: (out_grad, out_data) -> d_data.")
                .inputs("out_grad", "out_data").shape(ShapeRules.SAME)
                .kernel("softmax_activation_bwd", MODE_PACKER).backwardOp().build());
    }

    // ---- SoftmaxOutput -----------------------------------------------------------------------

    private static List<Field> softmaxOutputFields() {
        return List.of(
                floatParam("grad_scale", 1.0, "Scales the gradient by a float factor."),
                floatParam("ignore_label", -1.0,
                        "The instances whose labels == ignore_label will be ignored during backward, if use_ignore is true."),
                boolParam("multi_output", false, "Compute the softmax along axis 1, one class index label per position."),
                boolParam("use_ignore", false, "Whether ignore_label takes no part in the backward gradient."),
                boolParam("preserve_shape", false, "Compute the softmax along the last axis."),
                enumParam("normalization", "null", NORMALIZATION, "Normalizes the gradient."),
                boolParam("out_grad", false, "Multiplies the gradient with the output gradient element-wise."),
                floatParam("smooth_alpha", 0.0,
                        "Label smoothing: subtract alpha from the target class and spread it over the others."));
    }

    private static final Kernel.Packer SOFTMAX_OUTPUT = (p, in, out) -> new double[] {
        p.getDouble("grad_scale"), p.getDouble("ignore_label"), bit(p, "multi_output"), bit(p, "use_ignore"),
        bit(p, "preserve_shape"), NORMALIZATION_ORDINAL.indexOf(p.getString("normalization")), bit(p, "out_grad"),
        p.getDouble("smooth_alpha")};

    private static double bit(Params p, String name) { return p.getBool(name) ? 1 : 0; }

    /**
     * MXNet's SoftmaxOutputShape: a label with the data's shape holds probabilities; otherwise it holds
     * class indices, (N,) by default, (N, prod(rest)) -- or (N, rest...) or (N, 1, rest...) -- with
     * multi_output, and data.shape[:-1] with preserve_shape.
     */
    private static final ShapeRule SOFTMAX_OUTPUT_SHAPE = c -> {
        if (c.in(0) == null && c.out(0) != null) c.setIn(0, c.out(0));
        Shape d = c.in(0);
        if (d == null) return;
        c.setOut(0, d);
        Params p = c.params();
        boolean multi = p.getBool("multi_output");
        if (d.ndim() < (multi ? 2 : 1))
            throw c.error("data must have at least %d dimension(s)%s, got shape %s", multi ? 2 : 1,
                    multi ? " with multi_output" : "", d);
        Shape label = c.in(1);
        if (d.equals(label)) return;   // probability labels
        List<Shape> accepted;
        if (multi) {
            int n = d.get(0), k = d.get(1);
            int[] rest = Arrays.copyOfRange(d.toArray(), 2, d.ndim());
            int inner = 1;
            for (int x : rest) inner *= x;
            int[] l2 = new int[d.ndim() - 1];
            l2[0] = n;
            System.arraycopy(rest, 0, l2, 1, rest.length);
            accepted = List.of(Shape.of(n, n * k == 0 ? 0 : inner), Shape.of(l2), d.withDim(1, 1));
        } else if (p.getBool("preserve_shape")) {
            accepted = List.of(Shape.of(Arrays.copyOf(d.toArray(), d.ndim() - 1)));
        } else {
            accepted = List.of(Shape.of(d.get(0)));
        }
        if (label == null) c.setIn(1, accepted.get(0));
        else if (!accepted.contains(label))
            throw c.error("input '%s' has shape %s, expected %s (class indices) or the data shape %s (probabilities)",
                    c.inputName(1), label,
                    accepted.stream().map(Shape::toString).reduce((a, b) -> a + " or " + b).orElse(""), d);
    };

    private static void registerSoftmaxOutput(OpRegistry r) {
        r.register(withFields(OpDef.builder("SoftmaxOutput").alias("Softmax"), softmaxOutputFields())
                .doc("Softmax with a cross-entropy loss gradient (a loss head). Forward: softmax over axis 1 of the data "
                        + "flattened to (N, -1), over axis 1 per position with multi_output, or over the last axis with "
                        + "preserve_shape. Backward: (out - one_hot(label)) * grad_scale / norm. Output shape = data shape.")
                .inputs("data", "label").shape(SOFTMAX_OUTPUT_SHAPE).kernel("softmax_output_fwd", SOFTMAX_OUTPUT).loss()
                .grad(g -> {
                    // MXNet 1.9.1 (SoftmaxOutputGrad in softmax_output.cc) gives _backward_SoftmaxOutput only
                    // (out, label): the head gradient never reaches it, so the op stays a loss head even with
                    // out_grad=True, and that mode's multiplier is the blob MXNet passes as out_grad -- the
                    // forward output itself (MXNet quirk, reproduced for parity).
                    Params p = g.params();
                    NodeEntry d = p.getBool("out_grad")
                            ? g.op1("_backward_SoftmaxOutput", p.given(), g.output(0), g.input(1), g.output(0))
                            : g.op1("_backward_SoftmaxOutput", p.given(), g.output(0), g.input(1));
                    return Arrays.asList(d, null);
                }).build());
        r.register(withFields(OpDef.builder("_backward_SoftmaxOutput"), softmaxOutputFields())
                .doc("Gradient of SoftmaxOutput: (out_data, label[, out_grad]) -> d_data.")
                .inputs(p -> p == null || p.getBool("out_grad")
                        ? List.of("out_data", "label", "out_grad") : List.of("out_data", "label"))
                .shape(ShapeRules.outputsLikeInputs(0)).kernel("softmax_output_bwd", SOFTMAX_OUTPUT).backwardOp().build());
    }

    // ---- regression outputs ------------------------------------------------------------------

    /**
     * MXNet's RegressionOpShape: the label defaults to the data's shape, or (N,) for data (N, 1); a
     * given label needs the data's first dimension and element count.
     */
    private static final ShapeRule REGRESSION_SHAPE = c -> {
        if (c.in(0) == null && c.out(0) != null) c.setIn(0, c.out(0));
        Shape d = c.in(0);
        if (d == null) return;
        c.setOut(0, d);
        if (d.ndim() < 1) throw c.error("data must have at least one dimension, got shape %s", d);
        Shape label = c.in(1);
        if (label == null) {
            c.setIn(1, d.ndim() == 2 && d.get(1) == 1 ? Shape.of(d.get(0)) : d);
        } else if (label.ndim() < 1 || label.get(0) != d.get(0) || label.size() != d.size()) {
            throw c.error("input '%s' has shape %s, expected the data's first dimension and element count (data %s)",
                    c.inputName(1), label, d);
        }
    };

    private static void registerRegression(OpRegistry r, String name, int kind, String doc) {
        Field gradScale = floatParam("grad_scale", 1.0, "Scale the gradient by a float factor.");
        Kernel.Packer packer = (p, in, out) -> new double[] {kind, p.getDouble("grad_scale")};
        r.register(OpDef.builder(name).param(gradScale).doc(doc + " Output shape = data shape.")
                .inputs("data", "label").shape(REGRESSION_SHAPE).kernel("regression_fwd", packer).loss()
                .grad(g -> Arrays.asList(
                        g.op1("_backward_" + name, g.params().given(), g.output(0), g.input(1)), null))
                .build());
        r.register(OpDef.builder("_backward_" + name).param(gradScale)
                .doc("Gradient of " + name + ": (out_data, label) -> d_data.")
                .inputs("out_data", "label").shape(ShapeRules.outputsLikeInputs(0))
                .kernel("regression_bwd", packer).backwardOp().build());
    }

    // ---- MakeLoss ----------------------------------------------------------------------------

    private static List<Field> makeLossFields() {
        return List.of(
                floatParam("grad_scale", 1.0, "Gradient scale as a supplement to unary and binary operators."),
                floatParam("valid_thresh", 0.0,
                        "With normalization='valid', elements greater than valid_thresh count as valid."),
                enumParam("normalization", "null", NORMALIZATION,
                        "Normalizes the gradient: null none, batch by the batch size, valid by the count of valid elements."));
    }

    private static final Kernel.Packer MAKE_LOSS = (p, in, out) -> new double[] {
        p.getDouble("grad_scale"), p.getDouble("valid_thresh"), NORMALIZATION_ORDINAL.indexOf(p.getString("normalization"))};

    private static void registerMakeLoss(OpRegistry r) {
        GradRule grad = g -> List.of(g.op1("_backward_MakeLoss", g.params().given(), g.input(0)));
        r.register(withFields(OpDef.builder("MakeLoss"), makeLossFields())
                .doc("Makes its input a loss head: forward identity; gradient the constant grad_scale, divided by the "
                        + "batch size (normalization='batch') or by the count of elements > valid_thresh ('valid'). "
                        + "Output shape = data shape.")
                .shape(ShapeRules.SAME).kernel("copy").loss().grad(grad).build());
        r.register(withFields(OpDef.builder("_backward_MakeLoss"), makeLossFields())
                .doc("Gradient of MakeLoss: (data) -> d_data, a constant.")
                .inputs("data").shape(ShapeRules.SAME).kernel("make_loss_bwd", MAKE_LOSS).backwardOp().build());
    }
}
