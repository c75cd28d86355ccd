"""Symbol composition, naming, queries and shape inference, as MXNet 1.9.1 (NNVM) does them."""
import pytest

from pysym import PysymError, Shape, Some, Symbol


def test_auto_names_follow_mxnet():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    assert (a + b).listOutputs() == ["_plus0_output"]
    assert (a * b).listOutputs() == ["_mul0_output"]
    assert (a + 1).listOutputs() == ["_plusscalar0_output"]
    assert (1 - a).listOutputs() == ["_rminusscalar0_output"]
    assert (2 / a).listOutputs() == ["_rdivscalar0_output"]
    assert (a ** 2).listOutputs() == ["_powerscalar0_output"]
    assert (a + b).listOutputs() == ["_plus1_output"]
    assert (-a).listOutputs() == ["_mulscalar0_output"]
    assert Symbol.api.exp(a).listOutputs() == ["exp0_output"]
    assert Symbol.api.exp(a, name="e").listOutputs() == ["e_output"]


def test_list_arguments_is_post_order_dfs():
    a, b, c, d = (Symbol.Variable(n) for n in "abcd")
    e = (d * (a + b)) - c
    assert e.listArguments() == ["d", "a", "b", "c"]
    assert e.listAuxiliaryStates() == []


def test_group_get_and_internals():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    c = a * b
    e = c + a
    g = Symbol.Group(e, c)
    assert g.listOutputs() == ["_plus0_output", "_mul0_output"]
    assert g.listArguments() == ["a", "b"]
    assert g[1].listOutputs() == ["_mul0_output"]
    assert g.get("_plus0_output").listOutputs() == ["_plus0_output"]
    assert g[-1].listOutputs() == ["_mul0_output"]
    internals = e.getInternals()
    assert internals.listOutputs() == ["a", "b", "_mul0_output", "_plus0_output"]
    assert internals.get("_mul0_output").listArguments() == ["a", "b"]
    with pytest.raises(PysymError, match="Cannot find output that matches name nope"):
        g.get("nope")
    with pytest.raises(PysymError, match="out of range"):
        g.get(5)


def test_variable_attributes():
    v = Symbol.Variable("w", attr={"mood": "angry"}, shape=Shape(2, 3), lrMult=2.0)
    assert v.attr("mood") == "angry"
    assert v.attr("__shape__") == "(2,3)"
    assert v.attr("__lr_mult__") == "2.0"
    assert v.attr("nope") is None
    assert v.attr("name") == "w"
    with pytest.raises(PysymError, match="must start and end with double underscores"):
        Symbol.Variable("x", kwargs={"plain": "1"})


def test_variable_shape_attribute_feeds_inference():
    v = Symbol.Variable("w", shape=(2, 3))
    args, outs, aux = (v * 2).inferShape()
    assert args == [Shape(2, 3)] and outs == [Shape(2, 3)] and aux == []


def test_infer_shape_forms():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    c = a * b + 1
    expected = ([Shape(2, 3), Shape(2, 3)], [Shape(2, 3)], [])
    assert c.inferShape({"a": Shape(2, 3)}) == expected
    assert c.inferShape(a=(2, 3)) == expected
    assert c.inferShape(Shape(2, 3)) == expected            # positional, listArguments order
    assert c.inferShape(None, (2, 3)) == expected
    assert c.inferShape(b=(2, 3))[0][0] == Shape(2, 3)      # backward direction: a from b


def test_infer_shape_unknown_stays_unknown():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    g = Symbol.Group(a * 2, b)
    assert g.inferShape(a=(4,)) == (None, None, None)
    args, outs, aux = g.inferShapePartial(a=(4,))
    assert args == [Shape(4), None] and outs == [Shape(4), None]


def test_infer_shape_conflict_raises():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    with pytest.raises(PysymError, match=r"Error in operator _plus0: Shape inconsistent"):
        (a + b).inferShape(a=(2, 3), b=(3, 2))


def test_infer_type():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    args, outs, aux = (a + b).inferType(a="float32")
    assert [str(t) for t in args] == ["float32", "float32"] and [str(t) for t in outs] == ["float32"]


def test_api_accepts_some_and_none():
    x = Symbol.Variable("x")
    assert Symbol.api.sqrt(Some(x)).listArguments() == ["x"]
    assert Symbol.api.elemwise_add(Some(x), None, name="add").listArguments() == ["x", "add_rhs"]
    assert "Square root" in Symbol.api.sqrt.__doc__


def test_legacy_curried_form():
    x = Symbol.Variable("x")
    s = Symbol.exp("myexp")(x)()
    assert s.listOutputs() == ["myexp_output"]
    t = Symbol.elemwise_add()()({"lhs": x, "rhs": s})
    assert t.listArguments() == ["x"]


def test_symbol_helpers_pow_max_min():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    assert Symbol.pow(a, b).listOutputs() == ["_power0_output"]
    assert Symbol.pow(2, a).listOutputs() == ["_rpowerscalar0_output"]
    assert Symbol.max(a, b).listOutputs() == ["_maximum0_output"]
    assert Symbol.min(a, 3).listOutputs() == ["_minimumscalar0_output"]


def test_api_positional_parameters_follow_the_typed_api_order():
    data = Symbol.Variable("data")
    fc1 = Symbol.api.FullyConnected(data, None, None, 128, name="fc1")
    act = Symbol.api.Activation(fc1, "relu", "relu1")          # as MXNet Scala's tutorial writes it
    assert act.listOutputs() == ["relu1_output"]
    assert act.inferShape(data=(2, 5))[0] == [Shape(2, 5), Shape(128, 5), Shape(128)]
    with pytest.raises(PysymError, match="takes at most 4 positional arguments"):
        Symbol.api.Activation(fc1, "relu", "r", None, 5)
    with pytest.raises(PysymError, match="given both by position and by name"):
        Symbol.api.Activation(fc1, "relu", act_type="tanh")


def test_compose_replaces_free_variables():
    data = Symbol.Variable("data")
    net1 = Symbol.api.exp(data * 2, name="e1")
    x = Symbol.Variable("x")
    net2 = Symbol.api.sqrt(x + 1, name="s2")
    composed = net2(name="composed", symbols={"x": net1})
    assert composed.listArguments() == ["data"]
    assert net2.listArguments() == ["x"]                     # the original is unchanged
    args, outs, _ = composed.inferShape(data=(2, 3))
    assert outs == [Shape(2, 3)]
    import numpy as np
    from pysym import Context, NDArray
    v = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], dtype=np.float32)
    with composed.bind(Context.cpu(), {"data": NDArray.array(v)}) as ex:
        ex.forward()
        np.testing.assert_allclose(ex.outputs[0].asnumpy(), np.sqrt(np.exp(v * 2) + 1), rtol=1e-6)
    with pytest.raises(PysymError, match="'y' is not a variable of this symbol"):
        net2(y=net1)


def test_attr_map_and_debug_str():
    x = Symbol.Variable("x", attr={"mood": "calm"})
    y = Symbol.api.Activation(x * 2, act_type="relu", name="act")
    assert y.attrMap() == {"x": {"mood": "calm"}, "_mulscalar0": {"scalar": "2.0"}, "act": {"act_type": "relu"}}
    text = y.debugStr()
    assert text.startswith("Symbol Outputs:\n\toutput[0]=act_output\n")
    assert "Op:Activation, Name=act\nInputs:\n\targ[0]=_mulscalar0(0) version=0\nAttrs:\n\tact_type=relu\n" in text
