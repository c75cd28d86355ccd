"""Data iterators: MXNet Scala's DataDesc, DataBatch, DataIter, NDArrayIter, PrefetchingIter, ResizeIter
and IO.MNISTIter / IO.CSVIter, over the Java core (org.pysym.train.data).

    it = NDArrayIter(x, y, dataBatchSize=32, shuffle=True, lastBatchHandle="roll_over")
    for batch in it:               # one epoch; it.reset() starts the next
        batch.data[0], batch.label[0], batch.pad

Memory: an iterator owns its batch buffers and reuses them; a batch it returns is valid until the
iterator fills the same buffers again (pysym's iterators alternate two sets, so at least until the
next-but-one next()); copy what you keep. dispose() (or a ``with`` block) releases the buffers and the
iterator's reference to its data. NumPy inputs are copied once, as float32, when the iterator is built.

A Python class can be an iterator too: subclass DataIter, implement reset(), hasNext, next() (or
getData/getLabel/getIndex/getPad), batchSize, provideDataDesc and provideLabelDesc; Java code
(PrefetchingIter, Module) then uses it through a proxy.
"""
import numbers

import jpype
import numpy as np

from . import _jvm
from .base import Shape, java_dtype
from .ndarray import NDArray

_PKG = "org.pysym.train.data."
_JDataDesc = jpype.JClass(_PKG + "DataDesc")
_JDataBatch = jpype.JClass(_PKG + "DataBatch")
_JNDArrayIter = jpype.JClass(_PKG + "NDArrayIter")
_JPrefetchingIter = jpype.JClass(_PKG + "PrefetchingIter")
_JResizeIter = jpype.JClass(_PKG + "ResizeIter")
_JIO = jpype.JClass(_PKG + "IO")
_JEntry = jpype.JClass("java.util.AbstractMap.SimpleImmutableEntry")
_NoSuchElement = jpype.JClass("java.util.NoSuchElementException")


class Layout:
    """MXNet's layout names; UNDEFINED (the DataDesc default) means the batch axis is 0."""
    UNDEFINED = "__undefined__"
    NCHW = "NCHW"
    NTC = "NTC"
    NT = "NT"
    N = "N"


class DataDesc:
    """Name, shape, dtype (float32 by default) and layout (Layout.UNDEFINED by default) of one input,
    as MXNet Scala's DataDesc; prints as DataDesc[data,(32,784),float32,__undefined__]."""
    __slots__ = ("_j",)

    def __init__(self, name, shape, dtype=None, layout=Layout.UNDEFINED):
        self._j = _JDataDesc(str(name), Shape.of(shape)._java(), java_dtype(dtype), layout)

    @staticmethod
    def _wrap(j):
        d = DataDesc.__new__(DataDesc)
        d._j = j
        return d

    @property
    def name(self):
        return str(self._j.name())

    @property
    def shape(self):
        return Shape.of(self._j.shape())

    @property
    def dtype(self):
        return self._j.dtype()

    @property
    def layout(self):
        return str(self._j.layout())

    @staticmethod
    def getBatchAxis(layout=None):
        """The position of 'N' in layout; 0 for None or Layout.UNDEFINED."""
        return int(_JDataDesc.getBatchAxis(layout))

    def __eq__(self, other):
        return isinstance(other, DataDesc) and bool(self._j.equals(other._j))

    def __hash__(self):
        return int(self._j.hashCode())

    def __repr__(self):
        return str(self._j.toString())


def _descs(jlist):
    return None if jlist is None else [DataDesc._wrap(d) for d in jlist]


def _shape_map(descs):
    return None if descs is None else {d.name: d.shape for d in descs}


def _as_ndarray(x, temps):
    """An NDArray for x: NDArrays as they are, anything else copied in as float32 (as MXNet's io does)."""
    if isinstance(x, NDArray):
        return x
    a = NDArray.array(np.asarray(x, dtype=np.float32))
    temps.append(a)
    return a


