package org.pysym.op;

import java.util.Map;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;

/** What a gradient rule sees: the forward node, its entries, its output gradients, and a node factory. */
public interface GradContext {
    Node node();
    Params params();
    NodeEntry input(int i);
    NodeEntry output(int i);
    /** The gradient flowing into output i; null for hidden outputs and for loss heads. */
    NodeEntry outGrad(int i);
    /** A new backward node of a registered operator, named after the forward node. */
    Node op(String opName, Map<String, ?> params, NodeEntry... inputs);

    default NodeEntry op1(String opName, Map<String, ?> params, NodeEntry... inputs) {
        return new NodeEntry(op(opName, params, inputs), 0);
    }
}
