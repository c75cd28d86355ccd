"""Symbol: compose a graph, query it, infer shapes and bind it. Mirrors MXNet's Scala Symbol API."""
import numbers

from . import _jvm
from .base import Context, Shape, Some, java_dtype, unwrap
from .executor import Executor
from .ndarray import NDArray
from .opapi import bind_positional, public_operators


def _sym(v, what):
    v = unwrap(v)
    if v is None or isinstance(v, Symbol):
        return v
    raise _jvm.PysymError(f"{what} must be a Symbol, Some(Symbol) or None, got {type(v).__name__}")


def _param(v):
    v = unwrap(v)
    if isinstance(v, Shape):
        return v._java()
    if isinstance(v, (tuple, list)):
        return _jvm.jlist([int(x) if isinstance(x, int) else x for x in v])
    if isinstance(v, Context):
        return str(v)
    if isinstance(v, _jvm.JDType):
        return v
    if isinstance(v, bool):
        return _jvm.jpype.JBoolean(v)
    if isinstance(v, int):
        return _jvm.jpype.JObject(v, _jvm.jpype.JClass("java.lang.Long"))
    if isinstance(v, float):
        return _jvm.jpype.JObject(v, _jvm.jpype.JClass("java.lang.Double"))
    if hasattr(v, "dtype") and hasattr(v, "item"):  # NumPy scalars
        return _param(v.item())
    return v


def _create(op, name, attr, positional, named, params):
    pos = _jvm.jlist([s._j for s in positional])
    kw = _jvm.jmap({k: s._j for k, s in named.items()})
    ps = _jvm.jmap({k: _param(v) for k, v in params.items() if unwrap(v) is not None})
    at = None if attr is None else _jvm.jmap({str(k): str(v) for k, v in attr.items()})
    return Symbol(_jvm.JSymbol.create(op, name, at, pos, kw, ps))


class _SymbolMeta(type):
    """Symbol.<Op> for any registered operator: MXNet Scala's legacy curried form,
    Symbol.FullyConnected("fc1")()({"data": x, "num_hidden": 128})."""

    def __getattr__(cls, op):
        if op.startswith("_") or not _jvm.JOpRegistry.has(op):
            raise AttributeError(op)

        def legacy(name=None, attr=None):
            def with_inputs(*inputs):
                def with_kwargs(kwargs=None, **more):
                    kw = dict(kwargs or {})
                    kw.update(more)
                    return _call_op(op, list(inputs), kw, name, attr)
                return with_kwargs
            return with_inputs
        legacy.__doc__ = str(_jvm.JOpRegistry.op(op).fullDoc())
        return legacy


def _call_op(op, inputs, kwargs, name, attr):
    """Splits keyword arguments into Symbol inputs and parameters, then creates the node."""
    jop = _jvm.JOpRegistry.op(op)
    named, params = {}, {}
    for k, v in kwargs.items():
        if isinstance(unwrap(v), Symbol):
            named[k] = unwrap(v)
        elif v is not None:
            params[k] = v
    positional = []
    for i, v in enumerate(inputs):
        s = _sym(v, f"input {i} of {op}")
        if s is None:
            if not jop.variadic:
                positional.append(None)
            continue
        positional.append(s)
    # None gaps in positional inputs mean "create it": move the rest to named inputs
    if None in positional:
        names = [str(n) for n in jop.declaredInputs()]
        for i, s in enumerate(positional):
            if s is not None:
                named[names[i]] = s
        positional = []
    return _create(op, name, attr, positional, named, params)


