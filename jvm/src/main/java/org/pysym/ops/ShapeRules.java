package org.pysym.ops;

import org.pysym.op.Shape;
import org.pysym.op.ShapeContext;
import org.pysym.op.ShapeRule;

/** Shape rules shared by many operators. */
public final class ShapeRules {
    private ShapeRules() {}

    /** Every input and output has one shape, known from any of them (MXNet's ElemwiseShape). */
    public static final ShapeRule SAME = c -> {
        Shape s = null;
        for (int i = 0; i < c.numInputs() && s == null; i++) s = c.in(i);
        for (int i = 0; i < c.numOutputs() && s == null; i++) s = c.out(i);
        if (s == null) return;
        for (int i = 0; i < c.numInputs(); i++) c.setIn(i, s);
        for (int i = 0; i < c.numOutputs(); i++) c.setOut(i, s);
    };

    /** Output i of a backward op has the shape of its input k (e.g. d_lhs like lhs). */
    public static ShapeRule outputsLikeInputs(int... inputForOutput) {
        return c -> {
            for (int o = 0; o < inputForOutput.length; o++) {
                int k = inputForOutput[o];
                if (c.in(k) != null) c.setOut(o, c.in(k));
                if (c.out(o) != null) c.setIn(k, c.out(o));
            }
        };
    }
}
