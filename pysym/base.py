"""Shape, Context, DType and Some: the small value types of the Scala API."""
from . import _jvm

DType = _jvm.JDType
"""MXNet's dtypes: DType.Float32 (prints float32), Float64, Float16, UInt8, Int32, Int8, Int64."""


class Shape:
    """An immutable shape, printed as MXNet Scala prints it: Shape(2, 3) -> (2,3).
    len() is the rank (Scala's Shape.size); product is the element count."""
    __slots__ = ("_dims",)

    def __init__(self, *dims):
        if len(dims) == 1 and not isinstance(dims[0], int):
            dims = tuple(dims[0])
        for d in dims:
            if not isinstance(d, int) or isinstance(d, bool) or d < 0:
                raise _jvm.PysymError(f"Shape dimensions must be non-negative ints, got {dims!r}")
        self._dims = tuple(int(d) for d in dims)

    @staticmethod
    def of(value):
        """A Shape from a Shape, a tuple/list of ints, an int, or a Java Shape."""
        if value is None or isinstance(value, Shape):
            return value
        if isinstance(value, int):
            return Shape(value)
        if isinstance(value, _jvm.JShape):
            return Shape(*[int(d) for d in value.toArray()])
        return Shape(*value)

    def _java(self):
        return _jvm.JShape.of(_jvm.jpype.JArray(_jvm.JInt)(self._dims))

    def __len__(self):
        return len(self._dims)

    def __iter__(self):
        return iter(self._dims)

    def __getitem__(self, i):
        return self._dims[i]

    def __eq__(self, other):
        if isinstance(other, Shape):
            return self._dims == other._dims
        if isinstance(other, (tuple, list)):
            return self._dims == tuple(other)
        return NotImplemented

    def __hash__(self):
        return hash(self._dims)

    @property
    def product(self):
        n = 1
        for d in self._dims:
            n *= d
        return n

    def size(self):
        """The rank, as MXNet Scala's Shape.size."""
        return len(self._dims)

    def toArray(self):
        return list(self._dims)

    def toTuple(self):
        return self._dims

    def __str__(self):
        return "(" + ",".join(str(d) for d in self._dims) + ")"

    __repr__ = __str__


class Context:
    """A device; only cpu exists. Context.cpu() prints cpu(0)."""
    __slots__ = ("deviceType", "deviceId")

    def __init__(self, deviceType="cpu", deviceId=0):
        _jvm.JContext(deviceType, deviceId)  # validates
        self.deviceType = deviceType
        self.deviceId = deviceId

    @staticmethod
    def cpu(deviceId=0):
        return Context("cpu", deviceId)

    @staticmethod
    def defaultCtx():
        return Context.cpu()

    def _java(self):
        return _jvm.JContext(self.deviceType, self.deviceId)

    def __eq__(self, other):
        return isinstance(other, Context) and (self.deviceType, self.deviceId) == (other.deviceType, other.deviceId)

    def __hash__(self):
        return hash((self.deviceType, self.deviceId))

    def __str__(self):
        return f"{self.deviceType}({self.deviceId})"

    __repr__ = __str__


class Disposable:
    """A Python face over a Java object that owns native memory: dispose()/close() release it,
    and a ``with`` block releases it on exit."""
    __slots__ = ()

    def dispose(self):
        self._j.dispose()

    def close(self):
        self._j.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._j.dispose()


class Some:
    """Scala's Some, so typed-API calls transliterate literally: Symbol.api.FullyConnected(Some(data), ...).
    Plain values and None are accepted wherever Some is."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value

    def __repr__(self):
        return f"Some({self.value!r})"


def unwrap(v):
    return v.value if isinstance(v, Some) else v


def java_dtype(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, _jvm.JDType):
        return dtype
    import numpy as np
    return _jvm.JDType.byName(np.dtype(dtype).name if not isinstance(dtype, str) else dtype)
