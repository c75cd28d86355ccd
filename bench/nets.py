"""The benchmark networks, written once per engine: MLP 784-1024-1024-10 (batch 128), LeNet (batch 64)
and a ResNet basic block at 32x64x56x56. Each builder returns a step() doing one forward+backward
(training mode). Shared by bench_networks.py and, for MXNet, run inside its own venv."""
import numpy as np

BATCH = {"mlp": 128, "lenet": 64, "resnet_block": 32}


def inputs(name, seed=0):
    rng = np.random.default_rng(seed)
    if name == "mlp":
        return rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128).astype(np.float32)
    if name == "lenet":
        return rng.standard_normal((64, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 64).astype(np.float32)
    return rng.standard_normal((32, 64, 56, 56)).astype(np.float32), None


def mxnet_symbols(sym):
    """The three networks in MXNet's symbolic API; pysym's Symbol.api mirrors it name for name."""
    data = sym.Variable("data")
    fc1 = sym.FullyConnected(data, num_hidden=1024, name="fc1")
    a1 = sym.Activation(fc1, act_type="relu")
    fc2 = sym.FullyConnected(a1, num_hidden=1024, name="fc2")
    a2 = sym.Activation(fc2, act_type="relu")
    fc3 = sym.FullyConnected(a2, num_hidden=10, name="fc3")
    mlp = sym.SoftmaxOutput(fc3, name="softmax")

    c1 = sym.Convolution(data, kernel=(5, 5), num_filter=20, name="conv1")
    t1 = sym.Activation(c1, act_type="tanh")
    p1 = sym.Pooling(t1, pool_type="max", kernel=(2, 2), stride=(2, 2))
    c2 = sym.Convolution(p1, kernel=(5, 5), num_filter=50, name="conv2")
    t2 = sym.Activation(c2, act_type="tanh")
    p2 = sym.Pooling(t2, pool_type="max", kernel=(2, 2), stride=(2, 2))
    f = sym.Flatten(p2)
    h = sym.Activation(sym.FullyConnected(f, num_hidden=500, name="fc1"), act_type="tanh")
    lenet = sym.SoftmaxOutput(sym.FullyConnected(h, num_hidden=10, name="fc2"), name="softmax")

    b1 = sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=64, no_bias=True, name="conv1")
    b1 = sym.Activation(sym.BatchNorm(b1, fix_gamma=False, name="bn1"), act_type="relu")
    b2 = sym.BatchNorm(sym.Convolution(b1, kernel=(3, 3), pad=(1, 1), num_filter=64, no_bias=True, name="conv2"),
                       fix_gamma=False, name="bn2")
    block = sym.Activation(b2 + data, act_type="relu")
    return {"mlp": mlp, "lenet": lenet, "resnet_block": block}
