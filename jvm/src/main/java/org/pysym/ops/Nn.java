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
import org.pysym.PysymError;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.op.Field;
import org.pysym.op.Kernel;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;

/**
 * Neural-network layers: Convolution, Deconvolution, Pooling, Activation, LeakyReLU, BatchNorm,
 * Dropout and LRN, with their backward operators (kernels: dnnl_nn.c and nn_act.c).
 * Only 1-D and 2-D convolution/pooling in NCW/NCHW layout are supported, as the kernels are.
 */
final class Nn {
    private Nn() {}

    private static final Shape EMPTY = Shape.ofSigned();
    private static final List<String> CONV_LAYOUTS = List.of("NCDHW", "NCHW", "NCW", "NDHWC", "NHWC");
    private static final List<String> POOL_LAYOUTS = List.of("NCDHW", "NCHW", "NCW", "NDHWC", "NHWC", "NWC");
    /** Kernel codes, by name: the kernels' enums are not in MXNet's (alphabetical) choice order. */
    private static final List<String> ACT_CODES = List.of("relu", "sigmoid", "tanh", "softrelu", "softsign");
    private static final List<String> LEAKY_CODES = List.of("leaky", "elu", "prelu", "selu", "gelu");
    private static final List<String> POOL_CODES = List.of("max", "avg", "sum");
    private static final List<String> DROPOUT_CODES = List.of("training", "always");

    static void register(OpRegistry r) {
        convolution(r);
        deconvolution(r);
        pooling(r);
        activation(r);
        leakyRelu(r);
        batchNorm(r);
        dropout(r);
        lrn(r);
    }

    private static PysymError error(String node, String fmt, Object... args) {
        return new PysymError("Error in operator " + node + ": " + String.format(fmt, args));
    }

    private static NodeEntry entry(Node n, int i) { return new NodeEntry(n, i); }

    private static double flag(boolean b) { return b ? 1 : 0; }

    // ---------------------------------------------------------------- convolution geometry

    /** Kernel, stride, dilate, pad and adj expanded to the kernel's rank (1 or 2). */
    private record ConvGeom(int nd, int[] k, int[] s, int[] d, int[] p, int[] adj) {}

    /** A tuple parameter of the kernel's rank; empty means `fill` per dimension, as MXNet's parsers do. */
    private static int[] tuple(Params p, String name, int nd, int fill, int min, String node, Shape kernel) {
        Shape v = p.getShape(name);
        int[] out = new int[nd];
        if (v == null || v.ndim() == 0) {
            Arrays.fill(out, fill);
            return out;
        }
        if (v.ndim() != nd)
            throw error(node, "%s must have the same number of dimensions as kernel, but kernel is %s while %s is %s",
                    name, kernel.toMXString(), name, v.toMXString());
        for (int i = 0; i < nd; i++) {
            if (v.get(i) < min)
                throw error(node, "%s must be >= %d in every dimension, got %s", name, min, v.toMXString());
            out[i] = v.get(i);
        }
        return out;
    }

    private static void checkLayout(Params p, int nd, String node) {
        String layout = (String) p.get("layout");
        String want = nd == 1 ? "NCW" : "NCHW";
        if (layout != null && !layout.equals(want))
            throw error(node, "layout %s is not supported; only the default %s for a %d-D kernel", layout, want, nd);
    }

    private static ConvGeom convGeom(Params p, boolean deconv, String node) {
        Shape kernel = p.getShape("kernel");
        int nd = kernel.ndim();
        if (nd == 3) throw error(node, "3-D %s (kernel %s) is not supported; only 1-D and 2-D",
                deconv ? "deconvolution" : "convolution", kernel.toMXString());
        if (nd < 1 || nd > 2) throw error(node, "kernel must have 1 or 2 dimensions, got %s", kernel.toMXString());
        int[] k = tuple(p, "kernel", nd, 1, 1, node, kernel);
        int[] s = tuple(p, "stride", nd, 1, 1, node, kernel);
        int[] d = tuple(p, "dilate", nd, 1, 1, node, kernel);
        int[] pad = tuple(p, "pad", nd, 0, 0, node, kernel);
        int[] adj = deconv ? tuple(p, "adj", nd, 0, 0, node, kernel) : new int[nd];
        checkLayout(p, nd, node);
        return new ConvGeom(nd, k, s, d, pad, adj);
    }

    private static int dilated(ConvGeom g, int i) { return g.d[i] * (g.k[i] - 1) + 1; }

