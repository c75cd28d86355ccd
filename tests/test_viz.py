"""Network pictures and summaries (pysym.viz, Visualization.plotNetwork) against MXNet 1.9.1's own
mx.viz output, recorded in fixtures/mxnet/viz.json by make_viz_fixtures.py: the same symbol JSON
gives the same dot source and the same print_summary text. Rendering runs Graphviz's dot binary."""
import json
import os
import re
import shutil
import struct
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import pysym
from pysym import PysymError, Shape, Symbol, Visualization, viz

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = json.load(open(os.path.join(HERE, "fixtures", "mxnet", "viz.json")))
GRAPHS = FIXTURE["graphs"]
PLOTS = FIXTURE["plots"]
SUMMARIES = [s for s in FIXTURE["summaries"] if "text" in s]
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot binary is not installed (setup.sh: apt-get install graphviz)")


def plot_id(p):
    return "-".join([p["graph"]] + [f"{k}={v}" for k, v in p.items() if k not in ("graph", "source")])


def mxnet_kwargs(rec, drop=("graph", "source", "text", "mxnet_error")):
    kw = {k: v for k, v in rec.items() if k not in drop}
    if "dtype" in kw:
        kw["dtype"] = {k: getattr(np, v) for k, v in kw["dtype"].items()}
    return kw


def load(graph):
    return Symbol.loadJson(GRAPHS[graph])


def test_fixture_covers_the_labelled_operators():
    ops = {n["op"] for g in GRAPHS.values() for n in json.loads(g)["nodes"]}
    assert {"Convolution", "FullyConnected", "Activation", "LeakyReLU", "Pooling", "BatchNorm", "Concat", "Flatten",
            "Reshape", "SoftmaxOutput", "SliceChannel", "Embedding", "Deconvolution"} <= ops
    assert FIXTURE["mxnet_version"] == "1.9.1"
    assert len(PLOTS) >= 30 and len(SUMMARIES) >= 15


@pytest.mark.parametrize("rec", PLOTS, ids=plot_id)
def test_plot_network_source_is_mxnets(rec):
    """plot_network returns a graphviz.Digraph whose source is MXNet's, character for character
    (graphviz >= 0.20 only adds a final newline)."""
    pytest.importorskip("graphviz")
    dot = viz.plot_network(load(rec["graph"]), **mxnet_kwargs(rec))
    assert type(dot).__name__ == "Digraph"
    assert dot.source.rstrip("\n") == rec["source"]
    assert dot.format == rec.get("save_format", "pdf")


@pytest.mark.parametrize("rec", [p for p in PLOTS if "dtype" not in p and "save_format" not in p], ids=plot_id)
def test_scala_named_plot_network_source_is_mxnets(rec):
    """Visualization.plotNetwork: the Java core's own DOT writer gives the same text."""
    kw = mxnet_kwargs(rec)
    dot = Visualization.plotNetwork(load(rec["graph"]), title=kw.get("title", "plot"), shape=kw.get("shape"),
                                    nodeAttrs=kw.get("node_attrs"), hideWeights=kw.get("hide_weights", True))
    assert dot.source == rec["source"]


@pytest.mark.parametrize("rec", SUMMARIES, ids=plot_id)
def test_print_summary_is_mxnets(rec, capsys):
    viz.print_summary(load(rec["graph"]), **mxnet_kwargs(rec))
    assert capsys.readouterr().out == rec["text"]


def test_print_summary_where_mxnet_fails():
    """MXNet raises IndexError when a previous layer has no axis after the batch axis (shape (1,));
    pysym counts such a layer's width as 0 and prints the table."""
    failing = [s for s in FIXTURE["summaries"] if "mxnet_error" in s]
    assert failing
    for rec in failing:
        text = viz.summary(load(rec["graph"]), **mxnet_kwargs(rec))
        rows = [line for line in text.splitlines() if re.match(r"\w+\(", line)]
        assert rows[0].split()[:2] == ["A(null)", "0"]          # shape (1,) per sample is empty
        assert [r.split()[0] for r in rows] == ["A(null)", "_mul0(elemwise_mul)", rows[2].split()[0]]
        assert text.splitlines()[-2] == "Total params: 0"