class Symbol(metaclass=_SymbolMeta):
    """A symbolic expression (immutable). Operators: + - * / ** and unary -, with Symbols or
    scalars on either side; Symbol.api.<Op>(...) for every registered operator."""
    __slots__ = ("_j",)

    def __init__(self, j):
        self._j = j

    # ---- creation --------------------------------------------------------------------------
    @staticmethod
    def Variable(name, attr=None, shape=None, lrMult=None, wdMult=None, dType=None, kwargs=None):
        j = _jvm.JSymbol.variable(
            name,
            None if attr is None else _jvm.jmap({str(k): str(v) for k, v in attr.items()}),
            None if shape is None else Shape.of(shape)._java(),
            None if lrMult is None else _jvm.jpype.JObject(float(lrMult), _jvm.jpype.JClass("java.lang.Double")),
            None if wdMult is None else _jvm.jpype.JObject(float(wdMult), _jvm.jpype.JClass("java.lang.Double")),
            java_dtype(dType),
            None if kwargs is None else _jvm.jmap({str(k): str(v) for k, v in kwargs.items()}))
        return Symbol(j)

    @staticmethod
    def Group(*symbols):
        if len(symbols) == 1 and isinstance(symbols[0], (list, tuple)):
            symbols = symbols[0]
        return Symbol(_jvm.JSymbol.group(_jvm.jlist([_sym(s, "Group member")._j for s in symbols])))

    @staticmethod
    def pow(a, b):
        return _binary(a, b, "pow", "rpow")

    @staticmethod
    def maximum(a, b):
        return _binary(a, b, "maximum", "maximum")

    @staticmethod
    def minimum(a, b):
        return _binary(a, b, "minimum", "minimum")

    max = maximum
    min = minimum

    # ---- queries ---------------------------------------------------------------------------
    def listArguments(self):
        return [str(s) for s in self._j.listArguments()]

    def listOutputs(self):
        return [str(s) for s in self._j.listOutputs()]

    def listAuxiliaryStates(self):
        return [str(s) for s in self._j.listAuxiliaryStates()]

    def getInternals(self):
        return Symbol(self._j.getInternals())

    def get(self, key):
        return Symbol(self._j.get(key if isinstance(key, str) else _jvm.JInt(key)))

    def __getitem__(self, key):
        if isinstance(key, int) and key < 0:
            key += len(self)
        return self.get(key)

    def __len__(self):
        return int(self._j.numOutputs())

    def __iter__(self):
        return (self.get(i) for i in range(len(self)))

    @property
    def name(self):
        n = self._j.name()
        return None if n is None else str(n)

    def attr(self, key):
        v = self._j.attr(key)
        return None if v is None else str(v)

    def listAttr(self):
        return {str(k): str(v) for k, v in self._j.listAttr().items()}

    def attrMap(self):
        """{node name: {key: value}} over every node, parameters included, in DFS order."""
        return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in self._j.attrMap().items()}

    def __call__(self, name=None, symbols=None, **kwargs):
        """MXNet's composition: net2(name="composed", symbols={"fc3_data": net1}) (or keywords) is a copy of
        net2 with those free variables replaced by the given symbols."""
        given = dict(symbols or {})
        given.update(kwargs)
        return Symbol(self._j.compose(_jvm.jmap({k: _sym(v, f"input '{k}'")._j for k, v in given.items()})))

    # ---- inference ---------------------------------------------------------------------------
    def _infer(self, args, kwargs):
        if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
            kwargs = args[0]
            args = ()
        if args and kwargs:
            raise _jvm.PysymError("inferShape takes positional shapes or named shapes, not both")
        if kwargs:
            return self._j.inferShape(_jvm.jmap({k: Shape.of(v)._java() for k, v in kwargs.items() if v is not None}))
        return self._j.inferShape(_jvm.jlist([None if s is None else Shape.of(s)._java() for s in args]))

    def inferShape(self, *args, **kwargs):
        """(argShapes, outShapes, auxShapes) in listArguments/listOutputs/listAuxiliaryStates order,
        from a dict, keywords, or positional shapes; (None, None, None) if inference is incomplete."""
        r = self._infer(args, kwargs)
        if not r.complete():
            return None, None, None
        return _shapes(r.argShapes()), _shapes(r.outShapes()), _shapes(r.auxShapes())

    def inferShapePartial(self, *args, **kwargs):
        """As inferShape, but unknown shapes stay None instead of failing the whole result."""
        r = self._infer(args, kwargs)
        return _shapes(r.argShapes()), _shapes(r.outShapes()), _shapes(r.auxShapes())

    def inferType(self, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], dict):
            kwargs = args[0]
        elif args:
            kwargs = dict(zip(self.listArguments(), args))
        r = self._j.inferType(_jvm.jmap({k: java_dtype(v) for k, v in kwargs.items() if v is not None}))
        if not r.complete():
            return None, None, None
        return list(r.argTypes()), list(r.outTypes()), list(r.auxTypes())

    # ---- binding ------------------------------------------------------------------------------
    def bind(self, ctx=None, args=None, argsGrad=None, gradReq="write", auxStates=None, group2ctx=None,
             sharedExec=None):
        """args/argsGrad/auxStates: a list in listArguments (listAuxiliaryStates) order or a dict by
        name; a missing gradient entry means no gradient. gradReq: 'write', 'add', 'null', or a
        list/dict of them per argument (names absent from a dict get 'null')."""
        if args is None:
            raise _jvm.PysymError("args must be provided")
        names = self.listArguments()
        aux_names = self.listAuxiliaryStates()
        j = _jvm.JExecutor.bind(self._j, None if ctx is None else ctx._java(), _arrays(args), _arrays(argsGrad),
                                _reqs(gradReq), _arrays(auxStates))
        return Executor(j, _ordered(args, names), _ordered(argsGrad, names), _ordered(auxStates, aux_names))

    def simpleBind(self, ctx=None, gradReq="write", shapeDict=None, typeDict=None, **shapes):
        """Allocates zeros for every argument and aux state, and gradient arrays for arguments whose
        names do not end in 'data' or 'label'. The executor owns these arrays (dispose() frees them)."""
        d = dict(shapeDict or {})
        d.update(shapes)
        j = _jvm.JExecutor.simpleBind(self._j, None if ctx is None else ctx._java(), gradReq,
                                      _jvm.jmap({k: Shape.of(v)._java() for k, v in d.items()}))
        return Executor(j)

    # ---- arithmetic -----------------------------------------------------------------------------
    def __add__(self, o): return _binary(self, o, "plus", "plus")
    def __radd__(self, o): return _binary(self, o, "plus", "plus")
    def __sub__(self, o): return _binary(self, o, "minus", "minus")
    def __rsub__(self, o): return _rscalar(self, o, "rminus")
    def __mul__(self, o): return _binary(self, o, "mul", "mul")
    def __rmul__(self, o): return _binary(self, o, "mul", "mul")
    def __truediv__(self, o): return _binary(self, o, "div", "div")
    def __rtruediv__(self, o): return _rscalar(self, o, "rdiv")
    def __pow__(self, o): return _binary(self, o, "pow", "pow")
    def __rpow__(self, o): return _rscalar(self, o, "rpow")
    def __neg__(self): return Symbol(self._j.negate())

    # ---- serialization: MXNet's symbol JSON -------------------------------------------------------
    def toJson(self):
        return str(self._j.toJson())

    def save(self, fname):
        self._j.save(str(fname))

    @staticmethod
    def loadJson(json):
        return Symbol(_jvm.JSymbol.loadJson(json))

    @staticmethod
    def load(fname):
        return Symbol(_jvm.JSymbol.load(str(fname)))

    def __repr__(self):
        outs = self.listOutputs()
        return f"<Symbol {outs[0] if len(outs) == 1 else outs}>"

    def dispose(self):
        """Symbols hold no native memory; kept for Scala API parity."""

    def debugStr(self):
        return str(self._j.debugStr())