    /**
     * Deconvolution's effective {pad, adj}: from target_shape when any entry is non-zero (MXNet's
     * DeconvolutionParam::InferPad: total = stride*(in-1) + dilated_k - target, adj = total % 2,
     * pad = (total+1)/2), else the pad and adj parameters.
     */
    private static int[][] deconvPadAdj(ConvGeom g, Params p, Shape data, String node) {
        Shape t = p.getShape("target_shape");
        boolean fromTarget = false;
        if (t != null) for (int v : t.toArray()) fromTarget |= v != 0;
        if (!fromTarget) return new int[][] {g.p, g.adj};
        if (t.ndim() != g.nd)
            throw error(node, "target_shape %s must have the same number of dimensions as kernel %s",
                    t.toMXString(), p.getShape("kernel").toMXString());
        int[] pad = new int[g.nd], adj = new int[g.nd];
        for (int i = 0; i < g.nd; i++) {
            int total = g.s[i] * (data.get(2 + i) - 1) + dilated(g, i) - t.get(i);
            if (total < 0) throw error(node, "too big target shape %s for data %s", t.toMXString(), data);
            adj[i] = total % 2;
            pad[i] = (total + 1) / 2;
        }
        return new int[][] {pad, adj};
    }

    private static void convShape(ShapeContext c, boolean deconv) {
        Params p = c.params();
        String what = deconv ? "Deconvolution" : "Convolution";
        ConvGeom g = convGeom(p, deconv, c.nodeName());
        Shape data = c.in(0);
        if (data == null) return;
        if (data.ndim() != g.nd + 2)
            throw c.error("%s with a %d-D kernel %s needs data of rank %d (batch, channel, %s), got data shape %s",
                    what, g.nd, p.getShape("kernel").toMXString(), g.nd + 2, g.nd == 1 ? "width" : "height, width", data);
        int C = data.get(1), F = p.getInt("num_filter"), G = p.getInt("num_group");
        if (C % G != 0) throw c.error("input channels %d are not divisible by num_group %d", C, G);
        if (F % G != 0) throw c.error("num_filter %d is not divisible by num_group %d", F, G);
        int[] w = new int[g.nd + 2];
        w[0] = deconv ? C : F;
        w[1] = deconv ? F / G : C / G;
        for (int i = 0; i < g.nd; i++) w[2 + i] = g.k[i];
        c.setIn(1, Shape.of(w));
        if (!p.getBool("no_bias")) c.setIn(2, Shape.of(F));
        int[][] pa = deconv ? deconvPadAdj(g, p, data, c.nodeName()) : new int[][] {g.p, g.adj};
        int[] out = new int[g.nd + 2];
        out[0] = data.get(0);
        out[1] = F;
        for (int i = 0; i < g.nd; i++) {
            int in = data.get(2 + i), dk = dilated(g, i), pad = pa[0][i], adj = pa[1][i];
            if (deconv) {
                if (adj >= g.s[i] && adj > 0)
                    throw c.error("adj %d must be smaller than stride %d on spatial axis %d", adj, g.s[i], i);
                out[2 + i] = g.s[i] * (in - 1) + dk - 2 * pad + adj;
                if (out[2 + i] <= 0)
                    throw c.error("output size %d on spatial axis %d is not positive (data %s)", out[2 + i], i, data);
            } else {
                if (in + 2 * pad < dk)
                    throw c.error("dilated kernel size %d exceeds padded input size %d on spatial axis %d (data %s)",
                            dk, in + 2 * pad, i, data);
                out[2 + i] = (in + 2 * pad - dk) / g.s[i] + 1;
            }
        }
        c.setOut(0, Shape.of(out));
    }

    /** dnnl_nn.c's conv/deconv params; the second entry of each pair is unused for 1-D. */
    private static Kernel.Packer convPacker(boolean deconv, int dataInput) {
        return (p, in, out) -> {
            ConvGeom g = convGeom(p, deconv, deconv ? "Deconvolution" : "Convolution");
            int[][] pa = deconv ? deconvPadAdj(g, p, in[dataInput], "Deconvolution") : new int[][] {g.p, g.adj};
            List<Double> v = new ArrayList<>();
            v.add((double) g.nd);
            pair(v, g.k, 1);
            pair(v, g.s, 1);
            pair(v, g.d, 1);
            pair(v, pa[0], 0);
            if (deconv) pair(v, pa[1], 0);
            v.add((double) p.getInt("num_group"));
            v.add(flag(p.getBool("no_bias")));
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        };
    }

