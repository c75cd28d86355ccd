"""NDArray.api.<Op>(inputs..., out=None, **params): MXNet's imperative operator functions (mx.nd.<op>),
generated from the operator registry. Each call runs the operator once, in inference mode, on the
given arrays and returns a new NDArray (a list for operators with several visible outputs), or the
out= array(s) it wrote. Every input must be given, auxiliary states included (BatchNorm's moving
mean and variance); view operators (Reshape, Flatten, expand_dims) return a view sharing memory.
"""
from . import _jvm
from .base import unwrap
from .ndarray import NDArray
from .opapi import bind_positional, public_operators
from .symbol import _param

_JImperative = _jvm.jpype.JClass("org.pysym.ndarray.Imperative")


class _Api:
    """NDArray.api.<Op> for every public operator name and alias in the registry."""

    def __init__(self):
        for op_name, jop in public_operators():
            setattr(self, op_name, _make_nd_fn(op_name, jop))

    def __getattr__(self, name):
        raise AttributeError(f"NDArray.api has no operator '{name}'")


def _make_nd_fn(op_name, jop):
    """Positional arguments: the inputs, then the parameters in declaration order (as Symbol.api and
    MXNet's generated nd functions); inputs may also be given by name, out= takes the result(s)."""
    def fn(*args, out=None, name=None, **kwargs):
        inputs, _ = bind_positional(op_name, jop, args, kwargs, lambda v: v is None or isinstance(unwrap(v), NDArray))
        named, params = {}, {}
        for key, value in kwargs.items():
            v = unwrap(value)
            if isinstance(v, NDArray):
                named[key] = v._j
            elif v is not None:
                params[key] = _param(v)
        for i, v in enumerate(inputs):
            v = unwrap(v)
            if v is not None and not isinstance(v, NDArray):
                raise _jvm.PysymError(f"input {i} of {op_name} must be an NDArray or None, got {type(v).__name__}")
            inputs[i] = None if v is None else v._j
        outs = None
        if out is not None:
            outs = [o._j for o in (out if isinstance(out, (list, tuple)) else [out])]
        res = _JImperative.invokeNamed(op_name, _jvm.jmap(params), None if outs is None else _jvm.jlist(outs),
                                       _jvm.jlist(inputs), _jvm.jmap(named))
        if out is not None:
            return out
        res = [NDArray(j) for j in res]
        return res[0] if len(res) == 1 else res
    fn.__name__ = op_name
    fn.__qualname__ = f"NDArray.api.{op_name}"
    fn.__doc__ = str(jop.fullDoc())
    return fn


api = _Api()
