"""The neural-network family beyond the op table: auto-naming, BatchNorm's auxiliary states,
Dropout in training vs inference, simpleBind from the data shape, and parameter errors."""
import numpy as np
import pytest

from pysym import Context, NDArray, PysymError, Symbol

from cases.nn import BN_EPS, conv_ref

api = Symbol.api


def test_convolution_names_its_weight_and_bias():
    data = Symbol.Variable("data")
    assert api.Convolution(data, kernel=(3, 3), num_filter=4, name="conv1").listArguments() == \
        ["data", "conv1_weight", "conv1_bias"]
    assert api.Convolution(data, kernel=(3, 3), num_filter=4).listArguments() == \
        ["data", "convolution0_weight", "convolution0_bias"]
    assert api.Convolution(data, kernel=(3,), num_filter=4, no_bias=True, name="c").listArguments() == ["data", "c_weight"]
    # Deconvolution has no bias unless asked for
    assert api.Deconvolution(data, kernel=(2, 2), num_filter=3, name="up").listArguments() == ["data", "up_weight"]
    assert api.LeakyReLU(data, act_type="prelu", name="act").listArguments() == ["data", "act_gamma"]
    assert api.LeakyReLU(data, name="lk").listArguments() == ["data"]


def test_batchnorm_names_and_aux_states():
    bn = api.BatchNorm(Symbol.Variable("data"), name="bn")
    assert bn.listArguments() == ["data", "bn_gamma", "bn_beta"]
    assert bn.listAuxiliaryStates() == ["bn_moving_mean", "bn_moving_var"]
    assert bn.listOutputs() == ["bn_output"]
    both = api.BatchNorm(Symbol.Variable("data"), output_mean_var=True, name="bn2")
    assert both.listOutputs() == ["bn2_output", "bn2_mean", "bn2_var"]
    d = api.Dropout(Symbol.Variable("data"), name="drop")
    assert d.listOutputs() == ["drop_output"]


def _bind_bn(rng, momentum=0.9, fix_gamma=False):
    x = rng.uniform(-2, 2, (4, 3, 2, 2)).astype(np.float32)
    gamma = rng.uniform(0.5, 2, 3).astype(np.float32)
    beta = rng.uniform(-1, 1, 3).astype(np.float32)
    mm = rng.uniform(-1, 1, 3).astype(np.float32)
    mv = rng.uniform(0.5, 2, 3).astype(np.float32)
    sym = api.BatchNorm(Symbol.Variable("data"), fix_gamma=fix_gamma, momentum=momentum, name="bn")
    args = {"data": NDArray.array(x), "bn_gamma": NDArray.array(gamma), "bn_beta": NDArray.array(beta)}
    grads = {k: NDArray.zeros(*v.shape) for k, v in (("data", x), ("bn_gamma", gamma), ("bn_beta", beta))}
    aux = {"bn_moving_mean": NDArray.array(mm), "bn_moving_var": NDArray.array(mv)}
    ex = sym.bind(Context.cpu(), args, grads, "write", aux)
    return ex, (x, gamma, beta, mm, mv), list(args.values()) + list(grads.values()) + list(aux.values())


def test_batchnorm_moving_stats_change_only_in_backward(rng):
    momentum = 0.8
    ex, (x, gamma, beta, mm, mv), owned = _bind_bn(rng, momentum)
    try:
        def aux():
            return ex.auxDict["bn_moving_mean"].asnumpy(), ex.auxDict["bn_moving_var"].asnumpy()

        ex.forward(isTrain=False)
        want = (x - mm[None, :, None, None]) / np.sqrt(mv[None, :, None, None] + BN_EPS) * gamma[None, :, None, None] \
            + beta[None, :, None, None]
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), want, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(aux()[0], mm)
        np.testing.assert_array_equal(aux()[1], mv)

        ex.forward(isTrain=True)                        # batch statistics; the aux states stay put
        mean = x.astype(np.float64).mean(axis=(0, 2, 3))
        var = x.astype(np.float64).var(axis=(0, 2, 3))  # biased, as MXNet
        want = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + BN_EPS) * gamma[None, :, None, None] \
            + beta[None, :, None, None]
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), want, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(aux()[0], mm)
        np.testing.assert_array_equal(aux()[1], mv)

        head = NDArray.ones(*x.shape)
        ex.backward(head)                               # exactly one update per backward
        mm1 = mm * momentum + mean * (1 - momentum)
        mv1 = mv * momentum + var * (1 - momentum)
        np.testing.assert_allclose(aux()[0], mm1, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(aux()[1], mv1, rtol=1e-5, atol=1e-6)
        ex.backward(head)
        np.testing.assert_allclose(aux()[0], mm1 * momentum + mean * (1 - momentum), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(aux()[1], mv1 * momentum + var * (1 - momentum), rtol=1e-5, atol=1e-6)
        head.dispose()
    finally:
        ex.dispose()
        for a in owned:
            a.dispose()


def test_batchnorm_fix_gamma_gives_gamma_zero_gradient(rng):
    ex, (x, gamma, beta, mm, mv), owned = _bind_bn(rng, fix_gamma=True)
    try:
        ex.forward(isTrain=True)
        mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
        want = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + BN_EPS) + beta[None, :, None, None]
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), want, rtol=1e-4, atol=1e-5)
        head = NDArray.array(rng.uniform(-1, 1, x.shape).astype(np.float32))
        ex.backward(head)
        np.testing.assert_array_equal(ex.gradDict["bn_gamma"].asnumpy(), np.zeros(3, np.float32))
        np.testing.assert_allclose(ex.gradDict["bn_beta"].asnumpy(), head.asnumpy().sum(axis=(0, 2, 3)), rtol=1e-5)
        head.dispose()
    finally:
        ex.dispose()
        for a in owned:
            a.dispose()


