"""Runs the benchmark networks in MXNet 1.9.1 (inside its venv) and prints {name: best ms} as JSON.
    OMP_NUM_THREADS=2 MXNET_ENGINE_TYPE=NaiveEngine <venv python> bench/mxnet_nets.py N"""
import json
import os
import sys
import time

import mxnet as mx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nets import inputs, mxnet_symbols  # noqa: E402


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    result = {}
    for name, net in mxnet_symbols(mx.sym).items():
        x, label = inputs(name)
        shapes = {"data": x.shape}
        if label is not None:
            shapes["softmax_label"] = label.shape
        ex = net.simple_bind(mx.cpu(), grad_req="write", **shapes)
        rng = mx.nd.random
        for k, arr in ex.arg_dict.items():
            if k not in shapes:
                arr[:] = rng.uniform(-0.05, 0.05, arr.shape)
        ex.arg_dict["data"][:] = x
        if label is not None:
            ex.arg_dict["softmax_label"][:] = label
        head = None if label is not None else [mx.nd.ones(ex.outputs[0].shape)]
        best = float("inf")
        for _ in range(reps + 2):
            t = time.perf_counter()
            ex.forward(is_train=True)
            ex.backward(head)
            mx.nd.waitall()
            best = min(best, time.perf_counter() - t)
        result[name] = best * 1e3
    print(json.dumps(result))


if __name__ == "__main__":
    main()
