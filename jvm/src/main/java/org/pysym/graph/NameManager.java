package org.pysym.graph;

import java.util.HashMap;
import java.util.Map;

/** Auto-names unnamed operators as MXNet does: lower-cased operator name plus a per-hint counter. */
public final class NameManager {
    private static final Map<String, Integer> counters = new HashMap<>();

    private NameManager() {}

    public static synchronized String next(String hint) {
        int n = counters.getOrDefault(hint, 0);
        counters.put(hint, n + 1);
        return hint + n;
    }

    /** Restarts every counter; for tests and REPL parity programs that need fresh names. */
    public static synchronized void reset() { counters.clear(); }
}
