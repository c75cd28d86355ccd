"""MXNet's symbol JSON: the exact text MXNet writes, round trips, legacy files, and malformed input."""
import json
import random

import pytest

from pysym import PysymError, Symbol

A_PLUS_B = """{
  "nodes": [
    {
      "op": "null", 
      "name": "a", 
      "inputs": []
    }, 
    {
      "op": "null", 
      "name": "b", 
      "inputs": []
    }, 
    {
      "op": "elemwise_add", 
      "name": "_plus0", 
      "inputs": [[0, 0, 0], [1, 0, 0]]
    }
  ], 
  "arg_nodes": [0, 1], 
  "node_row_ptr": [0, 1, 2, 3], 
  "heads": [[2, 0, 0]], 
  "attrs": {"mxnet_version": ["int", 10901]}
}"""


def expr():
    a, b, c = Symbol.Variable("a"), Symbol.Variable("b", shape=(2, 3)), Symbol.Variable("c")
    return Symbol.Group(Symbol.api.exp(a * b + 2.5, name="e"), (c - a) / 3, -b)


def test_a_plus_b_is_mxnet_text_byte_for_byte():
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    assert (a + b).toJson() == A_PLUS_B


def test_round_trip_gives_the_identical_graph(tmp_path):
    s = expr()
    text = s.toJson()
    t = Symbol.loadJson(text)
    assert t.toJson() == text
    assert t.listArguments() == s.listArguments() and t.listOutputs() == s.listOutputs()
    s.save(tmp_path / "net-symbol.json")
    u = Symbol.load(tmp_path / "net-symbol.json")
    assert u.toJson() == text
    assert u.getInternals().get("b").attr("__shape__") == "(2,3)"
    assert json.loads(text)["attrs"] == {"mxnet_version": ["int", 10901]}


def test_params_are_strings_in_mxnet_spelling():
    s = Symbol.api.exp(Symbol.Variable("x") * 0.001, name="e")
    nodes = json.loads(s.toJson())["nodes"]
    assert nodes[1] == {"op": "_mul_scalar", "name": "_mulscalar0", "attrs": {"scalar": "0.001"}, "inputs": [[0, 0, 0]]}


def test_legacy_param_and_attr_keys_and_aliases():
    legacy = {
        "nodes": [
            {"op": "null", "name": "x", "param": {}, "attr": {"__shape__": "(2,)"}, "inputs": []},
            {"op": "_MulScalar", "name": "m", "param": {"scalar": "3"}, "attr": {"ctx_group": "dev1"}, "inputs": [[0, 0]]},
        ],
        "arg_nodes": [0],
        "heads": [[1, 0]],
    }
    s = Symbol.loadJson(json.dumps(legacy))
    assert s.listArguments() == ["x"]
    assert s.inferShape()[1][0].toTuple() == (2,)
    out = json.loads(s.toJson())
    assert out["nodes"][1]["op"] == "_mul_scalar"
    assert out["nodes"][1]["attrs"] == {"__ctx_group__": "dev1", "scalar": "3"}


@pytest.mark.parametrize("text, message", [
    ('{"nodes": [', "malformed JSON"),
    ('[]', "must be an object"),
    ('{"nodes": [], "heads": []}', "no heads"),
    ('{"nodes": [{"op": "null", "name": "a", "inputs": []}], "heads": [[1, 0, 0]]}', "reference to node 1"),
    ('{"nodes": [{"op": "exp", "name": "e", "inputs": [[0, 0, 0]]}], "heads": [[0, 0, 0]]}', "reference to node 0"),
    ('{"nodes": [{"op": "null", "name": "a", "inputs": []}, {"op": "exp", "name": "e", "inputs": [[1, 0, 0]]}],'
     ' "heads": [[1, 0, 0]]}', "reference to node 1"),
    ('{"nodes": [{"op": "null", "name": "a", "inputs": []}, {"op": "NoSuchOp", "name": "z", "inputs": [[0, 0, 0]]}],'
     ' "heads": [[1, 0, 0]]}', "unknown operator 'NoSuchOp'"),
    ('{"nodes": [{"op": "null", "name": "a", "inputs": []}, {"op": "_mul_scalar", "name": "m", "attrs": {"scalr": "2"},'
     ' "inputs": [[0, 0, 0]]}], "heads": [[1, 0, 0]]}', "unknown parameter 'scalr'"),
    ('{"nodes": [{"op": "null", "name": "a", "inputs": []}, {"op": "_mul_scalar", "name": "m", "attrs": {"scalar": "two"},'
     ' "inputs": [[0, 0, 0]]}], "heads": [[1, 0, 0]]}', "Invalid parameter scalar='two'"),
    ('{"nodes": [{"op": "null", "name": "a", "inputs": []}, {"op": "elemwise_add", "name": "p", "inputs": [[0, 0, 0]]}],'
     ' "heads": [[1, 0, 0]]}', "has 1 inputs, expected 2"),
    ('{"nodes": [{"op": "null", "name": "a", "inputs": []}], "heads": [[0, 5, 0]]}', "output 5 referenced"),
    ('[' * 10000, "nesting deeper"),
])
def test_malformed_json_gives_a_clear_error(text, message):
    with pytest.raises(PysymError, match=message):
        Symbol.loadJson(text)


def test_fuzzed_json_never_crashes():
    text = expr().toJson()
    rnd = random.Random(7)
    loaded = failed = 0
    for _ in range(400):
        chars = list(text)
        for _ in range(rnd.randint(1, 4)):
            i = rnd.randrange(len(chars))
            chars[i] = rnd.choice('{}[]",:0123456789-ae ') if rnd.random() < 0.8 else ""
        mutated = "".join(chars)[: rnd.randint(1, len(text))] if rnd.random() < 0.2 else "".join(chars)
        try:
            Symbol.loadJson(mutated).listOutputs()
            loaded += 1
        except PysymError:
            failed += 1
    assert loaded + failed == 400 and failed > 0