def test_dropout_is_identity_in_inference_and_masks_in_training(rng):
    p = 0.3
    x = rng.uniform(0.5, 1.5, (100, 100)).astype(np.float32)
    sym = api.Dropout(Symbol.Variable("data"), p=p)
    a, g = NDArray.array(x), NDArray.zeros(*x.shape)
    head = NDArray.array(rng.uniform(-1, 1, x.shape).astype(np.float32))
    with sym.bind(Context.cpu(), {"data": a}, {"data": g}) as ex:
        ex.forward(isTrain=False)
        np.testing.assert_array_equal(ex.outputs[0].asnumpy(), x)
        ex.forward(isTrain=True)
        out = ex.outputs[0].asnumpy()
        mask = out / x
        kept = mask != 0
        np.testing.assert_allclose(mask[kept], 1 / (1 - p), rtol=1e-5)
        assert abs(1 - kept.mean() - p) < 0.03                # about p of the elements are dropped
        assert abs(out.mean() / x.mean() - 1) < 0.05          # the 1/(1-p) scale keeps the expectation
        ex.backward(head)                                     # the gradient goes through the same mask
        np.testing.assert_allclose(g.asnumpy(), head.asnumpy() * mask, rtol=1e-5, atol=1e-6)
        ex.forward(isTrain=True)
        assert not np.array_equal(ex.outputs[0].asnumpy(), out)   # a fresh mask per forward
    always = api.Dropout(Symbol.Variable("data"), p=p, mode="always")
    with always.bind(Context.cpu(), {"data": a}) as ex:
        ex.forward(isTrain=False)
        assert (ex.outputs[0].asnumpy() == 0).mean() > 0.2
    for arr in (a, g, head):
        arr.dispose()


def test_simple_bind_conv_bn_relu_from_data_shape_only(rng):
    data = Symbol.Variable("data")
    net = api.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=8, name="conv1")
    net = api.BatchNorm(net, fix_gamma=False, name="bn1")
    net = api.Activation(net, act_type="relu", name="relu1")
    with net.simpleBind(Context.cpu(), data=(2, 3, 6, 6)) as ex:
        shapes = {k: v.shape.toTuple() for k, v in ex.argDict.items()}
        assert shapes == {"data": (2, 3, 6, 6), "conv1_weight": (8, 3, 3, 3), "conv1_bias": (8,),
                          "bn1_gamma": (8,), "bn1_beta": (8,)}
        assert {k: v.shape.toTuple() for k, v in ex.auxDict.items()} == {"bn1_moving_mean": (8,), "bn1_moving_var": (8,)}
        assert {k for k, v in ex.gradDict.items() if v is not None} == {"conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta"}
        x = rng.uniform(-1, 1, (2, 3, 6, 6)).astype(np.float32)
        w = rng.uniform(-1, 1, (8, 3, 3, 3)).astype(np.float32)
        for name, v in (("data", x), ("conv1_weight", w), ("bn1_gamma", np.ones(8, np.float32))):
            np.asarray(ex.argDict[name])[...] = v
        ex.forward(isTrain=True)
        c = conv_ref(x.astype(np.float64), w.astype(np.float64), np.zeros(8), kernel=(3, 3), pad=(1, 1))
        want = np.maximum((c - c.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(c.var(axis=(0, 2, 3), keepdims=True)
                                                                                + BN_EPS), 0)
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), want, rtol=1e-3, atol=1e-4)
        assert ex.outputs[0].shape.toTuple() == (2, 8, 6, 6)


