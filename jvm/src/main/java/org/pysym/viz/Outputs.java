package org.pysym.viz;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pysym.PysymError;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.op.DType;
import org.pysym.op.Shape;
import org.pysym.pass.InferShape;
import org.pysym.pass.InferType;

/**
 * The shapes and dtypes of every visible output of a symbol's graph (its internals), inferred from
 * the given input shapes/dtypes, as MXNet's visualization reads them: by entry for edges, by output
 * name (fc1_output) for the summary. A null map means "not given": nothing is inferred.
 */
final class Outputs {
    private final Map<NodeEntry, Shape> shapes = new HashMap<>();
    private final Map<NodeEntry, DType> types = new HashMap<>();
    private final Map<String, Shape> shapesByName = new LinkedHashMap<>();
    final boolean hasShapes, hasTypes;

    Outputs(Symbol sym, Map<String, Shape> knownShapes, Map<String, DType> knownTypes) {
        Symbol internals = sym.getInternals();
        List<NodeEntry> entries = internals.outputs();
        List<String> names = internals.listOutputs();
        hasShapes = knownShapes != null;
        hasTypes = knownTypes != null;
        if (hasShapes) {
            InferShape.Result r = internals.inferShape(knownShapes);
            PysymError.require(r.complete(), "Input shape is incomplete: shapes %s do not determine every output of %s",
                    knownShapes, names);
            for (int i = 0; i < entries.size(); i++) {
                shapes.put(entries.get(i), r.outShapes().get(i));
                shapesByName.put(names.get(i), r.outShapes().get(i));   // a repeated name: the last one wins, as in MXNet
            }
        }
        if (hasTypes) {
            InferType.Result r = internals.inferType(knownTypes);
            PysymError.require(r.complete(), "Input type is incomplete: dtypes %s do not determine every output of %s",
                    knownTypes, names);
            for (int i = 0; i < entries.size(); i++) types.put(entries.get(i), r.outTypes().get(i));
        }
    }

    Shape shape(NodeEntry e) { return shapes.get(e); }

    DType type(NodeEntry e) { return types.get(e); }

    /** The shape of the output with this name, or null if there is none. */
    Shape shapeByName(String outputName) { return shapesByName.get(outputName); }

    /** MXNet's per-sample label of a shape: the dimensions after the batch axis joined by x, 20x24x24. */
    static String perSample(Shape s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < s.ndim(); i++) {
            if (i > 1) sb.append('x');
            sb.append(s.get(i));
        }
        return sb.toString();
    }
}
