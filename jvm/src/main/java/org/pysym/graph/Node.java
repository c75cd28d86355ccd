package org.pysym.graph;

import java.util.List;
import java.util.Map;
import org.pysym.op.OpDef;
import org.pysym.op.Params;

/** A graph node: a variable (op == null) or an operator applied to input entries. Immutable. */
public final class Node {
    public final OpDef op;
    public final String name;
    public final Params params;
    /** User attributes (__shape__, __dtype__, __lr_mult__, ...), in insertion order. */
    public final Map<String, String> attrs;
    public final List<NodeEntry> inputs;

    public Node(OpDef op, String name, Params params, Map<String, String> attrs, List<NodeEntry> inputs) {
        this.op = op;
        this.name = name;
        this.params = params == null ? Params.EMPTY : params;
        this.attrs = Map.copyOf(attrs);
        this.inputs = List.copyOf(inputs);
    }

    public static Node variable(String name, Map<String, String> attrs) {
        return new Node(null, name, Params.EMPTY, attrs, List.of());
    }

    public boolean isVariable() { return op == null; }

    public int numOutputs() { return op == null ? 1 : op.numOutputs(params); }

    public int numVisibleOutputs() { return op == null ? 1 : op.numVisibleOutputs(params); }

    /** MXNet's output name: the variable's name, or <node>_<output>. */
    public String outputName(int i) {
        return op == null ? name : name + "_" + op.outputNames(params).get(i);
    }

    @Override public String toString() { return (op == null ? "var " : op.name + " ") + name; }
}
