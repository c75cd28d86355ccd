package org.pysym.ops;

import static org.pysym.op.Field.boolParam;
import static org.pysym.op.Field.dtypeParam;
import static org.pysym.op.Field.floatParam;
import static org.pysym.op.Field.intRequired;
import static org.pysym.op.Field.stringParam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.op.DType;
import org.pysym.op.Kernel;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;
import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;

/** Matrix products and row gathers: FullyConnected, dot, batch_dot, Embedding, one_hot (kernels: dense.c). */
final class Dense {
    private Dense() {}

    private static final Kernel.Packer NO_BIAS = (p, in, out) -> new double[] {p.getBool("no_bias") ? 1 : 0};
    private static final Kernel.Packer TRANSPOSES = (p, in, out) ->
            new double[] {p.getBool("transpose_a") ? 1 : 0, p.getBool("transpose_b") ? 1 : 0};

    static void register(OpRegistry r) {
        r.register(OpDef.builder("FullyConnected")
                .doc("Applies a linear transformation: Y = X W^T + b.\n\n"
                        + "data: (batch, ...) flattened to (batch, K) when flatten, else (..., K); weight: (num_hidden, K); "
                        + "bias: (num_hidden,). Output: (batch, num_hidden), or (..., num_hidden) when flatten is false.")
                .inputs(p -> p != null && p.getBool("no_bias") ? List.of("data", "weight") : List.of("data", "weight", "bias"))
                .param(intRequired("num_hidden", 1, "Number of hidden nodes of the output."))
                .param(boolParam("no_bias", false, "Whether to disable bias parameter."))
                .param(boolParam("flatten", true, "Whether to collapse all but the first axis of the input data tensor."))
                .shape(Dense::fullyConnectedShape)
                .kernel("fully_connected_fwd", NO_BIAS)
                .grad(g -> {
                    boolean noBias = g.params().getBool("no_bias");
                    Node b = g.op("_backward_FullyConnected", g.params().given(), g.outGrad(0), g.input(0), g.input(1));
                    List<NodeEntry> l = new ArrayList<>(List.of(new NodeEntry(b, 0), new NodeEntry(b, 1)));
                    if (!noBias) l.add(new NodeEntry(b, 2));
                    return l;
                }).build());
        r.register(OpDef.builder("_backward_FullyConnected").doc("Gradient of FullyConnected: (out_grad, data, weight).")
                .inputs("out_grad", "data", "weight")
                .outputs(p -> p.getBool("no_bias") ? List.of("data_grad", "weight_grad") : List.of("data_grad", "weight_grad", "bias_grad"))
                .param(intRequired("num_hidden", 1, "Number of hidden nodes of the output."))
                .param(boolParam("no_bias", false, "Whether bias is disabled."))
                .param(boolParam("flatten", true, "Whether the data was flattened."))
                .shape(c -> {
                    if (c.in(1) != null) c.setOut(0, c.in(1));
                    if (c.in(2) != null) c.setOut(1, c.in(2));
                    if (c.numOutputs() > 2) c.setOut(2, Shape.of(c.params().getInt("num_hidden")));
                })
                .kernel("fully_connected_bwd", NO_BIAS).backwardOp().build());

        r.register(OpDef.builder("dot")
                .doc("Dot product of two arrays. 1-D . 1-D is the inner product, shape (1,); otherwise a's last axis "
                        + "(first, with transpose_a) contracts with b's first axis (last, with transpose_b), and the output "
                        + "shape is a's remaining axes followed by b's.")
                .inputs("lhs", "rhs")
                .param(boolParam("transpose_a", false, "If true then transpose the first input before dot."))
                .param(boolParam("transpose_b", false, "If true then transpose the second input before dot."))
                .param(stringParam("forward_stype", null, "The desired storage type of the forward output (dense only)."))
                .shape(Dense::dotShape)
                .kernel("dot_fwd", TRANSPOSES)
                .grad(g -> twoGrads(g.op("_backward_dot", g.params().given(), g.outGrad(0), g.input(0), g.input(1))))
                .build());
        r.register(backwardOfTwo("_backward_dot", "dot_bwd"));

        r.register(OpDef.builder("batch_dot")
                .doc("Batchwise dot product: a (B, M, K) . b (B, K, N) -> (B, M, N), with optional transposes of the last two axes.")
                .inputs("lhs", "rhs")
                .param(boolParam("transpose_a", false, "If true then transpose the first input before dot."))
                .param(boolParam("transpose_b", false, "If true then transpose the second input before dot."))
                .param(stringParam("forward_stype", null, "The desired storage type of the forward output (dense only)."))
                .shape(Dense::batchDotShape)
                .kernel("batch_dot_fwd", TRANSPOSES)
                .grad(g -> twoGrads(g.op("_backward_batch_dot", g.params().given(), g.outGrad(0), g.input(0), g.input(1))))
                .build());
        r.register(backwardOfTwo("_backward_batch_dot", "batch_dot_bwd"));

        r.register(OpDef.builder("Embedding")
                .doc("Maps integer indices to vector representations: data (any shape) -> data.shape + (output_dim,). "
                        + "Indices are truncated, then clipped to [0, input_dim - 1]. The index input takes no gradient.")
                .inputs("data", "weight")
                .param(intRequired("input_dim", 1, "Vocabulary size of the input indices."))
                .param(intRequired("output_dim", 1, "Dimension of the embedding vectors."))
                .param(dtypeParam("dtype", DType.Float32, "Data type of weight."))
                .param(boolParam("sparse_grad", false, "Compute row sparse gradient in the backward calculation (dense here)."))
                .shape(c -> {
                    int in = c.params().getInt("input_dim"), outDim = c.params().getInt("output_dim");
                    c.setIn(1, Shape.of(in, outDim));
                    if (c.in(0) != null) c.setOut(0, append(c.in(0), outDim));
                })
                .kernel("embedding_fwd")
                .grad(g -> Arrays.asList(null, g.op1("_backward_Embedding", g.params().given(), g.outGrad(0), g.input(0))))
                .build());
        r.register(OpDef.builder("_backward_Embedding").doc("Gradient of Embedding with respect to its weight.")
                .inputs("out_grad", "data").outputs("weight_grad")
                .param(intRequired("input_dim", 1, "Vocabulary size.")).param(intRequired("output_dim", 1, "Embedding size."))
                .param(dtypeParam("dtype", DType.Float32, "Data type of weight."))
                .param(boolParam("sparse_grad", false, "Unused."))
                .shape(c -> c.setOut(0, Shape.of(c.params().getInt("input_dim"), c.params().getInt("output_dim"))))
                .kernel("embedding_bwd").backwardOp().build());

        r.register(OpDef.builder("one_hot")
                .doc("One-hot encoding: indices (any shape) -> indices.shape + (depth,), on_value at each index and "
                        + "off_value elsewhere; indices outside [0, depth) give an all-off row.")
                .inputs("indices")
                .param(intRequired("depth", 0, "Depth of the one hot dimension."))
                .param(floatParam("on_value", 1.0, "The value assigned to the locations represented by indices."))
                .param(floatParam("off_value", 0.0, "The value assigned to the locations not represented by indices."))
                .param(dtypeParam("dtype", DType.Float32, "Data type of the output (float32 only so far)."))
                .shape(c -> { if (c.in(0) != null) c.setOut(0, append(c.in(0), c.params().getInt("depth"))); })
                .kernel("one_hot_fwd", (p, in, out) -> new double[] {p.getInt("depth"), p.getDouble("on_value"), p.getDouble("off_value")})
                .nonDifferentiable().build());
    }

