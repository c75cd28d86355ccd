"""NDArray.api.<op>: registered operators run imperatively on NDArrays (mx.nd.<op>), checked against
NumPy references written here and against every MXNet 1.9.1 golden case's inference outputs."""
import os
import sys

import numpy as np
import pytest

import pysym
from pysym import NDArray, PysymError, _jvm
from pysym.nd_api import _make_nd_fn

from conftest import release_all

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "mxnet"))
from golden import op_cases  # noqa: E402

nd = NDArray.api


def arr(x):
    return NDArray.array(np.asarray(x, dtype=np.float32))


def close(got, want, tol=1e-5):
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=tol)


def test_dot_and_legacy_positional_params(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    close(nd.dot(arr(a), arr(b)), a @ b)
    close(nd.dot(arr(a), arr(b.T), transpose_b=True), a @ b)
    close(nd.dot(arr(a), arr(b.T), False, True), a @ b)   # params by position, in declaration order


def test_sum_with_axis_and_keepdims(rng):
    x = rng.standard_normal((2, 3, 4))
    close(nd.sum(arr(x)), np.array([x.sum()]), 1e-4)
    close(nd.sum(arr(x), axis=1), x.sum(axis=1))
    close(nd.sum(arr(x), 2, True), x.sum(axis=2, keepdims=True))
    close(nd.sum_axis(arr(x), axis=(0, 2)), x.sum(axis=(0, 2)))


def test_fully_connected_with_given_weight_and_bias(rng):
    x, w, b = rng.standard_normal((2, 3, 2)), rng.standard_normal((5, 6)), rng.standard_normal(5)
    close(nd.FullyConnected(arr(x), arr(w), arr(b), num_hidden=5), x.reshape(2, 6) @ w.T + b)
    close(nd.FullyConnected(arr(x), arr(w), None, num_hidden=5, no_bias=True), x.reshape(2, 6) @ w.T)
    close(nd.FullyConnected(data=arr(x), weight=arr(w), bias=arr(b), num_hidden=5), x.reshape(2, 6) @ w.T + b)


def test_convolution(rng):
    x, w, b = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.zeros((2, 3, 3, 3))
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
            want[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, w) + b
    got = nd.Convolution(arr(x), arr(w), arr(b), kernel=(3, 3), num_filter=3, stride=(2, 2), pad=(1, 1))
    assert got.shape.toTuple() == (2, 3, 3, 3)
    close(got, want, 1e-4)


def test_softmax_and_activation(rng):
    x = rng.standard_normal((3, 4))
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    close(nd.softmax(arr(x)), e / e.sum(axis=-1, keepdims=True))
    e0 = np.exp(x - x.max(axis=0, keepdims=True))
    close(nd.softmax(arr(x), axis=0), e0 / e0.sum(axis=0, keepdims=True))
    close(nd.Activation(arr(x), act_type="relu"), np.maximum(x, 0))


def test_slice_channel_returns_every_output(rng):
    x = rng.standard_normal((2, 6))
    parts = nd.SliceChannel(arr(x), num_outputs=3, axis=1)
    assert isinstance(parts, list) and len(parts) == 3
    for got, want in zip(parts, np.split(x, 3, axis=1)):
        close(got, want)
    squeezed = nd.split(arr(x), num_outputs=6, axis=1, squeeze_axis=True)
    assert [p.shape.toTuple() for p in squeezed] == [(2,)] * 6


def test_reshape_flatten_expand_dims_are_views():
    a = arr(np.arange(6).reshape(2, 3))
    r = nd.Reshape(a, shape=(3, -1))
    assert r.shape.toTuple() == (3, 2)
    np.asarray(r)[0, 0] = 100
    assert a.asnumpy()[0, 0] == 100          # shares memory
    f = nd.Flatten(arr(np.ones((2, 3, 4))))
    assert f.shape.toTuple() == (2, 12)
    e = nd.expand_dims(a, axis=1)
    assert e.shape.toTuple() == (2, 1, 3)
    np.asarray(e)[1, 0, 2] = -7
    assert a.asnumpy()[1, 2] == -7


def test_batchnorm_inference_uses_moving_stats(rng):
    x = rng.standard_normal((4, 3, 2))
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    mm, mv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    c = (slice(None), None)
    want = (x - mm[c]) / np.sqrt(mv[c] + 1e-3) * gamma[c] + beta[c]
    out = nd.BatchNorm(arr(x), arr(gamma), arr(beta), arr(mm), arr(mv), fix_gamma=False)
    assert isinstance(out, NDArray)           # the output only, as MXNet's nd.BatchNorm
    close(out, want, 1e-4)
    fixed = nd.BatchNorm(arr(x), arr(gamma), arr(beta), arr(mm), arr(mv))   # fix_gamma=True: gamma is 1
    close(fixed, (x - mm[c]) / np.sqrt(mv[c] + 1e-3) + beta[c], 1e-4)


def test_dropout_inference_is_identity_and_hidden_mask_is_freed(rng):
    x = rng.standard_normal((3, 4))
    release_all()
    before = pysym.liveBytes()
    a = arr(x)
    out = nd.Dropout(a, p=0.5)
    assert isinstance(out, NDArray)
    close(out, x)
    out.dispose()
    a.dispose()
    assert pysym.liveBytes() == before


def test_out_writes_into_given_array(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))
    target = NDArray.zeros(2, 3)
    ret = nd.dot(arr(a), arr(b), out=target)
    assert ret is target
    close(target, a @ b)
    x = arr(a)
    nd.relu(x, out=x)                          # in place
    close(x, np.maximum(a, 0))
    outs = [NDArray.zeros(2, 1) for _ in range(3)]
    nd.SliceChannel(arr(a), num_outputs=3, axis=1, out=outs)
    close(outs[2], a[:, 2:3])
    with pytest.raises(PysymError, match="out array 0 has shape"):
        nd.dot(arr(a), arr(b), out=NDArray.zeros(3, 3))


