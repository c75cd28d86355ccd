// "Symbol in Pictures" (MXNet Scala tutorial symbol_in_pictures.md; its images show Python code,
// transliterated in reference §4.3), every picture, with the numbers compared to pictures.py.
import org.pysym._

// compose_basic.png
val A = Symbol.Variable("A")
val B = Symbol.Variable("B")
val C = A * B
val D = Symbol.Variable("D")
val E = C + D
parity("compose_basic.args", E.listArguments())
parity("compose_basic.outputs", E.listOutputs())
parity("compose_basic.c_outputs", C.listOutputs())

// compose_net.png
val input = Symbol.Variable("data")
val fc1 = Symbol.api.FullyConnected(data = Some(input), num_hidden = 128, name = "fc1")
parity("compose_net.fc1_args", fc1.listArguments())
val act1 = Symbol.api.Activation(Some(fc1), act_type = "relu")
parity("compose_net.act1_outputs", act1.listOutputs())
parity("compose_net.act1_args", act1.listArguments())

// compose_multi_in.png
val in1 = Symbol.Variable("data")
val fcA = Symbol.api.FullyConnected(data = Some(in1), num_hidden = 128, name = "fc1")
val in2 = Symbol.Variable("data2")
val fcB = Symbol.api.FullyConnected(data = Some(in2), num_hidden = 128, name = "fc2")
val combined = fcA + fcB
parity("compose_multi_in.args", combined.listArguments())
parity("compose_multi_in.outputs", combined.listOutputs())

// bind_basic.png: arguments as a Seq in listArguments() order
val a0 = NDArray.ones(1) * 3
val b0 = NDArray.ones(1) * 4
val d0 = NDArray.ones(1) * 5
val executor0 = E.bind(Context.cpu(), Seq(a0, b0, d0))
executor0.forward()
parity("bind_basic.out", executor0.outputs(0))

// executor_forward.png
val a = NDArray.empty(1)
val b = NDArray.ones(1)
val d = NDArray.ones(1)
val executor = E.bind(Context.cpu(), Map("A" -> a, "B" -> b, "D" -> d))
a.set(10f)
executor.forward()
parity("executor_forward.out", executor.outputs(0).toArray)
parity("executor_forward.argDict_keys", executor.argDict.keys.toSeq.sorted)

// executor_multi_out.png
val G = Symbol.Group(E, C)
val exG = G.bind(Context.cpu(), Map("A" -> a, "B" -> b, "D" -> d))
exG.forward()
val eOut = exG.outputs(0)
val cOut = exG.outputs(1)
parity("executor_multi_out.e", eOut)
parity("executor_multi_out.c", cOut)
parity("executor_multi_out.outputs", G.listOutputs())

// executor_backward.png
val E2 = C * D
val a2 = NDArray.ones(1) * 10
val b2 = NDArray.ones(1)
val d2 = NDArray.ones(1) * 2
val ga = NDArray.empty(1)
val exB = E2.bind(Context.cpu(), Map("A" -> a2, "B" -> b2, "D" -> d2), Map("A" -> ga))
exB.forward()
parity("executor_backward.out", exB.outputs(0))
val ge = NDArray.ones(1) * 2
exB.backward(ge)
parity("executor_backward.ga", ga)
parity("executor_backward.gradDict_B", exB.gradDict("B"))

// executor_simple_bind.png
val dataShape = Shape(100, 768)
val exS = act1.simpleBind(Context.cpu(), "write", Map("data" -> dataShape))
parity("executor_simple_bind.arg_shapes", act1.listArguments().map(n => exS.argDict(n).shape))
parity("executor_simple_bind.grad_data", exS.gradDict.get("data").flatMap(Option(_)))
parity("executor_simple_bind.grad_shapes", Seq("fc1_weight", "fc1_bias").map(n => exS.gradDict(n).shape))
parity("executor_simple_bind.out_shape", exS.outputs(0).shape)

// executor_aux_state.png (graph only): BatchNorm's arguments and auxiliary states
val bn = Symbol.api.BatchNorm(Some(input), name = "bn")
parity("executor_aux_state.args", bn.listArguments())
parity("executor_aux_state.aux", bn.listAuxiliaryStates())
parity("executor_aux_state.outputs", bn.listOutputs())
