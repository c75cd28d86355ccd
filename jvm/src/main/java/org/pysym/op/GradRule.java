package org.pysym.op;

import java.util.List;
import org.pysym.graph.NodeEntry;

/**
 * Builds the gradient of one node: given the gradients of its outputs, returns one entry per
 * input (null where the input takes no gradient). It composes ordinary registered operators.
 */
@FunctionalInterface
public interface GradRule {
    List<NodeEntry> gradient(GradContext g);
}