def test_deconvolution_target_shape_sets_pad_and_adj():
    data = Symbol.Variable("data")
    sym = api.Deconvolution(data, kernel=(3, 3), stride=(2, 2), target_shape=(8, 7), num_filter=2)
    args, outs, _ = sym.inferShape(data=(1, 3, 4, 4))
    assert outs[0].toTuple() == (1, 2, 8, 7)
    assert args[1].toTuple() == (3, 2, 3, 3)
    sym1 = api.Deconvolution(data, kernel=(3,), stride=(3,), target_shape=(11,), num_filter=1)
    assert sym1.inferShape(data=(1, 1, 4))[1][0].toTuple() == (1, 1, 11)


def test_pooling_shapes_global_and_full():
    data = Symbol.Variable("data")
    assert api.Pooling(data, global_pool=True, pool_type="avg").inferShape(data=(2, 3, 5, 7))[1][0].toTuple() == (2, 3, 1, 1)
    full = api.Pooling(data, kernel=(3, 3), stride=(2, 2), pooling_convention="full")
    assert full.inferShape(data=(1, 1, 8, 8))[1][0].toTuple() == (1, 1, 4, 4)
    valid = api.Pooling(data, kernel=(3, 3), stride=(2, 2))
    assert valid.inferShape(data=(1, 1, 8, 8))[1][0].toTuple() == (1, 1, 3, 3)


def test_parameter_errors_name_the_parameter():
    data = Symbol.Variable("data")
    with pytest.raises(PysymError, match="num_filter"):
        api.Convolution(data, kernel=(3, 3))
    with pytest.raises(PysymError, match="kernel"):
        api.Convolution(data, num_filter=2)
    with pytest.raises(PysymError, match=r"act_type.*relu.*sigmoid.*softrelu.*softsign.*tanh"):
        api.Activation(data, act_type="swish")
    with pytest.raises(PysymError, match=r"act_type.*elu.*gelu.*leaky.*prelu.*selu"):
        api.LeakyReLU(data, act_type="rrelu")
    with pytest.raises(PysymError, match=r"pool_type.*avg.*max.*sum"):
        api.Pooling(data, kernel=(2, 2), pool_type="median")
    with pytest.raises(PysymError, match="nsize"):
        api.LRN(data)
    with pytest.raises(PysymError, match=r"p=1.5"):
        api.Dropout(data, p=1.5)


def test_shape_errors_name_kernel_and_data_rank():
    data = Symbol.Variable("data")
    conv = api.Convolution(data, kernel=(3, 3), num_filter=2, name="c2")
    with pytest.raises(PysymError, match=r"c2.*kernel \(3, 3\).*rank 4.*\(2,3,10\)"):
        conv.inferShape(data=(2, 3, 10))
    with pytest.raises(PysymError, match="3-D convolution"):
        api.Convolution(data, kernel=(3, 3, 3), num_filter=2).inferShape(data=(1, 1, 4, 4, 4))
    with pytest.raises(PysymError, match="stride must have the same number of dimensions as kernel"):
        api.Convolution(data, kernel=(3, 3), stride=(2,), num_filter=2).inferShape(data=(1, 1, 5, 5))
    with pytest.raises(PysymError, match="num_group"):
        api.Convolution(data, kernel=(1, 1), num_filter=4, num_group=2).inferShape(data=(1, 3, 5, 5))
    with pytest.raises(PysymError, match="exceeds padded input"):
        api.Pooling(data, kernel=(4, 4)).inferShape(data=(1, 1, 3, 3))
    with pytest.raises(PysymError, match="layout NHWC is not supported"):
        api.Convolution(data, kernel=(3, 3), num_filter=2, layout="NHWC").inferShape(data=(1, 5, 5, 3))
    with pytest.raises(PysymError, match="odd"):
        api.LRN(data, nsize=4).inferShape(data=(1, 5, 2, 2))
    with pytest.raises(PysymError, match="axis 4 is out of range"):
        api.BatchNorm(data, axis=4).inferShape(data=(2, 3, 4))


def test_random_seed_makes_dropout_reproducible():
    import pysym
    x = Symbol.Variable("x")
    net = Symbol.api.Dropout(x, p=0.5)

    def mask_after(seed):
        pysym.Random.seed(seed)
        ex = net.bind(Context.cpu(), {"x": NDArray.ones(64)})
        ex.forward(isTrain=True)
        out = ex.outputs[0].asnumpy().copy()
        ex.dispose()
        return out

    a, b, c = mask_after(7), mask_after(7), mask_after(8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(np.unique(a)) <= {0.0, 2.0}
