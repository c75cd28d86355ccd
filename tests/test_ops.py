"""Every operator in the test table: forward against its NumPy reference, gradient against
central finite differences."""
import numpy as np
import pytest

from op_cases import CASES, make_inputs
from opcheck import check_gradient, run_forward


@pytest.mark.parametrize("op", sorted(CASES))
def test_forward_matches_numpy(op, rng):
    case = CASES[op]
    inputs = make_inputs(case, rng)
    params = {k: v for k, v in case.params.items() if k != "num_args"}
    expected = case.fwd(*[x.astype(np.float64) for x in inputs], **params)
    outs = run_forward(op, inputs, case.params)
    np.testing.assert_allclose(outs[0], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", sorted(o for o, c in CASES.items() if c.differentiable))
def test_gradient_matches_finite_differences(op, rng):
    case = CASES[op]
    check_gradient(op, make_inputs(case, rng), case.params, rng, wrt=case.wrt)


@pytest.mark.parametrize("op", sorted(o for o, c in CASES.items() if not c.differentiable))
def test_non_differentiable_ops_give_zero_gradient(op, rng):
    from pysym import Context, NDArray, Symbol
    from opcheck import op_symbol
    case = CASES[op]
    x = make_inputs(case, rng)[0]
    sym = op_symbol(op, 1, case.params)
    a, g = NDArray.array(x), NDArray.ones(*x.shape)
    with sym.bind(Context.cpu(), [a], [g]) as ex:
        ex.forward(isTrain=True)
        ex.backward(NDArray.ones(*x.shape))
        np.testing.assert_array_equal(g.asnumpy(), np.zeros_like(x))