class DataBatch:
    """One batch (MXNet Scala's DataBatch): data, label, index, pad, bucketKey, provideDataDesc.

    A batch built here owns its arrays (dispose() releases them; NumPy inputs are copied); a batch
    returned by an iterator borrows the iterator's buffers and dispose() leaves them alone."""
    __slots__ = ("_j",)

    def __init__(self, data, label=None, index=None, pad=0, bucketKey=None, provideDataDesc=None, provideLabelDesc=None):
        owned = []
        data_nd = [_as_ndarray(d, owned) for d in data]
        label_nd = [_as_ndarray(lab, owned) for lab in (label or [])]
        try:
            self._j = _JDataBatch(_jvm.jlist([a._j for a in data_nd]), _jvm.jlist([a._j for a in label_nd]),
                                  None if index is None else jpype.JArray(jpype.JLong)([int(i) for i in index]), int(pad),
                                  bucketKey, _desc_list(provideDataDesc), _desc_list(provideLabelDesc))
        except Exception:
            for a in owned:
                a.dispose()
            raise

    @staticmethod
    def _wrap(j):
        b = DataBatch.__new__(DataBatch)
        b._j = j
        return b

    @property
    def data(self):
        return [NDArray(a) for a in self._j.data()]

    @property
    def label(self):
        return [NDArray(a) for a in self._j.label()]

    @property
    def index(self):
        ix = self._j.index()
        return None if ix is None else [int(i) for i in ix]

    @property
    def pad(self):
        return int(self._j.pad())

    @property
    def bucketKey(self):
        return self._j.bucketKey()

    @property
    def provideDataDesc(self):
        return _descs(self._j.provideDataDesc())

    @property
    def provideLabelDesc(self):
        return _descs(self._j.provideLabelDesc())

    @property
    def provideData(self):
        return _shape_map(self.provideDataDesc)

    @property
    def provideLabel(self):
        return _shape_map(self.provideLabelDesc)

    def dispose(self):
        self._j.dispose()

    close = dispose

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.dispose()

    def __repr__(self):
        return str(self._j.toString())


def _desc_list(descs):
    return None if descs is None else _jvm.jlist([d._j for d in descs])


def _value(member):
    """A Scala def without parentheses may be written in Python as a property or as a method."""
    return member() if callable(member) else member


class DataIter:
    """The base of all iterators (MXNet Scala's DataIter). ``for batch in it`` walks one epoch.

    To write one in Python, subclass it and provide reset(), hasNext (a property), next() or the
    getData()/getLabel()/getIndex()/getPad() of the current batch, batchSize, provideDataDesc and
    provideLabelDesc (properties). Java consumers (PrefetchingIter, Module) accept such a class."""

    def reset(self):
        raise NotImplementedError(f"{type(self).__name__} must implement reset()")

    @property
    def hasNext(self):
        raise NotImplementedError(f"{type(self).__name__} must implement hasNext")

    def next(self):
        """The next batch (StopIteration at the end of the epoch). By default, as in Scala, the batch
        of getData(), getLabel(), getIndex() and getPad(): a subclass moving in next() calls this last."""
        return DataBatch(self.getData(), self.getLabel(), self.getIndex(), self.getPad())

    def getData(self):
        raise NotImplementedError(f"{type(self).__name__} must implement getData() or next()")

    def getLabel(self):
        raise NotImplementedError(f"{type(self).__name__} must implement getLabel() or next()")

    def getIndex(self):
        return None

    def getPad(self):
        return 0

    @property
    def batchSize(self):
        raise NotImplementedError(f"{type(self).__name__} must implement batchSize")

    @property
    def provideDataDesc(self):
        raise NotImplementedError(f"{type(self).__name__} must implement provideDataDesc")

    @property
    def provideLabelDesc(self):
        raise NotImplementedError(f"{type(self).__name__} must implement provideLabelDesc")

    @property
    def provideData(self):
        """name -> batch shape of the data."""
        return _shape_map(_value(self.provideDataDesc))

    @property
    def provideLabel(self):
        return _shape_map(_value(self.provideLabelDesc))

    @property
    def defaultBucketKey(self):
        return None

    def dispose(self):
        pass

    def close(self):
        self.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.dispose()

    def __iter__(self):
        return self

    def __next__(self):
        if not _value(self.hasNext):
            raise StopIteration
        return self.next()


