"""MXNet's "Symbol in Pictures", each picture with its exact numbers (reference §4.3)."""
import numpy as np

import pytest

from pysym import Context, NDArray, PysymError, Shape, Symbol


def compose_basic():
    A = Symbol.Variable("A")
    B = Symbol.Variable("B")
    C = A * B
    D = Symbol.Variable("D")
    E = C + D
    return A, B, C, D, E


def test_compose_basic_names():
    A, B, C, D, E = compose_basic()
    assert E.listArguments() == ["A", "B", "D"]
    assert C.listOutputs() == ["_mul0_output"]
    assert E.listOutputs() == ["_plus0_output"]


def test_bind_basic_list_args():
    A, B, C, D, E = compose_basic()
    a, b, d = NDArray.ones(1) * 3, NDArray.ones(1) * 4, NDArray.ones(1) * 5
    with E.bind(Context.cpu(), [a, b, d]) as ex:
        ex.forward()
        np.testing.assert_array_equal(ex.outputs[0].toArray(), [17.0])


def test_executor_forward():
    A, B, C, D, E = compose_basic()
    a = NDArray.empty(1)
    b = NDArray.ones(1)
    d = NDArray.ones(1)
    ex = E.bind(Context.cpu(), {"A": a, "B": b, "D": d})
    a.set(10)
    ex.forward()
    np.testing.assert_array_equal(ex.outputs[0].toArray(), [11.0])
    # the executor holds the very arrays it was bound with: writing them changes the next forward
    a[:] = 20
    ex.forward()
    np.testing.assert_array_equal(ex.outputs[0].toArray(), [21.0])
    assert ex.argDict["A"] is a


def test_executor_multi_out():
    A, B, C, D, E = compose_basic()
    G = Symbol.Group(E, C)
    a, b, d = NDArray.empty(1), NDArray.ones(1), NDArray.ones(1)
    ex = G.bind(Context.cpu(), {"A": a, "B": b, "D": d})
    a.set(10)
    ex.forward()
    np.testing.assert_array_equal(ex.outputs[0].toArray(), [11.0])
    np.testing.assert_array_equal(ex.outputs[1].toArray(), [10.0])
    assert G.listOutputs() == ["_plus0_output", "_mul0_output"]


def test_executor_backward():
    A, B, C, D, _ = compose_basic()
    E = C * D
    ga = NDArray.empty(1)
    ex = E.bind(Context.cpu(), {"A": NDArray.ones(1) * 10, "B": NDArray.ones(1), "D": NDArray.ones(1) * 2}, {"A": ga})
    ex.forward()
    np.testing.assert_array_equal(ex.outputs[0].toArray(), [20.0])
    ex.backward(NDArray.ones(1) * 2)
    np.testing.assert_array_equal(ga.toArray(), [4.0])
    assert ex.gradDict["B"] is None


