package org.pysym.graph;

import java.util.List;
import java.util.Map;
import org.pysym.op.OpDef;
import org.pysym.op.Params;

/** Test access to Symbol's package-private constructor, for operators declared only inside a test. */
public final class Symbols {
    private Symbols() {}

    /** Applies an unregistered test operator to single-output symbols. */
    public static Symbol apply(OpDef op, String name, Symbol... inputs) {
        List<NodeEntry> ins = java.util.Arrays.stream(inputs).map(s -> s.outputs().get(0)).toList();
        Node n = new Node(op, name, Params.parse(op, Map.of()), Map.of(), ins);
        return new Symbol(List.of(new NodeEntry(n, 0)));
    }
}