def _binary(a, b, name, scalar_name):
    if isinstance(a, Symbol) and isinstance(b, Symbol):
        return Symbol(getattr(a._j, name)(b._j))
    if isinstance(a, Symbol) and isinstance(b, numbers.Number) and not isinstance(b, bool):
        return Symbol(getattr(a._j, scalar_name)(float(b)))
    if isinstance(b, Symbol) and isinstance(a, numbers.Number):
        reverse = {"pow": "rpow", "maximum": "maximum", "minimum": "minimum"}
        return Symbol(getattr(b._j, reverse[name])(float(a)))
    return NotImplemented


def _rscalar(sym, value, name):
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return Symbol(getattr(sym._j, name)(float(value)))
    return NotImplemented


def _shapes(js):
    return [None if s is None else Shape.of(s) for s in js]


def _arrays(v):
    if v is None:
        return None
    if isinstance(v, dict):
        return _jvm.jmap({str(k): (None if a is None else _nd(a)._j) for k, a in v.items()})
    if isinstance(v, (list, tuple)):
        return _jvm.jlist([None if a is None else _nd(a)._j for a in v])
    raise _jvm.PysymError(f"expected a list or dict of NDArray, got {type(v).__name__}")


def _nd(a):
    if not isinstance(a, NDArray):
        raise _jvm.PysymError(f"expected an NDArray, got {type(a).__name__}")
    return a


def _reqs(r):
    if r is None or isinstance(r, str):
        return r
    if isinstance(r, dict):
        return _jvm.jmap({str(k): str(v) for k, v in r.items()})
    return _jvm.jlist([str(x) for x in r])


def _ordered(given, names):
    if given is None:
        return None
    if isinstance(given, dict):
        return [given.get(n) for n in names]
    return list(given)


class _Api:
    """Symbol.api.<Op>(inputs..., name=, attr=, **params): MXNet's typed operator API, generated
    from the operator registry. Inputs accept a Symbol, Some(symbol) or None (auto-created)."""

    def __init__(self):
        for op_name, jop in public_operators():
            setattr(self, op_name, _make_api_fn(op_name, jop))

    def __getattr__(self, name):
        raise AttributeError(f"Symbol.api has no operator '{name}'")


def _make_api_fn(op_name, jop):
    """Positional arguments follow the typed API's order, as in MXNet: the inputs, then the parameters
    in declaration order, then name and attr (Symbol.api.Activation(fc1, "relu", "relu1"))."""
    def fn(*args, name=None, attr=None, **kwargs):
        inputs, extras = bind_positional(op_name, jop, args, kwargs,
                                         lambda v: v is None or isinstance(unwrap(v), Symbol),
                                         ("name", "attr"), {"name": name, "attr": attr})
        return _call_op(op_name, inputs, kwargs, extras["name"], extras["attr"])
    fn.__name__ = op_name
    fn.__doc__ = str(jop.fullDoc())
    return fn


Symbol.api = _Api()