    private static Shape append(Shape s, int d) {
        int[] a = Arrays.copyOf(s.toArray(), s.ndim() + 1);
        a[s.ndim()] = d;
        return Shape.of(a);
    }

    private static void fullyConnectedShape(ShapeContext c) {
        Params p = c.params();
        int hidden = p.getInt("num_hidden");
        Shape data = c.in(0);
        if (!p.getBool("no_bias")) c.setIn(2, Shape.of(hidden));
        if (data == null) return;
        if (data.ndim() < 1) throw c.error("input 'data' must have at least one dimension, got %s", data);
        int[] d = data.toArray();
        int k;
        Shape out;
        if (p.getBool("flatten")) {
            k = (int) (data.size() / Math.max(d[0], 1));
            if (d[0] == 0) k = (int) data.drop(1).size();
            out = Shape.of(d[0], hidden);
        } else {
            k = d[d.length - 1];
            int[] o = d.clone();
            o[o.length - 1] = hidden;
            out = Shape.of(o);
        }
        c.setIn(1, Shape.of(hidden, k));
        c.setOut(0, out);
    }

    private static void dotShape(ShapeContext c) {
        Shape a = c.in(0), b = c.in(1);
        if (a == null || b == null) return;
        boolean ta = c.params().getBool("transpose_a"), tb = c.params().getBool("transpose_b");
        int[] x = a.toArray(), y = b.toArray();
        if (x.length == 0 || y.length == 0) throw c.error("dot inputs must have at least one dimension, got %s and %s", a, b);
        if (x.length == 1 && y.length == 1) {
            if (ta || tb) throw c.error("dot of two vectors does not take transpose_a/transpose_b");
            if (x[0] != y[0]) throw c.error("dot: vector lengths differ, %s and %s", a, b);
            c.setOut(0, Shape.of(1));
            return;
        }
        int ka = ta ? x[0] : x[x.length - 1], kb = tb ? y[y.length - 1] : y[0];
        if (ka != kb)
            throw c.error("dot: the contracted axes differ: lhs %s%s gives %d, rhs %s%s gives %d", a, ta ? " (transposed)" : "",
                    ka, b, tb ? " (transposed)" : "", kb);
        int[] freeA = ta ? Arrays.copyOfRange(x, 1, x.length) : Arrays.copyOf(x, x.length - 1);
        int[] freeB = tb ? Arrays.copyOf(y, y.length - 1) : Arrays.copyOfRange(y, 1, y.length);
        int[] o = new int[freeA.length + freeB.length];
        System.arraycopy(freeA, 0, o, 0, freeA.length);
        System.arraycopy(freeB, 0, o, freeA.length, freeB.length);
        c.setOut(0, o.length == 0 ? Shape.of(1) : Shape.of(o));
    }

