"""Shape family (ops/ShapeOps.java) behaviour the op table cannot express: Reshape's special codes
through symbol shape inference, SliceChannel's outputs, Concat/Pad/slice_axis/UpSampling errors,
gradients through views, and Cast's dtypes."""
import numpy as np
import pytest

from pysym import Context, NDArray, PysymError, Symbol

api = Symbol.api


def out_shape(sym, **shapes):
    _, outs, _ = sym.inferShape(**shapes)
    return [s.toTuple() for s in outs]


# MXNet's documented Reshape examples (matrix_op.cc), through inferShape on a symbol
@pytest.mark.parametrize("data, params, want", [
    ((2, 3, 4), {"shape": (4, 0, 2)}, (4, 3, 2)),
    ((2, 3, 4), {"shape": (2, 0, 0)}, (2, 3, 4)),
    ((2, 3, 4), {"shape": (6, 1, -1)}, (6, 1, 4)),
    ((2, 3, 4), {"shape": (3, -1, 8)}, (3, 1, 8)),
    ((2, 3, 4), {"shape": (-1,)}, (24,)),
    ((2, 3, 4), {"shape": (-2,)}, (2, 3, 4)),
    ((2, 3, 4), {"shape": (2, -2)}, (2, 3, 4)),
    ((2, 3, 4), {"shape": (-2, 1, 1)}, (2, 3, 4, 1, 1)),
    ((2, 3, 4), {"shape": (-3, 4)}, (6, 4)),
    ((2, 3, 4, 5), {"shape": (-3, -3)}, (6, 20)),
    ((2, 3, 4), {"shape": (0, -3)}, (2, 12)),
    ((2, 3, 4), {"shape": (-3, -2)}, (6, 4)),
    ((2, 3, 4), {"shape": (-4, 1, 2, -2)}, (1, 2, 3, 4)),
    ((2, 3, 4), {"shape": (2, -4, -1, 3, -2)}, (2, 1, 3, 4)),
    ((10, 5, 4), {"shape": (-1, 0)}, (40, 5)),
    ((10, 5, 4), {"shape": (-1, 0), "reverse": True}, (50, 4)),
    ((2, 3, 4), {"target_shape": (0,)}, (24,)),                          # legacy: 0 is inferred
    ((2, 3, 4), {"target_shape": (9, 0), "keep_highest": True}, (2, 12)),  # legacy: dim 0 kept
])
def test_reshape_special_codes(data, params, want):
    sym = api.Reshape(Symbol.Variable("data"), **params)
    assert out_shape(sym, data=data) == [want]


def test_reshape_errors_name_the_node():
    sym = api.Reshape(Symbol.Variable("data"), shape=(5, -1), name="r")
    with pytest.raises(PysymError, match=r"r.*\(5, -1\)|r.*\[5, -1\]"):
        sym.inferShape(data=(2, 3, 4))
    with pytest.raises(PysymError, match="shape"):
        api.Reshape(Symbol.Variable("data"), name="r2").inferShape(data=(2, 3))


def test_slicechannel_output_names_and_shapes():
    data = Symbol.Variable("data")
    sl = api.SliceChannel(data, num_outputs=3, name="sl")
    assert sl.listOutputs() == ["sl_output0", "sl_output1", "sl_output2"]
    assert len(sl) == 3 and sl[2].listOutputs() == ["sl_output2"]
    assert api.split(data, num_outputs=2).listOutputs() == ["split0_output0", "split0_output1"]
    assert out_shape(sl, data=(2, 6, 4)) == [(2, 2, 4)] * 3
    sq = api.SliceChannel(data, num_outputs=4, axis=-1, squeeze_axis=True)
    assert out_shape(sq, data=(2, 3, 4)) == [(2, 3)] * 4


def test_slicechannel_shape_errors():
    data = Symbol.Variable("data")
    with pytest.raises(PysymError, match="evenly divide"):
        api.SliceChannel(data, num_outputs=4).inferShape(data=(2, 6))
    with pytest.raises(PysymError, match="squeeze_axis"):
        api.SliceChannel(data, num_outputs=2, squeeze_axis=True).inferShape(data=(2, 6))