    private static void pair(List<Double> v, int[] t, int fill) {
        v.add((double) t[0]);
        v.add((double) (t.length > 1 ? t[1] : fill));
    }

    private static OpDef.Builder convParams(OpDef.Builder b, boolean deconv) {
        String kind = deconv ? "deconvolution" : "convolution";
        b.param(shapeRequired("kernel", kind + " kernel size: (w,) or (h, w)"))
                .param(shapeParam("stride", EMPTY, kind + " stride: (w,) or (h, w). Defaults to 1 for each dimension."))
                .param(shapeParam("dilate", EMPTY, kind + " dilate: (w,) or (h, w). Defaults to 1 for each dimension."))
                .param(shapeParam("pad", EMPTY, deconv
                        ? "The amount of implicit zero padding removed from the output: (w,) or (h, w). Defaults to no padding."
                        : "Zero pad for convolution: (w,) or (h, w). Defaults to no padding."));
        if (deconv)
            b.param(shapeParam("adj", EMPTY, "Adjustment for the output shape: (w,) or (h, w). Ignored when target_shape is set."))
                    .param(shapeParam("target_shape", EMPTY, "Shape of the output: (w,) or (h, w); pad and adj are then "
                            + "computed from it."));
        return b.param(intRequired("num_filter", 1, kind + " filter (channel) number"))
                .param(intParam("num_group", 1, 1, Integer.MAX_VALUE, "Number of group partitions."))
                .param(intParam("workspace", deconv ? 512 : 1024, 0, Integer.MAX_VALUE,
                        "Maximum temporary workspace allowed (MB); accepted and ignored."))
                .param(boolParam("no_bias", deconv, "Whether to disable bias parameter."))
                .param(enumParam("cudnn_tune", null, List.of("fastest", "limited_workspace", "off"),
                        "Whether to pick a cuDNN algorithm by testing; accepted and ignored (no GPU)."))
                .param(boolParam("cudnn_off", false, "Turn off cudnn for this layer; accepted and ignored."))
                .param(enumParam("layout", null, CONV_LAYOUTS,
                        "Layout of data, weight and output; only the default (NCW for 1-D, NCHW for 2-D) is supported."));
    }

    private static org.pysym.op.GradRule convGrad(String backward) {
        return g -> {
            Node b = g.op(backward, g.params().given(), g.outGrad(0), g.input(0), g.input(1));
            List<NodeEntry> l = new ArrayList<>(List.of(entry(b, 0), entry(b, 1)));
            if (!g.params().getBool("no_bias")) l.add(entry(b, 2));
            return l;
        };
    }

    private static OpDef convBackward(String name, String kernel, boolean deconv) {
        return convParams(OpDef.builder(name), deconv)
                .doc("Gradient of " + name.substring("_backward_".length())
                        + ": (out_grad, data, weight) -> (data_grad, weight_grad[, bias_grad]).")
                .inputs("out_grad", "data", "weight")
                .outputs(p -> p != null && p.getBool("no_bias") ? List.of("data_grad", "weight_grad")
                        : List.of("data_grad", "weight_grad", "bias_grad"))
                .shape(c -> {
                    if (c.in(1) != null) c.setOut(0, c.in(1));
                    if (c.in(2) != null) c.setOut(1, c.in(2));
                    if (c.numOutputs() > 2 && c.in(0) != null) c.setOut(2, Shape.of(c.in(0).get(1)));
                })
                .kernel(kernel, convPacker(deconv, 1)).backwardOp().build();
    }

    private static List<String> convInputs(Params p, boolean deconv) {
        boolean noBias = p == null ? false : p.getBool("no_bias");
        return noBias ? List.of("data", "weight") : List.of("data", "weight", "bias");
    }

    private static void convolution(OpRegistry r) {
        r.register(convParams(OpDef.builder("Convolution"), false)
                .doc("Computes 1-D or 2-D convolution on (batch, channel, width) or (batch, channel, height, width) data.\n\n"
                        + "weight: (num_filter, channel/num_group, kernel...); bias: (num_filter,) unless no_bias. "
                        + "Output: (batch, num_filter, out...), out = floor((x + 2*pad - dilate*(kernel-1) - 1) / stride) + 1.")
                .inputs(p -> convInputs(p, false))
                .shape(c -> convShape(c, false))
                .kernel("convolution_fwd", convPacker(false, 0))
                .grad(convGrad("_backward_Convolution")).build());
        r.register(convBackward("_backward_Convolution", "convolution_bwd", false));
    }