class _JavaIter(DataIter):
    """A DataIter implemented by the Java core."""

    def __init__(self, j):
        self._j = j

    def reset(self):
        self._j.reset()

    @property
    def hasNext(self):
        return bool(self._j.hasNext())

    def next(self):
        try:
            return DataBatch._wrap(self._j.next())
        except _NoSuchElement:
            raise StopIteration from None

    def getData(self):
        return [NDArray(a) for a in self._j.getData()]

    def getLabel(self):
        return [NDArray(a) for a in self._j.getLabel()]

    def getIndex(self):
        ix = self._j.getIndex()
        return None if ix is None else [int(i) for i in ix]

    def getPad(self):
        return int(self._j.getPad())

    @property
    def batchSize(self):
        return int(self._j.batchSize())

    @property
    def provideDataDesc(self):
        return _descs(self._j.provideDataDesc())

    @property
    def provideLabelDesc(self):
        return _descs(self._j.provideLabelDesc())

    @property
    def defaultBucketKey(self):
        return self._j.defaultBucketKey()

    def dispose(self):
        self._j.dispose()

    def __repr__(self):
        return str(self._j.toString())


def _reported(method):
    """Java callers see a Python error as a PysymError naming the iterator and the method (the
    exception JPype would pass on carries no message)."""
    def call(self, *args):
        try:
            return method(self, *args)
        except (_NoSuchElement, _jvm.PysymError):
            raise
        except Exception as e:
            raise _jvm.PysymError(f"{type(self._it).__name__}.{method.__name__}: {type(e).__name__}: {e}") from e
    call.__name__ = method.__name__
    return call


@jpype.JImplements(_PKG + "DataIter")
class _PythonIterProxy:
    """Presents a Python DataIter to Java code as an org.pysym.train.data.DataIter."""

    def __init__(self, it):
        self._it = it
        self._last = None

    def _overrides(self, name):
        return getattr(type(self._it), name, None) is not getattr(DataIter, name, None)

    @jpype.JOverride
    @_reported
    def reset(self):
        self._it.reset()

    @jpype.JOverride
    @_reported
    def batchSize(self):
        return int(_value(self._it.batchSize))

    @jpype.JOverride
    @_reported
    def hasNext(self):
        return bool(_value(self._it.hasNext))

    @jpype.JOverride
    @_reported
    def next(self):
        try:
            batch = self._it.next()
        except StopIteration:
            raise _NoSuchElement(f"{type(self._it).__name__}: no more batches in this epoch") from None
        if not isinstance(batch, DataBatch):
            raise _jvm.PysymError(f"{type(self._it).__name__}.next() returned {type(batch).__name__}, expected a pysym DataBatch")
        self._last = batch
        return batch._j

    def _current(self, getter):
        if self._overrides(getter):
            return getattr(self._it, getter)()
        if self._last is None:
            raise _jvm.PysymError(f"{type(self._it).__name__}: no current batch: call next() first")
        return getattr(self._last, {"getData": "data", "getLabel": "label", "getIndex": "index", "getPad": "pad"}[getter])

    @jpype.JOverride
    @_reported
    def getData(self):
        return _jvm.jlist([a._j for a in self._current("getData")])

    @jpype.JOverride
    @_reported
    def getLabel(self):
        return _jvm.jlist([a._j for a in self._current("getLabel")])

    @jpype.JOverride
    @_reported
    def getIndex(self):
        ix = self._current("getIndex")
        return None if ix is None else jpype.JArray(jpype.JLong)([int(i) for i in ix])

    @jpype.JOverride
    @_reported
    def getPad(self):
        return int(self._current("getPad"))

    @jpype.JOverride
    @_reported
    def provideDataDesc(self):
        return _desc_list(_value(self._it.provideDataDesc))

    @jpype.JOverride
    @_reported
    def provideLabelDesc(self):
        return _desc_list(_value(self._it.provideLabelDesc))

    @jpype.JOverride
    @_reported
    def dispose(self):
        self._it.dispose()


