"""Helpers to run one operator through a bound executor and check it against NumPy and against
central finite differences."""
import numpy as np

from pysym import Context, NDArray, Symbol
from pysym.symbol import _call_op


def op_symbol(op, n_inputs, params):
    variables = [Symbol.Variable(f"x{i}") for i in range(n_inputs)]
    return _call_op(op, variables, dict(params), None, None)


def run_forward(op, inputs, params, is_train=False):
    sym = op_symbol(op, len(inputs), params)
    args, aux = split_aux(sym, {f"x{i}": NDArray.array(x) for i, x in enumerate(inputs)})
    with sym.bind(Context.cpu(), args, auxStates=aux) as ex:
        ex.forward(isTrain=is_train)
        outs = [o.asnumpy() for o in ex.outputs]
    for a in list(args.values()) + list((aux or {}).values()):
        a.dispose()
    return outs


def split_aux(sym, arrays):
    """Inputs that are auxiliary states (BatchNorm's moving_mean/var) go to auxStates; None when none."""
    aux_names = set(sym.listAuxiliaryStates())
    args = {k: v for k, v in arrays.items() if k not in aux_names}
    aux = {k: v for k, v in arrays.items() if k in aux_names}
    return args, (aux or None)


def run_infer_shape(op, inputs, params, infer_from):
    sym = op_symbol(op, len(inputs), params)
    args, outs, aux = sym.inferShapePartial({f"x{i}": np.shape(inputs[i]) for i in infer_from})
    return [None if s is None else s.toTuple() for s in args + aux], [None if s is None else s.toTuple() for s in outs]


def run_loss_backward(op, inputs, params, wrt=None):
    """A loss head's input gradients from backward() with no head gradient."""
    sym = op_symbol(op, len(inputs), params)
    wrt = range(len(inputs)) if wrt is None else wrt
    args = {f"x{i}": NDArray.array(x) for i, x in enumerate(inputs)}
    grads = {f"x{i}": NDArray.zeros(*np.shape(inputs[i])) for i in wrt}
    with sym.bind(Context.cpu(), args, grads) as ex:
        ex.forward(isTrain=True)
        ex.backward()
        out = {i: grads[f"x{i}"].asnumpy() for i in wrt}
    for a in list(args.values()) + list(grads.values()):
        a.dispose()
    return out


def check_gradient(op, inputs, params, rng, wrt=None, eps=1e-3, rtol=2e-2, atol=2e-3):
    """Analytic input gradients (backward with a random head gradient w) against central finite
    differences of sum(w * op(x)) computed with the same forward kernels."""
    sym = op_symbol(op, len(inputs), params)
    wrt = range(len(inputs)) if wrt is None else wrt
    args, aux = split_aux(sym, {f"x{i}": NDArray.array(x) for i, x in enumerate(inputs)})
    grads = {f"x{i}": NDArray.zeros(*np.shape(inputs[i])) for i in wrt}
    ex = sym.bind(Context.cpu(), args, grads, auxStates=aux)
    ex.forward(isTrain=True)
    heads = [rng.uniform(-1, 1, o.shape.toTuple()).astype(np.float32) for o in ex.outputs]
    head_nd = [NDArray.array(h) for h in heads]
    ex.backward(head_nd)
    analytic = {k: g.asnumpy().astype(np.float64) for k, g in grads.items()}

    def objective():
        ex.forward(isTrain=True)
        return sum(float(np.sum(h.astype(np.float64) * o.asnumpy())) for h, o in zip(heads, ex.outputs))

    try:
        for i in wrt:
            view = np.asarray(args[f"x{i}"])
            numeric = np.zeros(view.shape)
            for idx in np.ndindex(view.shape):
                orig = float(view[idx])
                h = eps * max(1.0, abs(orig))
                view[idx] = orig + h
                up = objective()
                view[idx] = orig - h
                down = objective()
                view[idx] = orig
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(analytic[f"x{i}"], numeric, rtol=rtol, atol=atol,
                                       err_msg=f"gradient of {op} wrt input {i}")
    finally:
        ex.dispose()
        for a in list(args.values()) + list(grads.values()) + head_nd + list((aux or {}).values()):
            a.dispose()
