"""Test cases for the neural-network family (ops/Nn.java): Convolution, Deconvolution, Pooling,
Activation, LeakyReLU, BatchNorm, Dropout, LRN. The references are plain NumPy loops."""
import math

import numpy as np

from cases import ANY, POS, Case, away_from_zero


def _tuple(v, nd, fill):
    return tuple(v) if v else (fill,) * nd


def conv_ref(data, weight, bias=None, kernel=None, stride=(), dilate=(), pad=(), num_group=1, **_):
    nd = len(kernel)
    stride, dilate, pad = _tuple(stride, nd, 1), _tuple(dilate, nd, 1), _tuple(pad, nd, 0)
    N, C = data.shape[:2]
    F = weight.shape[0]
    xp = np.pad(data, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    span = [dilate[i] * (kernel[i] - 1) + 1 for i in range(nd)]
    out_sp = [(xp.shape[2 + i] - span[i]) // stride[i] + 1 for i in range(nd)]
    out = np.zeros((N, F, *out_sp))
    cg, fg = C // num_group, F // num_group
    axes = list(range(1, nd + 2))
    for o in np.ndindex(*out_sp):
        win = tuple(slice(o[i] * stride[i], o[i] * stride[i] + span[i], dilate[i]) for i in range(nd))
        patch = xp[(slice(None), slice(None)) + win]
        for g in range(num_group):
            out[(slice(None), slice(g * fg, (g + 1) * fg)) + o] = np.tensordot(
                patch[:, g * cg:(g + 1) * cg], weight[g * fg:(g + 1) * fg], axes=(axes, axes))
    if bias is not None:
        out += bias.reshape((1, F) + (1,) * nd)
    return out


def deconv_ref(data, weight, bias=None, kernel=None, stride=(), dilate=(), pad=(), adj=(), num_filter=None,
               num_group=1, **_):
    """Transposed convolution: scatter every input pixel through the kernel, then crop pad."""
    nd = len(kernel)
    stride, dilate, pad, adj = _tuple(stride, nd, 1), _tuple(dilate, nd, 1), _tuple(pad, nd, 0), _tuple(adj, nd, 0)
    N, C = data.shape[:2]
    F = num_filter
    cg, fg = C // num_group, F // num_group
    span = [dilate[i] * (kernel[i] - 1) + 1 for i in range(nd)]
    full = [(data.shape[2 + i] - 1) * stride[i] + span[i] + adj[i] for i in range(nd)]
    big = np.zeros((N, F, *full))
    for o in np.ndindex(*data.shape[2:]):
        win = tuple(slice(o[i] * stride[i], o[i] * stride[i] + span[i], dilate[i]) for i in range(nd))
        for g in range(num_group):
            contrib = np.tensordot(data[(slice(None), slice(g * cg, (g + 1) * cg)) + o], weight[g * cg:(g + 1) * cg],
                                   axes=(1, 0))
            big[(slice(None), slice(g * fg, (g + 1) * fg)) + win] += contrib
    out_sp = [full[i] - 2 * pad[i] for i in range(nd)]
    out = big[(slice(None), slice(None)) + tuple(slice(pad[i], pad[i] + out_sp[i]) for i in range(nd))]
    if bias is not None:
        out = out + bias.reshape((1, F) + (1,) * nd)
    return out


def pool_ref(data, kernel=(), pool_type="max", stride=(), pad=(), pooling_convention="valid", count_include_pad=True,
             global_pool=False, **_):
    """MXNet's pool.h: avg/sum windows clipped to input+pad (the count_include_pad divisor), then to the input."""
    nd = data.ndim - 2
    if global_pool:
        kernel, stride, pad = data.shape[2:], (1,) * nd, (0,) * nd
    stride, pad = _tuple(stride, nd, 1), _tuple(pad, nd, 0)
    size = data.shape[2:]
    round_ = math.ceil if pooling_convention == "full" else math.floor
    out_sp = [1 + round_((size[i] + 2 * pad[i] - kernel[i]) / stride[i]) for i in range(nd)]
    out = np.zeros(data.shape[:2] + tuple(out_sp))
    for o in np.ndindex(*out_sp):
        start = [o[i] * stride[i] - pad[i] for i in range(nd)]
        end_pad = [min(start[i] + kernel[i], size[i] + pad[i]) for i in range(nd)]
        lo = [max(start[i], 0) for i in range(nd)]
        hi = [min(end_pad[i], size[i]) for i in range(nd)]
        win = data[(slice(None), slice(None)) + tuple(slice(lo[i], hi[i]) for i in range(nd))]
        spatial = tuple(range(2, 2 + nd))
        if pool_type == "max":
            val = win.max(axis=spatial)
        else:
            val = win.sum(axis=spatial)
            if pool_type == "avg":
                val = val / (np.prod([end_pad[i] - start[i] for i in range(nd)]) if count_include_pad
                             else np.prod([hi[i] - lo[i] for i in range(nd)]))
        out[(slice(None), slice(None)) + o] = val
    return out


def activation_ref(x, act_type):
    return {
        "relu": lambda: np.maximum(x, 0),
        "sigmoid": lambda: 1 / (1 + np.exp(-x)),
        "tanh": lambda: np.tanh(x),
        "softrelu": lambda: np.log1p(np.exp(x)),
        "softsign": lambda: x / (1 + np.abs(x)),
    }[act_type]()


def prelu_ref(x, gamma, act_type="prelu"):
    g = gamma.reshape((1, -1) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, g * x)


BN_EPS = float(np.float32(1e-3))


def batchnorm_ref(data, gamma, beta, moving_mean, moving_var, fix_gamma=True, eps=BN_EPS, axis=1, **_):
    """Inference: normalise with the moving statistics."""
    shape = [1] * data.ndim
    shape[axis] = -1
    g = np.ones_like(gamma) if fix_gamma else gamma
    return ((data - moving_mean.reshape(shape)) / np.sqrt(moving_var.reshape(shape) + eps) * g.reshape(shape)
            + beta.reshape(shape))


def lrn_ref(x, nsize, alpha=1e-4, beta=0.75, knorm=2.0):
    C, half = x.shape[1], nsize // 2
    norm = np.empty_like(x)
    for c in range(C):
        lo, hi = max(0, c - half), min(C, c + half + 1)
        norm[:, c] = knorm + alpha / nsize * np.sum(x[:, lo:hi] ** 2, axis=1)
    return x * norm ** -beta


CASES = {
    "Convolution": Case(conv_ref, [ANY, ANY, ANY],
                        {"kernel": (3, 3), "stride": (2, 1), "pad": (1, 1), "dilate": (1, 2), "num_filter": 4,
                         "num_group": 2},
                        shapes=[(2, 4, 5, 6), (4, 2, 3, 3), (4,)]),
    "Deconvolution": Case(deconv_ref, [ANY, ANY, ANY],
                          {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "adj": (1, 0), "num_filter": 4,
                           "num_group": 2, "no_bias": False},
                          shapes=[(2, 4, 3, 3), (4, 2, 3, 3), (4,)]),
    # avg keeps the finite differences smooth; max/sum/full/global are covered by the MXNet golden cases
    "Pooling": Case(pool_ref, [ANY], {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg"},
                    shapes=[(2, 2, 5, 5)]),
    "Activation": Case(activation_ref, [ANY], {"act_type": "softsign"}),
    "LeakyReLU": Case(prelu_ref, [away_from_zero, (0.1, 0.5)], {"act_type": "prelu"}, shapes=[(2, 3, 4), (3,)]),
    "BatchNorm": Case(batchnorm_ref, [ANY, POS, ANY, ANY, POS], {"fix_gamma": False},
                      shapes=[(4, 3, 2, 2), (3,), (3,), (3,), (3,)], wrt=[0, 1, 2]),
    # p = 0: each training forward draws a new mask, so finite differences need the identity;
    # the masks themselves are checked in test_nn.py
    "Dropout": Case(lambda x, p: x.copy(), [ANY], {"p": 0.0}),
    "LRN": Case(lrn_ref, [ANY], {"nsize": 3, "alpha": 0.5, "beta": 0.75, "knorm": 2.0}, shapes=[(2, 5, 2, 2)]),
}
