package org.pysym

import scala.jdk.CollectionConverters._
import org.pysym.viz.{Dot => JDot, NetworkPlot, NetworkSummary}

/** MXNet Scala's Visualization: a symbol's graph as a Graphviz picture in MXNet's layout, and MXNet's
  * layer summary. The graph walk, labels, shapes and parameter counts are the Java core's (org.pysym.viz). */
object Visualization {

  /** A Graphviz digraph, as MXNet's Visualization.Dot: node, edge and render, plus its DOT source. */
  class Dot private[pysym] (private[pysym] val j: JDot) {
    def this(name: String) = this(new JDot(name))

    def node(name: String, label: String = null, attrs: Map[String, String]): Unit = j.node(name, label, attrs.asJava)

    def edge(tailName: String, headName: String, label: String = null, attrs: Map[String, String]): Unit =
      j.edge(tailName, headName, label, attrs.asJava)

    /** The DOT text. */
    def source: String = j.source()

    /** Writes the source to path/fileName; returns the file's path. */
    def save(fileName: String, path: String): String = j.save(fileName, path)

    /** Saves the source to path/fileName and runs the Graphviz engine on it ("dot -Tpdf -O file");
      * returns the rendered file's path, path/fileName.format. */
    def render(engine: String = "dot", format: String = "pdf", fileName: String, path: String): String =
      j.render(engine, format, fileName, path)

    override def toString: String = source
  }

  /** The picture of symbol's graph. shape (input name -> shape) adds per-sample shapes on the edges; nodeAttrs
    * override the Graphviz node defaults; hideWeights leaves out weights, biases and BatchNorm's parameters. */
  def plotNetwork(symbol: Symbol, title: String = "plot", shape: Map[String, Shape] = Map(),
                  nodeAttrs: Map[String, String] = Map(), hideWeights: Boolean = true): Dot =
    new Dot(NetworkPlot.plot(symbol.j, title, shapes(shape), null, if (nodeAttrs == null) null else nodeAttrs.asJava,
      hideWeights))

  /** MXNet's print_summary text: Layer (type), Output Shape, Param #, Previous Layer, then the total. */
  def summary(symbol: Symbol, shape: Map[String, Shape] = Map(), lineLength: Int = 120,
              positions: Seq[Double] = Seq(.44, .64, .74, 1.0)): String =
    NetworkSummary.text(symbol.j, shapes(shape), lineLength, positions.toArray)

  def printSummary(symbol: Symbol, shape: Map[String, Shape] = Map(), lineLength: Int = 120,
                   positions: Seq[Double] = Seq(.44, .64, .74, 1.0)): Unit =
    print(summary(symbol, shape, lineLength, positions))

  /** No shapes (null or empty, as MXNet's default null) means no shape labels. */
  private def shapes(shape: Map[String, Shape]): java.util.Map[String, org.pysym.op.Shape] =
    if (shape == null || shape.isEmpty) null else shape.map { case (k, v) => k -> v.toJava }.asJava
}
