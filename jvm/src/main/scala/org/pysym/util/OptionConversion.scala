package org.pysym.util

import scala.language.implicitConversions

/** MXNet's opt-in `import ...util.OptionConversion._`: a bare value where an Option is expected becomes Some(value). */
object OptionConversion {
  implicit def someWrapper[A](noSome: A): Option[A] = Option(noSome)
}