def test_executor_simple_bind():
    A, B, C, D, E = compose_basic()
    ex = E.simpleBind(Context.cpu(), "write", {"A": Shape(2, 3), "B": Shape(2, 3), "D": Shape(2, 3)})
    assert sorted(ex.argDict) == ["A", "B", "D"]
    for name in "ABD":
        assert ex.argDict[name].shape == Shape(2, 3)
        np.testing.assert_array_equal(ex.argDict[name].asnumpy(), np.zeros((2, 3)))
        assert ex.gradDict[name].shape == Shape(2, 3)
    ex.argDict["A"].set(np.arange(6).reshape(2, 3))
    ex.argDict["B"].set(2)
    ex.argDict["D"].set(1)
    ex.forward()
    np.testing.assert_array_equal(ex.outputs[0].asnumpy(), np.arange(6).reshape(2, 3) * 2 + 1)
    ex.backward(NDArray.ones(2, 3))
    np.testing.assert_array_equal(ex.gradDict["A"].asnumpy(), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(ex.gradDict["B"].asnumpy(), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(ex.gradDict["D"].asnumpy(), np.ones((2, 3)))
    ex.dispose()


def test_simple_bind_skips_data_and_label_gradients():
    data = Symbol.Variable("data")
    w = Symbol.Variable("fc_weight")
    label = Symbol.Variable("softmax_label")
    out = data * w + label
    ex = out.simpleBind(Context.cpu(), "write", {"data": (2, 2), "fc_weight": (2, 2), "softmax_label": (2, 2)})
    assert ex.gradDict["data"] is None
    assert ex.gradDict["softmax_label"] is None
    assert ex.gradDict["fc_weight"] is not None
    ex.dispose()


# ---- the network pictures (reference §4.3): compose_net, compose_multi_in, simple_bind, aux_state ----

from pysym import Some  # noqa: E402


def test_compose_net_names():
    data = Symbol.Variable("data")
    fc1 = Symbol.api.FullyConnected(Some(data), num_hidden=128, name="fc1")
    act1 = Symbol.api.Activation(Some(fc1), act_type="relu")
    assert fc1.listArguments() == ["data", "fc1_weight", "fc1_bias"]
    assert fc1.listOutputs() == ["fc1_output"]
    assert act1.listOutputs() == ["activation0_output"]
    legacy = Symbol.FullyConnected("fc2")()({"data": data, "num_hidden": 64})
    assert legacy.listArguments() == ["data", "fc2_weight", "fc2_bias"]
    assert Symbol.api.FullyConnected(data, num_hidden=3).listOutputs() == ["fullyconnected0_output"]


def test_compose_multi_in():
    fc1 = Symbol.api.FullyConnected(Some(Symbol.Variable("data")), num_hidden=128, name="fc1")
    fc2 = Symbol.api.FullyConnected(Some(Symbol.Variable("data2")), num_hidden=128, name="fc2")
    combined = fc1 + fc2
    assert combined.listArguments() == ["data", "fc1_weight", "fc1_bias", "data2", "fc2_weight", "fc2_bias"]


def test_executor_simple_bind_network(rng):
    data = Symbol.Variable("data")
    fc1 = Symbol.api.FullyConnected(Some(data), num_hidden=128, name="fc1")
    act1 = Symbol.api.Activation(Some(fc1), act_type="relu")
    ex = act1.simpleBind(Context.cpu(), "write", {"data": Shape(100, 768)})
    assert list(ex.argDict) == ["data", "fc1_weight", "fc1_bias"]
    assert ex.gradDict["data"] is None
    assert ex.argDict["fc1_weight"].shape == Shape(128, 768) and ex.argDict["fc1_bias"].shape == Shape(128)
    x = rng.standard_normal((100, 768)).astype(np.float32)
    w = (rng.standard_normal((128, 768)) * 0.05).astype(np.float32)
    b = rng.standard_normal(128).astype(np.float32)
    ex.argDict["data"].set(x)
    ex.argDict["fc1_weight"].set(w)
    ex.argDict["fc1_bias"].set(b)
    ex.forward(isTrain=True)
    z = x.astype(np.float64) @ w.T + b
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), np.maximum(z, 0), rtol=1e-4, atol=1e-4)
    g = rng.standard_normal((100, 128)).astype(np.float32)
    ex.backward(NDArray.array(g))
    dz = g * (z > 0)
    np.testing.assert_allclose(ex.gradDict["fc1_weight"].asnumpy(), dz.T @ x, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(ex.gradDict["fc1_bias"].asnumpy(), dz.sum(0), rtol=1e-3, atol=1e-3)
    ex.dispose()


def test_executor_aux_state():
    data = Symbol.Variable("data")
    bn = Symbol.api.BatchNorm(Some(data), name="bn")
    assert bn.listArguments() == ["data", "bn_gamma", "bn_beta"]
    assert bn.listAuxiliaryStates() == ["bn_moving_mean", "bn_moving_var"]
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    ex = bn.bind(Context.cpu(), {"data": NDArray.array(x), "bn_gamma": NDArray.ones(3), "bn_beta": NDArray.zeros(3)},
                 {"bn_gamma": NDArray.zeros(3)}, "write",
                 {"bn_moving_mean": NDArray.zeros(3), "bn_moving_var": NDArray.ones(3)})
    ex.forward(isTrain=False)                     # inference: moving statistics
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    ex.forward(isTrain=True)                      # training: batch statistics, aux untouched until backward
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4)
    np.testing.assert_array_equal(ex.auxDict["bn_moving_mean"].asnumpy(), np.zeros(3))
    ex.backward(NDArray.ones(4, 3))
    np.testing.assert_allclose(ex.auxDict["bn_moving_mean"].asnumpy(), 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(ex.auxDict["bn_moving_var"].asnumpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)
    with pytest.raises(PysymError, match="aux_states"):
        bn.bind(Context.cpu(), {"data": NDArray.array(x), "bn_gamma": NDArray.ones(3), "bn_beta": NDArray.zeros(3)})
    ex.dispose()
