package org.pysym.op;

/** Infers a node's unknown shapes from its known ones (forward, and backward where the op allows). */
@FunctionalInterface
public interface ShapeRule {
    void infer(ShapeContext c);
}
