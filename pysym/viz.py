"""Network pictures and summaries in MXNet's layout: mx.viz.plot_network / print_summary, and MXNet
Scala's Visualization.plotNetwork. The graph walk, labels, shapes and parameter counts are the Java
core's (org.pysym.viz); this module only hands them to Python.

    from pysym import viz
    dot = viz.plot_network(net, shape={"data": (100, 200)})     # a graphviz.Digraph
    dot.render("net", directory="pictures", format="svg")       # runs Graphviz's dot binary
    viz.print_summary(net, shape={"data": (100, 200)})
"""
import warnings

from . import _jvm
from .base import Shape, java_dtype
from .symbol import Symbol

_JNetworkPlot = _jvm.jpype.JClass("org.pysym.viz.NetworkPlot")
_JNetworkSummary = _jvm.jpype.JClass("org.pysym.viz.NetworkSummary")
_JDot = _jvm.jpype.JClass("org.pysym.viz.Dot")


def _shapes(shape):
    return None if shape is None else _jvm.jmap({str(k): Shape.of(v)._java() for k, v in shape.items()})


def _dtypes(dtype):
    return None if dtype is None else _jvm.jmap({str(k): java_dtype(v) for k, v in dtype.items()})


def _str_map(d):
    return _jvm.jmap({str(k): str(v) for k, v in (d or {}).items()})


def _check_symbol(symbol, message):
    if not isinstance(symbol, Symbol):
        raise TypeError(message)


def _network(symbol, title, shape, dtype, node_attrs, hide_weights):
    """The Java core's picture of symbol (an org.pysym.viz.Dot), warning as MXNet does about repeated names."""
    _check_symbol(symbol, "symbol must be a Symbol")
    repeated = [str(n) for n in _JNetworkPlot.repeatedNames(symbol._j)]
    if repeated:
        warnings.warn("There are multiple variables with the same name in your graph, this may result in cyclic "
                      "graph. Repeated names: " + ",".join(repeated), RuntimeWarning, stacklevel=3)
    return _JNetworkPlot.plot(symbol._j, str(title), _shapes(shape), _dtypes(dtype), _str_map(node_attrs),
                              bool(hide_weights))


def plot_network(symbol, title="plot", save_format="pdf", shape=None, dtype=None, node_attrs={},
                 hide_weights=True):
    """A graphviz.Digraph of symbol's graph, as MXNet's mx.viz.plot_network draws it.

    shape: {input name: shape} draws each edge's per-sample shape (batch axis dropped); dtype:
    {input name: dtype} appends "(float32)" etc.; node_attrs: Graphviz node attributes over the
    defaults (box, 1.3 x 0.8034, filled); hide_weights leaves out *_weight, *_bias, *_gamma,
    *_beta and moving statistics. Render with dot.render(filename, directory=...) (needs the
    Graphviz dot binary) or read dot.source."""
    try:
        from graphviz import Digraph
    except ImportError as e:
        raise ImportError("Draw network requires graphviz library (pip install graphviz; "
                          "rendering also needs the Graphviz binaries: apt-get install graphviz)") from e
    j = _network(symbol, title, shape, dtype, node_attrs, hide_weights)
    dot = Digraph(name=title, format=save_format)
    for st in j.statements():
        label = None if st.label() is None else str(st.label())
        attrs = {str(k): str(v) for k, v in st.attrs().items()}
        if st.isEdge():
            dot.edge(str(st.node()), str(st.head()), label=label, _attributes=attrs)
        else:
            dot.node(str(st.node()), label=label, _attributes=attrs)
    return dot


def summary(symbol, shape=None, line_length=120, positions=(.44, .64, .74, 1.)):
    """print_summary's text, as a string."""
    _check_symbol(symbol, "symbol must be Symbol")
    return str(_JNetworkSummary.text(symbol._j, _shapes(shape), int(line_length),
                                     _jvm.jpype.JArray(_jvm.JDouble)([float(p) for p in positions])))


def print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.]):
    """Prints MXNet's layer table of symbol: Layer (type), Output Shape (per sample, with shape
    given), Param # (counted by MXNet's rule), Previous Layer; then the total."""
    print(summary(symbol, shape, line_length, positions), end="")


class Dot:
    """MXNet Scala's Visualization.Dot: a Graphviz digraph with node, edge, source and render."""
    __slots__ = ("_j",)

    def __init__(self, name="plot", _j=None):
        self._j = _j if _j is not None else _JDot(str(name))

    def node(self, name, label=None, attrs=None):
        self._j.node(name, label, _str_map(attrs))

    def edge(self, tailName, headName, label=None, attrs=None):
        self._j.edge(tailName, headName, label, _str_map(attrs))

    @property
    def source(self):
        return str(self._j.source())

    def save(self, fileName=None, path=None):
        """Writes the source to path/fileName (default name.gv); returns the file's path."""
        return str(self._j.save(fileName, path))

    def render(self, engine="dot", format="pdf", fileName=None, path=None):
        """Saves the source to path/fileName and runs the Graphviz engine on it; returns the rendered
        file's path (path/fileName.format)."""
        return str(self._j.render(engine, format, fileName, path))

    def __str__(self):
        return self.source


class Visualization:
    """MXNet Scala's object Visualization, spelled the Scala way."""
    Dot = Dot

    @staticmethod
    def plotNetwork(symbol, title="plot", shape=None, nodeAttrs=None, hideWeights=True):
        """Visualization.plotNetwork(symbol, title, shape, nodeAttrs, hideWeights): a Dot of symbol's graph."""
        return Dot(_j=_network(symbol, title, shape or None, None, nodeAttrs, hideWeights))

    @staticmethod
    def summary(symbol, shape=None, lineLength=120, positions=(.44, .64, .74, 1.)):
        """print_summary's text, as a string."""
        return summary(symbol, shape or None, lineLength, positions)

    @staticmethod
    def printSummary(symbol, shape=None, lineLength=120, positions=(.44, .64, .74, 1.)):
        print_summary(symbol, shape or None, lineLength, positions)
