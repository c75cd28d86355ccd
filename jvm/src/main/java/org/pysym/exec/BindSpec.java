package org.pysym.exec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.pysym.PysymError;
import org.pysym.ndarray.NDArray;

/**
 * Normalises bind()'s flexible arguments (a list in listArguments order, or a map by name; a
 * gradReq string, list or map) to per-argument arrays, with MXNet's validation rules.
 */
public final class BindSpec {
    private BindSpec() {}

    public static final String NULL = "null", WRITE = "write", ADD = "add";

    /** All entries required (args, aux). */
    public static List<NDArray> required(String what, List<String> names, Object given) {
        if (given == null) {
            PysymError.require(names.isEmpty(), "%s must be provided for %s", what, names);
            return List.of();
        }
        List<NDArray> out = arrays(what, names, given);
        for (int i = 0; i < names.size(); i++)
            PysymError.require(out.get(i) != null, "%s: no NDArray given for '%s'; every one of %s must be given", what, names.get(i), names);
        return out;
    }

    /** Missing entries allowed (gradients): null means no gradient. */
    public static List<NDArray> optional(String what, List<String> names, Object given) {
        if (given == null) return Collections.nCopies(names.size(), null);
        return arrays(what, names, given);
    }

    @SuppressWarnings("unchecked")
    private static List<NDArray> arrays(String what, List<String> names, Object given) {
        List<NDArray> out = new ArrayList<>(Collections.nCopies(names.size(), null));
        if (given instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                PysymError.require(names.contains(k), "%s: '%s' is not an argument of this symbol; expected names from %s",
                        what, k, names);
                NDArray a = checkArray(what, k, e.getValue());
                for (int i = 0; i < names.size(); i++) if (names.get(i).equals(k)) out.set(i, a);  // same-named variables
            }
        } else if (given instanceof List<?> l) {
            PysymError.require(l.size() == names.size(), "Length of %s do not match number of arguments: expected %d %s, got %d",
                    what, names.size(), names, l.size());
            for (int i = 0; i < l.size(); i++) out.set(i, checkArray(what, names.get(i), l.get(i)));
        } else {
            throw PysymError.format("%s must be a list or a map of NDArray, got %s", what, given.getClass().getName());
        }
        return out;
    }

    private static NDArray checkArray(String what, String name, Object v) {
        if (v == null) return null;
        if (v instanceof NDArray a) {
            PysymError.require(!a.isDisposed(), "%s: NDArray for '%s' has been disposed", what, name);
            return a;
        }
        throw PysymError.format("%s: value for '%s' must be an NDArray, got %s", what, name, v.getClass().getName());
    }

    /** Per-argument requests; names absent from a map default to "null", as in MXNet. */
    public static List<String> gradReqs(List<String> names, Object given) {
        List<String> out = new ArrayList<>();
        if (given == null || given instanceof String) {
            String r = given == null ? WRITE : (String) given;
            for (String n : names) out.add(checkReq(n, r));
        } else if (given instanceof Map<?, ?> m) {
            for (Object k : m.keySet())
                PysymError.require(names.contains(String.valueOf(k)), "gradReq: '%s' is not an argument; expected names from %s", k, names);
            for (String n : names) out.add(checkReq(n, m.containsKey(n) ? String.valueOf(m.get(n)) : NULL));
        } else if (given instanceof List<?> l) {
            PysymError.require(l.size() == names.size(), "gradReq list has %d entries for %d arguments %s", l.size(), names.size(), names);
            for (int i = 0; i < l.size(); i++) out.add(checkReq(names.get(i), String.valueOf(l.get(i))));
        } else {
            throw PysymError.format("gradReq must be a string, list or map, got %s", given.getClass().getName());
        }
        return out;
    }

    private static String checkReq(String name, String r) {
        PysymError.require(r.equals(NULL) || r.equals(WRITE) || r.equals(ADD),
                "grad_req '%s' for argument '%s' must be one of null, write, add", r, name);
        return r;
    }
}
