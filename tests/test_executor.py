"""Executor semantics: bind forms, gradReq write/add/null, forward kwargs, head gradients."""
import numpy as np
import pytest

from pysym import Context, NDArray, PysymError, Shape, Symbol


def ab():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    return a, b, a * b


def test_grad_req_add_accumulates_across_backward_calls():
    _, _, c = ab()
    ga, gb = NDArray.zeros(1), NDArray.zeros(1)
    ex = c.bind(Context.cpu(), {"a": NDArray.ones(1) * 2, "b": NDArray.ones(1) * 3}, {"a": ga, "b": gb}, "add")
    for _ in range(2):
        ex.forward(isTrain=True)
        ex.backward(NDArray.ones(1))
    np.testing.assert_array_equal(ga.toArray(), [6.0])   # 3 + 3
    np.testing.assert_array_equal(gb.toArray(), [4.0])   # 2 + 2
    ex.dispose()


def test_grad_req_write_overwrites():
    _, _, c = ab()
    ga = NDArray.full((1,), 100.0)
    ex = c.bind(Context.cpu(), {"a": NDArray.ones(1) * 2, "b": NDArray.ones(1) * 3}, {"a": ga}, "write")
    for _ in range(2):
        ex.forward(isTrain=True)
        ex.backward(NDArray.ones(1))
    np.testing.assert_array_equal(ga.toArray(), [3.0])
    ex.dispose()


def test_grad_req_null_leaves_array_untouched():
    _, _, c = ab()
    ga, gb = NDArray.full((1,), 42.0), NDArray.zeros(1)
    ex = c.bind(Context.cpu(), {"a": NDArray.ones(1) * 2, "b": NDArray.ones(1) * 3}, {"a": ga, "b": gb},
                {"a": "null", "b": "write"})
    ex.forward(isTrain=True)
    ex.backward(NDArray.ones(1))
    np.testing.assert_array_equal(ga.toArray(), [42.0])
    np.testing.assert_array_equal(gb.toArray(), [2.0])
    ex.dispose()


def test_grad_req_list_and_list_args():
    a, b, c = ab()
    x, y = NDArray.array([1.0, 2.0]), NDArray.array([3.0, 4.0])
    gx, gy = NDArray.full((2,), 9.0), NDArray.zeros(2)
    ex = c.bind(Context.cpu(), [x, y], [gx, gy], ["null", "add"])
    ex.forward()
    ex.backward(NDArray.array([1.0, 10.0]))
    np.testing.assert_array_equal(gx.toArray(), [9.0, 9.0])
    np.testing.assert_array_equal(gy.toArray(), [1.0, 20.0])
    assert ex.argArrays == [x, y] and ex.argArrays[0] is x
    ex.dispose()


def test_grad_dict_map_names_absent_default_to_null():
    _, _, c = ab()
    ga, gb = NDArray.full((1,), 5.0), NDArray.full((1,), 5.0)
    ex = c.bind(Context.cpu(), {"a": NDArray.ones(1), "b": NDArray.ones(1)}, {"a": ga, "b": gb}, {"b": "write"})
    ex.forward()
    ex.backward(NDArray.ones(1) * 7)
    np.testing.assert_array_equal(ga.toArray(), [5.0])
    np.testing.assert_array_equal(gb.toArray(), [7.0])
    ex.dispose()


def test_forward_kwargs_copy_into_bound_arrays():
    _, _, c = ab()
    a = NDArray.ones(2)
    ex = c.bind(Context.cpu(), {"a": a, "b": NDArray.array([2.0, 3.0])})
    new_a = NDArray.array([5.0, 7.0])
    ex.forward(a=new_a)
    np.testing.assert_array_equal(ex.outputs[0].toArray(), [10.0, 21.0])
    np.testing.assert_array_equal(a.toArray(), [5.0, 7.0])      # copied, not rebound
    assert ex.argDict["a"] is a
    ex.dispose()


def test_outputs_are_the_same_objects_every_forward():
    _, _, c = ab()
    ex = c.bind(Context.cpu(), {"a": NDArray.ones(1), "b": NDArray.ones(1)})
    out = ex.outputs[0]
    ex.forward()
    assert ex.outputs[0] is out
    ex.dispose()


def test_backward_with_several_head_gradients():
    a, b, c = ab()
    d = a + b
    g = Symbol.Group(c, d)
    ga = NDArray.zeros(1)
    ex = g.bind(Context.cpu(), {"a": NDArray.ones(1) * 2, "b": NDArray.ones(1) * 3}, {"a": ga})
    ex.forward(isTrain=True)
    ex.backward([NDArray.ones(1) * 10, NDArray.ones(1) * 100])
    np.testing.assert_array_equal(ga.toArray(), [10 * 3 + 100.0])
    ex.dispose()


def test_argument_used_twice_sums_partial_gradients():
    x = Symbol.Variable("x")
    y = x * x + x
    gx = NDArray.zeros(3)
    ex = y.bind(Context.cpu(), {"x": NDArray.array([1.0, -2.0, 0.5])}, {"x": gx})
    ex.forward(isTrain=True)
    ex.backward(NDArray.ones(3))
    np.testing.assert_allclose(gx.toArray(), 2 * np.array([1.0, -2.0, 0.5]) + 1)
    ex.dispose()


def test_group_with_duplicate_and_variable_heads():
    a, b, c = ab()
    g = Symbol.Group(c, c, a)
    ex = g.bind(Context.cpu(), {"a": NDArray.ones(1) * 2, "b": NDArray.ones(1) * 3})
    ex.forward()
    assert [o.toScalar() for o in ex.outputs] == [6.0, 6.0, 2.0]
    ex.dispose()


def test_long_chain_runs_and_reuses_memory():
    x = Symbol.Variable("x")
    y = x
    for _ in range(50):
        y = y * 1.01 + 0.5
    ex = y.simpleBind(Context.cpu(), "write", {"x": (1000,)})
    ex.argDict["x"].set(1.0)
    ex.forward(isTrain=True)
    expected = 1.0
    for _ in range(50):
        expected = expected * 1.01 + 0.5
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), expected, rtol=1e-5)
    ex.backward(NDArray.ones(1000))
    np.testing.assert_allclose(ex.gradDict["x"].asnumpy(), 1.01 ** 50, rtol=1e-4)
    pool_line = ex.debugStr().splitlines()[0]
    pool_bytes = int(pool_line.split("pool=")[1].split()[0])
    assert pool_bytes <= 4 * 4000 + 256, pool_line   # a few blocks reused, not 100 intermediates
    ex.dispose()


def test_large_arrays_take_the_parallel_path():
    a, b, c = ab()
    n = 1 << 20
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    ex = (c + a).bind(Context.cpu(), {"a": NDArray.array(x), "b": NDArray.array(y)})
    ex.forward()
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), x * y + x, rtol=1e-6)
    ex.dispose()


def test_executor_dispose_is_idempotent_and_forward_after_dispose_raises():
    _, _, c = ab()
    ex = c.bind(Context.cpu(), {"a": NDArray.ones(1), "b": NDArray.ones(1)})
    ex.dispose()
    ex.dispose()
    with pytest.raises(PysymError, match="disposed"):
        ex.forward()


def test_simple_bind_grad_req_null_allocates_no_gradients():
    a, b, c = ab()
    ex = c.simpleBind(Context.cpu(), "null", {"a": Shape(2), "b": Shape(2)})
    assert ex.gradDict == {"a": None, "b": None}
    ex.dispose()
