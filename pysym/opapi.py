"""What Symbol.api and NDArray.api share: the registry's public operator names, and MXNet's
positional-argument order (the inputs, then the parameters in declaration order, then extra slots
such as name and attr)."""
from . import _jvm


def public_operators():
    """(name, op) for every public operator name and alias in the registry."""
    for jop in _jvm.JOpRegistry.all():
        if jop.isPublic():
            for name in [str(jop.name)] + [str(a) for a in jop.aliases if not str(a).startswith("_")]:
                yield name, jop


def bind_positional(op_name, jop, args, kwargs, is_input, extra_slots=(), extra_given=None):
    """Splits args into inputs and parameters. Parameters land in kwargs; extra slots (name, attr)
    are returned in a dict. A variadic operator takes inputs until the first non-input value."""
    if jop.variadic:
        k = 0
        while k < len(args) and is_input(args[k]):
            k += 1
    else:
        k = min(len(args), len(jop.declaredInputs()))
    fields = [str(f.name) for f in jop.fields() if str(f.name) != "num_args"]
    slots = fields + list(extra_slots)
    inputs, rest = list(args[:k]), list(args[k:])
    if len(rest) > len(slots):
        raise _jvm.PysymError(f"{op_name} takes at most {k + len(slots)} positional arguments, got {len(args)}")
    extras = dict(extra_given or {})
    for key, value in zip(slots, rest):
        if key in kwargs or extras.get(key) is not None:
            raise _jvm.PysymError(f"{op_name}: argument '{key}' given both by position and by name")
        if key in extra_slots:
            extras[key] = value
        else:
            kwargs[key] = value
    return inputs, extras
