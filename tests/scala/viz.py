# Python twin of viz.scala: the same pictures and summaries through pysym's Python API.
import os
import tempfile

from pysym import Shape, Symbol, Visualization

data = Symbol.Variable("data")
conv1 = Symbol.api.Convolution(data, kernel=Shape(5, 5), num_filter=8, name="conv1")
tanh1 = Symbol.api.Activation(conv1, act_type="tanh", name="tanh1")
pool1 = Symbol.api.Pooling(tanh1, pool_type="max", kernel=Shape(2, 2), stride=Shape(2, 2), name="pool1")
conv2 = Symbol.api.Convolution(pool1, kernel=Shape(5, 5), num_filter=16, name="conv2")
tanh2 = Symbol.api.Activation(conv2, act_type="tanh", name="tanh2")
pool2 = Symbol.api.Pooling(tanh2, pool_type="max", kernel=Shape(2, 2), stride=Shape(2, 2), name="pool2")
flatten = Symbol.api.Flatten(pool2, name="flatten")
fc1 = Symbol.api.FullyConnected(flatten, num_hidden=32, name="fc1")
tanh3 = Symbol.api.Activation(fc1, act_type="tanh", name="tanh3")
fc2 = Symbol.api.FullyConnected(tanh3, num_hidden=10, name="fc2")
lenet = Symbol.api.SoftmaxOutput(fc2, name="softmax")

plain = Visualization.plotNetwork(lenet)
parity("plot.plain", plain.source)
shaped = Visualization.plotNetwork(lenet, title="lenet", shape={"data": Shape(2, 1, 28, 28)})
parity("plot.shaped", shaped.source)
parity("plot.weights", Visualization.plotNetwork(lenet, shape={"data": Shape(2, 1, 28, 28)}, hideWeights=False).source)
parity("plot.node_attrs", Visualization.plotNetwork(lenet, nodeAttrs={"shape": "oval", "fixedsize": "false"}).source)
parity("summary.default", Visualization.summary(lenet, {"data": Shape(2, 1, 28, 28)}))
parity("summary.narrow", Visualization.summary(lenet, {"data": Shape(2, 1, 28, 28)}, 80, [30, 50, 62, 80]))

dot = Visualization.Dot("by hand")
dot.node("a", "input\na", {"shape": "oval"})
dot.node("node", attrs={"fillcolor": "#fb8072", "style": "filled"})
dot.edge("node", "a", attrs={"dir": "back"})
parity("dot.source", dot.source)

dir = tempfile.mkdtemp(prefix="pysym-viz")
svg = shaped.render(format="svg", fileName="lenet", path=dir)
parity("render.name", os.path.basename(svg))
parity("render.svg_root", "<svg" in open(svg).read())
parity("render.has_conv_label", "5x5/1, 8" in open(svg).read())
