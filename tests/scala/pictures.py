# Python twin of pictures.scala: the same steps through pysym's Python API.
from pysym import Context, NDArray, Shape, Symbol

# compose_basic.png
A = Symbol.Variable("A")
B = Symbol.Variable("B")
C = A * B
D = Symbol.Variable("D")
E = C + D
parity("compose_basic.args", E.listArguments())
parity("compose_basic.outputs", E.listOutputs())
parity("compose_basic.c_outputs", C.listOutputs())

# compose_net.png
input = Symbol.Variable("data")
fc1 = Symbol.api.FullyConnected(data=input, num_hidden=128, name="fc1")
parity("compose_net.fc1_args", fc1.listArguments())
act1 = Symbol.api.Activation(fc1, act_type="relu")
parity("compose_net.act1_outputs", act1.listOutputs())
parity("compose_net.act1_args", act1.listArguments())

# compose_multi_in.png
in1 = Symbol.Variable("data")
fcA = Symbol.api.FullyConnected(data=in1, num_hidden=128, name="fc1")
in2 = Symbol.Variable("data2")
fcB = Symbol.api.FullyConnected(data=in2, num_hidden=128, name="fc2")
combined = fcA + fcB
parity("compose_multi_in.args", combined.listArguments())
parity("compose_multi_in.outputs", combined.listOutputs())

# bind_basic.png
a0 = NDArray.ones(1) * 3
b0 = NDArray.ones(1) * 4
d0 = NDArray.ones(1) * 5
executor0 = E.bind(Context.cpu(), [a0, b0, d0])
executor0.forward()
parity("bind_basic.out", executor0.outputs[0])

# executor_forward.png
a = NDArray.empty(1)
b = NDArray.ones(1)
d = NDArray.ones(1)
executor = E.bind(Context.cpu(), {"A": a, "B": b, "D": d})
a.set(10)
executor.forward()
parity("executor_forward.out", executor.outputs[0].toArray())
parity("executor_forward.argDict_keys", sorted(executor.argDict))

# executor_multi_out.png
G = Symbol.Group(E, C)
exG = G.bind(Context.cpu(), {"A": a, "B": b, "D": d})
exG.forward()
parity("executor_multi_out.e", exG.outputs[0])
parity("executor_multi_out.c", exG.outputs[1])
parity("executor_multi_out.outputs", G.listOutputs())

# executor_backward.png
E2 = C * D
a2 = NDArray.ones(1) * 10
b2 = NDArray.ones(1)
d2 = NDArray.ones(1) * 2
ga = NDArray.empty(1)
exB = E2.bind(Context.cpu(), {"A": a2, "B": b2, "D": d2}, {"A": ga})
exB.forward()
parity("executor_backward.out", exB.outputs[0])
ge = NDArray.ones(1) * 2
exB.backward(ge)
parity("executor_backward.ga", ga)
parity("executor_backward.gradDict_B", exB.gradDict["B"])

# executor_simple_bind.png
exS = act1.simpleBind(Context.cpu(), "write", {"data": Shape(100, 768)})
parity("executor_simple_bind.arg_shapes", [exS.argDict[n].shape for n in act1.listArguments()])
parity("executor_simple_bind.grad_data", exS.gradDict.get("data"))
parity("executor_simple_bind.grad_shapes", [exS.gradDict[n].shape for n in ["fc1_weight", "fc1_bias"]])
parity("executor_simple_bind.out_shape", exS.outputs[0].shape)

# executor_aux_state.png
bn = Symbol.api.BatchNorm(input, name="bn")
parity("executor_aux_state.args", bn.listArguments())
parity("executor_aux_state.aux", bn.listAuxiliaryStates())
parity("executor_aux_state.outputs", bn.listOutputs())
