"""Test cases for the element-wise family (ops/Elementwise.java)."""
import numpy as np

from cases import ANY, POS, Case, away_from_zero



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

