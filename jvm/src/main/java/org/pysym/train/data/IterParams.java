package org.pysym.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pysym.PysymError;
import org.pysym.op.Shape;

/**
 * The string parameters of MXNet's backend iterators (IO.MNISTIter(Map(...)), IO.CSVIter), parsed as
 * MXNet's dmlc parameters are: "1"/"0"/"true"/"False" booleans, "(1, 28, 28)" shapes. Unlike MXNet,
 * a name the iterator does not know is an error, not silently ignored.
 */
final class IterParams {
    private final String iter;
    private final Map<String, String> values;

    IterParams(String iter, Map<String, String> params, Set<String> known) {
        PysymError.require(params != null, "%s: parameters must be given", iter);
        this.iter = iter;
        this.values = params;
        for (String k : params.keySet()) {
            PysymError.require(k != null && known.contains(k), "%s: unknown parameter '%s'; known: %s", iter, k, String.join(", ", new TreeSet<>(known)));
            PysymError.require(params.get(k) != null, "%s: parameter '%s' is null", iter, k);
        }
    }

    String string(String key, String dflt) {
        String v = values.get(key);
        if (v == null) {
            PysymError.require(dflt != null, "%s: parameter '%s' is required", iter, key);
            return dflt;
        }
        return v.trim();
    }

    int integer(String key, Integer dflt, int min) {
        String v = values.get(key);
        if (v == null) {
            PysymError.require(dflt != null, "%s: parameter '%s' is required", iter, key);
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw PysymError.format("%s: parameter '%s' must be an integer, got '%s'", iter, key, v);
        }
        PysymError.require(n >= min, "%s: parameter '%s' must be >= %d, got %d", iter, key, min, n);
        return n;
    }

    boolean bool(String key, boolean dflt) {
        String v = values.get(key);
        if (v == null) return dflt;
        switch (v.trim().toLowerCase()) {
            case "1", "true" -> { return true; }
            case "0", "false" -> { return false; }
            default -> throw PysymError.format("%s: parameter '%s' must be a boolean (1, 0, true or false), got '%s'", iter, key, v);
        }
    }

    String choice(String key, String dflt, String... allowed) {
        String v = string(key, dflt);
        for (String a : allowed) if (a.equals(v)) return v;
        throw PysymError.format("%s: parameter '%s' must be one of %s, got '%s'", iter, key, String.join(", ", allowed), v);
    }

    /** A shape "(1, 28, 28)", "[3,2]", "(784,)" or "784"; null when absent and dflt is null. */
    Shape shape(String key, Shape dflt) {
        String v = values.get(key);
        if (v == null) return dflt;
        String s = v.trim();
        if ((s.startsWith("(") && s.endsWith(")")) || (s.startsWith("[") && s.endsWith("]"))) s = s.substring(1, s.length() - 1);
        List<Integer> dims = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            String p = part.trim();
            if (p.isEmpty() && !dims.isEmpty()) continue;   // "(784,)"
            try {
                int d = Integer.parseInt(p);
                PysymError.require(d >= 1, "%s: parameter '%s' has a dimension %d < 1: '%s'", iter, key, d, v);
                dims.add(d);
            } catch (NumberFormatException e) {
                throw PysymError.format("%s: parameter '%s' must be a shape such as (1, 28, 28), got '%s'", iter, key, v);
            }
        }
        PysymError.require(!dims.isEmpty(), "%s: parameter '%s' must be a non-empty shape, got '%s'", iter, key, v);
        return Shape.of(dims.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Batch shape (batchSize, example...), except that MXNet returns a label example of shape (1,) as (batchSize,). */
    static Shape batchShape(int batchSize, Shape example, boolean isLabel) {
        if (isLabel && example.ndim() == 1 && example.get(0) == 1) return Shape.of(batchSize);
        int[] d = new int[example.ndim() + 1];
        d[0] = batchSize;
        System.arraycopy(example.toArray(), 0, d, 1, example.ndim());
        return Shape.of(d);
    }
}
