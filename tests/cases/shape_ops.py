"""Test cases for the shape family (ops/ShapeOps.java): views, permutations, join/split, Pad,
UpSampling, Cast, and the internal views their gradients use."""
import numpy as np

from cases import ANY, Case


def _split(x, num_outputs, axis):
    return tuple(np.split(x, num_outputs, axis=axis))


def _upsample(x, scale):
    return x.repeat(scale, axis=2).repeat(scale, axis=3)


CASES = {
    "Flatten": Case(lambda x: x.reshape(x.shape[0], -1), [ANY], shapes=[(2, 3, 4)]),
    # (0, -1, 2): copy dim 0, infer the middle, 2 last
    "Reshape": Case(lambda x: x.reshape(x.shape[0], -1, 2), [ANY], {"shape": (0, -1, 2)}, shapes=[(2, 3, 4)],
                    ref_params={}),
    "expand_dims": Case(lambda x, axis: np.expand_dims(x, axis), [ANY], {"axis": -1}),
    "_reshape_like": Case(lambda a, b: a.reshape(b.shape), [ANY, ANY], shapes=[(3, 4), (2, 6)],
                          wrt=[0], infer_from=[0, 1]),
    "_identity_like": Case(lambda a, b: a.copy(), [ANY, ANY], wrt=[0], infer_from=[1]),
    "transpose": Case(lambda x, axes: np.transpose(x, axes), [ANY], {"axes": (1, 2, 0)}, shapes=[(2, 3, 4)]),
    "SwapAxis": Case(lambda x, dim1, dim2: np.swapaxes(x, dim1, dim2), [ANY], {"dim1": 0, "dim2": -1},
                     shapes=[(2, 3, 4)]),
    "Concat": Case(lambda a, b, c, dim: np.concatenate([a, b, c], axis=dim), [ANY, ANY, ANY],
                   {"dim": -1, "num_args": 3}, shapes=[(2, 3), (2, 1), (2, 2)], infer_from=[0, 1, 2]),
    "SliceChannel": Case(_split, [ANY], {"num_outputs": 3, "axis": 1}, shapes=[(2, 6, 2)]),
    # negative begin and end, as MXNet normalises them
    "slice_axis": Case(lambda x: x[:, 2:4], [ANY], {"axis": 1, "begin": -3, "end": -1}, shapes=[(2, 5, 3)],
                       ref_params={}),
    "stack": Case(lambda a, b, axis: np.stack([a, b], axis=axis), [ANY, ANY], {"axis": 1, "num_args": 2}),
    "Pad": Case(lambda x: np.pad(x, ((0, 0), (0, 0), (1, 2), (2, 1)), mode="reflect"), [ANY],
                {"mode": "reflect", "pad_width": (0, 0, 0, 0, 1, 2, 2, 1)}, shapes=[(1, 2, 4, 4)], ref_params={}),
    "UpSampling": Case(_upsample, [ANY], {"scale": 2, "sample_type": "nearest", "num_args": 1}, shapes=[(1, 2, 2, 3)],
                       ref_params={"scale": 2}),
    # float32 here (bind takes float32 arguments); other targets are in test_shape_ops.py
    "Cast": Case(lambda x, dtype: x.astype(dtype), [ANY], {"dtype": "float32"}),
}
