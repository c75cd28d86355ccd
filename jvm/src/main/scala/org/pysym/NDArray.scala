package org.pysym

import scala.jdk.CollectionConverters._
import scala.language.implicitConversions
import org.pysym.ndarray.{NDArray => JNDArray, Imperative}

/** An n-dimensional array in native memory, as MXNet Scala's NDArray (a thin handle on the core's
  * org.pysym.ndarray.NDArray). Arithmetic with NDArrays is element-wise on equal shapes; scalars may be
  * Int, Float or Double. dispose()/close() release the memory; a Cleaner does it for forgotten arrays. */
class NDArray private[pysym] (private[pysym] val j: JNDArray) extends AutoCloseable {
  def shape: Shape = Shape.fromJava(j.shape)
  def size: Int = j.size.toInt
  def dtype: DType = j.dtype
  def context: Context = j.context
  def isDisposed: Boolean = j.isDisposed
  def dispose(): Unit = j.dispose()
  override def close(): Unit = j.dispose()
  def waitToRead(): Unit = ()

  def toArray: Array[Float] = j.toArray
  def toFloat64Array: Array[Double] = j.toFloat64Array
  def toScalar: Float = j.toScalar
  def toFloat64Scalar: Double = j.toFloat64Array()(0)

  def set(value: Float): NDArray = { j.set(NDArray.num(value)); this }
  def set(value: Double): NDArray = { j.set(value); this }
  def set(value: Int): NDArray = { j.set(value.toDouble); this }
  def set(other: NDArray): NDArray = { j.set(other.j); this }
  def set(other: Array[Float]): NDArray = { j.set(other); this }
  def set(other: Array[Double]): NDArray = { j.set(other); this }

  def copyTo(other: NDArray): NDArray = { j.copyTo(other.j); other }
  def copyTo(ctx: Context): NDArray = new NDArray(j.copyTo(ctx))
  def copy(): NDArray = new NDArray(j.copy())
  def asInContext(context: Context): NDArray = if (context == this.context) this else copyTo(context)

  def slice(start: Int, stop: Int): NDArray = new NDArray(j.slice(start, stop))
  def slice(range: (Int, Int)): NDArray = slice(range._1, range._2)
  def slice(i: Int): NDArray = new NDArray(j.slice(i))
  def at(idx: Int): NDArray = new NDArray(j.at(idx))
  def reshape(dims: Array[Int]): NDArray = new NDArray(j.reshape(dims))
  def reshape(dims: Shape): NDArray = new NDArray(j.reshape(dims.toArray))

  def +(other: NDArray): NDArray = new NDArray(j.plus(other.j))
  def +(other: Int): NDArray = new NDArray(j.plus(other.toDouble))
  def +(other: Float): NDArray = new NDArray(j.plus(NDArray.num(other)))
  def +(other: Double): NDArray = new NDArray(j.plus(other))
  def -(other: NDArray): NDArray = new NDArray(j.minus(other.j))
  def -(other: Int): NDArray = new NDArray(j.minus(other.toDouble))
  def -(other: Float): NDArray = new NDArray(j.minus(NDArray.num(other)))
  def -(other: Double): NDArray = new NDArray(j.minus(other))
  def *(other: NDArray): NDArray = new NDArray(j.mul(other.j))
  def *(other: Int): NDArray = new NDArray(j.mul(other.toDouble))
  def *(other: Float): NDArray = new NDArray(j.mul(NDArray.num(other)))
  def *(other: Double): NDArray = new NDArray(j.mul(other))
  def /(other: NDArray): NDArray = new NDArray(j.div(other.j))
  def /(other: Int): NDArray = new NDArray(j.div(other.toDouble))
  def /(other: Float): NDArray = new NDArray(j.div(NDArray.num(other)))
  def /(other: Double): NDArray = new NDArray(j.div(other))
  def **(other: NDArray): NDArray = new NDArray(j.pow(other.j))
  def **(other: Int): NDArray = new NDArray(j.pow(other.toDouble))
  def **(other: Float): NDArray = new NDArray(j.pow(NDArray.num(other)))
  def **(other: Double): NDArray = new NDArray(j.pow(other))
  def unary_- : NDArray = new NDArray(j.negate())