    private static void deconvolution(OpRegistry r) {
        r.register(convParams(OpDef.builder("Deconvolution"), true)
                .doc("Computes 1-D or 2-D transposed convolution (deconvolution) on NCW / NCHW data.\n\n"
                        + "weight: (channel, num_filter/num_group, kernel...); bias: (num_filter,) when no_bias is false "
                        + "(it is true by default). Output: (batch, num_filter, out...), "
                        + "out = stride*(x-1) + dilate*(kernel-1) + 1 - 2*pad + adj, or target_shape when given.")
                .inputs(p -> convInputs(p, true))
                .shape(c -> convShape(c, true))
                .kernel("deconvolution_fwd", convPacker(true, 0))
                .grad(convGrad("_backward_Deconvolution")).build());
        r.register(convBackward("_backward_Deconvolution", "deconvolution_bwd", true));
    }

    // ---------------------------------------------------------------- pooling

    private record PoolGeom(int nd, int[] k, int[] s, int[] p) {}

    private static PoolGeom poolGeom(Params p, Shape data, String node) {
        if (p.getBool("global_pool")) {
            int nd = data.ndim() - 2;
            if (nd < 1 || nd > 2)
                throw error(node, "global pooling needs data of rank 3 or 4 (batch, channel, spatial...), got %s", data);
            int[] k = new int[nd], s = new int[nd], pad = new int[nd];
            for (int i = 0; i < nd; i++) {
                k[i] = data.get(2 + i);
                s[i] = 1;
            }
            checkLayout(p, nd, node);
            return new PoolGeom(nd, k, s, pad);
        }
        Shape kernel = p.getShape("kernel");
        int nd = kernel == null ? 0 : kernel.ndim();
        if (nd == 0) throw error(node, "Pooling needs a kernel unless global_pool is set");
        if (nd == 3) throw error(node, "3-D pooling (kernel %s) is not supported; only 1-D and 2-D", kernel.toMXString());
        if (nd > 3) throw error(node, "kernel must have 1 or 2 dimensions, got %s", kernel.toMXString());
        if (data.ndim() != nd + 2)
            throw error(node, "Pooling with a %d-D kernel %s needs data of rank %d (batch, channel, %s), got data shape %s",
                    nd, kernel.toMXString(), nd + 2, nd == 1 ? "width" : "height, width", data);
        int[] k = tuple(p, "kernel", nd, 1, 1, node, kernel);
        int[] s = tuple(p, "stride", nd, 1, 1, node, kernel);
        int[] pad = tuple(p, "pad", nd, 0, 0, node, kernel);
        checkLayout(p, nd, node);
        for (int i = 0; i < nd; i++)
            if (data.get(2 + i) + 2 * pad[i] < k[i])
                throw error(node, "kernel size %d exceeds padded input size %d on spatial axis %d (data %s)",
                        k[i], data.get(2 + i) + 2 * pad[i], i, data);
        return new PoolGeom(nd, k, s, pad);
    }

    private static void poolShape(ShapeContext c) {
        Shape data = c.in(0);
        if (data == null) return;
        PoolGeom g = poolGeom(c.params(), data, c.nodeName());
        boolean full = c.params().getString("pooling_convention").equals("full");
        int[] out = new int[g.nd + 2];
        out[0] = data.get(0);
        out[1] = data.get(1);
        for (int i = 0; i < g.nd; i++) {
            int span = data.get(2 + i) + 2 * g.p[i] - g.k[i];
            out[2 + i] = 1 + (full ? (span + g.s[i] - 1) / g.s[i] : span / g.s[i]);
        }
        c.setOut(0, Shape.of(out));
    }

    /** dnnl_nn.c's pooling params; global_pool becomes kernel = spatial dims, stride 1, pad 0. */
    private static Kernel.Packer poolPacker(int dataInput) {
        return (p, in, out) -> {
            PoolGeom g = poolGeom(p, in[dataInput], "Pooling");
            List<Double> v = new ArrayList<>();
            v.add((double) g.nd);
            pair(v, g.k, 1);
            pair(v, g.s, 1);
            pair(v, g.p, 0);
            v.add((double) POOL_CODES.indexOf(p.getString("pool_type")));
            v.add(flag(p.getString("pooling_convention").equals("full")));
            v.add(flag(!Boolean.FALSE.equals(p.get("count_include_pad"))));   // None (MXNet's default) counts the padding
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        };
    }

