"""Test cases for the dense family (ops/Dense.java): FullyConnected, dot, batch_dot, Embedding, one_hot."""
import numpy as np

from cases import ANY, Case


def indices(high):
    return lambda rng, shape: rng.integers(0, high, shape).astype(np.float32)


def fc(data, weight, bias=None, num_hidden=None, flatten=True, no_bias=False):
    x = data.reshape(data.shape[0], -1) if flatten else data
    y = x @ weight.T
    return y if bias is None else y + bias


def one_hot(idx, depth, on_value=1.0, off_value=0.0):
    out = np.full(idx.shape + (depth,), off_value)
    for pos in np.ndindex(idx.shape):
        k = int(idx[pos])
        if 0 <= k < depth:
            out[pos + (k,)] = on_value
    return out


CASES = {
    "FullyConnected": Case(fc, [ANY, ANY, ANY], {"num_hidden": 4}, shapes=[(3, 2, 5), (4, 10), (4,)]),
    "dot": Case(lambda a, b, **k: a @ b, [ANY, ANY], shapes=[(3, 4), (4, 5)], infer_from=[0, 1]),
    "batch_dot": Case(lambda a, b, transpose_b=False: a @ np.swapaxes(b, 1, 2), [ANY, ANY], {"transpose_b": True},
                      shapes=[(2, 3, 4), (2, 5, 4)], infer_from=[0, 1]),
    "Embedding": Case(lambda idx, w, input_dim, output_dim: w[idx.astype(int)], [indices(6), ANY],
                      {"input_dim": 6, "output_dim": 3}, shapes=[(2, 4), (6, 3)], wrt=[1]),
    "one_hot": Case(one_hot, [indices(5)], {"depth": 4, "on_value": 2.0}, shapes=[(3, 2)], differentiable=False),
}
