"""Bad input gets a clear PysymError naming the thing, expected and actual; nothing crashes."""
import numpy as np
import pytest

from pysym import Context, NDArray, PysymError, Shape, Symbol


def ab():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    return a * b


def test_bind_missing_argument():
    with pytest.raises(PysymError, match="no NDArray given for 'b'"):
        ab().bind(Context.cpu(), {"a": NDArray.ones(1)})


def test_bind_list_of_wrong_length():
    with pytest.raises(PysymError, match=r"expected 2 \[a, b\], got 1"):
        ab().bind(Context.cpu(), [NDArray.ones(1)])


def test_bind_shape_mismatch_names_operator_and_shapes():
    with pytest.raises(PysymError, match=r"Error in operator _mul0: Shape inconsistent.*\[2,3\].*\(1\)|"
                                         r"Error in operator _mul0: Shape inconsistent.*\[1\].*\(2,3\)"):
        ab().bind(Context.cpu(), {"a": NDArray.ones(2, 3), "b": NDArray.ones(1)})


def test_bind_gradient_shape_mismatch():
    with pytest.raises(PysymError, match=r"gradient array for 'a' has shape \(3\), expected \(2\)"):
        ab().bind(Context.cpu(), {"a": NDArray.ones(2), "b": NDArray.ones(2)}, {"a": NDArray.zeros(3)})


def test_unknown_grad_req():
    with pytest.raises(PysymError, match="grad_req 'inplace' for argument 'a' must be one of null, write, add"):
        ab().bind(Context.cpu(), {"a": NDArray.ones(1), "b": NDArray.ones(1)}, {"a": NDArray.zeros(1)}, "inplace")


def test_unknown_gradient_name():
    with pytest.raises(PysymError, match="'c' is not an argument"):
        ab().bind(Context.cpu(), {"a": NDArray.ones(1), "b": NDArray.ones(1)}, {"c": NDArray.zeros(1)})


def test_wrong_number_of_head_gradients():
    ex = ab().bind(Context.cpu(), {"a": NDArray.ones(1), "b": NDArray.ones(1)}, {"a": NDArray.zeros(1)})
    ex.forward(isTrain=True)
    with pytest.raises(PysymError, match="backward expected 1 head gradients .* got 0"):
        ex.backward()
    with pytest.raises(PysymError, match="backward expected 1 head gradients .* got 2"):
        ex.backward([NDArray.ones(1), NDArray.ones(1)])
    with pytest.raises(PysymError, match=r"head gradient 0 has shape \(2\), expected \(1\)"):
        ex.backward(NDArray.ones(2))
    ex.dispose()


def test_operation_on_disposed_ndarray():
    a = NDArray.ones(3)
    a.dispose()
    with pytest.raises(PysymError, match="has been disposed"):
        a.toArray()
    with pytest.raises(PysymError, match="has been disposed"):
        a + 1
    with pytest.raises(PysymError, match="disposed"):
        ab().bind(Context.cpu(), {"a": a, "b": NDArray.ones(3)})


def test_executor_with_disposed_argument_raises_instead_of_crashing():
    a = NDArray.ones(2)
    ex = ab().bind(Context.cpu(), {"a": a, "b": NDArray.ones(2)})
    a.dispose()
    with pytest.raises(PysymError, match="argument 'a' has been disposed"):
        ex.forward()
    ex.dispose()


def test_ndarray_arithmetic_shape_mismatch():
    with pytest.raises(PysymError, match="Shape inconsistent"):
        NDArray.ones(2) + NDArray.ones(3)


def test_set_with_wrong_length():
    with pytest.raises(PysymError, match=r"got 3 values for an NDArray of shape \(2\)"):
        NDArray.zeros(2).set([1, 2, 3])


def test_to_scalar_on_non_scalar():
    with pytest.raises(PysymError, match="not a scalar"):
        NDArray.zeros(2).toScalar()


def test_slice_out_of_range():
    with pytest.raises(PysymError, match=r"slice \[1, 5\) out of range"):
        NDArray.zeros(3, 2).slice(1, 5)


def test_reshape_to_wrong_size():
    with pytest.raises(PysymError, match="has 8 elements, input has 6"):
        NDArray.zeros(2, 3).reshape(2, 4)


def test_unknown_operator_parameter_lists_valid_ones():
    with pytest.raises(PysymError, match=r"Cannot find argument 'scalr'.*Possible Arguments: \[scalar"):
        from pysym.symbol import _call_op
        _call_op("_plus_scalar", [Symbol.Variable("x")], {"scalr": 1}, None, None)


def test_wrong_parameter_type():
    from pysym.symbol import _call_op
    with pytest.raises(PysymError, match="Invalid parameter scalar='abc'"):
        _call_op("_plus_scalar", [Symbol.Variable("x")], {"scalar": "abc"}, None, None)


def test_compose_unknown_keyword_input():
    with pytest.raises(PysymError, match="Symbol.ComposeKeyword argument name lhz not found"):
        Symbol.api.negative(lhz=Symbol.Variable("x"))


def test_group_as_single_input_is_rejected():
    g = Symbol.Group(Symbol.Variable("x"), Symbol.Variable("y"))
    with pytest.raises(PysymError, match="single value is required"):
        Symbol.api.exp(g)


def test_infer_shape_unknown_keyword():
    with pytest.raises(PysymError, match="InferShapeKeyword argument name c not found"):
        ab().inferShape(c=(1,))


def test_simple_bind_with_unknown_shapes_names_them():
    with pytest.raises(PysymError, match=r"cannot decide the shapes of \[b\]"):
        Symbol.Group(Symbol.Variable("a") * 2, Symbol.Variable("b")).simpleBind(Context.cpu(), "write", {"a": Shape(2)})


def test_non_float32_bind_is_rejected_clearly():
    with pytest.raises(PysymError, match="dtype float64; the kernels support float32 only"):
        ab().bind(Context.cpu(), {"a": NDArray.ones(2, dtype=np.float64), "b": NDArray.ones(2, dtype=np.float64)})


def test_missing_native_library_error_names_the_path(tmp_path):
    import subprocess
    import sys
    code = ("import os; os.environ['PYSYM_NATIVE_LIB']=r'%s'\n"
            "import pysym\n"
            "try:\n    pysym.NDArray.ones(1)\nexcept pysym.PysymError as e:\n    print('ERR', e)\n") % (tmp_path / "nope.so")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "ERR" in out.stdout and "nope.so" in out.stdout, out.stdout + out.stderr
