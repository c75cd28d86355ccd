"""Reductions and broadcasting: what the operator table cannot express (MXNet 1.x output shapes,
error messages, where's condition gradient, argmax ties, hidden outputs, aliases)."""
import json

import numpy as np
import pytest

from pysym import Context, NDArray, PysymError, Symbol

api = Symbol.api


def out_shape(sym, **shapes):
    _, outs, _ = sym.inferShape(**shapes)
    return outs[0].toTuple()


def run(sym, args, grads=None, head=None):
    """Forward (and backward with head, if given); returns (outputs, gradients) as NumPy."""
    arrays = {k: NDArray.array(np.asarray(v, dtype=np.float32)) for k, v in args.items()}
    garrays = {k: NDArray.zeros(*np.shape(args[k])) for k in (grads or [])}
    with sym.bind(Context.cpu(), arrays, garrays or None) as ex:
        ex.forward(isTrain=head is not None)
        outs = [o.asnumpy() for o in ex.outputs]
        if head is not None:
            h = NDArray.array(np.asarray(head, dtype=np.float32))
            ex.backward(h)
            h.dispose()
        got = {k: g.asnumpy() for k, g in garrays.items()}
    for a in list(arrays.values()) + list(garrays.values()):
        a.dispose()
    return outs, got


# ---- output shapes (MXNet 1.x legacy rules) ----------------------------------------------------

@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "prod", "argmax", "argmin"])
def test_reducing_everything_gives_shape_1(op):
    x = Symbol.Variable("x")
    assert out_shape(getattr(api, op)(x), x=(2, 3, 4)) == (1,)
    assert out_shape(getattr(api, op)(x, keepdims=True), x=(2, 3, 4)) == (1, 1, 1)


def test_sum_without_axis_value_has_shape_1():
    outs, _ = run(api.sum(Symbol.Variable("x")), {"x": np.arange(6).reshape(2, 3)})
    assert outs[0].shape == (1,) and outs[0][0] == 15


@pytest.mark.parametrize("params, shape", [
    ({"axis": 1}, (2, 4)),
    ({"axis": (0, 2)}, (3,)),
    ({"axis": (0, 1, 2)}, (1,)),
    ({"axis": (0, 2), "keepdims": True}, (1, 3, 1)),
    ({"axis": 1, "exclude": True}, (3,)),
    ({"axis": (0, 2), "exclude": True}, (2, 4)),
    ({"axis": 1, "exclude": True, "keepdims": True}, (1, 3, 1)),
    ({"axis": -1, "keepdims": True}, (2, 3, 1)),
    ({"axis": (), "exclude": True}, (1,)),       # an empty axis reduces everything, exclude or not
])
def test_reduction_output_shapes(params, shape):
    x = Symbol.Variable("x")
    assert out_shape(api.sum(x, **params), x=(2, 3, 4)) == shape


def test_reduction_values_with_exclude_and_keepdims():
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    outs, _ = run(api.max(Symbol.Variable("x"), axis=1, exclude=True, keepdims=True), {"x": x})
    np.testing.assert_allclose(outs[0], x.max(axis=(0, 2), keepdims=True))


@pytest.mark.parametrize("params, shape", [({"axis": 1}, (2, 4)), ({"axis": -1, "keepdims": True}, (2, 3, 1)),
                                           ({}, (1,))])
def test_argmax_shapes(params, shape):
    assert out_shape(api.argmax(Symbol.Variable("x"), **params), x=(2, 3, 4)) == shape


def test_bad_reduction_axes_are_rejected_with_the_input_shape():
    x = Symbol.Variable("x")
    with pytest.raises(PysymError, match=r"Reduction axis 3 exceeds input dimensions \(2,3,4\)"):
        api.sum(x, axis=3).inferShape(x=(2, 3, 4))
    with pytest.raises(PysymError, match=r"Reduction axes have duplicates"):
        api.sum(x, axis=(1, -2)).inferShape(x=(2, 3, 4))
    with pytest.raises(PysymError, match=r"axis -4 exceeds the input dimension of 3"):
        api.argmax(x, axis=-4).inferShape(x=(2, 3, 4))


# ---- argmax / argmin ------------------------------------------------------------------------------

def test_argmax_and_argmin_ties_give_the_first_index():
    x = np.array([[1, 3, 3, 0], [2, 2, 2, 2], [0, -1, 5, -1]], dtype=np.float32)
    v = Symbol.Variable("x")
    (amax,), _ = run(api.argmax(v, axis=1), {"x": x})
    (amin,), _ = run(api.argmin(v, axis=1), {"x": x})
    np.testing.assert_array_equal(amax, [1, 0, 2])
    np.testing.assert_array_equal(amin, [3, 0, 1])
    (flat,), _ = run(api.argmax(v), {"x": x})
    np.testing.assert_array_equal(flat, [10])


# ---- broadcasting ----------------------------------------------------------------------------------

def test_broadcast_shapes_left_pad_the_shorter_operand():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    assert out_shape(api.broadcast_mul(a, b), a=(2, 1, 4), b=(3, 1)) == (2, 3, 4)
    assert out_shape(api.broadcast_add(a, b), a=(5,), b=(2, 3, 1)) == (2, 3, 5)


def test_broadcast_shape_error_names_both_shapes():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    with pytest.raises(PysymError, match=r"broadcast_add\d*: operands could not be broadcast together "
                                         r"with shapes \(2,3\) \(4,3\)"):
        api.broadcast_add(a, b).inferShape(a=(2, 3), b=(4, 3))


