// An MLP (mnist.md's network, smaller) bound with simpleBind, one forward/backward pass and one
// hand-written SGD step, compared number by number with mlp_sgd.py.
import org.pysym._

val data = Symbol.Variable("data")
val fc1 = Symbol.api.FullyConnected(Some(data), num_hidden = 8, name = "fc1")
val act1 = Symbol.api.Activation(Some(fc1), act_type = "relu", name = "relu1")
val fc2 = Symbol.api.FullyConnected(Some(act1), None, None, 3, name = "fc2")
val mlp = Symbol.api.SoftmaxOutput(Some(fc2), name = "softmax")
parity("mlp.args", mlp.listArguments())
parity("mlp.outputs", mlp.listOutputs())
parity("mlp.infer", mlp.inferShape(Map("data" -> Shape(4, 5))))

val exec = mlp.simpleBind(Context.cpu(), "write", Map("data" -> Shape(4, 5)))
parity("bind.grad_names", exec.gradDict.filter(_._2 != null).keys.toSeq.sorted)

// deterministic inputs and initial parameters
def fill(n: Int, k: Int): Array[Float] = Array.tabulate(n)(i => ((i * k) % 11 - 5) / 10f)
exec.argDict("data").set(fill(20, 3))
exec.argDict("fc1_weight").set(fill(40, 7))
exec.argDict("fc1_bias").set(fill(8, 5))
exec.argDict("fc2_weight").set(fill(24, 9))
exec.argDict("fc2_bias").set(fill(3, 4))
exec.argDict("softmax_label").set(Array(0f, 2f, 1f, 2f))

exec.forward(isTrain = true)
parity("forward.out", exec.outputs(0))
exec.backward()
parity("grad.fc1_weight", exec.gradDict("fc1_weight"))
parity("grad.fc1_bias", exec.gradDict("fc1_bias"))
parity("grad.fc2_weight", exec.gradDict("fc2_weight"))
parity("grad.fc2_bias", exec.gradDict("fc2_bias"))

// one SGD step: w -= lr * grad, for every argument that has a gradient
val lr = 0.1f
for ((name, grad) <- exec.gradDict if grad != null) exec.argDict(name) -= grad * lr
parity("sgd.fc1_weight", exec.argDict("fc1_weight"))
parity("sgd.fc2_bias", exec.argDict("fc2_bias"))
exec.forward(isTrain = false)
parity("sgd.forward", exec.outputs(0))
val prob = exec.outputs(0).toArray
val loss = -Seq(0, 2, 1, 2).zipWithIndex.map { case (l, i) => math.log(prob(i * 3 + l)) }.sum / 4
parity("sgd.loss", loss)
exec.dispose()
