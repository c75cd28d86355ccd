"""Test cases for the reduction family (ops/Reduce.java)."""
import numpy as np

from cases import ANY, Case, away_from_zero


def reduce_ref(fn):
    """A NumPy reduction with MXNet's axis/keepdims/exclude rules; everything reduced gives shape (1,)."""
    def ref(x, axis=None, keepdims=False, exclude=False):
        if axis is None:
            axes = tuple(range(x.ndim))
        else:
            axes = tuple(a % x.ndim for a in np.atleast_1d(axis))
            if exclude:
                axes = tuple(a for a in range(x.ndim) if a not in axes)
        out = fn(x, axis=axes, keepdims=keepdims)
        return out.reshape(1) if np.ndim(out) == 0 else out
    return ref


def distinct(rng, shape):
    """Values far apart, so max/min and their finite differences are unambiguous."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.25 - n * 0.125).astype(np.float32)


def l2_channel(x, eps=1e-10, mode="channel"):
    return x / np.sqrt(np.sum(x * x, axis=1, keepdims=True) + eps)


def instance_norm(x, gamma, beta, eps=1e-3):
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    bshape = (1, -1) + (1,) * (x.ndim - 2)
    return gamma.reshape(bshape) * (x - mean) / np.sqrt(var + eps) + beta.reshape(bshape)


D3 = [(2, 3, 4)]

CASES = {
    "sum": Case(reduce_ref(np.sum), [ANY], {"axis": (0, 2), "keepdims": True}, shapes=D3),
    "mean": Case(reduce_ref(np.mean), [ANY], {"axis": 1, "exclude": True}, shapes=D3),
    "max": Case(reduce_ref(np.max), [distinct], {"axis": 1}, shapes=D3),
    "min": Case(reduce_ref(np.min), [distinct], {"axis": -1}, shapes=D3),
    "prod": Case(reduce_ref(np.prod), [away_from_zero], {"axis": 1}, shapes=D3),
    "argmax": Case(lambda x, axis: np.argmax(x, axis=axis).astype(np.float32), [ANY], {"axis": 1}, shapes=D3,
                   differentiable=False),
    "argmin": Case(lambda x, axis, keepdims: np.expand_dims(np.argmin(x, axis=axis), axis).astype(np.float32), [ANY],
                   {"axis": 0, "keepdims": True}, shapes=D3, differentiable=False),
    "L2Normalization": Case(l2_channel, [ANY], {"mode": "channel"}, shapes=[(2, 3, 2, 2)]),
    "InstanceNorm": Case(instance_norm, [ANY, ANY, ANY], {"eps": 0.01}, shapes=[(2, 3, 5), (3,), (3,)]),
}
