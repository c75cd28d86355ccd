package org.pysym.nativeio;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.pysym.PysymError;

/**
 * Loads libpysym.so once, from a known path, and exposes the native calls with their checks.
 * Path: system property pysym.native.lib, else env PYSYM_NATIVE_LIB, else ../native/libpysym.so
 * beside the jar (the Gradle build layout).
 */
public final class Native {
    private Native() {}

    private static volatile boolean loaded;
    private static Map<String, Integer> kernelIds;

    public static void ensureLoaded() {
        if (loaded) return;
        synchronized (Native.class) {
            if (loaded) return;
            File lib = libraryPath();
            if (!lib.isFile())
                throw PysymError.format("pysym native library not found at %s (build it with 'gradle build', or set "
                        + "-Dpysym.native.lib or PYSYM_NATIVE_LIB to its path)", lib.getAbsolutePath());
            try {
                System.load(lib.getAbsolutePath());
            } catch (UnsatisfiedLinkError e) {
                throw PysymError.format("cannot load pysym native library %s: %s", lib.getAbsolutePath(), e.getMessage());
            }
            Map<String, Integer> ids = new HashMap<>();
            String[] names = NativeLib.kernelNames();
            for (int i = 0; i < names.length; i++) ids.put(names[i], i);
            kernelIds = ids;
            loaded = true;
        }
    }

    static File libraryPath() {
        String p = System.getProperty("pysym.native.lib");
        if (p == null || p.isEmpty()) p = System.getenv("PYSYM_NATIVE_LIB");
        if (p != null && !p.isEmpty()) return new File(p);
        try {
            File jar = new File(Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new File(jar.getParentFile().getParentFile(), "native/libpysym.so");
        } catch (Exception e) {
            return new File("libpysym.so");
        }
    }

    /** The kernel's index in the native table; an op naming a kernel the library lacks is an error. */
    public static int kernelId(String name) {
        ensureLoaded();
        Integer id = kernelIds.get(name);
        if (id == null) throw PysymError.format("native kernel '%s' is not in %s", name, libraryPath());
        return id;
    }

    public static long alloc(long bytes) {
        ensureLoaded();
        PysymError.require(bytes >= 0, "cannot allocate %d bytes", bytes);
        long address = NativeLib.alloc(bytes);
        if (address == 0) throw PysymError.format("out of native memory allocating %d bytes", bytes);
        return address;
    }

    public static void free(long address) { if (address != 0) NativeLib.free(address); }

    public static ByteBuffer wrap(long address, long bytes) {
        PysymError.require(address != 0 && bytes >= 0 && bytes <= Integer.MAX_VALUE,
                "cannot view %d bytes at 0x%x as a buffer", bytes, address);
        return NativeLib.wrap(address, bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static void copy(long dst, long src, long bytes) {
        PysymError.require(dst != 0 && src != 0 && bytes >= 0, "invalid native copy of %d bytes", bytes);
        if (bytes > 0) NativeLib.copy(dst, src, bytes);
    }

    public static void checkPlan(long plan, long bytes) {
        if (NativeLib.checkPlan(plan, bytes) != 0) throw new PysymError("invalid execution plan: " + NativeLib.lastError());
    }

    public static void runPlan(long plan, long begin, long end, boolean isTrain) {
        if (NativeLib.runPlan(plan, begin, end, isTrain) != 0) throw new PysymError(NativeLib.lastError());
    }

    public static void releasePlanState(long plan) { NativeLib.releasePlanState(plan); }

    /** Per-kernel timing for benchmarks; enabling resets the totals. */
    public static void setProfiling(boolean on) {
        ensureLoaded();
        NativeLib.setProfiling(on);
    }

    /** One "kernel calls nanoseconds" line per kernel run since profiling was enabled. */
    public static String profileReport() {
        ensureLoaded();
        return NativeLib.profileReport();
    }

    public static int setThreads(int n) {
        ensureLoaded();
        PysymError.require(n >= 0, "thread count must be >= 0 (0 = all cores), got %d", n);
        return NativeLib.setThreads(n);
    }
}
