"""The "Symbol in Pictures" tutorial, run end to end, each graph also drawn as an image:
python -m pysym.demo [--pictures DIR | --no-pictures]"""
import argparse
import os

import numpy as np

from pysym import Context, NDArray, Shape, Symbol, viz


class Pictures:
    """Draws each tutorial graph as DIR/<picture>.png with MXNet's plot_network (Graphviz renders it)."""

    def __init__(self, directory):
        self.directory = directory
        self.written = []
        self.problem = None

    def draw(self, name, symbol, shape=None, hide_weights=True):
        if self.directory is None or self.problem:
            return
        try:
            # fixedsize=false (as in MXNet's own plot_network example): boxes grow to fit "FullyConnected"
            dot = viz.plot_network(symbol, title=name, save_format="png", shape=shape, hide_weights=hide_weights,
                                   node_attrs={"fixedsize": "false"})
            self.written.append(dot.render(name, directory=self.directory, cleanup=True))
        except ImportError as e:
            self.problem = str(e)
        except Exception as e:   # graphviz.ExecutableNotFound: no dot binary on PATH
            if type(e).__name__ != "ExecutableNotFound":
                raise
            self.problem = "Graphviz's dot binary is not installed (apt-get install graphviz)"

    def report(self):
        if self.directory is None:
            return
        if self.problem:
            print(f"== pictures not drawn: {self.problem}")
        else:
            names = ", ".join(os.path.basename(p) for p in self.written)
            print(f"== wrote {len(self.written)} pictures to {os.path.abspath(self.directory)}: {names}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pysym.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", metavar="DIR", default="pictures",
                        help="directory for the graph images (default: ./pictures)")
    parser.add_argument("--no-pictures", action="store_true", help="run the tutorial without drawing the graphs")
    args = parser.parse_args(argv)
    pictures = Pictures(None if args.no_pictures else args.pictures)

    print("== compose_basic: C = A * B; E = C + D")
    A, B, D = Symbol.Variable("A"), Symbol.Variable("B"), Symbol.Variable("D")
    C = A * B
    E = C + D
    print("E.listArguments() =", E.listArguments(), " E.listOutputs() =", E.listOutputs())
    pictures.draw("compose_basic", E)

    print("== compose_net: FullyConnected creates fc1_weight, fc1_bias; Activation is auto-named")
    data = Symbol.Variable("data")
    fc1 = Symbol.api.FullyConnected(data, num_hidden=128, name="fc1")
    act1 = Symbol.api.Activation(fc1, act_type="relu")
    print("act1.listArguments() =", act1.listArguments(), " act1.listOutputs() =", act1.listOutputs())
    pictures.draw("compose_net", act1, hide_weights=False)

    print("== compose_multi_in: fc1(data) + fc2(data2)")
    fc2 = Symbol.api.FullyConnected(Symbol.Variable("data2"), num_hidden=128, name="fc2")
    combined = fc1 + fc2
    print("combined.listArguments() =", combined.listArguments())
    pictures.draw("compose_multi_in", combined, hide_weights=False)

    print("== bind_basic: E.bind with arguments in listArguments() order")
    with E.bind(Context.cpu(), [NDArray.ones(1) * 3, NDArray.ones(1) * 4, NDArray.ones(1) * 5]) as ex0:
        ex0.forward()
        print("executor.outputs[0] =", ex0.outputs[0].toArray(), "(3 * 4 + 5)")
    pictures.draw("bind_basic", E)

    print("== executor_forward: a = 10, b = 1, d = 1")
    a, b, d = NDArray.empty(1), NDArray.ones(1), NDArray.ones(1)
    ex = E.bind(Context.cpu(), {"A": a, "B": b, "D": d})
    a.set(10)
    ex.forward()
    print("executor.outputs[0] =", ex.outputs[0].toArray())
    pictures.draw("executor_forward", E)

    print("== executor_multi_out: G = Group(E, C)")
    G = Symbol.Group(E, C)
    exg = G.bind(Context.cpu(), {"A": a, "B": b, "D": d})
    exg.forward()
    print("outputs[0] (E) =", exg.outputs[0].toArray(), " outputs[1] (C) =", exg.outputs[1].toArray())
    pictures.draw("executor_multi_out", G)

    print("== executor_backward: E2 = C * D, head gradient 2")
    E2 = C * D
    ga = NDArray.empty(1)
    exb = E2.bind(Context.cpu(), {"A": NDArray.ones(1) * 10, "B": NDArray.ones(1), "D": NDArray.ones(1) * 2}, {"A": ga})
    exb.forward()
    print("outputs[0] =", exb.outputs[0].toArray())
    exb.backward(NDArray.ones(1) * 2)
    print("d(A) =", ga.toArray())
    pictures.draw("executor_backward", E2)

    print("== executor_simple_bind: shapes only")
    exs = E.simpleBind(Context.cpu(), "write", {"A": Shape(2, 3), "B": Shape(2, 3), "D": Shape(2, 3)})
    exs.argDict["A"].set(np.arange(6).reshape(2, 3))
    exs.argDict["B"].set(2)
    exs.argDict["D"].set(1)
    exs.forward(isTrain=True)
    exs.backward(NDArray.ones(2, 3))
    print("outputs[0] =\n", exs.outputs[0].asnumpy())
    print("gradDict['B'] =\n", exs.gradDict["B"].asnumpy())
    with act1.simpleBind(Context.cpu(), "write", {"data": (100, 768)}) as exn:
        print("act1.simpleBind(data=(100, 768)): gradients for", sorted(k for k, g in exn.gradDict.items() if g is not None))
    pictures.draw("executor_simple_bind", act1, shape={"data": (100, 768)}, hide_weights=False)

    print("== executor_aux_state: BatchNorm's moving statistics are auxiliary states")
    bn = Symbol.api.BatchNorm(data, name="bn")
    print("bn.listArguments() =", bn.listArguments(), " bn.listAuxiliaryStates() =", bn.listAuxiliaryStates())
    pictures.draw("executor_aux_state", bn, hide_weights=False)

    for e in (ex, exg, exb, exs):
        e.dispose()
    pictures.report()


if __name__ == "__main__":
    main()
