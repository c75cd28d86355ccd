package org.pysym.op;

import org.pysym.PysymError;

/**
 * What a shape rule sees of one node: its parameters and its input/output shapes, some of which
 * may be unknown (null). Rules fill what they can in either direction; a conflict is an error
 * naming the node, the slot, and the provided and inferred shapes.
 */
public interface ShapeContext {
    Params params();
    String nodeName();
    int numInputs();
    int numOutputs();
    Shape in(int i);
    Shape out(int i);
    void setIn(int i, Shape s);
    void setOut(int i, Shape s);
    String inputName(int i);

    default PysymError error(String fmt, Object... args) {
        return new PysymError("Error in operator " + nodeName() + ": " + String.format(fmt, args));
    }
}
