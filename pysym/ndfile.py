"""MXNet's binary NDArray-list files (.params): save, load and checkpoint parameters.

The format is MXNet 1.9.1's (``mx.nd.save`` / ``mx.nd.load``), so files written here load in
MXNet and files MXNet wrote load here. Loaded arrays are new NDArrays on cpu(0) that the caller
owns. The Java side is org.pysym.format.NDArrayFile.
"""
import os

from . import _jvm
from .ndarray import NDArray

_JFile = _jvm.jpype.JClass("org.pysym.format.NDArrayFile")


def _path(fname):
    if isinstance(fname, os.PathLike):
        fname = os.fspath(fname)
    if not isinstance(fname, str):
        raise TypeError(f"fname required to be a string or path, got {type(fname).__name__}")
    return fname


def _java_array(v, what):
    if not isinstance(v, NDArray):
        raise TypeError(f"save only accepts a dict of str -> NDArray or a list of NDArrays: {what} is {type(v).__name__}")
    return v._j


def save(fname, data):
    """Saves an NDArray, a list of NDArrays (loads back as a list) or a dict {str: NDArray}
    (loads back as a dict, in the dict's order), as ``mx.nd.save`` does."""
    fname = _path(fname)
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        for k in data:
            if not isinstance(k, str):
                raise TypeError(f"save only accepts a dict of str -> NDArray: key {k!r} is {type(k).__name__}")
        names = list(data.keys())
        arrays = [_java_array(v, f"value for {k!r}") for k, v in data.items()]
    elif isinstance(data, (list, tuple)):
        names = []
        arrays = [_java_array(v, f"item {i}") for i, v in enumerate(data)]
    else:
        raise TypeError("data needs to either be a NDArray, dict of str, NDArray pairs or a list of NDArrays, "
                        f"got {type(data).__name__}")
    _JFile.save(fname, _jvm.jlist(names), _jvm.jlist(arrays))


def _unpack(contents):
    names = [str(n) for n in contents.names()]
    arrays = [NDArray(a) for a in contents.arrays()]
    if not names:
        return arrays
    out = {}
    for n, a in zip(names, arrays):
        old = out.get(n)
        if old is not None:   # a repeated name keeps its last array, as MXNet's dict does; free the shadowed one
            old.dispose()
        out[n] = a
    return out


def load(fname):
    """Loads a file written by ``save`` or by MXNet: a dict if the file has names, else a list."""
    return _unpack(_JFile.load(_path(fname)))


def load_frombuffer(buf):
    """Loads from a file's bytes (MXNet's ``mx.nd.load_frombuffer``): a dict if it has names, else a list."""
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise TypeError(f"buf required to be bytes, got {type(buf).__name__}")
    return _unpack(_JFile.load(_jvm.jpype.JArray(_jvm.jpype.JByte)(bytes(buf))))


def params_file(prefix, epoch):
    """The parameter file of a checkpoint: prefix-0007.params."""
    return str(_JFile.checkpointParamsPath(_path(prefix), int(epoch)))


def load_checkpoint_params(prefix, epoch):
    """Loads prefix-%04d.params and returns (arg_params, aux_params) with the "arg:"/"aux:"
    prefixes removed, as the parameter half of ``mx.model.load_checkpoint``."""
    cp = _JFile.loadCheckpointParams(_path(prefix), int(epoch))
    arg = {str(k): NDArray(v) for k, v in cp.argParams().items()}
    aux = {str(k): NDArray(v) for k, v in cp.auxParams().items()}
    return arg, aux


def save_checkpoint_params(prefix, epoch, arg_params, aux_params=None):
    """Writes prefix-%04d.params with "arg:" and "aux:" names, as ``mx.model.save_checkpoint`` does."""
    data = {}
    for kind, params in (("arg", arg_params), ("aux", aux_params)):
        for k, v in (params or {}).items():
            if not isinstance(k, str):
                raise TypeError(f"{kind} parameter names must be str, got {k!r}")
            data[f"{kind}:{k}"] = v
    save(params_file(prefix, epoch), data)


__all__ = ["load", "load_checkpoint_params", "load_frombuffer", "params_file", "save", "save_checkpoint_params"]