def test_concat_mismatch_names_the_inputs():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    c = api.Concat(a, b, dim=1, name="cat")
    assert out_shape(c, a=(2, 3), b=(2, 5)) == [(2, 8)]
    with pytest.raises(PysymError) as e:
        c.inferShape(a=(2, 3), b=(3, 3))
    msg = str(e.value)
    assert "cat" in msg and "'arg1'" in msg and "'arg0'" in msg and "(3,3)" in msg and "(2,3)" in msg


def test_concat_infers_one_missing_input_from_the_output():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    c = api.Concat(a, b, dim=0)
    y = Symbol.Variable("y", shape=(5, 3))
    args, _, _ = (c + y).inferShape(a=(2, 3))
    assert [s.toTuple() for s in args] == [(2, 3), (3, 3), (5, 3)]


def test_parameter_errors_list_valid_values():
    data = Symbol.Variable("data")
    with pytest.raises(PysymError, match=r"mode.*constant.*edge.*reflect"):
        api.Pad(data, mode="wrap", pad_width=(0, 0, 0, 0, 1, 1, 1, 1))
    with pytest.raises(PysymError, match="first four"):
        api.Pad(data, mode="constant", pad_width=(1, 1, 0, 0, 1, 1, 1, 1)).inferShape(data=(1, 1, 2, 2))
    with pytest.raises(PysymError, match="2\\*ndim"):
        api.Pad(data, mode="constant", pad_width=(0, 0, 0, 0, 1, 1)).inferShape(data=(1, 1, 2, 2))
    with pytest.raises(PysymError, match="bilinear.*not implemented"):
        api.UpSampling(data, scale=2, sample_type="bilinear", num_args=1).inferShape(data=(1, 1, 2, 2))
    with pytest.raises(PysymError, match=r"dtype.*float16"):
        api.Cast(data, dtype="complex64")
    with pytest.raises(PysymError, match="not a permutation"):
        api.transpose(data, axes=(0, 0, 1)).inferShape(data=(2, 3, 4))
    with pytest.raises(PysymError, match="begin"):
        api.slice_axis(data, axis=0, begin=3, end=2).inferShape(data=(4, 2))
    with pytest.raises(PysymError, match="out of range"):
        api.expand_dims(data, axis=3).inferShape(data=(2, 3))


def test_slice_axis_end_none():
    data = Symbol.Variable("data")
    assert out_shape(api.slice_axis(data, axis=-1, begin=-2, end="None"), data=(2, 4, 3)) == [(2, 4, 2)]


def _bind(sym, arrays, grads):
    args = {k: NDArray.array(v) for k, v in arrays.items()}
    gs = {k: NDArray.zeros(*arrays[k].shape) for k in grads}
    return sym.bind(Context.cpu(), args, gs), args, gs


