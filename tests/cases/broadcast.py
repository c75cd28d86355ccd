"""Test cases for the broadcasting family (ops/Broadcast.java)."""
import numpy as np

from cases import ANY, POS, Case, away_from_zero

# lhs (2, 1, 4) against rhs (3, 1): rhs is left-padded to (1, 3, 1), the output is (2, 3, 4)
PAIR = [(2, 1, 4), (3, 1)]


def binary(fn, lhs=ANY, rhs=ANY):
    return Case(fn, [lhs, rhs], shapes=PAIR, infer_from=[0, 1])


def spread(rng, shape):
    """Magnitudes in [0.1, 0.35] or [0.65, 2]: clear of clip's +-0.5 bounds, so finite differences stay on one side."""
    mag = np.where(rng.random(shape) < 0.3, rng.uniform(0.1, 0.35, shape), rng.uniform(0.65, 2.0, shape))
    return (mag * rng.choice([-1, 1], shape)).astype(np.float32)


def bits(rng, shape):
    return rng.integers(0, 2, shape).astype(np.float32)


def apart(rng, shape):
    """Two operands whose values never tie (maximum/minimum are not differentiable at ties)."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.3 - 1.0).astype(np.float32)


CASES = {
    "broadcast_add": binary(lambda a, b: a + b),
    "broadcast_sub": binary(lambda a, b: a - b),
    "broadcast_mul": binary(lambda a, b: a * b),
    "broadcast_div": binary(lambda a, b: a / b, rhs=away_from_zero),
    "broadcast_maximum": binary(np.maximum, lhs=apart, rhs=lambda rng, s: apart(rng, s) + 0.15),
    "broadcast_minimum": binary(np.minimum, lhs=apart, rhs=lambda rng, s: apart(rng, s) + 0.15),
    "broadcast_power": binary(lambda a, b: a ** b, lhs=POS),
    "broadcast_to": Case(lambda x, shape: np.broadcast_to(x, (2, 3, 4)).copy(), [ANY], {"shape": (2, 0, 4)},
                         shapes=[(1, 3, 1)]),
    "broadcast_axis": Case(lambda x, axis, size: np.repeat(x, size, axis=axis), [ANY], {"axis": 1, "size": 3},
                           shapes=[(2, 1, 4)]),
    "clip": Case(lambda x, a_min, a_max: np.clip(x, a_min, a_max), [spread], {"a_min": -0.5, "a_max": 0.5}),
    "where": Case(lambda c, x, y: np.where(c != 0, x, y), [bits, ANY, ANY], wrt=[1, 2], infer_from=[0, 1]),
}
