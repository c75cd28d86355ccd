package org.pysym

import scala.jdk.CollectionConverters._
import org.pysym.graph.{Symbol => JSymbol}
import org.pysym.exec.{Executor => JExecutor}

/** A symbolic expression, as MXNet Scala's Symbol: compose with operators (Symbol.api.X or Symbol.X),
  * arithmetic with Symbols and scalars, then query, infer shapes and bind. Immutable; it holds no native
  * memory, so dispose() has nothing to free. */
class Symbol private[pysym] (private[pysym] val j: JSymbol) {
  import Symbol.{num, wrap}

  def +(other: Symbol): Symbol = wrap(j.plus(other.j))
  def +(other: Int): Symbol = wrap(j.plus(other.toDouble))
  def +(other: Float): Symbol = wrap(j.plus(num(other)))
  def +(other: Double): Symbol = wrap(j.plus(other))
  def -(other: Symbol): Symbol = wrap(j.minus(other.j))
  def -(other: Int): Symbol = wrap(j.minus(other.toDouble))
  def -(other: Float): Symbol = wrap(j.minus(num(other)))
  def -(other: Double): Symbol = wrap(j.minus(other))
  def *(other: Symbol): Symbol = wrap(j.mul(other.j))
  def *(other: Int): Symbol = wrap(j.mul(other.toDouble))
  def *(other: Float): Symbol = wrap(j.mul(num(other)))
  def *(other: Double): Symbol = wrap(j.mul(other))
  def /(other: Symbol): Symbol = wrap(j.div(other.j))
  def /(other: Int): Symbol = wrap(j.div(other.toDouble))
  def /(other: Float): Symbol = wrap(j.div(num(other)))
  def /(other: Double): Symbol = wrap(j.div(other))
  def **(other: Symbol): Symbol = wrap(j.pow(other.j))
  def **(other: Int): Symbol = wrap(j.pow(other.toDouble))
  def **(other: Float): Symbol = wrap(j.pow(num(other)))
  def **(other: Double): Symbol = wrap(j.pow(other))

  override def clone(): Symbol = this
  def get(index: Int): Symbol = wrap(j.get(index))
  def get(name: String): Symbol = wrap(j.get(name))
  def getInternals(): Symbol = wrap(j.getInternals())
  def listArguments(): IndexedSeq[String] = j.listArguments().asScala.toIndexedSeq
  def listOutputs(): IndexedSeq[String] = j.listOutputs().asScala.toIndexedSeq
  def listAuxiliaryStates(): IndexedSeq[String] = j.listAuxiliaryStates().asScala.toIndexedSeq
  def attr(key: String): Option[String] = Option(j.attr(key))
  def listAttr(): Map[String, String] = j.listAttr().asScala.toMap
  def attrMap(): Map[String, Map[String, String]] = j.attrMap().asScala.map { case (k, v) => k -> v.asScala.toMap }.toMap
  def debugStr: String = j.debugStr()
  /** MXNet's composition: a copy with the named free variables replaced by the given symbols. */
  def apply(name: String, symbols: Map[String, Symbol]): Symbol = wrap(j.compose(symbols.map { case (k, v) => k -> v.j }.asJava))

  def toJson: String = j.toJson()
  def save(fname: String): Unit = j.save(fname)
  def dispose(): Unit = ()
  def close(): Unit = ()

  /** Positional shapes over the arguments in listArguments() order; null means unknown. */
  def inferShape(args: Shape*): (IndexedSeq[Shape], IndexedSeq[Shape], IndexedSeq[Shape]) =
    Symbol.shapes(j.inferShape(args.map(s => if (s == null) null else s.toJava).asJava))

  def inferShape(kwargs: Map[String, Shape]): (IndexedSeq[Shape], IndexedSeq[Shape], IndexedSeq[Shape]) =
    Symbol.shapes(j.inferShape(kwargs.map { case (k, v) => k -> v.toJava }.asJava))

  def inferType(args: DType*): (Seq[DType], Seq[DType], Seq[DType]) = {
    val names = listArguments()
    require(args.length <= names.length, s"inferType got ${args.length} types for ${names.length} arguments $names")
    inferType(names.zip(args).filter(_._2 != null).toMap)
  }

