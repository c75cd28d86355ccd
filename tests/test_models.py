"""Whole networks saved by MXNet 1.9.1 (tests/fixtures/mxnet: MLP, LeNet, a BatchNorm net with a
residual add, a multi-output Group, a two-input net with Concat): the symbol JSON loads, names and
inferred shapes match MXNet's, and forward (inference and training), backward and the aux states
after one training step give MXNet's numbers."""
import os
import sys

import numpy as np
import pytest

from pysym import Context, NDArray, Symbol

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "mxnet"))
from golden import MODELS, model  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


@pytest.mark.parametrize("name", MODELS)
def test_model_structure_matches_mxnet(name):
    m = model(name)
    sym = Symbol.loadJson(m["symbol_json"])
    assert sym.listArguments() == m["list_arguments"]
    assert sym.listOutputs() == m["list_outputs"]
    assert sym.listAuxiliaryStates() == m["list_auxiliary_states"]
    assert sym.getInternals().listOutputs() == m["internals"]
    args, outs, aux = sym.inferShape(m["infer_shape_from"])
    assert [s.toTuple() for s in args] == [tuple(s) for s in m["infer_shape"]["arg_shapes"]]
    assert [s.toTuple() for s in outs] == [tuple(s) for s in m["infer_shape"]["out_shapes"]]
    assert [s.toTuple() for s in aux] == [tuple(s) for s in m["infer_shape"]["aux_shapes"]]
    assert Symbol.loadJson(sym.toJson()).toJson() == sym.toJson()
    assert sym.toJson() == m["symbol_json"]          # MXNet's own text, byte for byte


@pytest.mark.parametrize("name", MODELS)
def test_model_numbers_match_mxnet(name):
    m = model(name)
    sym = Symbol.loadJson(m["symbol_json"])
    args = {n: NDArray.array(v) for n, v in m["arg"].items()}
    aux = {n: NDArray.array(v) for n, v in m["aux"].items()}
    grads = {n: NDArray.zeros(*v.shape) for n, v in m["grad"].items()}
    heads = [NDArray.array(h) for h in (m["head_grad"] or [])]
    ex = sym.bind(Context.cpu(), args, grads, "write", aux)
    try:
        ex.forward(isTrain=False)
        for i, want in enumerate(m["out_infer"]):
            np.testing.assert_allclose(ex.outputs[i].asnumpy(), want, rtol=RTOL, atol=ATOL, err_msg=f"{name} out {i}")
        for n, want in m["aux"].items():   # an inference forward leaves aux states alone
            np.testing.assert_array_equal(ex.auxDict[n].asnumpy(), want)
        ex.forward(isTrain=True)
        for i, want in enumerate(m["out_train"]):
            np.testing.assert_allclose(ex.outputs[i].asnumpy(), want, rtol=RTOL, atol=ATOL, err_msg=f"{name} train out {i}")
        for n, want in m["aux"].items():   # so does a training forward (MXNet CPU updates them in backward)
            np.testing.assert_array_equal(ex.auxDict[n].asnumpy(), want)
        ex.backward(heads)
        for n, want in m["grad"].items():
            np.testing.assert_allclose(grads[n].asnumpy(), want, rtol=RTOL, atol=ATOL, err_msg=f"{name} grad {n}")
        for n, want in m["aux_after"].items():
            np.testing.assert_allclose(ex.auxDict[n].asnumpy(), want, rtol=RTOL, atol=ATOL, err_msg=f"{name} aux {n}")
        for n, want in m["arg_after"].items():   # BatchNorm with fix_gamma writes 1 into gamma, as MXNet does
            np.testing.assert_array_equal(args[n].asnumpy(), want, err_msg=f"{name} argument {n} after the run")
    finally:
        ex.dispose()
        for a in list(args.values()) + list(aux.values()) + list(grads.values()) + heads:
            a.dispose()
