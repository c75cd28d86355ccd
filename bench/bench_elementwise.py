"""Skeleton benchmark: one forward() of c = a + b from Python, on 2x3 and on 1M elements, beside
NumPy (np.add with out=) and PyTorch CPU (torch.add with out=) when installed.

    python3 bench/bench_elementwise.py
"""
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pysym import Context, NDArray, Symbol  # noqa: E402

try:
    import torch
    torch.set_num_threads(2)
except ImportError:
    torch = None


def best_us(fn, number):
    """Best of 7 repeats, in microseconds per call (the least disturbed measurement)."""
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def case(shape, number):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    a, b = Symbol.Variable("a"), Symbol.Variable("b")
    ex = (a + b).bind(Context.cpu(), {"a": NDArray.array(x), "b": NDArray.array(y)})
    ex.forward()
    assert np.allclose(ex.outputs[0].asnumpy(), x + y)
    out = np.empty_like(x)
    row = {"pysym forward()": best_us(ex.forward, number),
           "numpy np.add(out=)": best_us(lambda: np.add(x, y, out=out), number)}
    if torch is not None:
        tx, ty, tout = torch.from_numpy(x), torch.from_numpy(y), torch.empty(shape)
        row["torch torch.add(out=)"] = best_us(lambda: torch.add(tx, ty, out=tout), number)
    ex.dispose()
    return row


def main():
    rows = [("c = a + b, 2x3", case((2, 3), 20000)), ("c = a + b, 1M elements", case((1 << 20,), 200))]
    print(f"{'case':26s} {'engine':24s} {'us/call':>10s} {'pysym / engine':>15s}")
    for name, row in rows:
        base = row["pysym forward()"]
        for engine, us in row.items():
            print(f"{name:26s} {engine:24s} {us:10.2f} {base / us:15.2f}")


if __name__ == "__main__":
    main()
