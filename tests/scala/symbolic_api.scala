// MXNet Scala "Symbolic API" tutorial (symbol.md, reference §4.1/§4.2): composition with the typed
// and the legacy operator API, attributes, inferShape, bind, simpleBind, Group and serialization.
import org.pysym._

// basic neural network, typed API (symbol.md block 1)
val data = Symbol.Variable("data")
val fc1 = Symbol.api.FullyConnected(Some(data), num_hidden = 128, name = "fc1")
val act1 = Symbol.api.Activation(Some(fc1), "relu", "relu1")
val fc2 = Symbol.api.FullyConnected(Some(act1), num_hidden = 64, name = "fc2")
val net = Symbol.api.SoftmaxOutput(Some(fc2), name = "out")
:type net
parity("mlp.args", net.listArguments())
parity("mlp.outputs", net.listOutputs())
parity("mlp.aux", net.listAuxiliaryStates())
parity("mlp.internals", net.getInternals().listOutputs())
parity("mlp.fc1_attr", fc1.listAttr())

// the same network with the legacy curried API (v1.0.0 symbol.md block 1)
val lfc1 = Symbol.FullyConnected(name = "lfc1")()(Map("data" -> data, "num_hidden" -> 128))
val lact1 = Symbol.Activation(name = "lrelu1")()(Map("data" -> lfc1, "act_type" -> "relu"))
val lfc2 = Symbol.FullyConnected(name = "lfc2")(lact1)(Map("num_hidden" -> 64))
val lnet = Symbol.SoftmaxOutput(name = "lout")(lfc2)()
parity("legacy.args", lnet.listArguments())
parity("legacy.outputs", lnet.listOutputs())
val unnamed = Symbol.Activation()()(Map("data" -> lnet, "act_type" -> "relu"))
parity("legacy.unnamed", unnamed.listOutputs())

// operators on symbols (block 2), with scalars on either side
val a = Symbol.Variable("a")
val b = Symbol.Variable("b")
val c = a + b
parity("ops.c_args", c.listArguments())
import org.pysym.SymbolConversions._
val e = (2 / (4 - ((1 + a + 1) * 2 / 5) - 0.2)) ** 2 - b * 3
parity("ops.e_internals", e.getInternals().listOutputs())

// attributes (blocks 3-4)
val mood = Symbol.Variable("mdata", Map("mood" -> "angry"))
parity("attr.mood", mood.attr("mood"))
parity("attr.missing", mood.attr("color"))
val shaped = Symbol.Variable("w", shape = Shape(2, 3), lrMult = Some(2.0f))
parity("attr.shaped", shaped.listAttr())

// shape inference
val (argShapes, outShapes, auxShapes) = net.inferShape(Map("data" -> Shape(100, 100)))
parity("infer.args", argShapes)
parity("infer.outs", outShapes)
parity("infer.aux", auxShapes)
parity("infer.positional", net.inferShape(Shape(100, 100)))
parity("infer.incomplete", net.inferShape(Map("fc2_weight" -> Shape(64, 128))))
parity("infer.both", c.inferShape(Map("a" -> Shape(2, 3))))
parity("infer.types", net.inferType(Map("data" -> DType.Float32)))

// bind: arguments by name, gradients for a only, then forward and backward with a head gradient
val aArr = NDArray.array(Array(1f, 2f, 3f, 4f, 5f, 6f), Shape(2, 3))
val bArr = NDArray.ones(Shape(2, 3)) * 0.5f
val gA = NDArray.zeros(2, 3)
val ex = e.bind(Context.cpu(), Map("a" -> aArr, "b" -> bArr), Map("a" -> gA), "write", Nil, null, null)
ex.forward(isTrain = true)
parity("bind.out", ex.outputs(0))
ex.backward(NDArray.ones(2, 3))
parity("bind.grad_a", gA)
parity("bind.grad_keys", ex.gradDict.filter(_._2 != null).keys.toSeq.sorted)
ex.forward(false, "b" -> NDArray.ones(2, 3))
parity("bind.forward_kwargs", ex.outputs(0))
val exAdd = c.bind(Context.cpu(), Seq(aArr, bArr), Seq(NDArray.ones(2, 3), NDArray.ones(2, 3)), "add", Nil, null, null)
exAdd.forward(isTrain = true)
exAdd.backward(NDArray.ones(2, 3) * 2)
parity("bind.add_grads", exAdd.gradDict)

// simpleBind: zeros everywhere, gradients for names not ending in data/label
val exS = net.simpleBind(Context.cpu(), "write", Map("data" -> Shape(4, 10)))
parity("simple_bind.args", exS.argDict.map { case (k, v) => k -> v.shape })
parity("simple_bind.grads", exS.gradDict.map { case (k, v) => k -> Option(v).map(_.shape) })
parity("simple_bind.aux", exS.auxDict.keys.toSeq)

// Group (block 7)
val group = Symbol.Group(fc1, net)
parity("group.outputs", group.listOutputs())
parity("group.args", group.listArguments())
parity("group.get", group.get(1).listOutputs())
parity("group.by_name", net.getInternals().get("fc1_output").listArguments())

// serialization (block 6): a JSON round trip gives the same JSON
val c2 = Symbol.loadJson(c.toJson)
parity("json.roundtrip", c.toJson == c2.toJson)
parity("json.c", c.toJson)
parity("json.net_args", Symbol.loadJson(net.toJson).listArguments())

// composition: net2(name, Map(...)) replaces a free variable; attrMap and debugStr
val inner = Symbol.Variable("inner")
val outer = Symbol.api.Activation(Some(inner), act_type = "tanh", name = "outer")
val composedNet = outer("composed", Map("inner" -> fc1))
parity("compose.args", composedNet.listArguments())
parity("compose.outputs", composedNet.listOutputs())
parity("attr_map", composedNet.attrMap())
parity("debug_str", composedNet.debugStr)
