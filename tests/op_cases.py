"""The operator test table: every public and internal forward operator in the registry has a case
here (a NumPy reference written for the test, input domains, parameters), or is a backward
operator, checked through its forward operator's gradient. test_registry.py enforces this."""
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np



@dataclass
class Case:
    fwd: Callable                      # NumPy reference: fwd(*inputs, **params) -> output(s)
    domains: list                      # per input: (low, high) uniform range, or a callable(rng, shape)
    params: dict = field(default_factory=dict)
    shapes: Optional[list] = None      # per input shape; default (3, 4) for all
    differentiable: bool = True
    wrt: Optional[list] = None         # inputs to check gradients of (default: all)


ANY = (-2.0, 2.0)
POS = (0.5, 2.0)


def away_from_zero(rng, shape):
    return (rng.uniform(0.3, 2.0, shape) * rng.choice([-1, 1], shape)).astype(np.float32)


def distinct_pair(rng, shape):
    return rng.uniform(-2, 2, shape).astype(np.float32)


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


CASES = {
    "elemwise_add": Case(lambda a, b: a + b, [ANY, ANY]),
    "elemwise_sub": Case(lambda a, b: a - b, [ANY, ANY]),
    "elemwise_mul": Case(lambda a, b: a * b, [ANY, ANY]),
    "elemwise_div": Case(lambda a, b: a / b, [ANY, away_from_zero]),
    "_power": Case(lambda a, b: a ** b, [POS, ANY]),
    "_maximum": Case(np.maximum, [ANY, ANY]),
    "_minimum": Case(np.minimum, [ANY, ANY]),
    "_plus_scalar": Case(lambda x, scalar: x + scalar, [ANY], {"scalar": 2.5}),
    "_minus_scalar": Case(lambda x, scalar: x - scalar, [ANY], {"scalar": 2.5}),
    "_rminus_scalar": Case(lambda x, scalar: scalar - x, [ANY], {"scalar": 2.5}),
    "_mul_scalar": Case(lambda x, scalar: x * scalar, [ANY], {"scalar": -1.5}),
    "_div_scalar": Case(lambda x, scalar: x / scalar, [ANY], {"scalar": 4.0}),
    "_rdiv_scalar": Case(lambda x, scalar: scalar / x, [away_from_zero], {"scalar": 3.0}),
    "_power_scalar": Case(lambda x, scalar: x ** scalar, [POS], {"scalar": 2.5}),
    "_rpower_scalar": Case(lambda x, scalar: scalar ** x, [ANY], {"scalar": 2.0}),
    "_maximum_scalar": Case(lambda x, scalar: np.maximum(x, scalar), [ANY], {"scalar": 0.25}),
    "_minimum_scalar": Case(lambda x, scalar: np.minimum(x, scalar), [ANY], {"scalar": 0.25}),
    "exp": Case(np.exp, [ANY]),
    "log": Case(np.log, [POS]),
    "sqrt": Case(np.sqrt, [POS]),
    "square": Case(np.square, [ANY]),
    "abs": Case(np.abs, [away_from_zero]),
    "tanh": Case(np.tanh, [ANY]),
    "sigmoid": Case(sig, [ANY]),
    "relu": Case(lambda x: np.maximum(x, 0), [away_from_zero]),
    "negative": Case(np.negative, [ANY]),
    "add_n": Case(lambda a, b, c: a + b + c, [ANY, ANY, ANY], {"num_args": 3}),
    "_copy": Case(lambda x: x.copy(), [ANY]),
    "zeros_like": Case(np.zeros_like, [ANY], differentiable=False),
    "ones_like": Case(np.ones_like, [ANY], differentiable=False),
    "_full_like": Case(lambda x, value: np.full_like(x, value), [ANY], {"value": 7.5}, differentiable=False),
}


def make_inputs(case, rng):
    shapes = case.shapes or [(3, 4)] * len(case.domains)
    out = []
    for dom, shape in zip(case.domains, shapes):
        if callable(dom):
            out.append(np.asarray(dom(rng, shape), dtype=np.float32))
        else:
            out.append(rng.uniform(dom[0], dom[1], shape).astype(np.float32))
    return out