    private static OpDef.Builder poolParams(OpDef.Builder b) {
        return b.param(shapeParam("kernel", EMPTY, "Pooling kernel size: (w,) or (h, w); ignored when global_pool is set."))
                .param(enumParam("pool_type", "max", List.of("avg", "max", "sum"), "Pooling type to be applied."))
                .param(boolParam("global_pool", false, "Ignore kernel size, do global pooling based on current input feature map."))
                .param(boolParam("cudnn_off", false, "Turn off cudnn pooling; accepted and ignored."))
                .param(enumParam("pooling_convention", "valid", List.of("full", "valid"),
                        "Pooling convention: valid rounds the output size down, full rounds it up."))
                .param(shapeParam("stride", EMPTY, "Stride for pooling: (w,) or (h, w). Defaults to 1 for each dimension."))
                .param(shapeParam("pad", EMPTY, "Pad for pooling: (w,) or (h, w). Defaults to no padding."))
                .param(intParam("p_value", null, "Value of p for Lp pooling; accepted and ignored (lp is not supported)."))
                .param(boolParam("count_include_pad", true,
                        "Whether avg pooling counts padded cells in the divisor (MXNet's default None means true)."))
                .param(enumParam("layout", null, POOL_LAYOUTS,
                        "Layout of data and output; only the default (NCW for 1-D, NCHW for 2-D) is supported."));
    }

    private static void pooling(OpRegistry r) {
        r.register(poolParams(OpDef.builder("Pooling"))
                .doc("Performs max, average or sum pooling over the spatial axes of (batch, channel, width) or "
                        + "(batch, channel, height, width) data.\n\n"
                        + "Output size per axis: 1 + floor((x + 2*pad - kernel) / stride) (valid) or 1 + ceil(...) (full); "
                        + "1 for global_pool.")
                // MXNet 1.9.1 (oneDNN build) gives max pooling a hidden workspace output; kept so graphs match
                .outputs(p -> p != null && hasWorkspace(p) ? List.of("output", "workspace") : List.of("output"))
                .visibleOutputs(1)
                .shape(c -> {
                    poolShape(c);
                    if (c.numOutputs() > 1 && c.out(0) != null) c.setOut(1, c.out(0));
                })
                .kernel("pooling_fwd", poolPacker(0))
                .grad(g -> List.of(hasWorkspace(g.params())
                        ? g.op1("_backward_Pooling", g.params().given(), g.outGrad(0), g.input(0), g.output(0), g.output(1))
                        : g.op1("_backward_Pooling", g.params().given(), g.outGrad(0), g.input(0), g.output(0))))
                .build());
        r.register(poolParams(OpDef.builder("_backward_Pooling"))
                .doc("Gradient of Pooling: (out_grad, data, output[, workspace]) -> data_grad; max pooling's "
                        + "workspace holds the forward's argmax positions.")
                .inputs(p -> p != null && hasWorkspace(p) ? List.of("out_grad", "data", "output", "workspace")
                        : List.of("out_grad", "data", "output"))
                .outputs("data_grad")
                .shape(ShapeRules.outputsLikeInputs(1))
                .kernel("pooling_bwd", poolPacker(1)).backwardOp().build());
    }

    // ---------------------------------------------------------------- activations

    private static final Kernel.Packer ACT = (p, in, out) -> new double[] {ACT_CODES.indexOf(p.getString("act_type"))};

    private static Field actType() {
        return enumRequired("act_type", List.of("relu", "sigmoid", "softrelu", "softsign", "tanh"),
                "Activation function to be applied.");
    }

    private static boolean softsign(Params p) { return p == null || p.getString("act_type").equals("softsign"); }

    private static void activation(OpRegistry r) {
        r.register(OpDef.builder("Activation")
                .doc("Applies an activation function element-wise: relu max(x, 0), sigmoid 1/(1+exp(-x)), tanh, "
                        + "softrelu log(1+exp(x)), softsign x/(1+|x|). Output: the shape of data.")
                .param(actType())
                .shape(ShapeRules.SAME)
                .kernel("activation_fwd", ACT)
                .grad(g -> {
                    // the backward reads the output; softsign also reads the input, as MXNet's does
                    NodeEntry[] ins = softsign(g.params())
                            ? new NodeEntry[] {g.outGrad(0), g.output(0), g.input(0)}
                            : new NodeEntry[] {g.outGrad(0), g.output(0)};
                    return List.of(g.op1("_backward_Activation", g.params().given(), ins));
                }).build());
        r.register(OpDef.builder("_backward_Activation")
                .doc("Gradient of Activation: (out_grad, output[, data for softsign]) -> data_grad.")
                .param(actType())
                .inputs(p -> softsign(p) ? List.of("out_grad", "output", "data") : List.of("out_grad", "output"))
                .outputs("data_grad")
                .shape(ShapeRules.SAME)
                .kernel("activation_bwd", ACT).backwardOp().build());
    }

