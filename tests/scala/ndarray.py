# Python twin of ndarray.scala.
import numpy as np

from pysym import NDArray, Shape

nd = NDArray.api


def fill(n, k):
    return (((np.arange(n) * k) % 11 - 5) / 10).astype(np.float32)


a = NDArray.array(fill(6, 3), Shape(2, 3))
b = NDArray.array(fill(12, 7), Shape(3, 4))
d = nd.dot(a, b)
parity("dot", d)
parity("sum", nd.sum(nd.abs(a - 0.25)))
parity("sum_axis", nd.sum(a, axis=1, keepdims=True))
parity("argmax", nd.argmax(b, axis=1))
parity("argmax_positional", nd.argmax(b, 0))
parity("softmax", nd.softmax(a, axis=0))
w = NDArray.array(fill(15, 4), Shape(5, 3))
bias = NDArray.array(fill(5, 2), Shape(5))
parity("fc", nd.FullyConnected(a, w, bias, num_hidden=5))
parity("fc_no_bias", nd.FullyConnected(a, w, None, num_hidden=5, no_bias=True))
parts = nd.SliceChannel(b, num_outputs=2, axis=1)
parity("split", parts)
r = nd.Reshape(a, shape=Shape(3, 2))
r.set(fill(6, 5))
parity("reshape_shares", a)
x = NDArray.array(fill(8, 3), Shape(4, 2))
bn = nd.BatchNorm(x, NDArray.array([1, 2]), NDArray.array([0.5, -0.5]), NDArray.array([0.1, -0.1]), NDArray.array([0.5, 2]),
                  fix_gamma=False)
parity("batchnorm", bn)
target = NDArray.zeros(2, 4)
nd.dot(a, b, out=target)
parity("out", target)
nd.relu(target, out=target)
parity("out_legacy", target)
parity("concat", nd.Concat(a, a, dim=1))
