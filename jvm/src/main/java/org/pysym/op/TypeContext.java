package org.pysym.op;

/** What a type rule sees of one node; null means unknown. */
public interface TypeContext {
    Params params();
    String nodeName();
    int numInputs();
    int numOutputs();
    DType in(int i);
    DType out(int i);
    void setIn(int i, DType t);
    void setOut(int i, DType t);
}