    private static final Kernel.Packer LEAKY = (p, in, out) ->
            new double[] {LEAKY_CODES.indexOf(p.getString("act_type")), p.getDouble("slope")};

    private static boolean prelu(Params p) { return p == null || p.getString("act_type").equals("prelu"); }

    private static OpDef.Builder leakyParams(OpDef.Builder b) {
        return b.param(enumParam("act_type", "leaky", List.of("elu", "gelu", "leaky", "prelu", "selu"),
                        "Activation function to be applied (rrelu is not supported)."))
                .param(floatParam("slope", 0.25, "Init slope for the activation (leaky and elu)."))
                .param(floatParam("lower_bound", 0.125, "Lower bound of random slope (rrelu only); accepted and ignored."))
                .param(floatParam("upper_bound", (double) 0.334f, "Upper bound of random slope (rrelu only); accepted and ignored."));
    }

    /**
     * prelu's gamma: defaults to (C,) for (N, C, ...) data ((N,) for 1-D); a given gamma must match
     * data axis 1, or axes 0 and 1, dimension by dimension (or be 1), as the leaky_relu kernel lays it out.
     */
    private static void leakyShape(ShapeContext c) {
        ShapeRules.outputsLikeInputs(0).infer(c);
        if (!prelu(c.params()) || c.in(0) == null) return;
        Shape data = c.in(0), gamma = c.in(1);
        if (gamma == null) {
            c.setIn(1, Shape.of(data.get(data.ndim() == 1 ? 0 : 1)));
            return;
        }
        int s = gamma.ndim() - 1;
        for (int i = data.ndim() - 1; i >= 0; i--)
            if (s >= 0 && i <= 1 && (data.get(i) == gamma.get(s) || gamma.get(s) == 1)) s--;
        if (s != -1)
            throw c.error("cannot broadcast gamma %s to data %s: gamma must match data axis 1, or axes 0 and 1", gamma, data);
    }

    private static void leakyRelu(OpRegistry r) {
        r.register(leakyParams(OpDef.builder("LeakyReLU"))
                .doc("Leaky rectified linear units and relatives, element-wise: leaky x>0 ? x : slope*x; "
                        + "elu x>0 ? x : slope*(exp(x)-1); prelu x>0 ? x : gamma*x with a learned gamma (C,) per channel; "
                        + "selu lambda*(x>0 ? x : alpha*(exp(x)-1)); gelu 0.5*x*(1+erf(x/sqrt(2))). Output: the shape of data.")
                .inputs(p -> prelu(p) ? List.of("data", "gamma") : List.of("data"))
                .shape(Nn::leakyShape)
                .kernel("leaky_relu_fwd", LEAKY)
                .grad(g -> {
                    boolean pr = prelu(g.params());
                    NodeEntry[] ins = pr ? new NodeEntry[] {g.outGrad(0), g.input(0), g.output(0), g.input(1)}
                            : new NodeEntry[] {g.outGrad(0), g.input(0), g.output(0)};
                    Node b = g.op("_backward_LeakyReLU", g.params().given(), ins);
                    return pr ? List.of(entry(b, 0), entry(b, 1)) : List.of(entry(b, 0));
                }).build());
        r.register(leakyParams(OpDef.builder("_backward_LeakyReLU"))
                .doc("Gradient of LeakyReLU: (out_grad, data, output[, gamma]) -> (data_grad[, gamma_grad]).")
                .inputs(p -> prelu(p) ? List.of("out_grad", "data", "output", "gamma") : List.of("out_grad", "data", "output"))
                .outputs(p -> prelu(p) ? List.of("data_grad", "gamma_grad") : List.of("data_grad"))
                .shape(c -> {
                    if (c.in(1) != null) c.setOut(0, c.in(1));
                    if (c.numOutputs() > 1 && c.in(3) != null) c.setOut(1, c.in(3));
                })
                .kernel("leaky_relu_bwd", LEAKY).backwardOp().build());
    }

