# Python twin of mlp_sgd.scala.
import math

import numpy as np

from pysym import Context, NDArray, Shape, Symbol

data = Symbol.Variable("data")
fc1 = Symbol.api.FullyConnected(data, num_hidden=8, name="fc1")
act1 = Symbol.api.Activation(fc1, act_type="relu", name="relu1")
fc2 = Symbol.api.FullyConnected(act1, None, None, num_hidden=3, name="fc2")
mlp = Symbol.api.SoftmaxOutput(fc2, name="softmax")
parity("mlp.args", mlp.listArguments())
parity("mlp.outputs", mlp.listOutputs())
parity("mlp.infer", mlp.inferShape({"data": Shape(4, 5)}))

exec_ = mlp.simpleBind(Context.cpu(), "write", {"data": Shape(4, 5)})
parity("bind.grad_names", sorted(k for k, v in exec_.gradDict.items() if v is not None))


def fill(n, k):
    return (((np.arange(n) * k) % 11 - 5) / 10).astype(np.float32)


exec_.argDict["data"].set(fill(20, 3).reshape(4, 5))
exec_.argDict["fc1_weight"].set(fill(40, 7).reshape(8, 5))
exec_.argDict["fc1_bias"].set(fill(8, 5))
exec_.argDict["fc2_weight"].set(fill(24, 9).reshape(3, 8))
exec_.argDict["fc2_bias"].set(fill(3, 4))
exec_.argDict["softmax_label"].set(np.array([0, 2, 1, 2], dtype=np.float32))

exec_.forward(isTrain=True)
parity("forward.out", exec_.outputs[0])
exec_.backward()
parity("grad.fc1_weight", exec_.gradDict["fc1_weight"])
parity("grad.fc1_bias", exec_.gradDict["fc1_bias"])
parity("grad.fc2_weight", exec_.gradDict["fc2_weight"])
parity("grad.fc2_bias", exec_.gradDict["fc2_bias"])

lr = 0.1
for name, grad in exec_.gradDict.items():
    if grad is not None:
        exec_.argDict[name] -= grad * lr
parity("sgd.fc1_weight", exec_.argDict["fc1_weight"])
parity("sgd.fc2_bias", exec_.argDict["fc2_bias"])
exec_.forward(isTrain=False)
parity("sgd.forward", exec_.outputs[0])
prob = exec_.outputs[0].toArray()
loss = -sum(math.log(prob[i * 3 + l]) for i, l in enumerate([0, 2, 1, 2])) / 4
parity("sgd.loss", loss)
exec_.dispose()