def test_gradient_through_views(rng):
    """x feeds Flatten (a view) and, through x*x, a Reshape (a view of a computed entry)."""
    x, w = Symbol.Variable("x"), Symbol.Variable("w")
    flat = api.Flatten(x)
    z = flat * w + api.Reshape(x * x, shape=(2, 6))
    xv = rng.uniform(-1, 1, (2, 3, 2)).astype(np.float32)
    wv = rng.uniform(-1, 1, (2, 6)).astype(np.float32)
    head = rng.uniform(-1, 1, (2, 6)).astype(np.float32)
    ex, args, gs = _bind(z, {"x": xv, "w": wv}, ["x", "w"])
    h = NDArray.array(head)
    try:
        ex.forward(isTrain=True)
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), xv.reshape(2, 6) * wv + (xv * xv).reshape(2, 6), rtol=1e-6)
        ex.backward([h])
        np.testing.assert_allclose(gs["x"].asnumpy(), (head * wv).reshape(2, 3, 2) + 2 * xv * head.reshape(2, 3, 2),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(gs["w"].asnumpy(), head * xv.reshape(2, 6), rtol=1e-6)
    finally:
        ex.dispose()
        for a in list(args.values()) + list(gs.values()) + [h]:
            a.dispose()


def test_view_as_output_and_expand_dims_gradient(rng):
    x = Symbol.Variable("x")
    y = api.expand_dims(api.Flatten(x), axis=0)
    xv = rng.uniform(-1, 1, (2, 2, 3)).astype(np.float32)
    head = rng.uniform(-1, 1, (1, 2, 6)).astype(np.float32)
    ex, args, gs = _bind(y, {"x": xv}, ["x"])
    h = NDArray.array(head)
    try:
        ex.forward()
        np.testing.assert_array_equal(ex.outputs[0].asnumpy(), xv.reshape(1, 2, 6))
        ex.backward([h])
        np.testing.assert_array_equal(gs["x"].asnumpy(), head.reshape(2, 2, 3))
    finally:
        ex.dispose()
        for a in list(args.values()) + list(gs.values()) + [h]:
            a.dispose()


@pytest.mark.parametrize("squeeze", [False, True])
def test_unused_slicechannel_outputs_get_zero_gradient(rng, squeeze):
    x = Symbol.Variable("x")
    y = api.SliceChannel(x, num_outputs=3, axis=1, squeeze_axis=squeeze)[1]
    xv = rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    part = xv[:, 1] if squeeze else xv[:, 1:2]
    head = rng.uniform(-1, 1, part.shape).astype(np.float32)
    ex, args, gs = _bind(y, {"x": xv}, ["x"])
    h = NDArray.array(head)
    try:
        ex.forward()
        np.testing.assert_array_equal(ex.outputs[0].asnumpy(), part)
        ex.backward([h])
        want = np.zeros_like(xv)
        want[:, 1] = head.reshape(2, 4)
        np.testing.assert_array_equal(gs["x"].asnumpy(), want)
    finally:
        ex.dispose()
        for a in list(args.values()) + list(gs.values()) + [h]:
            a.dispose()


@pytest.mark.parametrize("dtype", ["float16", "int32"])
def test_cast_forward_matches_numpy(dtype):
    xv = np.array([[1.5, -2.7, 0.1, 65519.0], [-0.5, 3.999, 1e-5, -7.25]], dtype=np.float32)
    sym = api.Cast(Symbol.Variable("x"), dtype=dtype)
    _, outs, _ = sym.inferType(x="float32")
    assert [str(t) for t in outs] == [dtype]
    a = NDArray.array(xv)
    with sym.bind(Context.cpu(), {"x": a}) as ex:
        ex.forward()
        got = ex.outputs[0].asnumpy()
    a.dispose()
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, xv.astype(dtype))


def test_cast_type_inference_leaves_the_input_free():
    sym = api.Cast(Symbol.Variable("x"), dtype="int32")
    args, outs, _ = sym.inferType(x="float64")
    assert [str(t) for t in args] == ["float64"] and [str(t) for t in outs] == ["int32"]


def test_cast_gradient_is_cast_back(rng):
    """d/dx of Cast(x, float16): the float16 head gradient cast back to float32."""
    sym = api.Cast(Symbol.Variable("x"), dtype="float16")
    xv = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
    head = rng.uniform(-1, 1, (3, 4)).astype(np.float16)
    ex, args, gs = _bind(sym, {"x": xv}, ["x"])
    h = NDArray.array(head, dtype="float16")
    try:
        ex.forward(isTrain=True)
        ex.backward([h])
        assert gs["x"].asnumpy().dtype == np.float32
        np.testing.assert_array_equal(gs["x"].asnumpy(), head.astype(np.float32))
    finally:
        ex.dispose()
        for a in list(args.values()) + list(gs.values()) + [h]:
            a.dispose()


def test_auto_names():
    x = Symbol.Variable("x")
    assert api.Flatten(x).listOutputs() == ["flatten0_output"]
    assert api.flatten(x).listOutputs() == ["flatten1_output"]
    assert api.transpose(x).name == "transpose0"
    assert api.Concat(x, x).name == "concat0"
    assert api.Reshape(x, shape=(1, -1)).listArguments() == ["x"]
