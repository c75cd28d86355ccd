"""The operator test table. Each module here (one per operator family in org.pysym.ops) defines
CASES: {op name: Case}. Every forward operator in the registry must have a case (a NumPy reference
written for the test, input domains, parameters); backward operators are checked through their
forward operator's gradient. test_registry.py enforces this."""
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np


@dataclass
class Case:
    fwd: Callable                      # NumPy reference: fwd(*inputs, **ref_params) -> output or tuple of outputs
    domains: list                      # per input: (low, high) uniform range, or callable(rng, shape) -> array
    params: dict = field(default_factory=dict)       # operator parameters, as a user passes them
    shapes: Optional[list] = None      # per input shape; default (3, 4) for all
    ref_params: Optional[dict] = None  # what fwd receives; default: params minus num_args
    differentiable: bool = True
    wrt: Optional[list] = None         # inputs whose gradients are checked (default: all)
    infer_from: list = field(default_factory=lambda: [0])  # inputs whose shapes alone determine the rest
    is_train: bool = False             # forward mode for the NumPy comparison
    grad_check: Optional[Callable] = None  # loss heads: grad_check(*inputs, **ref_params) -> input grads


ANY = (-2.0, 2.0)
POS = (0.5, 2.0)


def away_from_zero(rng, shape):
    return (rng.uniform(0.3, 2.0, shape) * rng.choice([-1, 1], shape)).astype(np.float32)


def make_inputs(case, rng):
    shapes = case.shapes or [(3, 4)] * len(case.domains)
    out = []
    for dom, shape in zip(case.domains, shapes):
        if callable(dom):
            out.append(np.asarray(dom(rng, shape), dtype=np.float32))
        else:
            out.append(rng.uniform(dom[0], dom[1], shape).astype(np.float32))
    return out


def ref_params(case):
    if case.ref_params is not None:
        return case.ref_params
    return {k: v for k, v in case.params.items() if k != "num_args"}


def all_cases():
    merged = {}
    for mod in pkgutil.iter_modules(__path__):
        cases = importlib.import_module(f"{__name__}.{mod.name}").CASES
        dup = set(cases) & set(merged)
        assert not dup, f"operators with cases in two modules: {dup}"
        merged.update(cases)
    return merged


CASES = all_cases
