// Network pictures and summaries (MXNet's Visualization.plotNetwork, print_summary): LeNet as MXNet's
// examples build it, drawn and summarised; compared with viz.py.
import org.pysym._

val data = Symbol.Variable("data")
val conv1 = Symbol.api.Convolution(Some(data), kernel = Shape(5, 5), num_filter = 8, name = "conv1")
val tanh1 = Symbol.api.Activation(Some(conv1), act_type = "tanh", name = "tanh1")
val pool1 = Symbol.api.Pooling(Some(tanh1), pool_type = Some("max"), kernel = Some(Shape(2, 2)), stride = Some(Shape(2, 2)), name = "pool1")
val conv2 = Symbol.api.Convolution(Some(pool1), kernel = Shape(5, 5), num_filter = 16, name = "conv2")
val tanh2 = Symbol.api.Activation(Some(conv2), act_type = "tanh", name = "tanh2")
val pool2 = Symbol.api.Pooling(Some(tanh2), pool_type = Some("max"), kernel = Some(Shape(2, 2)), stride = Some(Shape(2, 2)), name = "pool2")
val flatten = Symbol.api.Flatten(Some(pool2), name = "flatten")
val fc1 = Symbol.api.FullyConnected(Some(flatten), num_hidden = 32, name = "fc1")
val tanh3 = Symbol.api.Activation(Some(fc1), act_type = "tanh", name = "tanh3")
val fc2 = Symbol.api.FullyConnected(Some(tanh3), num_hidden = 10, name = "fc2")
val lenet = Symbol.api.SoftmaxOutput(Some(fc2), name = "softmax")

val plain = Visualization.plotNetwork(lenet)
parity("plot.plain", plain.source)
val shaped = Visualization.plotNetwork(lenet, title = "lenet", shape = Map("data" -> Shape(2, 1, 28, 28)))
parity("plot.shaped", shaped.source)
parity("plot.weights", Visualization.plotNetwork(lenet, shape = Map("data" -> Shape(2, 1, 28, 28)), hideWeights = false).source)
parity("plot.node_attrs", Visualization.plotNetwork(lenet, nodeAttrs = Map("shape" -> "oval", "fixedsize" -> "false")).source)
parity("summary.default", Visualization.summary(lenet, Map("data" -> Shape(2, 1, 28, 28))))
parity("summary.narrow", Visualization.summary(lenet, Map("data" -> Shape(2, 1, 28, 28)), 80, Seq(30.0, 50.0, 62.0, 80.0)))

// a Dot built by hand, as MXNet's Visualization.Dot
val dot = new Visualization.Dot("by hand")
dot.node("a", "input\na", Map("shape" -> "oval"))
dot.node("node", attrs = Map("fillcolor" -> "#fb8072", "style" -> "filled"))
dot.edge("node", "a", attrs = Map("dir" -> "back"))
parity("dot.source", dot.source)

// rendering runs Graphviz's dot binary
val dir = java.nio.file.Files.createTempDirectory("pysym-viz").toString
val svg = shaped.render(format = "svg", fileName = "lenet", path = dir)
parity("render.name", new java.io.File(svg).getName)
parity("render.svg_root", scala.io.Source.fromFile(svg).mkString.contains("<svg"))
parity("render.has_conv_label", scala.io.Source.fromFile(svg).mkString.contains("5x5/1, 8"))
