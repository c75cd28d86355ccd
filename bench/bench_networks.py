"""Network benchmark: forward+backward (training) of an MLP 784-1024-1024-10 at batch 128, LeNet at
batch 64 and a ResNet basic block at 32x64x56x56, in pysym, PyTorch CPU (if installed) and MXNet 1.9.1
(if its venv exists: bash tools/mxnet_env.sh), all on this machine's 2 cores. Best of N runs, in ms.

    python3 bench/bench_networks.py [N]
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from nets import inputs, mxnet_symbols  # noqa: E402
from pysym import Context, NDArray, Symbol  # noqa: E402


class _SymNamespace:
    """Symbol.api under MXNet's mx.sym spelling, so nets.py builds the same graphs for both."""
    Variable = staticmethod(Symbol.Variable)

    def __getattr__(self, op):
        return getattr(Symbol.api, op)


def best_ms(step, reps):
    for _ in range(3):   # warm-up: first-touch pages, kernel state creation, JIT
        step()
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def bind_pysym(name):
    """The network bound with simpleBind, random weights and the benchmark input; returns (executor,
    head gradients for backward)."""
    net = mxnet_symbols(_SymNamespace())[name]
    x, label = inputs(name)
    shapes = {"data": x.shape}
    if label is not None:
        shapes["softmax_label"] = label.shape
    ex = net.simpleBind(Context.cpu(), "write", shapes)
    rng = np.random.default_rng(0)
    for k, arr in ex.argDict.items():
        if k not in shapes:
            arr.set(rng.uniform(-0.05, 0.05, arr.shape.toTuple()))
    ex.argDict["data"].set(x)
    if label is not None:
        ex.argDict["softmax_label"].set(label)
    return ex, ([] if label is not None else [NDArray.ones(ex.outputs[0].shape)])


def pysym_times(reps):
    out = {}
    for name in ("mlp", "lenet", "resnet_block"):
        ex, head = bind_pysym(name)

        def step():
            ex.forward(isTrain=True)
            ex.backward(head)
        out[name] = best_ms(step, reps)
        ex.dispose()
    return out


def torch_times(reps):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    nn = torch.nn
    nets = {
        "mlp": nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)),
        "lenet": nn.Sequential(nn.Conv2d(1, 20, 5), nn.Tanh(), nn.MaxPool2d(2, 2), nn.Conv2d(20, 50, 5), nn.Tanh(),
                               nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(800, 500), nn.Tanh(), nn.Linear(500, 10)),
    }

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, eps=1e-3)
            self.c2, self.b2 = nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, eps=1e-3)

        def forward(self, x):
            return torch.relu(self.b2(self.c2(torch.relu(self.b1(self.c1(x))))) + x)
    nets["resnet_block"] = Block()
    out = {}
    for name, net in nets.items():
        x, label = inputs(name)
        tx = torch.from_numpy(x).requires_grad_(True)
        tl = None if label is None else torch.from_numpy(label).long()
        loss_fn = nn.CrossEntropyLoss(reduction="sum")

        def step():
            net.zero_grad(set_to_none=False)
            y = net(tx)
            if tl is not None:
                loss_fn(y, tl).backward()
            else:
                y.backward(torch.ones_like(y))
        out[name] = best_ms(step, reps)
    return out


def mxnet_times(reps):
    venv_py = os.path.join(os.environ.get("PYSYM_MXNET_VENV", os.path.expanduser("~/.cache/pysym/mxnet-venv")),
                           "bin", "python")
    if not os.path.exists(venv_py):
        return None
    env = dict(os.environ, OMP_NUM_THREADS="2", MXNET_ENGINE_TYPE="NaiveEngine")
    r = subprocess.run([venv_py, os.path.join(HERE, "mxnet_nets.py"), str(reps)], capture_output=True, text=True,
                       env=env, timeout=1800)
    if r.returncode != 0:
        print("MXNet run failed:", r.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    engines = {"pysym": pysym_times(reps), "torch": torch_times(reps), "mxnet": mxnet_times(reps)}
    print(f"{'network (fwd+bwd)':22s} {'pysym ms':>9s} {'torch ms':>9s} {'mxnet ms':>9s} {'pysym/torch':>12s} {'pysym/mxnet':>12s}")
    for name in ("mlp", "lenet", "resnet_block"):
        p = engines["pysym"][name]
        t = engines["torch"][name] if engines["torch"] else None
        m = engines["mxnet"][name] if engines["mxnet"] else None
        fmt = lambda v: f"{v:9.2f}" if v is not None else f"{'-':>9s}"
        ratio = lambda v: f"{p / v:12.2f}" if v is not None else f"{'-':>12s}"
        print(f"{name:22s} {fmt(p)} {fmt(t)} {fmt(m)} {ratio(t)} {ratio(m)}")


if __name__ == "__main__":
    main()
