"""Feeds every public operator odd parameters and shapes (zeros, negatives, huge values, wrong types,
mismatched ranks) through symbol creation, shape inference, bind, forward and backward. Every attempt
must end in success or a PysymError; run as a script so that a native crash shows up as a dead
process naming the last case. Prints 'ok <cases> <errors>'."""
import random
import sys

import numpy as np

import pysym
from pysym import Context, NDArray, PysymError, Symbol
from pysym import _jvm
from pysym.symbol import _call_op

VALUES = {"INT": [0, -1, 1, 3, 2**31 - 1, "x"], "FLOAT": [0.0, -1.0, 1e30, float("nan"), "x"],
          "BOOL": [True, False, 2], "STRING": ["", "x"], "ENUM": ["nope"],
          "SHAPE": [(), (0,), (1,), (-1,), (3, 3), (0, 0), (2**30, 2**30), (1, 1, 1, 1, 1, 1, 1, 1, 1)],
          "DTYPE": ["float32", "int32", "nope"]}
SHAPES = [(), (0,), (1,), (2, 3), (2, 3, 4), (1, 2, 5, 5), (2, 1, 3, 4, 4), (0, 3, 2, 2)]


def attempt(op, rng):
    jop = _jvm.JOpRegistry.op(op)
    params = {}
    for f in jop.fields():
        if rng.random() < (0.9 if f.required() else 0.3):
            choices = list(VALUES[str(f.kind.name())])
            if str(f.kind.name()) == "ENUM":
                choices += [str(c) for c in f.choices()]
            params[str(f.name)] = rng.choice(choices)
    n = params.get("num_args", 2) if jop.variadic else len(jop.declaredInputs())
    n = max(0, min(n, 4)) if isinstance(n, int) else 2
    variables = [Symbol.Variable(f"x{i}") for i in range(n)]
    sym = _call_op(op, variables, params, None, None)
    shapes = {name: rng.choice(SHAPES) for name in sym.listArguments() + sym.listAuxiliaryStates()}
    args, _, aux = sym.inferShapePartial(shapes)
    if args is None or any(s is None for s in args) or any(s is None for s in aux):
        return
    if any(s.product > 1 << 20 for s in args + aux):
        return
    arrays = {n: NDArray.array(np.random.default_rng(0).uniform(-2, 2, s.toTuple())) for n, s in zip(sym.listArguments(), args)}
    grads = {n: NDArray.zeros(s) for n, s in zip(sym.listArguments(), args)}
    auxs = {n: NDArray.ones(s) for n, s in zip(sym.listAuxiliaryStates(), aux)}
    try:
        with sym.bind(Context.cpu(), arrays, grads, "write", auxs or None) as ex:
            ex.forward(isTrain=rng.random() < 0.5)
            ex.backward([NDArray.ones(o.shape) for o in ex.outputs])
    finally:
        for a in list(arrays.values()) + list(grads.values()) + list(auxs.values()):
            a.dispose()


def main(rounds):
    rng = random.Random(1234)
    ops = sorted(str(o.name) for o in _jvm.JOpRegistry.all() if o.isPublic())
    cases = errors = 0
    for r in range(rounds):
        for op in ops:
            print(f"case {r} {op}", file=sys.stderr, flush=True)
            cases += 1
            try:
                attempt(op, rng)
            except PysymError:
                errors += 1
    print("ok", cases, errors)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
