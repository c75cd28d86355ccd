"""Model: MXNet checkpoints (prefix-symbol.json + prefix-%04d.params with arg:/aux: keys), as MXNet
Scala's Model.saveCheckpoint / loadCheckpoint, and one-call binding for inference."""
from . import _jvm
from .base import Shape
from .executor import Executor
from .ndarray import NDArray
from .symbol import Symbol

_JCheckpoint = _jvm.jpype.JClass("org.pysym.format.Checkpoint")


class Model:
    @staticmethod
    def loadCheckpoint(prefix, epoch):
        """(symbol, argParams, auxParams): the parameter dicts hold NDArrays the caller owns."""
        ck = _JCheckpoint.load(str(prefix), int(epoch))
        arg = {str(k): NDArray(v) for k, v in ck.argParams().items()}
        aux = {str(k): NDArray(v) for k, v in ck.auxParams().items()}
        return Symbol(ck.symbol()), arg, aux

    @staticmethod
    def saveCheckpoint(prefix, epoch, symbol, argParams, auxParams=None):
        _JCheckpoint.save(str(prefix), int(epoch), symbol._j, _jvm.jmap({k: v._j for k, v in argParams.items()}),
                          _jvm.jmap({k: v._j for k, v in (auxParams or {}).items()}))

    @staticmethod
    def bindForInference(prefix, epoch, ctx=None, shapeDict=None, **shapes):
        """Loads a checkpoint and binds it without gradients in one call. Give the shapes of the inputs
        the checkpoint does not hold (data, labels); they start as zeros. The executor owns every array."""
        d = dict(shapeDict or {})
        d.update(shapes)
        j = _JCheckpoint.bindForInference(str(prefix), int(epoch), None if ctx is None else ctx._java(),
                                          _jvm.jmap({k: Shape.of(v)._java() for k, v in d.items()}))
        return Executor(j)
