"""Starts the JVM once per process (never shuts it down: JPype cannot restart it) and gives
the Java core's classes. The native library is loaded by the Java core itself, from the path
passed here as -Dpysym.native.lib."""
import os

import jpype

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _path(env, *default, must_exist=True):
    p = os.environ.get(env) or os.path.join(_ROOT, *default)
    if must_exist and not os.path.exists(p):
        raise RuntimeError(f"pysym: {p} not found; build it with 'gradle build' in {_ROOT} or set {env}")
    return p


def start():
    if jpype.isJVMStarted():
        return
    # The JVM raises SIGSEGV on purpose (implicit null checks) and handles it; Python's faulthandler,
    # if enabled, would intercept those and abort the process.
    import faulthandler
    if faulthandler.is_enabled():
        faulthandler.disable()
    # libgomp, when left to itself here, parks its workers almost at once, so every kernel paid a
    # wake-up (MLP step 10.5 ms vs 7.1 ms measured); spin as long as libgomp's documented default.
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "300000")
    jar = _path("PYSYM_JAR", "jvm", "build", "libs", "pysym.jar")
    # the Java core loads it and reports a missing library with its path
    lib = _path("PYSYM_NATIVE_LIB", "jvm", "build", "native", "libpysym.so", must_exist=False)
    jpype.startJVM("-Xss4m", f"-Dpysym.native.lib={lib}", classpath=[jar], convertStrings=True)


start()
J = jpype.JPackage("org").pysym
JShape = jpype.JClass("org.pysym.op.Shape")
JDType = jpype.JClass("org.pysym.op.DType")
JNDArray = jpype.JClass("org.pysym.ndarray.NDArray")
JSymbol = jpype.JClass("org.pysym.graph.Symbol")
JExecutor = jpype.JClass("org.pysym.exec.Executor")
JContext = jpype.JClass("org.pysym.Context")
JOpRegistry = jpype.JClass("org.pysym.op.OpRegistry")
JNameManager = jpype.JClass("org.pysym.graph.NameManager")
JTracking = jpype.JClass("org.pysym.memory.TrackingAllocator")
PysymError = jpype.JClass("org.pysym.PysymError")
HashMap = jpype.JClass("java.util.LinkedHashMap")
ArrayList = jpype.JClass("java.util.ArrayList")
JInt = jpype.JInt
JDouble = jpype.JDouble


def jlist(items):
    out = ArrayList()
    for x in items:
        out.add(x)
    return out


def jmap(d):
    out = HashMap()
    for k, v in d.items():
        out.put(k, v)
    return out
