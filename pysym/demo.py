"""The "Symbol in Pictures" tutorial, run end to end: python -m pysym.demo"""
import numpy as np

from pysym import Context, NDArray, Shape, Symbol


def main():
    print("== compose_basic: C = A * B; E = C + D")
    A, B, D = Symbol.Variable("A"), Symbol.Variable("B"), Symbol.Variable("D")
    C = A * B
    E = C + D
    print("E.listArguments() =", E.listArguments(), " E.listOutputs() =", E.listOutputs())

    print("== executor_forward: a = 10, b = 1, d = 1")
    a, b, d = NDArray.empty(1), NDArray.ones(1), NDArray.ones(1)
    ex = E.bind(Context.cpu(), {"A": a, "B": b, "D": d})
    a.set(10)
    ex.forward()
    print("executor.outputs[0] =", ex.outputs[0].toArray())

    print("== executor_multi_out: G = Group(E, C)")
    G = Symbol.Group(E, C)
    exg = G.bind(Context.cpu(), {"A": a, "B": b, "D": d})
    exg.forward()
    print("outputs[0] (E) =", exg.outputs[0].toArray(), " outputs[1] (C) =", exg.outputs[1].toArray())

    print("== executor_backward: E2 = C * D, head gradient 2")
    E2 = C * D
    ga = NDArray.empty(1)
    exb = E2.bind(Context.cpu(), {"A": NDArray.ones(1) * 10, "B": NDArray.ones(1), "D": NDArray.ones(1) * 2}, {"A": ga})
    exb.forward()
    print("outputs[0] =", exb.outputs[0].toArray())
    exb.backward(NDArray.ones(1) * 2)
    print("d(A) =", ga.toArray())

    print("== executor_simple_bind: shapes only")
    exs = E.simpleBind(Context.cpu(), "write", {"A": Shape(2, 3), "B": Shape(2, 3), "D": Shape(2, 3)})
    exs.argDict["A"].set(np.arange(6).reshape(2, 3))
    exs.argDict["B"].set(2)
    exs.argDict["D"].set(1)
    exs.forward(isTrain=True)
    exs.backward(NDArray.ones(2, 3))
    print("outputs[0] =\n", exs.outputs[0].asnumpy())
    print("gradDict['B'] =\n", exs.gradDict["B"].asnumpy())
    for e in (ex, exg, exb, exs):
        e.dispose()


if __name__ == "__main__":
    main()
