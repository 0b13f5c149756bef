"""The layer catalog: every Keras layer type LayerLoom knows, as data, and its public API.

Each :class:`LayerSpec` lists the layer's constructor arguments (:class:`ParamSpec`) with their
Keras defaults and constraints, and points at pure-Python rules (``graph_core.layer_rules``)
that infer output shapes and count parameters exactly as Keras does.

Typical use::

    spec = get_spec("Conv2D")
    config = resolve_config("Conv2D", {"filters": 32, "kernel_size": 3})
    problems = check_params("Conv2D", {"filters": 32, "kernel_size": 3})
    outputs = spec.infer(config, [TensorSpec((None, 28, 28, 1))])   # may raise ShapeError
    trainable, non_trainable = spec.count_params(config, inputs)
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import (
    applications,
    attention,
    attention_more,
    augmentation,
    conv,
    conv_lstm,
    core,
    core_more,
    einsum_dense,
    merge,
    normalization,
    pooling,
    preprocessing,
    preprocessing_image,
    recurrent,
    regularization,
    reshaping,
    spectral_normalization,
)
from graph_core.layer_rules.common import REGISTRY, arity_error
from graph_core.layer_rules.params import ACTIVATIONS
from graph_core.layer_rules.spec import BASE_ARGS, PARAM_KINDS, REQUIRED, CallSpec, LayerSpec, ParamSpec
from graph_core.operations import OPERATION_SPECS
from graph_core.tensor import FLOAT_DTYPES, INTEGER_DTYPES

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "CATALOG",
    "CATEGORY_ORDER",
    "CallSpec",
    "PARAM_KINDS",
    "REQUIRED",
    "LayerSpec",
    "ParamSpec",
    "categories",
    "check_params",
    "get_spec",
    "resolve_config",
]

#: Palette order of the categories.
CATEGORY_ORDER = (
    "Core", "Convolution", "Pooling", "Reshaping", "Normalization", "Activation",
    "Regularization", "Embedding", "Recurrent", "Attention", "Merge", "Preprocessing",
    "Augmentation", "Applications",
)

_KNOWN_ACTIVATIONS = frozenset(ACTIVATIONS) | frozenset((
    "celu", "glu", "hard_shrink", "hard_silu", "hard_tanh", "log_sigmoid", "soft_shrink",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold",
))
_DTYPES = FLOAT_DTYPES | INTEGER_DTYPES | frozenset(("bool", "string"))
#: Initializer names Keras accepts as a class but cannot build from the bare string.
_INITIALIZERS_NEEDING_ARGUMENTS = frozenset({"constant"})
_CONFIG_ERRORS = (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError)


# --- building the catalog ------------------------------------------------------------------

def _guard(spec: LayerSpec) -> LayerSpec:
    """Wrap infer/count_params: check the number of inputs, turn crashes into ShapeError."""
    infer, count = spec.infer, spec.count_params
    layer, want = spec.type, spec.arity_text()

    def config_error(exc: Exception) -> ShapeError:
        return ShapeError(f"{layer} cannot be evaluated with this configuration ({exc!r})",
                          "fix the parameters flagged on this layer", "config.invalid")

    def guarded_infer(config: dict, inputs: list) -> list:
        if not spec.accepts_inputs(len(inputs)):
            arity_error(layer, want, len(inputs))
        try:
            return infer(config, inputs)
        except ShapeError:
            raise
        except _CONFIG_ERRORS as exc:
            raise config_error(exc) from None

    def guarded_count(config: dict, inputs: list) -> tuple:
        try:
            return count(config, inputs)
        except ShapeError:
            raise
        except _CONFIG_ERRORS as exc:
            raise config_error(exc) from None

    guarded_infer.__doc__ = infer.__doc__
    guarded_count.__doc__ = count.__doc__
    return spec._replace(infer=guarded_infer, count_params=guarded_count, call=spec.call_spec)


def _build() -> dict:
    specs = []
    for module in (core, conv, pooling, reshaping, normalization, regularization, recurrent,
                   attention, merge,
                   # issue 10: the rest of keras.layers
                   core_more, einsum_dense, conv_lstm, attention_more, preprocessing, preprocessing_image,
                   augmentation, spectral_normalization,
                   applications):  # issue 9: the internal layers of keras.applications models
        specs.extend(module.SPECS)
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    specs.sort(key=lambda s: (rank.get(s.category, len(rank)), s.type != "Input", s.type))
    return {s.type: _guard(s) for s in specs}


#: layer type -> LayerSpec, ordered by category (CATEGORY_ORDER) then name (Input first).
CATALOG: dict = _build()
REGISTRY.update(CATALOG)


def _tuple_value(p: ParamSpec, value):
    """Normalize an int_tuple value: int -> (v,) * length, lists -> tuples (nested too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * (p.length or 1)
    if isinstance(value, (list, tuple)):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value


def _normalizer(p: ParamSpec):
    if p.kind == "int_tuple":
        return _tuple_value
    if p.kind in ("shape", "axes"):
        return lambda _p, v: tuple(v) if isinstance(v, list) else v
    if p.kind == "layer":
        return lambda _p, v: _resolve_inner(v)
    return None


def _resolve_inner(value):
    if isinstance(value, dict) and value.get("type") in CATALOG:
        inner = value.get("config") or {}
        if isinstance(inner, dict):
            return {"type": value["type"], "config": resolve_config(value["type"], inner)}
    return value


#: layer type -> (resolved defaults, {param name: (ParamSpec, normalizer)})
_RESOLVE: dict = {}
for _spec in [*CATALOG.values(), *OPERATION_SPECS.values()]:  # operations resolve and check alike
    _norms = {p.name: (p, _normalizer(p)) for p in _spec.params if _normalizer(p) is not None}
    _defaults = {}
    for _p in _spec.params:
        _value = _p.default
        if _p.name in _norms and _value is not None and _value is not REQUIRED:
            _value = _norms[_p.name][1](_p, _value)
        _defaults[_p.name] = _value
    _RESOLVE[_spec.type] = (_defaults, _norms)
del _spec, _norms, _defaults, _p, _value


# --- public API ----------------------------------------------------------------------------

def get_spec(layer_type: str) -> LayerSpec | None:
    """The :class:`LayerSpec` of a Keras class name, or None when it is not in the catalog."""
    return CATALOG.get(layer_type)


def resolve_config(layer_type: str, config: dict) -> dict:
    """Merge the Keras defaults with the user's config and normalize tuple-valued params.

    Lists become tuples where the param is a tuple kind; an int given for an ``int_tuple``
    becomes a tuple of ``length`` entries; a wrapper's ``"layer"`` gets its inner config
    resolved. Missing required params stay :data:`REQUIRED`; unknown keys are kept.

    Args:
        layer_type: the Keras class name.
        config: the config the user set (not modified).

    Returns:
        A new dict (a copy of ``config`` for a type outside the catalog).
    """
    entry = _RESOLVE.get(layer_type)
    if entry is None:
        return dict(config)
    defaults, norms = entry
    out = dict(defaults)
    for key, value in config.items():
        norm = norms.get(key)
        if norm is not None and value is not None:
            value = norm[1](norm[0], value)
        out[key] = value
    return out


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _range_text(p: ParamSpec) -> str:
    lo, hi = p.minimum, p.maximum
    if p.kind == "int" and lo == 1 and hi is None:
        return "a positive integer"
    noun = "an integer" if p.kind in ("int", "int_tuple") else "a number"
    if lo is not None and hi is not None:
        close = ")" if p.exclusive_max else "]"
        return f"{noun} in [{lo:g}, {hi:g}{close}"
    if lo is not None:
        return f"{noun} >= {lo:g}"
    if hi is not None:
        return f"{noun} <= {hi:g}"
    return noun


def _in_range(p: ParamSpec, v) -> bool:
    if p.minimum is not None and v < p.minimum:
        return False
    if p.maximum is not None:
        return v < p.maximum if p.exclusive_max else v <= p.maximum
    return True


def _value_problem(p: ParamSpec, v) -> str | None:
    """Why ``v`` is not a valid value of ``p`` (a message naming both), or None."""
    if v is None:
        return None if p.allow_none else f"{p.name} must be {_expected(p)}, got None"
    kind = p.kind
    ok = True
    if kind == "int":
        ok = _is_int(v) and _in_range(p, v)
    elif kind == "float":
        ok = _is_number(v) and _in_range(p, v)
    elif kind == "bool":
        ok = isinstance(v, bool)
    elif kind == "str":
        ok = isinstance(v, str)
    elif kind == "choice":
        ok = v in p.choices
    elif kind == "int_tuple":
        ok = _int_tuple_ok(p, v)
    elif kind == "shape":
        ok = isinstance(v, (list, tuple)) and all(d is None or _is_int(d) for d in v)
    elif kind == "activation":
        ok = isinstance(v, dict) or (isinstance(v, str) and v in _KNOWN_ACTIVATIONS)
    elif kind == "axis":
        ok = _is_int(v)
    elif kind == "axes":
        ok = _is_int(v) or (isinstance(v, (list, tuple)) and len(v) > 0
                            and all(_is_int(a) for a in v))
    elif kind == "dtype":
        ok = v in _DTYPES
    elif kind == "initializer":
        if isinstance(v, str) and v.lower() in _INITIALIZERS_NEEDING_ARGUMENTS:
            return (f"{p.name} {v!r} cannot be built by name (Keras needs its value); use "
                    f'{{"class_name": "Constant", "config": {{"value": 0.0}}}}')
        ok = isinstance(v, (str, dict))
    if ok:
        return None
    return f"{p.name} must be {_expected(p)}, got {v!r}"


def _int_tuple_ok(p: ParamSpec, v) -> bool:
    if _is_int(v):
        return _in_range(p, v)
    if not isinstance(v, (list, tuple)) or (p.length is not None and len(v) != p.length):
        return False
    if p.nested:
        return True  # entries may be (before, after) pairs: the layer's check validates them
    return len(v) > 0 and all(_is_int(x) and _in_range(p, x) for x in v)


def _expected(p: ParamSpec) -> str:
    kind = p.kind
    if kind in ("int", "float"):
        return _range_text(p)
    if kind == "int_tuple":
        each = _range_text(p)
        if p.length:
            return f"{each} or a tuple of {p.length} of them"
        return f"{each} or a tuple of them"
    if kind == "choice":
        opts = ", ".join(repr(c) for c in p.choices + ((None,) if p.allow_none else ()))
        return f"one of {opts}"
    return {
        "bool": "True or False", "str": "a string", "axis": "an integer axis",
        "axes": "an integer axis or a tuple of axes",
        "shape": "a tuple of sizes (int or None)",
        "activation": "an activation name such as " + ", ".join(ACTIVATIONS[:6]),
        "dtype": "a dtype such as 'float32' or 'int32'",
        "initializer": "an initializer name or config",
    }.get(kind, "a valid value")


def _hint(p: ParamSpec) -> str:
    if p.kind == "choice":
        return "choose one of: " + ", ".join(str(c) for c in p.choices)
    if p.kind == "activation":
        return "common choices: " + ", ".join(p.choices[:11])
    return p.doc


def _check_inner(value) -> list:
    """Problems of a wrapper's ``layer`` value, names prefixed with ``layer.``."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str) \
            or not isinstance(value.get("config", {}), dict):
        return [("layer", f"layer must be {{'type': ..., 'config': {{...}}}}, got {value!r}",
                 'e.g. {"type": "LSTM", "config": {"units": 32}}')]
    if value["type"] not in CATALOG:
        return [("layer", f"unknown layer type {value['type']!r}",
                 "wrap a layer type from the catalog")]
    return [(f"layer.{name}", msg, hint)
            for name, msg, hint in check_params(value["type"], value.get("config", {}))]


#: Arguments Keras layers accept besides their own (kept by imports, used by build and export);
#: a few classes take fewer (``LayerSpec.base_args``).
BASE_LAYER_ARGS = BASE_ARGS


def _base_arg_problem(key: str, value) -> str | None:
    if key == "trainable":
        return None if isinstance(value, bool) else f"trainable must be true or false, got {value!r}"
    if value is None or isinstance(value, dict) or value in _DTYPES or value in ("mixed_float16", "mixed_bfloat16"):
        return None
    return f"dtype {value!r} is not a Keras dtype or dtype policy"


def check_params(layer_type: str, config: dict) -> list:
    """Constraint violations of a layer config, as ``(param name, message, hint)``.

    Flags values of the wrong type or out of range ("units must be a positive integer,
    got 0"), missing required params, unknown keys (the hint lists the valid names) and
    cross-parameter rules Keras enforces in the constructor. Never raises.

    Args:
        layer_type: the Keras class name.
        config: the config the user set.

    Returns:
        A list of problems, empty when the config is valid.
    """
    spec = CATALOG.get(layer_type) or OPERATION_SPECS.get(layer_type)
    if spec is None:
        return [("", f"unknown layer type {layer_type!r}", "choose a layer from the catalog")]
    if not isinstance(config, dict):
        return [("", f"config must be a dict, got {config!r}", "")]
    problems = []
    names = {p.name for p in spec.params}
    for key in spec.base_args:
        if key in config and key not in names:
            message = _base_arg_problem(key, config[key])
            if message:
                problems.append((key, message, "trainable is true or false; dtype is e.g. float32 or mixed_float16"))
    for key in config:
        if key not in names and key not in spec.base_args:
            valid = ", ".join([p.name for p in spec.params] + list(spec.base_args)) or "none"
            problems.append((key, f"unknown parameter {key!r} for {layer_type}",
                             f"valid parameters: {valid}"))
    for p in spec.params:
        if p.name not in config:
            if p.required:
                problems.append((p.name, f"{p.name} is required", f"set {p.name}: {p.doc}"))
            continue
        value = config[p.name]
        if p.kind == "layer":
            problems.extend(_check_inner(value))
            continue
        try:
            message = _value_problem(p, value)
        except Exception as exc:  # never raise on odd values
            message = f"{p.name} has an invalid value {value!r} ({exc})"
        if message:
            problems.append((p.name, message, _hint(p)))
    if not problems and spec.check is not None:
        try:
            problems.extend(spec.check(resolve_config(layer_type, config)))
        except Exception as exc:
            problems.append(("", f"invalid configuration ({exc!r})", ""))
    return problems


def categories() -> list:
    """The catalog grouped for a palette: ``[(category, [LayerSpec, ...]), ...]``."""
    groups: dict = {}
    for spec in CATALOG.values():
        groups.setdefault(spec.category, []).append(spec)
    return list(groups.items())


def default_value(layer_type: str, name: str) -> Any:
    """The Keras default of one parameter (REQUIRED when it has none)."""
    p = CATALOG[layer_type].param(name)
    return REQUIRED if p is None else p.default