def test_lenet_composed_in_python_draws_like_mxnets_lenet():
    """The same network composed through Symbol.api (names explicit) draws as MXNet drew its twin."""
    data = Symbol.Variable("data")
    net = Symbol.api.Convolution(data, kernel=(5, 5), num_filter=8, name="conv1")
    net = Symbol.api.Activation(net, act_type="tanh", name="tanh1")
    net = Symbol.api.Pooling(net, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    net = Symbol.api.Convolution(net, kernel=(5, 5), num_filter=16, name="conv2")
    net = Symbol.api.Activation(net, act_type="tanh", name="tanh2")
    net = Symbol.api.Pooling(net, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    net = Symbol.api.Flatten(net, name="flatten")
    net = Symbol.api.FullyConnected(net, num_hidden=32, name="fc1")
    net = Symbol.api.Activation(net, act_type="tanh", name="tanh3")
    net = Symbol.api.FullyConnected(net, num_hidden=10, name="fc2")
    net = Symbol.api.SoftmaxOutput(net, name="softmax")
    rec = next(p for p in PLOTS if p["graph"] == "lenet" and list(p) == ["graph", "shape", "source"])
    assert Visualization.plotNetwork(net, shape={"data": (2, 1, 28, 28)}).source == rec["source"]
    summary = next(s for s in SUMMARIES if s["graph"] == "lenet" and list(s) == ["graph", "shape", "text"])
    assert viz.summary(net, shape={"data": (2, 1, 28, 28)}) == summary["text"]


def test_summary_param_counts_by_hand():
    """MLP 20 -> 16 -> 10: (20 + 1) x 16 + (16 + 1) x 10 = 506, the size of the bound weights."""
    data = Symbol.Variable("data")
    fc1 = Symbol.api.FullyConnected(data, num_hidden=16, name="fc1")
    fc2 = Symbol.api.FullyConnected(Symbol.api.Activation(fc1, act_type="relu", name="r"), num_hidden=10, name="fc2")
    text = viz.summary(fc2, shape={"data": (4, 20)})
    assert re.search(r"^fc1\(FullyConnected\)\s+16\s+336\s+data\s*$", text, re.M)
    assert re.search(r"^fc2\(FullyConnected\)\s+10\s+170\s+r\s*$", text, re.M)
    assert "Total params: 506\n" in text
    args, _, _ = fc2.inferShape(data=(4, 20))
    assert sum(Shape.of(s).product for n, s in zip(fc2.listArguments(), args) if n != "data") == 506


# ---- DOT text: quoting as the graphviz package does it -------------------------------------------

def test_names_needing_quotes_match_graphviz_quoting():
    graphviz = pytest.importorskip("graphviz")
    x = Symbol.Variable("my data")
    y = Symbol.Variable("node")                 # a DOT keyword
    z = Symbol.Variable('say "hi"')
    net = Symbol.api.FullyConnected(x + y + z, num_hidden=3, name="2fc")
    java = Visualization.plotNetwork(net, title="a net").source
    digraph = viz.plot_network(net, title="a net").source
    assert digraph.rstrip("\n") == java
    assert java.startswith('digraph "a net" {\n\t"my data" [label="my data" ')
    assert '\t"node" [label="node"' in java and r'"say \"hi\""' in java and '"2fc" -> _plus1' in java
    assert isinstance(graphviz.Source(java).source, str)


def test_dot_by_hand():
    dot = Visualization.Dot("g")
    dot.node("a", "two\nlines", {"shape": "oval", "color": "red"})
    dot.node("b")
    dot.edge("a", "b", "3x4", {"dir": "back"})
    assert dot.source == 'digraph g {\n\ta [label="two\nlines" color=red shape=oval]\n\tb\n\ta -> b [label="3x4" dir=back]\n}'


# ---- options and errors ---------------------------------------------------------------------------

def test_hide_weights_hides_parameters_not_inputs():
    src = Visualization.plotNetwork(load("bn_residual")).source
    assert "_weight" not in src and "bn1_gamma" not in src and "moving" not in src
    shown = Visualization.plotNetwork(load("bn_residual"), hideWeights=False).source
    for name in ["conv1_weight", "bn1_gamma", "bn1_beta", "bn1_moving_mean", "bn1_moving_var", "fc_bias"]:
        assert f"-> {name} [" in shown                  # an edge, never a node statement of its own
        assert f"\t{name} [" not in shown


def test_node_attrs_override_defaults_and_title():
    dot = viz.plot_network(load("mlp"), title="mlp", node_attrs={"shape": "ellipse", "width": 2})
    assert dot.name == "mlp"
    assert '\tfc1 [label="FullyConnected\n16" fillcolor="#fb8072" fixedsize=true height=0.8034 shape=ellipse ' \
           'style=filled width=2]' in dot.source
    assert "\tdata [label=data fillcolor=\"#8dd3c7\" fixedsize=true height=0.8034 shape=oval" in dot.source


def test_errors():
    net = load("lenet")
    with pytest.raises(TypeError, match="symbol must be a Symbol"):
        viz.plot_network("not a symbol")
    with pytest.raises(TypeError, match="symbol must be Symbol"):
        viz.print_summary(42)
    with pytest.raises(PysymError, match="Input shape is incomplete"):
        viz.plot_network(net, shape={})
    with pytest.raises(PysymError, match="argument name nodata not found"):
        Visualization.plotNetwork(net, shape={"nodata": (1, 2)})
    with pytest.raises(PysymError, match=r"conv1: dilated kernel size 5 exceeds padded input size 3"):
        viz.print_summary(net, shape={"data": (2, 1, 3, 3)})          # 5x5 kernel on a 3x3 image
    with pytest.raises(PysymError, match="positions needs 4 column ends"):
        viz.print_summary(net, positions=[.5, 1.])
    with pytest.raises(PysymError, match="give the label as the label argument"):
        viz.plot_network(net, node_attrs={"label": "x"})
    dot = Visualization.plotNetwork(net)
    with pytest.raises(PysymError, match="unknown engine 'dott'"):
        dot.render(engine="dott", format="svg", fileName="x", path="/tmp")
    with pytest.raises(PysymError, match="unknown format 'svgg'"):
        dot.render(format="svgg", fileName="x", path="/tmp")


def test_repeated_names_warn_like_mxnet():
    net = Symbol.Variable("x") + Symbol.Variable("x")
    with pytest.warns(RuntimeWarning, match="multiple variables with the same name.*Repeated names: x"):
        viz.plot_network(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.plot_network(load("mlp"))


# ---- rendering ------------------------------------------------------------------------------------

def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", head[:8]
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def svg_texts(path):
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")], \
           [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]


@needs_dot
def test_render_svg_and_png_with_graphviz(tmp_path):
    pytest.importorskip("graphviz")
    dot = viz.plot_network(load("lenet"), shape={"data": (2, 1, 28, 28)}, save_format="svg")
    svg = dot.render("lenet", directory=str(tmp_path), cleanup=True)
    texts, titles = svg_texts(svg)
    assert "Convolution" in texts and "5x5/1, 8" in texts and "max, 2x2/2x2" in texts and "8x24x24" in texts
    assert {"data", "conv1", "softmax", "conv1->data"} <= set(titles)
    png = dot.render("lenet", directory=str(tmp_path), format="png", cleanup=True)
    width, height = png_size(png)
    assert width > 50 and height > 500          # a tall chain of 13 nodes


@needs_dot
def test_scala_named_dot_renders(tmp_path):
    dot = Visualization.plotNetwork(load("concat_net"), shape={"data1": (2, 6), "data2": (2, 4)})
    svg = dot.render(format="svg", fileName="concat.gv", path=str(tmp_path / "out"))
    assert svg == str(tmp_path / "out" / "concat.gv.svg")
    assert open(tmp_path / "out" / "concat.gv").read() == dot.source + "\n"
    texts, titles = svg_texts(svg)
    assert "concat" in texts and "8" in texts and "concat->fc1" in titles
    png = dot.render(format="png", fileName="concat.gv", path=str(tmp_path / "out"))
    assert min(png_size(png)) > 50


@needs_dot
def test_render_reports_a_failing_graphviz(tmp_path):
    dot = Visualization.Dot("bad")
    dot.node("a", "<<b>unclosed>", {})         # an HTML label Graphviz cannot parse
    with pytest.raises(PysymError, match=r"dot -Tsvg -O .* failed with exit status"):
        dot.render(format="svg", fileName="bad.gv", path=str(tmp_path))


def test_summary_and_plot_hold_no_native_memory():
    before = pysym.liveBytes()
    viz.summary(load("bn_residual"), shape={"data": (2, 8, 6, 6)})
    Visualization.plotNetwork(load("bn_residual"), shape={"data": (2, 8, 6, 6)})
    assert pysym.liveBytes() == before


# ---- the demo -------------------------------------------------------------------------------------

PICTURES = ["compose_basic", "compose_net", "compose_multi_in", "bind_basic", "executor_forward",
            "executor_multi_out", "executor_backward", "executor_simple_bind", "executor_aux_state"]


@needs_dot
def test_demo_draws_every_picture(tmp_path, capsys):
    pytest.importorskip("graphviz")
    from pysym import demo
    pysym.resetNames()
    out_dir = tmp_path / "pics"
    demo.main(["--pictures", str(out_dir)])
    out = capsys.readouterr().out
    assert f"== wrote 9 pictures to {out_dir}: " + ", ".join(p + ".png" for p in PICTURES) in out
    assert sorted(os.listdir(out_dir)) == sorted(p + ".png" for p in PICTURES)    # sources cleaned up
    sizes = {p: png_size(out_dir / (p + ".png")) for p in PICTURES}
    # the aux-state picture has five inputs side by side under BatchNorm: wider than tall
    assert sizes["executor_aux_state"][0] > sizes["executor_aux_state"][1]
    assert "executor.outputs[0] = [11.]" in out and "d(A) = [4.]" in out


def test_demo_without_pictures(tmp_path, capsys, monkeypatch):
    from pysym import demo
    monkeypatch.chdir(tmp_path)
    demo.main(["--no-pictures"])
    assert "pictures" not in capsys.readouterr().out.split("== executor_aux_state")[1]
    assert os.listdir(tmp_path) == []
