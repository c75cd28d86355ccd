package org.pysym.nativeio;

import java.nio.ByteBuffer;

/**
 * The only class with native methods: the whole JNI surface. Arguments are validated by the
 * callers (memory, exec) before they get here; native code never calls back into the JVM.
 */
public final class NativeLib {
    private NativeLib() {}

    /** 64-byte aligned native memory, or 0 if the allocation failed. */
    static native long alloc(long bytes);
    static native void free(long address);
    /** A direct ByteBuffer over native memory (JNI NewDirectByteBuffer); no copy. */
    static native ByteBuffer wrap(long address, long bytes);
    static native void copy(long dst, long src, long bytes);
    static native String[] kernelNames();
    /** Checks the plan's header and tables against its buffer size; 0 if sound. */
    static native int checkPlan(long plan, long bytes);
    /** Runs instructions [begin, end) of a checked plan; 0, or -1 with lastError() set. */
    static native int runPlan(long plan, long begin, long end, boolean isTrain);
    static native void releasePlanState(long plan);
    static native String lastError();
    static native int setThreads(int n);
    static native void setProfiling(boolean on);
    static native String profileReport();
}
