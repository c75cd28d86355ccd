"""Every operator in the test table: forward against its NumPy reference, gradient against
central finite differences."""
import numpy as np
import pytest

from cases import all_cases, make_inputs, ref_params
from opcheck import check_gradient, run_forward, run_infer_shape

CASES = all_cases()


@pytest.mark.parametrize("op", sorted(CASES))
def test_forward_matches_numpy(op, rng):
    case = CASES[op]
    inputs = make_inputs(case, rng)
    expected = case.fwd(*[x.astype(np.float64) for x in inputs], **ref_params(case))
    expected = expected if isinstance(expected, tuple) else (expected,)
    outs = run_forward(op, inputs, case.params, is_train=case.is_train)
    for got, want in zip(outs, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", sorted(CASES))
def test_shape_inference(op, rng):
    """Shapes of the inputs in infer_from determine every other argument and the outputs."""
    case = CASES[op]
    inputs = make_inputs(case, rng)
    expected = case.fwd(*[x.astype(np.float64) for x in inputs], **ref_params(case))
    expected = expected if isinstance(expected, tuple) else (expected,)
    arg_shapes, out_shapes = run_infer_shape(op, inputs, case.params, case.infer_from)
    assert arg_shapes == [x.shape for x in inputs]
    assert out_shapes[:len(expected)] == [np.shape(e) for e in expected]


@pytest.mark.parametrize("op", sorted(o for o, c in CASES.items() if c.differentiable))
def test_gradient_matches_finite_differences(op, rng):
    case = CASES[op]
    inputs = make_inputs(case, rng)
    if case.grad_check is not None:   # loss heads: backward() ignores head gradients; check the formula
        from opcheck import run_loss_backward
        got = run_loss_backward(op, inputs, case.params, case.wrt)
        want = case.grad_check(*[x.astype(np.float64) for x in inputs], **ref_params(case))
        for i, w in zip(case.wrt or range(len(inputs)), want):
            np.testing.assert_allclose(got[i], w, rtol=1e-4, atol=1e-5, err_msg=f"{op} input {i}")
    else:
        check_gradient(op, inputs, case.params, rng, wrt=case.wrt)


@pytest.mark.parametrize("op", sorted(o for o, c in CASES.items() if not c.differentiable))
def test_non_differentiable_ops_give_zero_gradient(op, rng):
    from pysym import Context, NDArray, Symbol
    from opcheck import op_symbol
    case = CASES[op]
    if len(case.domains) != 1:
        pytest.skip("covered for one-input operators; multi-input ones are checked in their family tests")
    x = make_inputs(case, rng)[0]
    sym = op_symbol(op, 1, case.params)
    a, g = NDArray.array(x), NDArray.ones(*x.shape)
    with sym.bind(Context.cpu(), [a], [g]) as ex:
        ex.forward(isTrain=True)
        ex.backward(NDArray.ones(ex.outputs[0].shape))
        np.testing.assert_array_equal(g.asnumpy(), np.zeros_like(x))
