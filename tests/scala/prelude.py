"""Parity prelude for the Python twins: parity(label, value) records the value in the same JSON
shape as tests/scala/prelude.scala prints it, with the twin's line number."""
import json
import sys

import numpy as np

from pysym import Context, DType, NDArray, Shape


def to_json(v):
    if v is None:
        return None
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float, np.integer, np.floating)):
        return v.item() if hasattr(v, "item") else v
    if isinstance(v, Shape):
        return [int(d) for d in v]
    if isinstance(v, NDArray):
        return {"shape": [int(d) for d in v.shape], "values": [float(x) for x in v.toArray()]}
    if isinstance(v, np.ndarray):
        return [to_json(x) for x in v.tolist()]
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, Context):
        return str(v)
    return str(v)


class Recorder:
    def __init__(self):
        self.values = {}
        self.lines = {}

    def __call__(self, label, value):
        self.values[label] = json.loads(json.dumps(to_json(value)))
        self.lines[label] = sys._getframe(1).f_lineno