  def +=(other: NDArray): NDArray = { j.plusInPlace(other.j); this }
  def +=(other: Int): NDArray = { j.plusInPlace(other.toDouble); this }
  def +=(other: Float): NDArray = { j.plusInPlace(NDArray.num(other)); this }
  def +=(other: Double): NDArray = { j.plusInPlace(other); this }
  def -=(other: NDArray): NDArray = { j.minusInPlace(other.j); this }
  def -=(other: Int): NDArray = { j.minusInPlace(other.toDouble); this }
  def -=(other: Float): NDArray = { j.minusInPlace(NDArray.num(other)); this }
  def -=(other: Double): NDArray = { j.minusInPlace(other); this }
  def *=(other: NDArray): NDArray = { j.mulInPlace(other.j); this }
  def *=(other: Int): NDArray = { j.mulInPlace(other.toDouble); this }
  def *=(other: Float): NDArray = { j.mulInPlace(NDArray.num(other)); this }
  def *=(other: Double): NDArray = { j.mulInPlace(other); this }
  def /=(other: NDArray): NDArray = { j.divInPlace(other.j); this }
  def /=(other: Int): NDArray = { j.divInPlace(other.toDouble); this }
  def /=(other: Float): NDArray = { j.divInPlace(NDArray.num(other)); this }
  def /=(other: Double): NDArray = { j.divInPlace(other); this }
  def **=(other: NDArray): NDArray = { j.powInPlace(other.j); this }
  def **=(other: Int): NDArray = { j.powInPlace(other.toDouble); this }
  def **=(other: Float): NDArray = { j.powInPlace(NDArray.num(other)); this }
  def **=(other: Double): NDArray = { j.powInPlace(other); this }

  /** MXNet's multi-line format: rows, then <NDArray (2,3) cpu(0) float32>. */
  override def toString: String = j.toString

  /** As MXNet: same shape and the same float values. */
  override def equals(o: Any): Boolean = o match {
    case that: NDArray => (that.j eq j) || (that.shape == shape && that.toArray.sameElements(toArray))
    case _ => false
  }
  override def hashCode: Int = j.hashCode
}

/** What the generated operator functions (NDArray.api.X, NDArray.X) return, as MXNet Scala: every visible
  * output; it converts implicitly to its first NDArray (NDArray.getFirstResult), and forwards common methods. */
class NDArrayFuncReturn(private[pysym] val arr: Array[NDArray]) {
  def head: NDArray = apply(0)
  def get: NDArray = {
    require(arr.length == 1, s"return array length = ${arr.length}")
    head
  }
  def apply(i: Int): NDArray = {
    require(arr.length > i, s"index out of bounds: $i, array length = ${arr.length}")
    arr(i)
  }
  def length: Int = arr.length
  def toSeq: Seq[NDArray] = arr.toSeq

  def shape: Shape = head.shape
  def size: Int = head.size
  def dtype: DType = head.dtype
  def context: Context = head.context
  def isDisposed: Boolean = head.isDisposed
  def dispose(): Unit = arr.foreach(_.dispose())
  def waitToRead(): Unit = ()
  def toArray: Array[Float] = head.toArray
  def toScalar: Float = head.toScalar
  def copy(): NDArray = head.copy()
  def copyTo(other: NDArray): NDArray = head.copyTo(other)
  def reshape(dims: Array[Int]): NDArray = head.reshape(dims)
  def reshape(dims: Shape): NDArray = head.reshape(dims)
  def slice(start: Int, stop: Int): NDArray = head.slice(start, stop)
  def at(idx: Int): NDArray = head.at(idx)
  def +(other: NDArray): NDArray = head + other
  def +(other: Double): NDArray = head + other
  def -(other: NDArray): NDArray = head - other
  def -(other: Double): NDArray = head - other
  def *(other: NDArray): NDArray = head * other
  def *(other: Double): NDArray = head * other
  def /(other: NDArray): NDArray = head / other
  def /(other: Double): NDArray = head / other
  def unary_- : NDArray = -head
  override def toString: String = head.toString
}

