# Python twin of batchnorm.scala.
import numpy as np

from pysym import Context, NDArray, Shape, Symbol

data = Symbol.Variable("data")
fc = Symbol.api.FullyConnected(data, num_hidden=4, name="fc")
bn = Symbol.api.BatchNorm(fc, eps=1e-3, momentum=0.9, fix_gamma=False, name="bn")
act = Symbol.api.Activation(bn, act_type="relu", name="relu")
net = Symbol.api.SoftmaxOutput(act, name="softmax")
parity("bn.args", net.listArguments())
parity("bn.aux", net.listAuxiliaryStates())
parity("bn.outputs", net.listOutputs())
parity("bn.infer", net.inferShape({"data": Shape(6, 3)}))
parity("bn.bn_attr", bn.listAttr())

exec_ = net.simpleBind(Context.cpu(), "write", {"data": Shape(6, 3)})
parity("bind.aux_init", exec_.auxDict)


def fill(n, k):
    return (((np.arange(n) * k) % 11 - 5) / 10).astype(np.float32)


exec_.argDict["data"].set(fill(18, 3).reshape(6, 3))
exec_.argDict["fc_weight"].set(fill(12, 7).reshape(4, 3))
exec_.argDict["fc_bias"].set(fill(4, 5))
exec_.argDict["bn_gamma"].set(np.array([1, 0.5, 2, 1.5], dtype=np.float32))
exec_.argDict["bn_beta"].set(np.array([0.1, -0.2, 0.3, 0], dtype=np.float32))
exec_.argDict["softmax_label"].set(np.array([0, 1, 2, 3, 1, 0], dtype=np.float32))
exec_.auxDict["bn_moving_var"].set(1)

exec_.forward(isTrain=True)
parity("train.out", exec_.outputs[0])
parity("train.aux_after_forward", exec_.auxDict)
exec_.backward()
parity("train.aux_after_backward", exec_.auxDict)
parity("train.grads", {k: v for k, v in exec_.gradDict.items() if v is not None})
exec_.forward(isTrain=False)
parity("infer.out", exec_.outputs[0])

x = Symbol.Variable("x")
bn2 = Symbol.api.BatchNorm(data=x, fix_gamma=False, name="bn2")
xs = NDArray.array(fill(8, 3), Shape(4, 2))
mm = NDArray.zeros(2)
mv = NDArray.ones(2)
gx = NDArray.zeros(4, 2)
ex2 = bn2.bind(Context.cpu(), {"x": xs, "bn2_gamma": NDArray.ones(2), "bn2_beta": NDArray.zeros(2)}, {"x": gx}, "write",
               [mm, mv])
ex2.forward(isTrain=True)
parity("bind.out", ex2.outputs[0])
ex2.backward(NDArray.array(fill(8, 5), Shape(4, 2)))
parity("bind.grad_x", gx)
parity("bind.moving", [mm, mv])
