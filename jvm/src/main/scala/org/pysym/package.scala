package org

/** The Scala facade of pysym: MXNet 1.9.1's Scala Symbol/Executor/NDArray API over the Java core,
  * so MXNet tutorial code runs with `import org.pysym._` in place of `import org.apache.mxnet._`.
  * Context is the Java core's org.pysym.Context itself (Context.cpu() prints cpu(0)). */
package object pysym {
  /** An element type; values in object DType (DType.Float32 prints float32). */
  type DType = org.pysym.op.DType

  /** MXNet's `object DType extends Enumeration`, over the core's enum. */
  object DType {
    type DType = org.pysym.op.DType
    val Float32: DType = org.pysym.op.DType.Float32
    val Float64: DType = org.pysym.op.DType.Float64
    val Float16: DType = org.pysym.op.DType.Float16
    val UInt8: DType = org.pysym.op.DType.UInt8
    val Int32: DType = org.pysym.op.DType.Int32
    val Int8: DType = org.pysym.op.DType.Int8
    val Int64: DType = org.pysym.op.DType.Int64
    def apply(id: Int): DType = org.pysym.op.DType.byId(id)
    def values: Seq[DType] = org.pysym.op.DType.values.toSeq
  }

  /** MXNet's Random.seed: executors bound afterwards draw reproducible random streams (Dropout). */
  object Random {
    def seed(seedState: Int): Unit = org.pysym.exec.Executor.seed(seedState.toLong)
  }

  /** MXNet's error type name; pysym's core throws PysymError. */
  type MXNetError = org.pysym.PysymError
}
