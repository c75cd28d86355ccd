"""pysym: MXNet's Symbol/Executor API on a maintained engine (Java core, C kernels).

    from pysym import Symbol, NDArray, Shape, Context
    A = Symbol.Variable("A"); B = Symbol.Variable("B")
    ex = (A * B).bind(Context.cpu(), {"A": NDArray.ones(2) * 3, "B": NDArray.ones(2)})
    ex.forward(); ex.outputs[0].toArray()   # -> [3. 3.]
"""
from . import _jvm
from .base import Context, DType, Shape, Some
from .executor import Executor
from .ndarray import NDArray
from .symbol import Symbol
from . import ndfile
from .model import Model
from .random import Random
from . import io
from .io import IO, DataBatch, DataDesc, DataIter, Layout
from . import viz
from .viz import Visualization

# MXNet's NDArray.save / NDArray.load (binary NDArray-list format, as .params files use)
NDArray.save = staticmethod(ndfile.save)
NDArray.load = staticmethod(ndfile.load)

PysymError = _jvm.PysymError
MXNetError = PysymError


def liveBytes():
    """Native bytes currently allocated by pysym (arrays, plans, pools); 0 when all is released."""
    return int(_jvm.JTracking.liveBytes())


def resetNames():
    """Restarts MXNet-style auto-naming counters (fullyconnected0, _plus0, ...)."""
    _jvm.JNameManager.reset()


__all__ = ["Context", "DataBatch", "DataDesc", "DataIter", "DType", "Executor", "IO", "Layout", "MXNetError", "Model", "Random",
           "NDArray", "PysymError", "Shape", "Some", "Symbol", "Visualization", "io", "liveBytes", "resetNames"]


def profile(on=True):
    """Per-kernel native timing, for benchmarks: profile(True) resets and starts it; profile(False)
    stops it and returns {kernel: (calls, milliseconds)}."""
    native = _jvm.jpype.JClass("org.pysym.nativeio.Native")
    report = str(native.profileReport())
    native.setProfiling(bool(on))
    out = {}
    for line in report.splitlines():
        name, calls, ns = line.split()
        out[name] = (int(calls), float(ns) / 1e6)
    return out
NDArray.api = __import__("pysym.nd_api", fromlist=["api"]).api
