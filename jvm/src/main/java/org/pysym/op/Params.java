package org.pysym.op;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pysym.PysymError;

/** An operator's parsed parameter values: immutable, typed, validated when the graph is built. */
public final class Params {
    public static final Params EMPTY = new Params(Map.of(), Map.of());

    private final Map<String, Object> values;     // every field, defaults filled in (null = None)
    private final Map<String, String> given;      // what the user set, in MXNet spelling

    Params(Map<String, Object> values, Map<String, String> given) {
        this.values = Collections.unmodifiableMap(values);
        this.given = Collections.unmodifiableMap(given);
    }

    /** Parses raw values (Java objects or MXNet strings) against an operator's schema. */
    public static Params parse(OpDef op, Map<String, ?> raw) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> given = new LinkedHashMap<>();
        for (String key : raw.keySet()) {
            if (op.field(key) == null)
                throw PysymError.format("Cannot find argument '%s' for operator %s, Possible Arguments: %s",
                        key, op.name, op.describeParams());
        }
        for (Field f : op.fields()) {
            Object v = raw.get(f.name);
            if (v == null) {
                if (f.required())
                    throw PysymError.format("Required parameter %s of %s is not presented, in operator %s. Possible Arguments: %s",
                            f.name, f.kind.name().toLowerCase(), op.name, op.describeParams());
                values.put(f.name, f.defaultValue());
            } else {
                Object parsed;
                try {
                    parsed = f.parse(op.name, v);
                } catch (PysymError e) {
                    throw new PysymError(e.getMessage() + ". Possible Arguments: " + op.describeParams());
                }
                values.put(f.name, parsed);
                // a string keeps its spelling, so MXNet files round-trip unchanged
                given.put(f.name, v instanceof String str && parsed != null ? str : Field.format(parsed));
            }
        }
        return new Params(values, given);
    }

    public Object get(String name) {
        PysymError.require(values.containsKey(name), "operator has no parameter '%s'", name);
        return values.get(name);
    }

    public boolean isNone(String name) { return get(name) == null; }
    public int getInt(String name) { return (Integer) get(name); }
    public double getDouble(String name) { return (Double) get(name); }
    public boolean getBool(String name) { return (Boolean) get(name); }
    public String getString(String name) { return (String) get(name); }
    public Shape getShape(String name) { return (Shape) get(name); }
    public DType getDType(String name) { return (DType) get(name); }

    /** The parameters the user set, in MXNet's string spelling (what symbol JSON stores). */
    public Map<String, String> given() { return given; }

    @Override public String toString() { return given.toString(); }
}
