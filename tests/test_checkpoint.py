"""Checkpoints: MXNet's files load, bind for inference in one call and give MXNet's outputs; pysym's own
checkpoints round-trip; and, where the MXNet 1.9.1 venv exists, MXNet loads the JSON pysym writes."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pysym
from pysym import Context, Model, NDArray, PysymError, Symbol

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "mxnet")
sys.path.insert(0, FIX)
from golden import MODELS, model  # noqa: E402


@pytest.mark.parametrize("name", MODELS)
def test_bind_for_inference_in_one_call_gives_mxnet_outputs(name):
    m = model(name)
    inputs = {n: m["arg"][n].shape for n in m["inputs"] + m["labels"]}
    ex = Model.bindForInference(os.path.join(FIX, name), 0, Context.cpu(), inputs)
    for n in inputs:
        ex.argDict[n].set(m["arg"][n])
    ex.forward()
    for i, want in enumerate(m["out_infer"]):
        np.testing.assert_allclose(ex.outputs[i].asnumpy(), want, rtol=1e-4, atol=1e-5)
    assert ex.gradDict == {n: None for n in m["list_arguments"]}
    ex.dispose()


def test_load_and_save_checkpoint_round_trip(tmp_path):
    sym, arg, aux = Model.loadCheckpoint(os.path.join(FIX, "bn_residual"), 0)
    assert sorted(arg) == sorted(model("bn_residual")["params"])
    assert sorted(aux) == sorted(model("bn_residual")["list_auxiliary_states"])
    prefix = str(tmp_path / "copy")
    Model.saveCheckpoint(prefix, 7, sym, arg, aux)
    assert os.path.exists(prefix + "-symbol.json") and os.path.exists(prefix + "-0007.params")
    sym2, arg2, aux2 = Model.loadCheckpoint(prefix, 7)
    assert sym2.toJson() == sym.toJson()
    for k in arg:
        np.testing.assert_array_equal(arg2[k].asnumpy(), arg[k].asnumpy())
    for k in aux:
        np.testing.assert_array_equal(aux2[k].asnumpy(), aux[k].asnumpy())
    for a in list(arg.values()) + list(aux.values()) + list(arg2.values()) + list(aux2.values()):
        a.dispose()


def test_bind_for_inference_names_a_missing_input_shape():
    with pytest.raises(PysymError, match="shape of input 'data' is unknown"):
        Model.bindForInference(os.path.join(FIX, "mlp"), 0, Context.cpu(), {})


def test_missing_checkpoint_file_names_the_path(tmp_path):
    with pytest.raises(PysymError, match="nope-symbol.json"):
        Model.loadCheckpoint(str(tmp_path / "nope"), 0)


MXNET_PY = os.path.join(os.environ.get("PYSYM_MXNET_VENV", os.path.expanduser("~/.cache/pysym/mxnet-venv")), "bin", "python")


@pytest.mark.skipif(not os.path.exists(MXNET_PY),
                    reason="MXNet 1.9.1 venv not found (create it with: bash tools/mxnet_env.sh); CI does not need it")
def test_mxnet_loads_the_json_pysym_writes(tmp_path):
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    syms = {"expr": Symbol.Group(Symbol.api.exp(a * b + 2.5), (a - b) / 3)}
    for name in MODELS:
        syms[name] = Symbol.loadJson(model(name)["symbol_json"])
    expect = {}
    for name, s in syms.items():
        s.save(tmp_path / f"{name}.json")
        expect[name] = {"args": s.listArguments(), "outs": s.listOutputs(), "aux": s.listAuxiliaryStates()}
    script = ("import json, sys, mxnet as mx\nout = {}\n"
              "for name in json.loads(sys.argv[2]):\n"
              "    s = mx.sym.load(sys.argv[1] + '/' + name + '.json')\n"
              "    out[name] = {'args': s.list_arguments(), 'outs': s.list_outputs(), 'aux': s.list_auxiliary_states()}\n"
              "print(json.dumps(out))\n")
    r = subprocess.run([MXNET_PY, "-c", script, str(tmp_path), json.dumps(list(syms))], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.strip().splitlines()[-1]) == expect