def test_broadcast_to_errors():
    x = Symbol.Variable("x")
    with pytest.raises(PysymError, match=r"Operand of shape \(3,1\) cannot be broadcasted to \(2, 3, 4\)|"
                                         r"Operand of shape \(3,1\) cannot be broadcasted to \(2,3,4\)"):
        api.broadcast_to(x, shape=(2, 3, 4)).inferShape(x=(3, 1))
    with pytest.raises(PysymError, match=r"cannot be broadcasted from \(2,3\) to"):
        api.broadcast_to(x, shape=(4, 3)).inferShape(x=(2, 3))


def test_broadcast_gradients_sum_over_broadcast_dims():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    lhs, rhs = np.ones((2, 1, 4)), np.full((3, 1), 2.0)
    head = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    _, g = run(api.broadcast_mul(a, b), {"a": lhs, "b": rhs}, grads=["a", "b"], head=head)
    np.testing.assert_allclose(g["a"], 2.0 * head.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(g["b"], head.sum(axis=(0, 2)).reshape(3, 1))
    _, g = run(api.broadcast_axis(a, axis=1, size=3), {"a": lhs}, grads=["a"], head=head)
    np.testing.assert_allclose(g["a"], head.sum(axis=1, keepdims=True))


def test_aliases_build_the_same_operator():
    x, y = Symbol.Variable("x"), Symbol.Variable("y")
    for alias, op in [("sum_axis", "sum"), ("max_axis", "max"), ("min_axis", "min"), ("broadcast_plus", "broadcast_add"),
                      ("broadcast_minus", "broadcast_sub"), ("broadcast_axes", "broadcast_axis")]:
        binary = alias in ("broadcast_plus", "broadcast_minus")
        sym = getattr(api, alias)(x, y) if binary else getattr(api, alias)(x)
        assert json.loads(sym.toJson())["nodes"][-1]["op"] == op, alias


# ---- where, clip -----------------------------------------------------------------------------------

def test_where_condition_gets_zero_gradient_like_mxnet():
    c, x, y = Symbol.Variable("c"), Symbol.Variable("x"), Symbol.Variable("y")
    cond = np.array([[1, 0, 2], [0, 0, 1]], dtype=np.float32)
    head = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    (out,), g = run(api.where(c, x, y), {"c": cond, "x": np.ones((2, 3)), "y": -np.ones((2, 3))},
                    grads=["c", "x", "y"], head=head)
    np.testing.assert_array_equal(out, np.where(cond != 0, 1, -1))
    np.testing.assert_array_equal(g["c"], np.zeros((2, 3)))
    np.testing.assert_array_equal(g["x"], np.where(cond != 0, head, 0))
    np.testing.assert_array_equal(g["y"], np.where(cond != 0, 0, head))


def test_where_with_a_1d_condition_selects_rows():
    c, x, y = Symbol.Variable("c"), Symbol.Variable("x"), Symbol.Variable("y")
    (out,), _ = run(api.where(c, x, y), {"c": [0, 1], "x": np.ones((2, 3)), "y": np.zeros((2, 3))})
    np.testing.assert_array_equal(out, [[0, 0, 0], [1, 1, 1]])
    with pytest.raises(PysymError, match=r"condition shape \(3\) must equal the shape of x \(2,3\)"):
        api.where(c, x, y).inferShape(c=(3,), x=(2, 3))


def test_clip_requires_its_bounds():
    with pytest.raises(PysymError, match="Required parameter a_max .* clip"):
        api.clip(Symbol.Variable("x"), a_min=0.0)


def test_clip_gradient_includes_the_bounds():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=np.float32)
    (out,), g = run(api.clip(Symbol.Variable("x"), a_min=-0.5, a_max=0.5), {"x": x}, grads=["x"], head=np.ones(5))
    np.testing.assert_array_equal(out, [-0.5, -0.5, 0, 0.5, 0.5])
    np.testing.assert_array_equal(g["x"], [0, 1, 1, 1, 0])


# ---- L2Normalization, InstanceNorm ------------------------------------------------------------------

def test_normalisations_hide_their_statistics_and_name_their_parameters():
    l2 = api.L2Normalization(Symbol.Variable("data"), mode="spatial", name="l2")
    assert l2.listOutputs() == ["l2_output"]
    inorm = api.InstanceNorm(Symbol.Variable("data"), name="in1")
    assert inorm.listArguments() == ["data", "in1_gamma", "in1_beta"]
    assert inorm.listOutputs() == ["in1_output"]
    args, outs, _ = inorm.inferShape(data=(2, 3, 5, 5))
    assert [a.toTuple() for a in args] == [(2, 3, 5, 5), (3,), (3,)]


def test_normalisation_parameter_errors():
    with pytest.raises(PysymError, match=r"mode=.*'batch'.*\{'channel', 'instance', 'spatial'\}"):
        api.L2Normalization(Symbol.Variable("x"), mode="batch")
    with pytest.raises(PysymError, match=r"channel mode needs data of at least 3 dimensions, got shape \(2,3\)"):
        api.L2Normalization(Symbol.Variable("x"), mode="channel").inferShape(x=(2, 3))
    with pytest.raises(PysymError, match=r"InstanceNorm needs data of at least 3 dimensions"):
        api.InstanceNorm(Symbol.Variable("x")).inferShape(x=(2, 3))