    // ---------------------------------------------------------------- BatchNorm

    private static final Kernel.Packer BN = (p, in, out) -> new double[] {
            p.getDouble("eps"), p.getDouble("momentum"), flag(p.getBool("fix_gamma")),
            flag(p.getBool("use_global_stats")), p.getInt("axis")};

    private static OpDef.Builder bnParams(OpDef.Builder b) {
        // MXNet declares eps as 1e-3f and momentum as 0.9f: the same float values here
        return b.param(floatParam("eps", (double) 1e-3f, 0, Double.POSITIVE_INFINITY,
                        "Epsilon to prevent div 0."))
                .param(floatParam("momentum", (double) 0.9f, "Momentum for moving average."))
                .param(boolParam("fix_gamma", true, "Fix gamma while training (gamma acts as 1 and gets zero gradient)."))
                .param(boolParam("use_global_stats", false,
                        "Whether use global moving statistics instead of local batch-norm. "
                                + "This will force change batch-norm into a scale shift operator."))
                .param(boolParam("output_mean_var", false, "Output the mean and inverse std."))
                .param(intParam("axis", 1, "Specify which shape axis the channel is specified."))
                .param(boolParam("cudnn_off", false, "Do not select CUDNN operator; accepted and ignored."))
                .param(floatParam("min_calib_range", null, "Quantization calibration minimum; accepted and ignored."))
                .param(floatParam("max_calib_range", null, "Quantization calibration maximum; accepted and ignored."));
    }

    private static int bnAxis(ShapeContext c, Shape data) {
        int axis = c.params().getInt("axis"), a = axis < 0 ? axis + data.ndim() : axis;
        if (a < 0 || a >= data.ndim())
            throw c.error("axis %d is out of range for data of shape %s", axis, data);
        return a;
    }

    private static void batchNorm(OpRegistry r) {
        r.register(bnParams(OpDef.builder("BatchNorm"))
                .doc("Batch normalization: out = (data - mean) / sqrt(var + eps) * gamma + beta, per channel along axis.\n\n"
                        + "Training (is_train and not use_global_stats) uses the batch mean and biased variance; otherwise the "
                        + "moving ones. gamma, beta, moving_mean, moving_var: (C,) where C = data.shape[axis]. The moving "
                        + "statistics are updated by the backward pass in training (moving = moving*momentum + "
                        + "batch*(1-momentum)), as MXNet's CPU operator does, never by forward. Outputs: output, and with "
                        + "output_mean_var the mean and the INVERSE STD 1/sqrt(var + eps) (MXNet's CPU quirk).")
                .inputs("data", "gamma", "beta", "moving_mean", "moving_var")
                .aux("moving_mean", "moving_var")
                .outputs("output", "mean", "var")
                .visibleOutputs(p -> p != null && p.getBool("output_mean_var") ? 3 : 1)
                .shape(c -> {
                    if (c.in(0) == null && c.out(0) != null) c.setIn(0, c.out(0));
                    Shape data = c.in(0);
                    if (data == null) return;
                    Shape ch = Shape.of(data.get(bnAxis(c, data)));
                    for (int i = 1; i < 5; i++) c.setIn(i, ch);
                    c.setOut(0, data);
                    c.setOut(1, ch);
                    c.setOut(2, ch);
                })
                .kernel("batchnorm_fwd", BN)
                .grad(g -> {
                    // only output 0 feeds the data/gamma/beta gradients (MXNet ignores mean/var gradients too)
                    NodeEntry og = g.outGrad(0) != null ? g.outGrad(0) : g.op1("zeros_like", Map.of(), g.output(0));
                    Node b = g.op("_backward_BatchNorm", g.params().given(), og, g.input(0), g.input(1),
                            g.output(1), g.output(2), g.input(3), g.input(4));
                    return Arrays.asList(entry(b, 0), entry(b, 1), entry(b, 2), null, null);
                }).build());
        r.register(bnParams(OpDef.builder("_backward_BatchNorm"))
                .doc("Gradient of BatchNorm: (out_grad, data, gamma, mean, inverse std, moving_mean, moving_var) -> "
                        + "(data_grad, gamma_grad, beta_grad). In training it updates moving_mean and moving_var in place.")
                .inputs("out_grad", "data", "gamma", "mean", "var", "moving_mean", "moving_var")
                .outputs("data_grad", "gamma_grad", "beta_grad")
                .shape(c -> {
                    if (c.in(1) != null) c.setOut(0, c.in(1));
                    if (c.in(2) != null) {
                        c.setOut(1, c.in(2));
                        c.setOut(2, c.in(2));
                    }
                })
                .kernel("batchnorm_bwd", BN).backwardOp().build());
    }

