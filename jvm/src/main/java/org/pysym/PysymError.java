package org.pysym;

/** The one exception type pysym raises for bad input or a failed native call; Python sees it as pysym.PysymError. */
public class PysymError extends RuntimeException {
    public PysymError(String message) { super(message); }

    public static PysymError format(String fmt, Object... args) { return new PysymError(String.format(fmt, args)); }

    public static void require(boolean ok, String fmt, Object... args) {
        if (!ok) throw format(fmt, args);
    }
}
