"""One engine, one network, one process: times a training step (forward + backward) and prints
{"median": ms, "p90": ms} as JSON. Run by bench_contention.py, inside MXNet's venv for MXNet.

    python contention_worker.py pysym|torch|mxnet mlp|small_mlp|lenet STEPS
"""
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nets import BATCH, inputs, mxnet_symbols  # noqa: E402

SMALL = (32, 64)   # the digits-sized MLP: batch 32, 64 features, 128-64-10 hidden


def small_inputs():
    rng = np.random.default_rng(0)
    return rng.standard_normal(SMALL).astype(np.float32), rng.integers(0, 10, SMALL[0]).astype(np.float32)


def small_mlp(sym):
    data = sym.Variable("data")
    h = sym.Activation(sym.FullyConnected(data, num_hidden=128, name="fc1"), act_type="relu")
    h = sym.Activation(sym.FullyConnected(h, num_hidden=64, name="fc2"), act_type="relu")
    return sym.SoftmaxOutput(sym.FullyConnected(h, num_hidden=10, name="fc3"), name="softmax")


def network(sym, name):
    return small_mlp(sym) if name == "small_mlp" else mxnet_symbols(sym)[name]


def data_for(name):
    return small_inputs() if name == "small_mlp" else inputs(name)


def pysym_step(name):
    sys.path.insert(0, os.path.join(HERE, ".."))
    from pysym import Context, Symbol

    class Sym:
        Variable = staticmethod(Symbol.Variable)

        def __getattr__(self, op):
            return getattr(Symbol.api, op)
    x, label = data_for(name)
    ex = network(Sym(), name).simpleBind(Context.cpu(), "write", {"data": x.shape, "softmax_label": label.shape})
    rng = np.random.default_rng(0)
    for k, arr in ex.argDict.items():
        arr.set(rng.uniform(-0.05, 0.05, arr.shape.toTuple()))
    ex.argDict["data"].set(x)
    ex.argDict["softmax_label"].set(label)

    def step():
        ex.forward(isTrain=True)
        ex.backward()
    return step


def mxnet_step(name):
    import mxnet as mx
    x, label = data_for(name)
    ex = network(mx.sym, name).simple_bind(mx.cpu(), grad_req="write", data=x.shape, softmax_label=label.shape)
    for k, arr in ex.arg_dict.items():
        arr[:] = mx.nd.random.uniform(-0.05, 0.05, arr.shape)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["softmax_label"][:] = label

    def step():
        ex.forward(is_train=True)
        ex.backward()
        mx.nd.waitall()
    return step


def torch_step(name):
    import torch
    torch.set_num_threads(2)
    nn = torch.nn
    if name == "small_mlp":
        net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    elif name == "mlp":
        net = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    else:
        net = nn.Sequential(nn.Conv2d(1, 20, 5), nn.Tanh(), nn.MaxPool2d(2, 2), nn.Conv2d(20, 50, 5), nn.Tanh(),
                            nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(800, 500), nn.Tanh(), nn.Linear(500, 10))
    x, label = data_for(name)
    tx, tl = torch.from_numpy(x), torch.from_numpy(label).long()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")

    def step():
        net.zero_grad(set_to_none=False)
        loss_fn(net(tx), tl).backward()
    return step


def main():
    engine, name, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    step = {"pysym": pysym_step, "mxnet": mxnet_step, "torch": torch_step}[engine](name)
    for _ in range(max(5, steps // 10)):
        step()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    times = np.array(times) * 1e3
    print(json.dumps({"median": float(np.median(times)), "p90": float(np.percentile(times, 90))}))


if __name__ == "__main__":
    assert set(BATCH)  # nets.py shared with bench_networks.py
    main()