object NDArray extends NDArrayBase {
  /** Generated operator functions return NDArrayFuncReturn; as MXNet, it stands for its first output. */
  implicit def getFirstResult(ret: NDArrayFuncReturn): NDArray = ret(0)

  /** Typed operator functions: NDArray.api.FullyConnected(x, w, b, num_hidden = 4), NDArray.api.sum(x, axis = Some(Shape(1))). */
  val api: NDArrayAPI.type = NDArrayAPI

  /** A Float scalar as MXNet sends it to the backend (its decimal string), so 0.1f means 0.1. */
  private[pysym] def num(v: Float): Double = v.toString.toDouble

  private def wrap(a: JNDArray): NDArray = new NDArray(a)
  private def jctx(ctx: Context): Context = if (ctx == null) Context.defaultCtx else ctx

  def waitall(): Unit = ()

  def empty(shape: Shape, ctx: Context = null, dtype: DType = DType.Float32): NDArray =
    wrap(JNDArray.empty(shape.toJava, jctx(ctx), dtype))
  def empty(shape: Int*): NDArray = empty(Shape(shape: _*))
  def empty(ctx: Context, shape: Int*): NDArray = empty(Shape(shape: _*), ctx)
  def zeros(shape: Shape, ctx: Context = null, dtype: DType = DType.Float32): NDArray =
    wrap(JNDArray.zeros(shape.toJava, jctx(ctx), dtype))
  def zeros(shape: Int*): NDArray = zeros(Shape(shape: _*))
  def zeros(ctx: Context, shape: Int*): NDArray = zeros(Shape(shape: _*), ctx)
  def ones(shape: Shape, ctx: Context = null, dtype: DType = DType.Float32): NDArray =
    wrap(JNDArray.ones(shape.toJava, jctx(ctx), dtype))
  def ones(shape: Int*): NDArray = ones(Shape(shape: _*))
  def ones(ctx: Context, shape: Int*): NDArray = ones(Shape(shape: _*), ctx)
  def full(shape: Shape, value: Float, ctx: Context = null): NDArray =
    wrap(JNDArray.full(shape.toJava, num(value), jctx(ctx), DType.Float32))
  def full(shape: Shape, value: Double, ctx: Context): NDArray = wrap(JNDArray.full(shape.toJava, value, jctx(ctx), DType.Float64))
  def full(shape: Shape, value: Double): NDArray = full(shape, value, null)

  def array(sourceArr: Array[Float], shape: Shape, ctx: Context = null): NDArray =
    wrap(JNDArray.array(sourceArr, shape.toJava, jctx(ctx)))
  /** As MXNet: Double data makes a Float64 array. */
  def array(sourceArr: Array[Double], shape: Shape, ctx: Context): NDArray =
    wrap(JNDArray.array(sourceArr, shape.toJava, jctx(ctx), DType.Float64))
  def array(sourceArr: Array[Double], shape: Shape): NDArray = array(sourceArr, shape, null)

  def arange(start: Float, stop: Option[Float] = None, step: Float = 1.0f, repeat: Int = 1,
             ctx: Context = Context.defaultCtx, dType: DType = DType.Float32): NDArray =
    wrap(JNDArray.arange(num(start), stop.map(s => java.lang.Double.valueOf(num(s))).orNull, num(step), repeat, jctx(ctx), dType))

  def power(lhs: NDArray, rhs: NDArray): NDArray = lhs ** rhs
  def power(lhs: NDArray, rhs: Double): NDArray = lhs ** rhs
  def power(lhs: Double, rhs: NDArray): NDArray = wrap(rhs.j.rpow(lhs))
  def maximum(lhs: NDArray, rhs: NDArray): NDArray = wrap(lhs.j.maximum(rhs.j))
  def maximum(lhs: NDArray, rhs: Double): NDArray = wrap(lhs.j.maximum(rhs))
  def maximum(lhs: Double, rhs: NDArray): NDArray = wrap(rhs.j.maximum(lhs))
  def minimum(lhs: NDArray, rhs: NDArray): NDArray = wrap(lhs.j.minimum(rhs.j))
  def minimum(lhs: NDArray, rhs: Double): NDArray = wrap(lhs.j.minimum(rhs))
  def minimum(lhs: Double, rhs: NDArray): NDArray = wrap(rhs.j.minimum(lhs))

