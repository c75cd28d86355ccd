package org.pysym

import org.pysym.ndarray.{NDArray => JNDArray}

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

object NDArray {
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
}