  def inferType(kwargs: Map[String, DType]): (Seq[DType], Seq[DType], Seq[DType]) = {
    val r = j.inferType(kwargs.asJava)
    if (!r.complete()) (null, null, null)
    else (r.argTypes().asScala.toSeq, r.outTypes().asScala.toSeq, r.auxTypes().asScala.toSeq)
  }

  /** MXNet Scala's simpleBind: zeros for every argument and aux state, gradient arrays for the arguments whose
    * names do not end in "data" or "label" (none if gradReq is "null"). Only float32 is supported (typeDict). */
  def simpleBind(ctx: Context, gradReq: String = "write", shapeDict: Map[String, Shape],
                 typeDict: Map[String, DType] = null): Executor = {
    if (typeDict != null)
      for ((k, t) <- typeDict)
        require(t == DType.Float32, s"simpleBind: type of '$k' is $t; the kernels support float32 only so far")
    new Executor(JExecutor.simpleBind(j, ctx, gradReq, shapeDict.map { case (k, v) => k -> v.toJava }.asJava))
  }

  private def bindHelper(ctx: Context, args: Any, argsGrad: Any, gradReq: Any, auxStates: Any): Executor =
    new Executor(JExecutor.bind(j, ctx, Symbol.jArrays(args), Symbol.jArrays(argsGrad), Symbol.jReqs(gradReq),
      Symbol.jArrays(auxStates)))

