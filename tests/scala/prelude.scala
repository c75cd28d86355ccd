// Parity prelude: fed to the REPL once, before the programs. parity(label, value) prints one line
// "PARITY <label> <json>" that tests/test_scala_parity.py compares with the Python twin's value.
object parity {
  def str(s: String): String =
    "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "\""
  def num(d: Double): String = if (d.isNaN || d.isInfinite) str(d.toString) else d.toString
  def json(v: Any): String = v match {
    case null | None => "null"
    case Some(x) => json(x)
    case s: String => str(s)
    case b: Boolean => b.toString
    case f: Float => num(f.toDouble)
    case d: Double => num(d)
    case i: Int => i.toString
    case l: Long => l.toString
    case s: org.pysym.Shape => s.toArray.mkString("[", ",", "]")
    case a: org.pysym.NDArray => "{\"shape\":" + json(a.shape) + ",\"values\":" + json(a.toArray) + "}"
    case t: org.pysym.op.DType => str(t.toString)
    case c: org.pysym.Context => str(c.toString)
    case a: Array[_] => a.map(json).mkString("[", ",", "]")
    case m: scala.collection.Map[_, _] => m.toSeq.map { case (k, x) => str(k.toString) + ":" + json(x) }.mkString("{", ",", "}")
    case s: Iterable[_] => s.map(json).mkString("[", ",", "]")
    case p: Product => p.productIterator.map(json).mkString("[", ",", "]")
    case other => str(other.toString)
  }
  def apply(label: String, v: Any): Unit = println("PARITY " + label + " " + json(v))
}