def java_iter(it):
    """The Java DataIter behind a pysym iterator, or a proxy presenting a Python DataIter to Java."""
    if isinstance(it, _JavaIter):
        return it._j
    if isinstance(it, DataIter):
        return _PythonIterProxy(it)
    raise _jvm.PysymError(f"expected a DataIter, got {type(it).__name__}")


def _is_array(x):
    return isinstance(x, (NDArray, np.ndarray))


def _named_arrays(data, name, temps, what):
    """(DataDesc, NDArray) pairs from an array, a dict name -> array, a list of arrays (named
    name_0, name_1, ... as in MXNet Scala) or a list of (DataDesc, array) pairs."""
    if data is None:
        return []
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, (list, tuple)) and data and all(isinstance(d, tuple) and len(d) == 2 and isinstance(d[0], DataDesc) for d in data):
        items = list(data)
    elif isinstance(data, (list, tuple)) and data and all(_is_array(d) for d in data):
        items = [(name if len(data) == 1 else f"{name}_{i}", d) for i, d in enumerate(data)]
    elif isinstance(data, (list, tuple)) and not data:
        return []
    else:
        items = [(name, data)]
    pairs = []
    for key, value in items:
        if value is None or isinstance(value, (str, bytes, numbers.Number)):
            raise _jvm.PysymError(f"NDArrayIter: {what} '{key if not isinstance(key, DataDesc) else key.name}' must be an array, got {value!r}")
        a = _as_ndarray(value, temps)
        desc = key if isinstance(key, DataDesc) else DataDesc(key, a.shape, a.dtype)
        pairs.append(_JEntry(desc._j, a._j))
    return pairs


class NDArrayIter(_JavaIter):
    """Batches over arrays in memory (MXNet's io.NDArrayIter), along axis 0.

    data / label: an NDArray or NumPy array, a list of them (named dataName_0, dataName_1, ...), a
    dict name -> array (in its order), or a list of (DataDesc, array) pairs. lastBatchHandle:
    "pad", "discard" or "roll_over", with MXNet 1.9.1's batches and pads. getIndex() gives the
    source row of each batch row."""

    def __init__(self, data, label=None, dataBatchSize=1, shuffle=False, lastBatchHandle="pad",
                 dataName="data", labelName="label"):
        temps = []
        try:
            d = _named_arrays(data, dataName, temps, "data")
            if not d:
                raise _jvm.PysymError("NDArrayIter: data must hold at least one array")
            lab = _named_arrays(label, labelName, temps, "label")
            super().__init__(_JNDArrayIter(_jvm.jlist(d), _jvm.jlist(lab), int(dataBatchSize), bool(shuffle), str(lastBatchHandle)))
        finally:
            for t in temps:   # the iterator holds its own reference to each array
                t.dispose()

    @property
    def lastBatchHandle(self):
        return str(self._j.lastBatchHandle())

    def hardReset(self):
        """Starts over without carrying rolled-over rows; reshuffles when shuffling."""
        self._j.hardReset()

    class Builder:
        """MXNet's NDArrayIter.Builder (plus setShuffle)."""

        def __init__(self):
            self._data = []
            self._label = []
            self._batchSize = 1
            self._shuffle = False
            self._lastBatchHandle = "pad"

        def addData(self, name, data):
            self._data.append((name, data))
            return self

        def addLabel(self, name, label):
            self._label.append((name, label))
            return self

        def addDataWithDesc(self, desc, data):
            self._data.append((desc, data))
            return self

        def addLabelWithDesc(self, desc, label):
            self._label.append((desc, label))
            return self

        def setBatchSize(self, batchSize):
            self._batchSize = batchSize
            return self

        def setShuffle(self, shuffle):
            self._shuffle = shuffle
            return self

        def setLastBatchHandle(self, lastBatchHandle):
            self._lastBatchHandle = lastBatchHandle
            return self

        def build(self):
            def pairs(items):
                out = []
                for key, value in items:
                    if isinstance(key, DataDesc):
                        out.append((key, value))
                    else:
                        nd = value if isinstance(value, NDArray) else None
                        shape = nd.shape if nd is not None else np.shape(value)
                        out.append((DataDesc(key, shape, nd.dtype if nd is not None else None), value))
                return out
            return NDArrayIter(pairs(self._data) or None, pairs(self._label), self._batchSize, self._shuffle, self._lastBatchHandle)