  private def jparams(params: Iterable[(String, Any)]): java.util.Map[String, AnyRef] = {
    val m = new java.util.LinkedHashMap[String, AnyRef]()
    params.foreach { case (k, v) => m.put(k, Symbol.param(v)) }
    m
  }

  private def jouts(out: Any): java.util.List[JNDArray] = out match {
    case null | None => null
    case Some(o) => jouts(o)
    case nd: NDArray => java.util.List.of(nd.j)
    case r: NDArrayFuncReturn => r.arr.map(_.j).toSeq.asJava
    case s: Iterable[_] => s.map { case nd: NDArray => nd.j; case o => throw new IllegalArgumentException(
      s"out must hold NDArrays, got $o") }.toSeq.asJava
    case a: Array[NDArray] => a.map(_.j).toSeq.asJava
    case o => throw new IllegalArgumentException(s"out must be an NDArray or a sequence of them, got $o")
  }

  private def run(operator: String, params: java.util.Map[String, AnyRef], out: Any, positional: Seq[NDArray],
                  named: Map[String, NDArray]): NDArrayFuncReturn = {
    val res = Imperative.invokeNamed(operator, params, jouts(out), positional.map(a => if (a == null) null else a.j).asJava,
      named.map { case (k, v) => k -> (if (v == null) null else v.j) }.asJava)
    out match {
      case null | None => new NDArrayFuncReturn(res.asScala.map(wrap).toArray)
      case Some(o: NDArray) => new NDArrayFuncReturn(Array(o))
      case o: NDArray => new NDArrayFuncReturn(Array(o))
      case r: NDArrayFuncReturn => r
      case s: Iterable[_] => new NDArrayFuncReturn(s.collect { case nd: NDArray => nd }.toArray)
      case a: Array[NDArray] => new NDArrayFuncReturn(a)
      case _ => new NDArrayFuncReturn(res.asScala.map(wrap).toArray)
    }
  }

  /** The typed API's path (generated NDArrayAPI): null inputs are missing, None parameters take their defaults. */
  private[pysym] def invokeTyped(operator: String, positional: Seq[NDArray], inputs: Seq[(String, NDArray)],
                                 params: Seq[(String, Option[Any])], out: Option[NDArray]): NDArrayFuncReturn =
    run(operator, jparams(params.collect { case (k, Some(v)) if v != null => k -> v }), out, positional,
      inputs.filter(_._2 != null).toMap)

  /** The legacy path (generated NDArrayBase), as MXNet's genericNDArrayFunctionInvoke: NDArray (and
    * NDArrayFuncReturn) arguments are the inputs, other positional arguments the parameters in declaration
    * order; kwargs hold parameters, inputs by name, and "out". */
  private[pysym] def genericNDArrayFunctionInvoke(operator: String, args: Seq[Any], kwargs: Map[String, Any]): NDArrayFuncReturn = {
    val op = org.pysym.op.OpRegistry.op(operator)
    val ndArgs = scala.collection.mutable.ArrayBuffer.empty[NDArray]
    val posArgs = scala.collection.mutable.ArrayBuffer.empty[Any]
    args.foreach {
      case arr: NDArray => ndArgs += arr
      case ret: NDArrayFuncReturn => ndArgs ++= ret.arr
      case arg => posArgs += arg
    }
    val names = op.fields().asScala.map(_.name).filter(n => !(op.variadic && n == "num_args")).toSeq
    require(posArgs.length <= names.length,
      s"$operator takes at most ${names.length} positional parameters (${names.mkString(", ")}), got ${posArgs.length}")
    val kw = if (kwargs == null) Map.empty[String, Any] else kwargs
    val named = kw.collect { case (k, nd: NDArray) if k != "out" => k -> nd }
    val params = scala.collection.mutable.LinkedHashMap.empty[String, Any]
    names.zip(posArgs).foreach { case (k, v) => params(k) = v }
    kw.foreach { case (k, v) => if (k != "out" && !v.isInstanceOf[NDArray] && v != null && v != None) params(k) = v }
    run(operator, jparams(params), kw.getOrElse("out", null), ndArgs.toSeq, named)
  }
}
