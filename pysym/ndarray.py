"""NDArray: a Python face over the Java NDArray in native memory.

Memory: each NDArray owns one reference to its native buffer; dispose()/close() (or leaving a
``with`` block) releases it, and a Java Cleaner does so as a backstop. ``np.asarray(nd)`` is a
zero-copy view that holds its own lease on the memory, so disposing the NDArray while the view
lives never frees memory under the view.
"""
import numbers

import numpy as np

from . import _jvm
from .base import Context, Disposable, Shape, java_dtype

_TYPESTR = {"float32": "<f4", "float64": "<f8", "float16": "<f2", "uint8": "|u1",
            "int32": "<i4", "int8": "|i1", "int64": "<i8"}


def _shape_arg(shape):
    if len(shape) == 1:
        shape = shape[0]
    s = Shape.of(shape)
    if s is None:
        raise _jvm.PysymError("an NDArray shape is required")
    return s


class _Lease:
    """Owns a Java lease on an NDArray's memory; NumPy views keep it as their base."""
    __slots__ = ("_lease", "__array_interface__")

    def __init__(self, nd):
        j = nd._j
        self._lease = j.lease()
        self.__array_interface__ = {
            "shape": tuple(int(d) for d in j.shape().toArray()),
            "typestr": _TYPESTR[str(j.dtype())],
            "data": (int(self._lease.address()), False),
            "version": 3,
        }

    def __del__(self):
        try:
            self._lease.close()
        except Exception:  # the JVM may already be gone at interpreter exit
            pass


