"""Loss heads and the softmax family (ops/Loss.java): label naming and shapes, backward() without
head gradients, normalisation and ignore_label, BlockGrad, and parameter validation."""
import numpy as np
import pytest

from pysym import Context, NDArray, PysymError, Symbol

api = Symbol.api


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(label, k):
    return np.eye(k)[label.astype(int)]


def run(sym, args, grad_names, head_grads=None):
    """Binds args (name -> ndarray), runs forward in training mode and backward; returns outputs and grads."""
    nd_args = {n: NDArray.array(v.astype(np.float32)) for n, v in args.items()}
    grads = {n: NDArray.zeros(*args[n].shape) for n in grad_names}
    heads = [NDArray.array(h.astype(np.float32)) for h in head_grads or []]
    try:
        with sym.bind(Context.cpu(), nd_args, grads) as ex:
            ex.forward(isTrain=True)
            outs = [o.asnumpy() for o in ex.outputs]
            ex.backward(heads or None)
            return outs, {n: g.asnumpy() for n, g in grads.items()}
    finally:
        for a in list(nd_args.values()) + list(grads.values()) + heads:
            a.dispose()


def test_softmax_output_creates_its_label_argument():
    data = Symbol.Variable("data")
    sm = api.SoftmaxOutput(data, name="sm")
    assert sm.listArguments() == ["data", "sm_label"]
    assert sm.listOutputs() == ["sm_output"]
    assert api.SoftmaxOutput(data).listArguments() == ["data", "softmaxoutput0_label"]
    assert api.Softmax(data, name="old").listArguments() == ["data", "old_label"]
    assert api.LinearRegressionOutput(data, name="lro").listArguments() == ["data", "lro_label"]


def test_label_shapes_are_inferred_from_data():
    data = Symbol.Variable("data")

    def label_shape(sym, shape):
        args, _, _ = sym.inferShape(data=shape)
        return args[1].toTuple()

    assert label_shape(api.SoftmaxOutput(data, name="a"), (4, 5)) == (4,)
    assert label_shape(api.SoftmaxOutput(data, name="b", multi_output=True), (2, 4, 3, 5)) == (2, 15)
    assert label_shape(api.SoftmaxOutput(data, name="c", preserve_shape=True), (2, 3, 4)) == (2, 3)
    assert label_shape(api.LinearRegressionOutput(data, name="d"), (4, 1)) == (4,)
    assert label_shape(api.LogisticRegressionOutput(data, name="e"), (4, 3)) == (4, 3)
    # a multi_output label may also be given as (N, rest...) or (N, 1, rest...), as in MXNet
    for lshape in [(2, 3, 5), (2, 1, 3, 5)]:
        sym = api.SoftmaxOutput(data, name="f", multi_output=True)
        args, outs, _ = sym.inferShape(data=(2, 4, 3, 5), f_label=lshape)
        assert args[1].toTuple() == lshape


def test_label_shape_mismatch_names_the_label():
    sym = api.SoftmaxOutput(Symbol.Variable("data"), name="sm")
    with pytest.raises(PysymError, match=r"operator sm: input 'label' has shape \(4,3\), expected \(4\)"):
        sym.inferShape(data=(4, 5), sm_label=(4, 3))
    reg = api.LinearRegressionOutput(Symbol.Variable("data"), name="lr")
    with pytest.raises(PysymError, match=r"operator lr: input 'label' has shape \(3,4\)"):
        reg.inferShape(data=(4, 3), lr_label=(3, 4))


@pytest.mark.parametrize("normalization", ["null", "batch"])
def test_softmax_output_gradient_through_a_product(rng, normalization):
    """data * w -> SoftmaxOutput: backward() with no head gradient gives (softmax - one_hot) * grad_scale / N."""
    x = rng.uniform(-1, 1, (4, 5))
    w = rng.uniform(-1, 1, (4, 5))
    label = rng.integers(0, 5, 4).astype(np.float64)
    data, weight = Symbol.Variable("data"), Symbol.Variable("w")
    net = api.SoftmaxOutput(data * weight, name="sm", grad_scale=2.0, normalization=normalization)
    outs, grads = run(net, {"data": x, "w": w, "sm_label": label}, ["data", "w"])
    p = softmax(x * w)
    d = (p - one_hot(label, 5)) * 2.0 / (4 if normalization == "batch" else 1)
    np.testing.assert_allclose(outs[0], p, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads["w"], d * x, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grads["data"], d * w, rtol=1e-4, atol=1e-6)


def test_softmax_output_ignore_label(rng):
    x = rng.uniform(-1, 1, (6, 3))
    label = np.array([0, 1, 2, 1, 0, 2], dtype=np.float64)
    data = Symbol.Variable("data")
    ignored = label == 1
    base = softmax(x) - one_hot(label, 3)

    net = api.SoftmaxOutput(data, name="sm", use_ignore=True, ignore_label=1)
    _, grads = run(net, {"data": x, "sm_label": label}, ["data"])
    np.testing.assert_allclose(grads["data"][ignored], 0.0)
    np.testing.assert_allclose(grads["data"][~ignored], base[~ignored], rtol=1e-5, atol=1e-6)

    # 'valid' divides by the number of labels that are not ignored
    net = api.SoftmaxOutput(data, name="sm2", use_ignore=True, ignore_label=1, normalization="valid")
    _, grads = run(net, {"data": x, "sm2_label": label}, ["data"])
    np.testing.assert_allclose(grads["data"][~ignored], base[~ignored] / 4, rtol=1e-5, atol=1e-6)

    # without use_ignore, the label is an ordinary class
    net = api.SoftmaxOutput(data, name="sm3", ignore_label=1)
    _, grads = run(net, {"data": x, "sm3_label": label}, ["data"])
    np.testing.assert_allclose(grads["data"], base, rtol=1e-5, atol=1e-6)


