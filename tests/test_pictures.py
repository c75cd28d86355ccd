"""MXNet's "Symbol in Pictures", each picture with its exact numbers (reference §4.3)."""
import numpy as np

from pysym import Context, NDArray, Shape, Symbol


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