class NDArray(Disposable):
    """A dense array in 64-byte aligned native memory (float32 kernels so far)."""
    __slots__ = ("_j", "__weakref__")

    def __init__(self, j):
        self._j = j

    # ---- creation (copies unless stated) ---------------------------------------------------
    @staticmethod
    def empty(*shape, ctx=None, dtype=None):
        """Uninitialised array: NDArray.empty(2, 3), NDArray.empty((2, 3)) or NDArray.empty(Shape(2, 3))."""
        return NDArray(_jvm.JNDArray.empty(_shape_arg(shape)._java(), _ctx(ctx), java_dtype(dtype)))

    @staticmethod
    def zeros(*shape, ctx=None, dtype=None):
        return NDArray(_jvm.JNDArray.zeros(_shape_arg(shape)._java(), _ctx(ctx), java_dtype(dtype)))

    @staticmethod
    def ones(*shape, ctx=None, dtype=None):
        return NDArray(_jvm.JNDArray.ones(_shape_arg(shape)._java(), _ctx(ctx), java_dtype(dtype)))

    @staticmethod
    def full(shape, value, ctx=None, dtype=None):
        return NDArray(_jvm.JNDArray.full(_shape_arg((shape,))._java(), float(value), _ctx(ctx), java_dtype(dtype)))

    @staticmethod
    def array(source, shape=None, ctx=None, dtype=None):
        """Copies a Python list or NumPy array (never borrows: the NDArray owns its memory).
        float32 unless dtype is given; a flat source can be given a shape, as in Scala."""
        src = np.asarray(source, dtype=np.dtype(dtype) if dtype is not None else np.float32)
        if shape is not None:
            s = Shape.of(shape)
            if src.size != s.product:
                raise _jvm.PysymError(f"array: {src.size} values do not fill shape {s} ({s.product} elements)")
            src = src.reshape(s.toTuple())
        out = NDArray.empty(Shape(*src.shape), ctx=ctx, dtype=src.dtype)
        np.asarray(out)[...] = src
        return out

    @staticmethod
    def arange(start, stop=None, step=1.0, repeat=1, ctx=None, dtype=None):
        return NDArray(_jvm.JNDArray.arange(float(start), None if stop is None else _jvm.jpype.JObject(float(stop), _jvm.jpype.JClass("java.lang.Double")),
                                            float(step), int(repeat), _ctx(ctx), java_dtype(dtype)))

    # ---- properties --------------------------------------------------------------------------
    @property
    def shape(self):
        return Shape.of(self._j.shape())

    @property
    def size(self):
        return int(self._j.size())

    @property
    def dtype(self):
        return self._j.dtype()

    @property
    def context(self):
        c = self._j.context()
        return Context(str(c.deviceType()), int(c.deviceId()))

    @property
    def isDisposed(self):
        return bool(self._j.isDisposed())

    # ---- NumPy bridge --------------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        view = np.asarray(_Lease(self))
        if copy:
            view = view.copy()
        return view if dtype is None else view.astype(dtype, copy=False)

    def asnumpy(self):
        """A NumPy copy with this array's shape."""
        return np.array(np.asarray(self), copy=True)

    def toArray(self):
        """The values flattened to a float32 NumPy array (a copy), as Scala's toArray."""
        return np.asarray(self).astype(np.float32).reshape(-1)

    def toScalar(self):
        return float(self._j.toScalar())

    # ---- contents ----------------------------------------------------------------------------
    def set(self, value):
        """Sets every element to a scalar, or copies an NDArray / list / NumPy array in."""
        if isinstance(value, NDArray):
            self._j.set(value._j)
        elif isinstance(value, numbers.Number):
            self._j.set(float(value))
        else:
            src = np.asarray(value)
            if src.size != self.size:
                raise _jvm.PysymError(f"set: got {src.size} values for an NDArray of shape {self.shape} ({self.size} elements)")
            np.asarray(self)[...] = src.reshape(self.shape.toTuple())
        return self

    def __setitem__(self, key, value):
        if key == slice(None) or key is Ellipsis:
            self.set(value)
        else:
            np.asarray(self)[key] = value.asnumpy() if isinstance(value, NDArray) else value

    def copyTo(self, other):
        if isinstance(other, Context):
            return NDArray(self._j.copy())
        self._j.copyTo(other._j)
        return other

    def copy(self):
        return NDArray(self._j.copy())

    # ---- views ------------------------------------------------------------------------------
    def reshape(self, *shape):
        """A view (shared memory); MXNet's codes 0, -1, -2, -3, -4 are allowed."""
        dims = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return NDArray(self._j.reshape(_jvm.jpype.JArray(_jvm.JInt)([int(d) for d in dims])))

    def slice(self, start, stop=None):
        """Rows [start, stop) along the first axis, sharing memory; slice(i) keeps the axis."""
        return NDArray(self._j.slice(int(start), int(start + 1 if stop is None else stop)))

    def at(self, i):
        return NDArray(self._j.at(int(i)))

    def __getitem__(self, key):
        if isinstance(key, int):
            n = self.shape[0]
            return self.at(key + n if key < 0 else key)
        if isinstance(key, slice):
            start, stop, step = key.indices(self.shape[0])
            if step != 1:
                raise _jvm.PysymError("NDArray slicing supports step 1 only")
            return self.slice(start, max(start, stop))
        raise _jvm.PysymError(f"NDArray index must be an int or a slice of the first axis, got {key!r}")

    # ---- arithmetic (element-wise; NDArray operands must have equal shapes) ---------------------
    def _bin(self, other, name, rname=None):
        if isinstance(other, NDArray):
            return NDArray(getattr(self._j, name)(other._j))
        if isinstance(other, numbers.Number):
            return NDArray(getattr(self._j, rname or name)(float(other)))
        return NotImplemented

    def __add__(self, o): return self._bin(o, "plus")
    def __radd__(self, o): return self._bin(o, "plus")
    def __sub__(self, o): return self._bin(o, "minus")
    def __rsub__(self, o): return self._bin(o, None, "rminus")
    def __mul__(self, o): return self._bin(o, "mul")
    def __rmul__(self, o): return self._bin(o, "mul")
    def __truediv__(self, o): return self._bin(o, "div")
    def __rtruediv__(self, o): return self._bin(o, None, "rdiv")
    def __pow__(self, o): return self._bin(o, "pow")
    def __rpow__(self, o): return self._bin(o, None, "rpow")
    def __neg__(self): return NDArray(self._j.negate())

    def _inplace(self, other, name):
        if isinstance(other, NDArray):
            getattr(self._j, name)(other._j)
        elif isinstance(other, numbers.Number):
            getattr(self._j, name)(float(other))
        else:
            return NotImplemented
        return self

    def __iadd__(self, o): return self._inplace(o, "plusInPlace")
    def __isub__(self, o): return self._inplace(o, "minusInPlace")
    def __imul__(self, o): return self._inplace(o, "mulInPlace")
    def __itruediv__(self, o): return self._inplace(o, "divInPlace")
    def __ipow__(self, o): return self._inplace(o, "powInPlace")

    @staticmethod
    def maximum(a, b):
        return a._bin(b, "maximum") if isinstance(a, NDArray) else b._bin(a, "maximum")

    @staticmethod
    def minimum(a, b):
        return a._bin(b, "minimum") if isinstance(a, NDArray) else b._bin(a, "minimum")

    def __eq__(self, other):
        """Same shape and values, as Scala's NDArray.equals."""
        if not isinstance(other, NDArray):
            return NotImplemented
        return self.shape == other.shape and bool(np.array_equal(np.asarray(self), np.asarray(other)))

    __hash__ = object.__hash__

    def __repr__(self):
        return str(self._j.toString())

    __str__ = __repr__


def _ctx(ctx):
    return None if ctx is None else ctx._java()


for _op in ("exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid", "relu"):
    def _unary(self, _name=_op):
        return NDArray(self._j.apply(_name))
    _unary.__name__ = _op
    _unary.__doc__ = f"Element-wise {_op}, a new array."
    setattr(NDArray, _op, _unary)