def test_softmax_output_label_gets_no_gradient(rng):
    x = rng.uniform(-1, 1, (4, 5))
    label = rng.integers(0, 5, 4).astype(np.float64)
    net = api.SoftmaxOutput(Symbol.Variable("data"), name="sm")
    _, grads = run(net, {"data": x, "sm_label": label}, ["data", "sm_label"])
    np.testing.assert_array_equal(grads["sm_label"], np.zeros(4))


def test_softmax_output_probability_labels(rng):
    x = rng.uniform(-1, 1, (3, 4))
    prob = softmax(rng.uniform(-1, 1, (3, 4)))
    net = api.SoftmaxOutput(Symbol.Variable("data"), name="sm", grad_scale=0.5, normalization="batch")
    _, grads = run(net, {"data": x, "sm_label": prob}, ["data"])
    # a label of the data's shape holds probabilities and is never normalised
    np.testing.assert_allclose(grads["data"], (softmax(x) - prob) * 0.5, rtol=1e-5, atol=1e-6)


def test_softmax_output_out_grad_mode_is_still_a_loss_head(rng):
    """MXNet 1.9.1 never passes the head gradient to _backward_SoftmaxOutput; out_grad=True multiplies
    by the forward output instead (the blob MXNet hands over), and backward() needs no head gradient."""
    x = rng.uniform(-1, 1, (4, 5))
    label = rng.integers(0, 5, 4).astype(np.float64)
    net = api.SoftmaxOutput(Symbol.Variable("data"), name="sm", out_grad=True)
    _, grads = run(net, {"data": x, "sm_label": label}, ["data"])
    p = softmax(x)
    np.testing.assert_allclose(grads["data"], (p - one_hot(label, 5)) * p, rtol=1e-5, atol=1e-6)


def test_group_of_loss_and_non_loss_heads_needs_the_non_loss_head_gradient(rng):
    x = rng.uniform(-1, 1, (4, 5))
    label = rng.integers(0, 5, 4).astype(np.float64)
    data = Symbol.Variable("data")
    loss = api.SoftmaxOutput(data, name="sm")
    other = data * 3
    group = Symbol.Group(loss, other)
    with pytest.raises(PysymError, match="head gradient"):
        run(group, {"data": x, "sm_label": label}, ["data"])
    head = rng.uniform(-1, 1, (4, 5))
    _, grads = run(group, {"data": x, "sm_label": label}, ["data"], head_grads=[head])
    np.testing.assert_allclose(grads["data"], softmax(x) - one_hot(label, 5) + 3 * head, rtol=1e-4, atol=1e-6)


def test_regression_and_make_loss_heads_need_no_head_gradient(rng):
    x = rng.uniform(-1, 1, (4, 3))
    y = rng.uniform(-1, 1, (4, 3))
    data = Symbol.Variable("data")
    _, grads = run(api.LinearRegressionOutput(data, name="lr", grad_scale=3.0), {"data": x, "lr_label": y}, ["data"])
    np.testing.assert_allclose(grads["data"], (x - y) * 3.0 / 3, rtol=1e-5, atol=1e-6)
    _, grads = run(api.MakeLoss(data * data, normalization="batch"), {"data": x}, ["data"])
    np.testing.assert_allclose(grads["data"], 2 * x / 4, rtol=1e-5, atol=1e-6)


def test_block_grad_gives_its_argument_a_zero_gradient(rng):
    a, b = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 4))
    A, B = Symbol.Variable("a"), Symbol.Variable("b")
    net = api.BlockGrad(A) * B
    head = rng.uniform(-1, 1, (3, 4))
    outs, grads = run(net, {"a": a, "b": b}, ["a", "b"], head_grads=[head])
    np.testing.assert_allclose(outs[0], a * b, rtol=1e-6)
    np.testing.assert_array_equal(grads["a"], np.zeros((3, 4)))
    np.testing.assert_allclose(grads["b"], head * a, rtol=1e-5, atol=1e-6)
    # under a loss head, through the stop_gradient alias, with nothing else reaching a
    _, grads = run(api.MakeLoss(api.stop_gradient(A)), {"a": a}, ["a"])
    np.testing.assert_array_equal(grads["a"], np.zeros((3, 4)))


def test_parameter_validation():
    data = Symbol.Variable("data")
    with pytest.raises(PysymError, match=r"normalization.*'bad'.*batch.*null.*valid"):
        api.SoftmaxOutput(data, normalization="bad")
    with pytest.raises(PysymError, match=r"mode.*'spatial'.*channel.*instance"):
        api.SoftmaxActivation(data, mode="spatial")
    with pytest.raises(PysymError, match="use_length"):
        api.softmax(data, use_length=True)
    with pytest.raises(PysymError, match="Cannot find argument 'axis'.*SoftmaxOutput"):
        api.SoftmaxOutput(data, axis=1)
    with pytest.raises(PysymError, match="temperature"):
        api.softmax(data, temperature=0.0).inferShape(data=(2, 3))
    with pytest.raises(PysymError, match="axis 2 is out of range"):
        api.log_softmax(data, axis=2).inferShape(data=(2, 3))
    with pytest.raises(PysymError, match="mode='channel'.*3 dimensions"):
        api.SoftmaxActivation(data, mode="channel").inferShape(data=(2, 3))
    with pytest.raises(PysymError, match="dtype=float64"):
        api.softmax(data, dtype="float64").inferType(data="float32")
    # MXNet's spellings are accepted
    assert api.softmax(data, dtype="None", use_length="False", temperature="None").inferShape(data=(2, 3))[1][0].toTuple() == (2, 3)