    private static void batchDotShape(ShapeContext c) {
        Shape a = c.in(0), b = c.in(1);
        if (a == null || b == null) return;
        if (a.ndim() != 3 || b.ndim() != 3) throw c.error("batch_dot needs 3-D inputs, got %s and %s", a, b);
        boolean ta = c.params().getBool("transpose_a"), tb = c.params().getBool("transpose_b");
        int m = ta ? a.get(2) : a.get(1), ka = ta ? a.get(1) : a.get(2);
        int kb = tb ? b.get(2) : b.get(1), n = tb ? b.get(1) : b.get(2);
        if (a.get(0) != b.get(0) || ka != kb)
            throw c.error("batch_dot: shapes %s and %s (transpose_a=%s, transpose_b=%s) do not match", a, b, ta, tb);
        c.setOut(0, Shape.of(a.get(0), m, n));
    }

    private static List<NodeEntry> twoGrads(Node b) {
        return List.of(new NodeEntry(b, 0), new NodeEntry(b, 1));
    }

    private static OpDef backwardOfTwo(String name, String kernel) {
        return OpDef.builder(name).doc("Gradient of " + name.substring("_backward_".length()) + ": (out_grad, lhs, rhs).")
                .inputs("out_grad", "lhs", "rhs").outputs("lhs_grad", "rhs_grad")
                .param(boolParam("transpose_a", false, "Whether lhs was transposed."))
                .param(boolParam("transpose_b", false, "Whether rhs was transposed."))
                .param(stringParam("forward_stype", null, "Unused."))
                .shape(ShapeRules.outputsLikeInputs(1, 2))
                .kernel(kernel, TRANSPOSES).backwardOp().build();
    }
}
