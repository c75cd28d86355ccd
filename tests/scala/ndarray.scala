// Imperative operator functions on NDArrays: the legacy NDArray.X(args*) / NDArray.X(kwargs)(args*) and the
// typed NDArray.api.X(...), multi-output ops, views, BatchNorm inference and out=; compared with ndarray.py.
import org.pysym._

def fill(n: Int, k: Int): Array[Float] = Array.tabulate(n)(i => ((i * k) % 11 - 5) / 10f)
val a = NDArray.array(fill(6, 3), Shape(2, 3))
val b = NDArray.array(fill(12, 7), Shape(3, 4))
val d: NDArray = NDArray.dot(a, b)
parity("dot", d)
parity("sum", NDArray.sum(NDArray.abs(a - 0.25f)).head)
parity("sum_axis", NDArray.sum(Map("axis" -> 1, "keepdims" -> true))(a).head)
parity("argmax", NDArray.argmax(Map("axis" -> 1))(b).head)
parity("argmax_positional", NDArray.argmax(b, 0).head)
parity("softmax", NDArray.api.softmax(a, axis = Some(0)).head)
val w = NDArray.array(fill(15, 4), Shape(5, 3))
val bias = NDArray.array(fill(5, 2), Shape(5))
parity("fc", NDArray.api.FullyConnected(a, w, bias, num_hidden = 5).head)
parity("fc_no_bias", NDArray.api.FullyConnected(a, w, null, num_hidden = 5, no_bias = Some(true)).head)
val parts = NDArray.api.SliceChannel(b, num_outputs = 2, axis = Some(1))
parity("split", parts.toSeq)
val r = NDArray.api.Reshape(a, shape = Some(Shape(3, 2))).head
r.set(fill(6, 5))
parity("reshape_shares", a)
val x = NDArray.array(fill(8, 3), Shape(4, 2))
val bn = NDArray.api.BatchNorm(x, NDArray.array(Array(1f, 2f), Shape(2)), NDArray.array(Array(0.5f, -0.5f), Shape(2)),
  NDArray.array(Array(0.1f, -0.1f), Shape(2)), NDArray.array(Array(0.5f, 2f), Shape(2)), fix_gamma = Some(false))
parity("batchnorm", bn.head)
val target = NDArray.zeros(2, 4)
NDArray.api.dot(a, b, out = Some(target))
parity("out", target)
NDArray.relu(Map("out" -> target))(target)
parity("out_legacy", target)
parity("concat", NDArray.api.Concat(Array(a, a), num_args = 2, dim = Some(1)).head)
