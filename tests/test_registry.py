"""Meta-test: the operator test table covers the whole registry."""
from pysym import _jvm
from cases import all_cases

CASES = all_cases()


def registered_ops():
    return [str(op.name) for op in _jvm.JOpRegistry.all()]


def test_every_forward_operator_has_a_test_case():
    missing = [op for op in registered_ops() if not op.startswith("_backward_") and op not in CASES]
    assert missing == [], f"operators without a forward/gradient test case in tests/op_cases.py: {missing}"


def test_every_case_names_a_registered_operator():
    unknown = [op for op in CASES if op not in registered_ops()]
    assert unknown == []


def test_backward_operators_belong_to_a_forward_operator():
    ops = registered_ops()
    for op in ops:
        if op.startswith("_backward_"):
            forward = op[len("_backward_"):]
            assert any(f in ops for f in (forward, "_" + forward, "elemwise_" + forward)), op


def test_every_operator_is_differentiable_or_declared_not():
    for op in _jvm.JOpRegistry.all():
        assert op.gradRule is not None or op.nonDifferentiable, str(op.name)
