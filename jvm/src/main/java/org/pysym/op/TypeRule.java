package org.pysym.op;

/** Infers a node's dtypes; the default makes every input and output share one dtype. */
@FunctionalInterface
public interface TypeRule {
    void infer(TypeContext c);

    TypeRule SAME = c -> {
        DType t = null;
        for (int i = 0; i < c.numInputs() && t == null; i++) t = c.in(i);
        for (int i = 0; i < c.numOutputs() && t == null; i++) t = c.out(i);
        if (t == null) return;
        for (int i = 0; i < c.numInputs(); i++) c.setIn(i, t);
        for (int i = 0; i < c.numOutputs(); i++) c.setOut(i, t);
    };
}