  // MXNet's 30 bind overloads: args, argsGrad and auxStates each a Seq (listArguments() order) or a Map by
  // name; the gradient request a String for all, a Seq per argument, or a Map (absent names: "null").
  // group2ctx and sharedExec are accepted and ignored (one CPU device, no memory sharing).
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Seq[NDArray], gradReq: String, auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Seq[NDArray], gradReq: String, auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Map[String, NDArray], gradReq: String, auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Map[String, NDArray], gradReq: String, auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Seq[NDArray], gradReq: String, auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Seq[NDArray], gradReq: String, auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Map[String, NDArray], gradReq: String, auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Map[String, NDArray], gradReq: String, auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Seq[NDArray], gradsReq: Seq[String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Seq[NDArray], gradsReq: Seq[String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Map[String, NDArray], gradsReq: Seq[String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Map[String, NDArray], gradsReq: Seq[String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Seq[NDArray], gradsReq: Seq[String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Seq[NDArray], gradsReq: Seq[String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Map[String, NDArray], gradsReq: Seq[String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Map[String, NDArray], gradsReq: Seq[String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Seq[NDArray], gradsReq: Map[String, String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Seq[NDArray], gradsReq: Map[String, String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Map[String, NDArray], gradsReq: Map[String, String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Map[String, NDArray], gradsReq: Map[String, String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Seq[NDArray], gradsReq: Map[String, String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Seq[NDArray], gradsReq: Map[String, String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Map[String, NDArray], gradsReq: Map[String, String], auxStates: Seq[NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Map[String, NDArray], gradsReq: Map[String, String], auxStates: Map[String, NDArray], group2ctx: Map[String, Context], sharedExec: Executor): Executor =
    bindHelper(ctx, args, argsGrad, gradsReq, auxStates)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Seq[NDArray]): Executor = bindHelper(ctx, args, argsGrad, "write", Nil)
  def bind(ctx: Context, args: Seq[NDArray], argsGrad: Map[String, NDArray]): Executor = bindHelper(ctx, args, argsGrad, "write", Nil)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Seq[NDArray]): Executor = bindHelper(ctx, args, argsGrad, "write", Nil)
  def bind(ctx: Context, args: Map[String, NDArray], argsGrad: Map[String, NDArray]): Executor = bindHelper(ctx, args, argsGrad, "write", Nil)
  def bind(ctx: Context, args: Seq[NDArray]): Executor = bindHelper(ctx, args, null, "write", Nil)
  def bind(ctx: Context, args: Map[String, NDArray]): Executor = bindHelper(ctx, args, null, "write", Nil)
}

object Symbol extends SymbolBase {
  /** Typed operator functions: Symbol.api.FullyConnected(Some(data), num_hidden = 128, name = "fc1"). */
  val api: SymbolAPI.type = SymbolAPI

  private[pysym] def wrap(s: JSymbol): Symbol = new Symbol(s)
  private[pysym] def num(v: Float): Double = v.toString.toDouble

  def Variable(name: String, attr: Map[String, String] = null, shape: Shape = null, lrMult: Option[Float] = None,
               wdMult: Option[Float] = None, dType: DType = null,
               kwargs: Map[String, String] = Map.empty[String, String]): Symbol =
    wrap(JSymbol.variable(name, if (attr == null) null else attr.asJava, if (shape == null) null else shape.toJava,
      lrMult.map(v => java.lang.Double.valueOf(num(v))).orNull, wdMult.map(v => java.lang.Double.valueOf(num(v))).orNull,
      dType, if (kwargs == null) null else kwargs.asJava))

  def Group(symbols: Symbol*): Symbol = wrap(JSymbol.group(symbols.map(_.j).asJava))

  def loadJson(json: String): Symbol = wrap(JSymbol.loadJson(json))
  def load(fname: String): Symbol = wrap(JSymbol.load(fname))

  def pow(sym1: Symbol, sym2: Symbol): Symbol = sym1 ** sym2
  def pow(sym: Symbol, number: Double): Symbol = sym ** number
  def pow(number: Double, sym: Symbol): Symbol = wrap(sym.j.rpow(number))
  def max(left: Symbol, right: Symbol): Symbol = wrap(left.j.maximum(right.j))
  def max(left: Symbol, right: Double): Symbol = wrap(left.j.maximum(right))
  def max(left: Double, right: Symbol): Symbol = wrap(right.j.maximum(left))
  def min(left: Symbol, right: Symbol): Symbol = wrap(left.j.minimum(right.j))
  def min(left: Symbol, right: Double): Symbol = wrap(left.j.minimum(right))
  def min(left: Double, right: Symbol): Symbol = wrap(right.j.minimum(left))

  def createFromListedSymbols(operator: String, name: String = null, attr: Map[String, String] = null)(
      symbols: Array[Symbol], paramKwargs: Map[String, String] = null): Symbol =
    create(operator, name, attr, symbols.toSeq, Map.empty, if (paramKwargs == null) Map.empty else paramKwargs)

  def createFromNamedSymbols(operator: String, name: String = null, attr: Map[String, String] = null)(
      symbols: Map[String, Symbol], paramKwargs: Map[String, String] = null): Symbol =
    create(operator, name, attr, Nil, symbols, if (paramKwargs == null) Map.empty else paramKwargs)

  /** The legacy API's path: Symbol values in kwargs are inputs by name, everything else a parameter. */
  private[pysym] def createSymbolGeneral(operator: String, name: String, attr: Map[String, String], symbols: Seq[Symbol],
                                         kwargs: Map[String, Any]): Symbol = {
    val kw = if (kwargs == null) Map.empty[String, Any] else kwargs
    val named = kw.collect { case (k, s: Symbol) => k -> s }
    val params = kw.filter { case (_, v) => !v.isInstanceOf[Symbol] && v != null && v != None }
    require(symbols.isEmpty || named.isEmpty,
      s"$operator can only accept input Symbols either as positional or keyword arguments, not both")
    create(operator, name, attr, symbols, named, params)
  }

  /** The typed API's path (generated SymbolAPI): None inputs are auto-created, None parameters take their defaults. */
  private[pysym] def createTyped(operator: String, name: String, attr: Map[String, String], positional: Seq[Symbol],
                                 inputs: Seq[(String, Option[Symbol])], params: Seq[(String, Option[Any])]): Symbol =
    create(operator, name, attr, positional, inputs.collect { case (k, Some(s)) if s != null => k -> s }.toMap,
      params.collect { case (k, Some(v)) if v != null => k -> v }.toMap)

  private def create(operator: String, name: String, attr: Map[String, String], positional: Seq[Symbol],
                     named: Map[String, Symbol], params: Map[String, Any]): Symbol = {
    val jnamed = new java.util.LinkedHashMap[String, JSymbol]()
    named.foreach { case (k, s) => jnamed.put(k, s.j) }
    val jparams = new java.util.LinkedHashMap[String, AnyRef]()
    params.foreach { case (k, v) => jparams.put(k, param(v)) }
    wrap(JSymbol.create(operator, name, if (attr == null) null else attr.asJava, positional.map(_.j).asJava, jnamed, jparams))
  }

  /** A parameter value for the core's typed parser: Shapes and tuples become shapes, Float goes through its
    * decimal string (as MXNet's toString does), other values pass as they are or as their string. */
  private[pysym] def param(v: Any): AnyRef = v match {
    case Some(x) => param(x)
    case s: Shape => s.toJavaParam
    case s: org.pysym.op.Shape => s
    case i: Int => Integer.valueOf(i)
    case l: Long => java.lang.Long.valueOf(l)
    case f: Float => java.lang.Double.valueOf(num(f))
    case d: Double => java.lang.Double.valueOf(d)
    case b: Boolean => java.lang.Boolean.valueOf(b)
    case s: String => s
    case t: org.pysym.op.DType => t
    case c: Context => c.toString
    case a: Array[Int] => org.pysym.op.Shape.ofSigned(a: _*)
    case p: Product if p.productIterator.forall(_.isInstanceOf[Int]) =>
      org.pysym.op.Shape.ofSigned(p.productIterator.map(_.asInstanceOf[Int]).toSeq: _*)
    case s: Iterable[_] if s.forall(_.isInstanceOf[Int]) => org.pysym.op.Shape.ofSigned(s.map(_.asInstanceOf[Int]).toSeq: _*)
    case other => other.toString
  }

  private[pysym] def shapes(r: org.pysym.pass.InferShape.Result): (IndexedSeq[Shape], IndexedSeq[Shape], IndexedSeq[Shape]) =
    if (!r.complete()) (null, null, null)
    else (r.argShapes().asScala.map(Shape.fromJava).toIndexedSeq, r.outShapes().asScala.map(Shape.fromJava).toIndexedSeq,
      r.auxShapes().asScala.map(Shape.fromJava).toIndexedSeq)

  private[pysym] def jArrays(v: Any): AnyRef = v match {
    case null => null
    case m: scala.collection.Map[_, _] =>
      val out = new java.util.LinkedHashMap[String, org.pysym.ndarray.NDArray]()
      m.foreach { case (k, a) => out.put(k.toString, if (a == null) null else a.asInstanceOf[NDArray].j) }
      out
    case s: Iterable[_] =>
      val out = new java.util.ArrayList[org.pysym.ndarray.NDArray]()
      s.foreach(a => out.add(if (a == null) null else a.asInstanceOf[NDArray].j))
      out
    case a: Array[NDArray] => jArrays(a.toSeq)
  }

  private[pysym] def jReqs(v: Any): AnyRef = v match {
    case null => null
    case s: String => s
    case m: scala.collection.Map[_, _] =>
      val out = new java.util.LinkedHashMap[String, String]()
      m.foreach { case (k, r) => out.put(k.toString, r.toString) }
      out
    case s: Iterable[_] => s.map(_.toString).toSeq.asJava
  }
}

/** Scalars on the left of a Symbol (and of an NDArray): `import org.pysym.SymbolConversions._`, then `1 - x`, `2 / x`. */
class SymbolConversions(val value: Double) extends AnyVal {
  def +(other: Symbol): Symbol = other + value
  def -(other: Symbol): Symbol = Symbol.wrap(other.j.rminus(value))
  def *(other: Symbol): Symbol = other * value
  def /(other: Symbol): Symbol = Symbol.wrap(other.j.rdiv(value))
  def **(other: Symbol): Symbol = Symbol.pow(value, other)
  def +(other: NDArray): NDArray = other + value
  def -(other: NDArray): NDArray = new NDArray(other.j.rminus(value))
  def *(other: NDArray): NDArray = other * value
  def /(other: NDArray): NDArray = new NDArray(other.j.rdiv(value))
  def **(other: NDArray): NDArray = NDArray.power(value, other)
}

object SymbolConversions {
  import scala.language.implicitConversions
  implicit def int2Scalar(x: Int): SymbolConversions = new SymbolConversions(x.toDouble)
  implicit def double2Scalar(x: Double): SymbolConversions = new SymbolConversions(x)
  implicit def float2Scalar(x: Float): SymbolConversions = new SymbolConversions(Symbol.num(x))
}
