package org.pysym.op;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pysym.PysymError;

/** All operators by MXNet name and alias. The catalogue (org.pysym.ops) fills it once, on first use. */
public final class OpRegistry {
    private final Map<String, OpDef> byName = new LinkedHashMap<>();
    private final List<OpDef> all = new ArrayList<>();
    private final Map<OpDef, String> families = new java.util.IdentityHashMap<>();
    private String currentFamily = "";

    private OpRegistry() {}

    private static final class Holder {
        static final OpRegistry INSTANCE = build();
    }

    private static OpRegistry build() {
        OpRegistry r = new OpRegistry();
        org.pysym.ops.Catalogue.registerAll(r);
        return r;
    }

    public static OpRegistry get() { return Holder.INSTANCE; }

    /** Registers a family's operators under its name (the API docs have one page per family). */
    public void family(String name, java.util.function.Consumer<OpRegistry> declarations) {
        currentFamily = name;
        declarations.accept(this);
        currentFamily = "";
    }

    public static String familyOf(OpDef op) { return get().families.get(op); }

    public void register(OpDef op) {
        for (String n : names(op))
            PysymError.require(!byName.containsKey(n), "operator name %s registered twice", n);
        for (String n : names(op)) byName.put(n, op);
        all.add(op);
        families.put(op, currentFamily);
    }

    private static List<String> names(OpDef op) {
        List<String> l = new ArrayList<>(op.aliases);
        l.add(0, op.name);
        return l;
    }

    public static OpDef op(String name) {
        OpDef op = get().byName.get(name);
        if (op == null) throw PysymError.format("Unknown operator '%s'", name);
        return op;
    }

    public static boolean has(String name) { return get().byName.containsKey(name); }

    public static List<OpDef> all() { return Collections.unmodifiableList(get().all); }
}
