# Python twin of symbolic_api.scala.
from pysym import Context, DType, NDArray, Shape, Some, Symbol

data = Symbol.Variable("data")
fc1 = Symbol.api.FullyConnected(data, num_hidden=128, name="fc1")
act1 = Symbol.api.Activation(fc1, act_type="relu", name="relu1")  # Python takes parameters by keyword only
fc2 = Symbol.api.FullyConnected(act1, num_hidden=64, name="fc2")
net = Symbol.api.SoftmaxOutput(fc2, name="out")
parity("mlp.args", net.listArguments())
parity("mlp.outputs", net.listOutputs())
parity("mlp.aux", net.listAuxiliaryStates())
parity("mlp.internals", net.getInternals().listOutputs())
parity("mlp.fc1_attr", fc1.listAttr())

lfc1 = Symbol.FullyConnected(name="lfc1")()({"data": data, "num_hidden": 128})
lact1 = Symbol.Activation(name="lrelu1")()({"data": lfc1, "act_type": "relu"})
lfc2 = Symbol.FullyConnected(name="lfc2")(lact1)({"num_hidden": 64})
lnet = Symbol.SoftmaxOutput(name="lout")(lfc2)()
parity("legacy.args", lnet.listArguments())
parity("legacy.outputs", lnet.listOutputs())
unnamed = Symbol.Activation()()({"data": lnet, "act_type": "relu"})
parity("legacy.unnamed", unnamed.listOutputs())

a = Symbol.Variable("a")
b = Symbol.Variable("b")
c = a + b
parity("ops.c_args", c.listArguments())
e = (2 / (4 - ((1 + a + 1) * 2 / 5) - 0.2)) ** 2 - b * 3
parity("ops.e_internals", e.getInternals().listOutputs())

mood = Symbol.Variable("mdata", {"mood": "angry"})
parity("attr.mood", mood.attr("mood"))
parity("attr.missing", mood.attr("color"))
shaped = Symbol.Variable("w", shape=Shape(2, 3), lrMult=2.0)
parity("attr.shaped", shaped.listAttr())

argShapes, outShapes, auxShapes = net.inferShape({"data": Shape(100, 100)})
parity("infer.args", argShapes)
parity("infer.outs", outShapes)
parity("infer.aux", auxShapes)
parity("infer.positional", net.inferShape(Shape(100, 100)))
parity("infer.incomplete", net.inferShape({"fc2_weight": Shape(64, 128)}))
parity("infer.both", c.inferShape({"a": Shape(2, 3)}))
parity("infer.types", net.inferType({"data": DType.Float32}))

aArr = NDArray.array([1, 2, 3, 4, 5, 6], Shape(2, 3))
bArr = NDArray.ones(Shape(2, 3)) * 0.5
gA = NDArray.zeros(2, 3)
ex = e.bind(Context.cpu(), {"a": aArr, "b": bArr}, {"a": gA}, "write", [])
ex.forward(isTrain=True)
parity("bind.out", ex.outputs[0])
ex.backward(NDArray.ones(2, 3))
parity("bind.grad_a", gA)
parity("bind.grad_keys", sorted(k for k, v in ex.gradDict.items() if v is not None))
ex.forward(False, b=NDArray.ones(2, 3))
parity("bind.forward_kwargs", ex.outputs[0])
exAdd = c.bind(Context.cpu(), [aArr, bArr], [NDArray.ones(2, 3), NDArray.ones(2, 3)], "add", [])
exAdd.forward(isTrain=True)
exAdd.backward(NDArray.ones(2, 3) * 2)
parity("bind.add_grads", exAdd.gradDict)

exS = net.simpleBind(Context.cpu(), "write", {"data": Shape(4, 10)})
parity("simple_bind.args", {k: v.shape for k, v in exS.argDict.items()})
parity("simple_bind.grads", {k: (None if v is None else v.shape) for k, v in exS.gradDict.items()})
parity("simple_bind.aux", list(exS.auxDict))

group = Symbol.Group(fc1, net)
parity("group.outputs", group.listOutputs())
parity("group.args", group.listArguments())
parity("group.get", group.get(1).listOutputs())
parity("group.by_name", net.getInternals().get("fc1_output").listArguments())

c2 = Symbol.loadJson(c.toJson())
parity("json.roundtrip", c.toJson() == c2.toJson())
parity("json.c", c.toJson())
parity("json.net_args", Symbol.loadJson(net.toJson()).listArguments())

inner = Symbol.Variable("inner")
outer = Symbol.api.Activation(Some(inner), act_type="tanh", name="outer")
composedNet = outer("composed", {"inner": fc1})
parity("compose.args", composedNet.listArguments())
parity("compose.outputs", composedNet.listOutputs())
parity("attr_map", composedNet.attrMap())
parity("debug_str", composedNet.debugStr())
