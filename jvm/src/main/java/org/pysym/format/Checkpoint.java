package org.pysym.format;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pysym.Context;
import org.pysym.PysymError;
import org.pysym.exec.Executor;
import org.pysym.graph.Symbol;
import org.pysym.ndarray.NDArray;
import org.pysym.op.Shape;

/**
 * MXNet checkpoints: prefix-symbol.json plus prefix-%04d.params with arg:/aux: keys
 * (MXNet Scala's Model.saveCheckpoint/loadCheckpoint), and binding one for inference in one call.
 */
public final class Checkpoint {
    private Checkpoint() {}

    /** The symbol and its parameters; close() disposes the parameter arrays. */
    public record Loaded(Symbol symbol, Map<String, NDArray> argParams, Map<String, NDArray> auxParams) implements AutoCloseable {
        @Override public void close() {
            argParams.values().forEach(NDArray::dispose);
            auxParams.values().forEach(NDArray::dispose);
        }
    }

    public static String symbolPath(String prefix) { return prefix + "-symbol.json"; }

    public static Loaded load(String prefix, int epoch) {
        Symbol sym = Symbol.load(symbolPath(prefix));
        NDArrayFile.CheckpointParams p = NDArrayFile.loadCheckpointParams(prefix, epoch);
        return new Loaded(sym, p.argParams(), p.auxParams());
    }

    public static void save(String prefix, int epoch, Symbol symbol, Map<String, NDArray> argParams, Map<String, NDArray> auxParams) {
        symbol.save(symbolPath(prefix));
        NDArrayFile.saveCheckpointParams(prefix, epoch, argParams, auxParams == null ? Map.of() : auxParams);
    }

    /**
     * Loads a checkpoint and binds it for inference (no gradients). inputShapes gives the shape of
     * every argument the checkpoint does not hold (data, labels); those arrays start as zeros.
     * The executor owns every array it binds and disposes them with itself.
     */
    public static Executor bindForInference(String prefix, int epoch, Context ctx, Map<String, Shape> inputShapes) {
        Loaded ck = load(prefix, epoch);
        try {
            Symbol sym = ck.symbol();
            Map<String, Shape> known = new LinkedHashMap<>(inputShapes);
            ck.argParams().forEach((k, v) -> { if (sym.listArguments().contains(k)) known.put(k, v.shape()); });
            ck.auxParams().forEach((k, v) -> known.put(k, v.shape()));
            var shapes = sym.inferShape(known);
            List<String> argNames = sym.listArguments(), auxNames = sym.listAuxiliaryStates();
            Map<String, NDArray> args = new LinkedHashMap<>(), aux = new LinkedHashMap<>();
            for (int i = 0; i < argNames.size(); i++) {
                String n = argNames.get(i);
                NDArray given = ck.argParams().get(n);
                if (given != null) args.put(n, given);
                else {
                    Shape s = shapes.argShapes().get(i);
                    PysymError.require(s != null, "bindForInference: the shape of input '%s' is unknown; give it in inputShapes", n);
                    args.put(n, NDArray.zeros(s, ctx, null));
                }
            }
            for (String n : auxNames) {
                NDArray a = ck.auxParams().get(n);
                PysymError.require(a != null, "bindForInference: checkpoint %s has no aux state '%s'", prefix, n);
                aux.put(n, a);
            }
            Executor ex = Executor.bind(sym, ctx, args, null, "null", aux);
            ex.adopt(args.values());
            ex.adopt(aux.values());
            // parameters the graph does not use are not needed
            ck.argParams().forEach((k, v) -> { if (!args.containsKey(k)) v.dispose(); });
            ck.auxParams().forEach((k, v) -> { if (!aux.containsKey(k)) v.dispose(); });
            return ex;
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }
}