def test_variadic_ops_take_positional_inputs(rng):
    xs = [rng.standard_normal((2, 2)) for _ in range(3)]
    close(nd.add_n(*[arr(x) for x in xs]), sum(xs))
    close(nd.Concat(*[arr(x) for x in xs], dim=1), np.concatenate(xs, axis=1))


def test_missing_input_is_an_error_naming_it():
    with pytest.raises(PysymError, match=r"missing input\(s\) \[rhs\]"):
        nd.dot(arr(np.ones((2, 2))))
    with pytest.raises(PysymError, match=r"missing input\(s\) \[moving_mean, moving_var\]"):
        nd.BatchNorm(arr(np.ones((2, 3))), arr(np.ones(3)), arr(np.ones(3)))
    with pytest.raises(PysymError, match="has no input 'weights'"):
        nd.FullyConnected(arr(np.ones((2, 2))), weights=arr(np.ones((2, 2))), num_hidden=2)


def test_bad_params_list_valid_ones():
    with pytest.raises(PysymError, match="Cannot find argument 'axes'.*Possible Arguments"):
        nd.sum(arr(np.ones(3)), axes=0)
    with pytest.raises(PysymError, match="act_type"):
        nd.Activation(arr(np.ones(3)), act_type="bogus")
    with pytest.raises(PysymError, match="Required parameter num_hidden"):
        nd.FullyConnected(arr(np.ones((2, 2))), arr(np.ones((2, 2))), arr(np.ones(2)))
    with pytest.raises(PysymError, match="Shape inconsistent for input 'weight'"):
        nd.FullyConnected(arr(np.ones((2, 3))), arr(np.ones((4, 2))), arr(np.ones(4)), num_hidden=4)


def test_every_public_name_and_doc():
    for jop in _jvm.JOpRegistry.all():
        if not jop.isPublic():
            continue
        for name in [str(jop.name)] + [str(a) for a in jop.aliases if not str(a).startswith("_")]:
            fn = getattr(nd, name)
            assert fn.__doc__ == str(jop.fullDoc())
    with pytest.raises(AttributeError, match="no operator 'nosuch'"):
        nd.nosuch


def test_nothing_leaks_on_success_or_error(rng):
    release_all()
    before = pysym.liveBytes()
    a, w = arr(rng.standard_normal((2, 3))), arr(rng.standard_normal((4, 3)))
    for _ in range(3):
        nd.FullyConnected(a, w, None, num_hidden=4, no_bias=True).dispose()
        for p in nd.SliceChannel(a, num_outputs=3, axis=1):
            p.dispose()
        nd.Reshape(a, shape=(3, 2)).dispose()
        nd.BatchNorm(a, arr(np.ones(3)), arr(np.zeros(3)), arr(np.zeros(3)), arr(np.ones(3))).dispose()
        for bad in (lambda: nd.FullyConnected(a, w, num_hidden=5),
                    lambda: nd.dot(a, a),
                    lambda: nd.SliceChannel(a, num_outputs=3, axis=1, out=[NDArray.zeros(2, 1), NDArray.zeros(2, 2),
                                                                           NDArray.zeros(2, 1)])):
            with pytest.raises(PysymError):
                bad()
    a.dispose()
    w.dispose()
    assert release_all() <= before


CASES = op_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_inference_outputs_imperatively(case):
    """Every MXNet golden case, run as mx.nd.<op>(inputs..., aux..., **params) with MXNet's strings."""
    fn = _make_nd_fn(case["op"], _jvm.JOpRegistry.op(case["op"]))
    ins = [NDArray.array(case["in"][n]) for n in case["inputs"]] + [NDArray.array(case["aux"][n]) for n in case["aux_shapes"]]
    jop = _jvm.JOpRegistry.op(case["op"])
    if jop.variadic:
        res = fn(*ins, **case["params"])
    else:
        res = fn(**dict(zip(case["inputs"] + list(case["aux_shapes"]), ins)), **case["params"])
    res = res if isinstance(res, list) else [res]
    assert len(res) == len(case["out"])
    for got, want in zip(res, case["out"]):
        np.testing.assert_allclose(got.asnumpy(), want.astype(np.float32), rtol=1e-4, atol=1e-5, err_msg=case["id"])
        got.dispose()
    for a in ins:
        a.dispose()