    // ---------------------------------------------------------------- Dropout

    private static final Kernel.Packer DROPOUT = (p, in, out) ->
            new double[] {p.getDouble("p"), DROPOUT_CODES.indexOf(p.getString("mode"))};

    private static OpDef.Builder dropoutParams(OpDef.Builder b) {
        return b.param(floatParam("p", 0.5, 0, 1, "Fraction of the input that gets dropped out during training time."))
                .param(enumParam("mode", "training", List.of("always", "training"),
                        "Whether to only turn on dropout during training or to also turn on for inference."))
                .param(shapeParam("axes", EMPTY, "Axes for variational dropout kernel; only the default () is supported."))
                .param(boolParam("cudnn_off", false, "Whether to turn off cudnn in dropout operator; accepted and ignored."));
    }

    private static void dropout(OpRegistry r) {
        r.register(dropoutParams(OpDef.builder("Dropout"))
                .doc("Applies dropout: in training (or mode always) each element is zeroed with probability p and the "
                        + "rest scaled by 1/(1-p); otherwise the identity. Hidden second output: the mask (0 or 1/(1-p)).")
                .outputs("output", "mask").visibleOutputs(1)
                .shape(c -> {
                    Shape axes = c.params().getShape("axes");
                    if (axes != null && axes.ndim() > 0)
                        throw c.error("Dropout axes %s (variational dropout) is not supported", axes.toMXString());
                    ShapeRules.SAME.infer(c);
                })
                .kernel("dropout_fwd", DROPOUT)
                .grad(g -> List.of(g.op1("_backward_Dropout", g.params().given(), g.outGrad(0), g.output(1))))
                .build());
        r.register(dropoutParams(OpDef.builder("_backward_Dropout"))
                .doc("Gradient of Dropout: (out_grad, mask) -> out_grad * mask.")
                .inputs("out_grad", "mask").outputs("data_grad")
                .shape(ShapeRules.SAME)
                .kernel("dropout_bwd", DROPOUT).backwardOp().build());
    }

    // ---------------------------------------------------------------- LRN

    private static final Kernel.Packer LRN = (p, in, out) -> new double[] {
            p.getDouble("alpha"), p.getDouble("beta"), p.getDouble("knorm"), p.getInt("nsize")};

    private static OpDef.Builder lrnParams(OpDef.Builder b) {
        return b.param(floatParam("alpha", (double) 1e-4f, "The variance scaling parameter alpha in the LRN expression."))
                .param(floatParam("beta", 0.75, "The power parameter beta in the LRN expression."))
                .param(floatParam("knorm", 2.0, "The parameter k in the LRN expression."))
                .param(intRequired("nsize", 1, "normalization window width in elements (odd)."));
    }

    private static boolean hasWorkspace(Params p) {
        int k = p.getShape("kernel").ndim();
        return p.getString("pool_type").equals("max") && k >= 1 && k <= 3;
    }

    private static void lrn(OpRegistry r) {
        r.register(lrnParams(OpDef.builder("LRN"))
                .outputs("output", "tmp_norm").visibleOutputs(1)
                .doc("Local response normalization across channels: out = data / (knorm + alpha/nsize * "
                        + "sum of data^2 over the nsize channels around each)^beta. data: (batch, channel, ...).")
                .shape(c -> {
                    int n = c.params().getInt("nsize");
                    if (n % 2 == 0) throw c.error("LRN only supports odd values for nsize, got %d", n);
                    if (c.in(0) != null && c.in(0).ndim() < 2)
                        throw c.error("LRN needs data of rank >= 2 (batch, channel, ...), got %s", c.in(0));
                    ShapeRules.SAME.infer(c);
                })
                .kernel("lrn_fwd", LRN)
                .grad(g -> List.of(g.op1("_backward_LRN", g.params().given(), g.outGrad(0), g.input(0))))
                .build());
        r.register(lrnParams(OpDef.builder("_backward_LRN"))
                .doc("Gradient of LRN: (out_grad, data) -> data_grad.")
                .inputs("out_grad", "data").outputs("data_grad")
                .shape(ShapeRules.SAME)
                .kernel("lrn_bwd", LRN).backwardOp().build());
    }
}
