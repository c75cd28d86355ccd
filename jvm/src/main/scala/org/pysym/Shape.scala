package org.pysym

/** A tensor shape, as MXNet Scala's Shape: Shape(2, 3) prints (2,3); size and length are the rank. */
class Shape(dims: Iterable[Int]) extends Serializable {
  private val shape: Vector[Int] = dims.toVector

  def this(dims: Int*) = this(dims.toVector)

  def apply(dim: Int): Int = shape(dim)
  def get(dim: Int): Int = shape(dim)
  def size: Int = shape.size
  def length: Int = shape.length
  def drop(dim: Int): Shape = new Shape(shape.drop(dim))
  def slice(from: Int, end: Int): Shape = new Shape(shape.slice(from, end))
  def product: Int = shape.product
  def head: Int = shape.head
  def ++(other: Shape): Shape = new Shape(shape ++ other.toVector)
  def toArray: Array[Int] = shape.toArray
  def toVector: Vector[Int] = shape

  /** The core's shape; an array shape must be non-negative. */
  private[pysym] def toJava: org.pysym.op.Shape = org.pysym.op.Shape.of(shape: _*)
  /** An integer-tuple parameter (Reshape codes may be negative). */
  private[pysym] def toJavaParam: org.pysym.op.Shape = org.pysym.op.Shape.ofSigned(shape: _*)

  override def toString: String = shape.mkString("(", ",", ")")
  override def equals(o: Any): Boolean = o match {
    case s: Shape => shape == s.toVector
    case _ => false
  }
  override def hashCode: Int = shape.hashCode
}

object Shape {
  def apply(dims: Int*): Shape = new Shape(dims.toVector)
  def apply(dims: Iterable[Int]): Shape = new Shape(dims)
  def create(dims: Int*): Shape = new Shape(dims.toVector)
  private[pysym] def fromJava(s: org.pysym.op.Shape): Shape = if (s == null) null else new Shape(s.toArray.toVector)
}
