"""Executor: a symbol bound to arrays. forward() and backward() are one native call each."""
from . import _jvm
from .base import Disposable
from .ndarray import NDArray


class Executor(Disposable):
    """Holds the same NDArray objects it was bound with; outputs are overwritten by every forward."""
    __slots__ = ("_j", "_run", "outputs", "argArrays", "gradArrays", "auxArrays", "_argNames", "_auxNames")

    def __init__(self, j, args=None, grads=None, aux=None):
        self._j = j
        self._run = j.forward
        wrap = lambda arrays, given: [g if g is not None and a is not None and g._j.equals(a) else
                                      (None if a is None else NDArray(a))
                                      for a, g in zip(arrays, given or [None] * len(arrays))]
        self.outputs = [NDArray(o) for o in j.outputs()]
        self.argArrays = wrap(list(j.argArrays()), args)
        self.gradArrays = wrap(list(j.gradArrays()), grads)
        self.auxArrays = wrap(list(j.auxArrays()), aux)
        self._argNames = [str(n) for n in j.listArguments()]
        self._auxNames = [str(n) for n in j.listAuxiliaryStates()]

    def forward(self, isTrain=False, **kwargs):
        """Copies each keyword array into the bound argument of that name, then runs the graph."""
        if kwargs:
            d = self.argDict
            for name, value in kwargs.items():
                if name not in d:
                    raise _jvm.PysymError(f"forward: unknown argument '{name}'; arguments are {self._argNames}")
                d[name].set(value)
        self._run(bool(isTrain))

    def backward(self, outGrads=None):
        """Head gradients: one NDArray, a list (one per output that is not a loss), or None for loss heads."""
        if outGrads is None:
            grads = []
        elif isinstance(outGrads, NDArray):
            grads = [outGrads]
        else:
            grads = list(outGrads)
        self._j.backward(_jvm.jlist([g._j for g in grads]))

    @property
    def argDict(self):
        return dict(zip(self._argNames, self.argArrays))

    @property
    def gradDict(self):
        return dict(zip(self._argNames, self.gradArrays))

    @property
    def auxDict(self):
        return dict(zip(self._auxNames, self.auxArrays))

    def debugStr(self):
        return str(self._j.debugStr())