class PrefetchingIter(_JavaIter):
    """Fetches the next batch of one or more iterators on background threads (MXNet's
    PrefetchingIter); dataNames / labelNames: None or one dict per iterator renaming its inputs.
    Batches are the inner iterators' own, with no copy. dispose() stops the threads; the inner
    iterators stay yours to dispose."""

    def __init__(self, iters, dataNames=None, labelNames=None):
        iters = list(iters) if isinstance(iters, (list, tuple)) else [iters]
        self._inner = iters   # keeps Python iterators (and their proxies' targets) alive
        renames = [None if n is None else [_jvm.jmap(m) if m is not None else None for m in n] for n in (dataNames, labelNames)]
        super().__init__(_JPrefetchingIter(_jvm.jlist([java_iter(i) for i in iters]),
                                           None if renames[0] is None else _jvm.jlist(renames[0]),
                                           None if renames[1] is None else _jvm.jlist(renames[1])))

    @property
    def threadsAlive(self):
        return bool(self._j.threadsAlive())


class ResizeIter(_JavaIter):
    """An epoch of reSize batches out of another iterator (MXNet's ResizeIter), resetting it when it
    runs out; resetInternal: reset() resets the inner iterator too. The inner iterator stays yours."""

    def __init__(self, dataIter, reSize, resetInternal=True):
        self._inner = dataIter
        super().__init__(_JResizeIter(java_iter(dataIter), int(reSize), bool(resetInternal)))


def _params(params, kwargs):
    merged = dict(params or {})
    merged.update(kwargs)
    return _jvm.jmap({str(k): (("1" if v else "0") if isinstance(v, bool) else str(v)) for k, v in merged.items()})


class IO:
    """MXNet Scala's IO: IO.MNISTIter({"image": ..., "label": ..., "batch_size": "64"}) with MXNet's string
    parameters (keywords work too: IO.MNISTIter(image=..., batch_size=64))."""

    @staticmethod
    def MNISTIter(params=None, **kwargs):
        return _JavaIter(_JIO.MNISTIter(_params(params, kwargs)))

    @staticmethod
    def CSVIter(params=None, **kwargs):
        return _JavaIter(_JIO.CSVIter(_params(params, kwargs)))

    @staticmethod
    def createIterator(iterName, params=None, **kwargs):
        return _JavaIter(_JIO.createIterator(str(iterName), _params(params, kwargs)))


MNISTIter = IO.MNISTIter
CSVIter = IO.CSVIter


def seed(seedState):
    """Restarts the random streams that shuffle data (Random.seed calls this)."""
    jpype.JClass(_PKG + "DataRandom").seed(int(seedState))


__all__ = ["CSVIter", "DataBatch", "DataDesc", "DataIter", "IO", "Layout", "MNISTIter", "NDArrayIter", "PrefetchingIter",
           "ResizeIter", "java_iter"]
