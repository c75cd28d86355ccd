package org.pysym

import scala.jdk.CollectionConverters._
import org.pysym.exec.{Executor => JExecutor}

/** A symbol bound to arrays, as MXNet Scala's Executor: forward, backward, outputs and the argument,
  * gradient and auxiliary-state arrays by name. dispose() frees its plan, outputs and (for simpleBind)
  * the arrays it allocated. */
class Executor private[pysym] (private[pysym] val j: JExecutor) extends AutoCloseable {
  /** Fetched once; every forward overwrites these arrays in place. */
  val outputs: Array[NDArray] = j.outputs().asScala.map(new NDArray(_)).toArray

  private def dict(m: java.util.Map[String, org.pysym.ndarray.NDArray]): Map[String, NDArray] =
    scala.collection.immutable.ListMap(m.asScala.toSeq.map { case (k, a) => k -> (if (a == null) null else new NDArray(a)) }: _*)

  lazy val argDict: Map[String, NDArray] = dict(j.argDict())
  /** Arguments without a gradient array map to null, as in MXNet. */
  lazy val gradDict: Map[String, NDArray] = dict(j.gradDict())
  lazy val auxDict: Map[String, NDArray] = dict(j.auxDict())

  def forward(): Unit = j.forward(false)
  /** Copies each (name, array) into the bound argument of that name, then runs forward. */
  def forward(isTrain: Boolean, kwargs: (String, NDArray)*): Unit = {
    val m = new java.util.LinkedHashMap[String, org.pysym.ndarray.NDArray]()
    kwargs.foreach { case (k, a) => m.put(k, a.j) }
    j.forward(isTrain, m)
  }

  /** One head gradient per output that is not a loss (or one per output; loss entries are ignored). */
  def backward(outGrads: Array[NDArray]): Unit = {
    require(outGrads != null, "outGrads must not be null")
    j.backward(outGrads.map(g => if (g == null) null else g.j).toSeq.asJava)
  }
  def backward(outGrad: NDArray): Unit = j.backward(outGrad.j)
  def backward(): Unit = j.backward()

  /** Copies arrays by name into argDict / auxDict. */
  def copyParamsFrom(argParams: Map[String, NDArray], auxParams: Map[String, NDArray],
                     allowExtraParams: Boolean = false): Unit = {
    for ((name, a) <- argParams) {
      if (argDict.contains(name)) a.copyTo(argDict(name))
      else require(allowExtraParams, s"Provided name $name is not in the arguments")
    }
    if (auxParams != null) for ((name, a) <- auxParams) {
      if (auxDict.contains(name)) a.copyTo(auxDict(name))
      else require(allowExtraParams, s"Provided name $name is not in the auxiliary states")
    }
  }
  def copyParamsFrom(argParams: Map[String, NDArray], allowExtraParams: Boolean): Unit =
    copyParamsFrom(argParams, null, allowExtraParams)
  def copyParamsFrom(argParams: Map[String, NDArray]): Unit = copyParamsFrom(argParams, allowExtraParams = false)

  def debugStr: String = j.debugStr()
  def isDisposed: Boolean = j.isDisposed
  def dispose(): Unit = j.dispose()
  override def close(): Unit = j.dispose()
}
