"""The Keras names a source import understands, and how their arguments become configs.

Import spellings are normalised to one dotted path: ``tensorflow.keras.layers.Dense``,
``tf.keras.layers.Dense``, ``keras.layers.Dense`` and ``from keras.layers import Dense`` all
become ``keras.layers.Dense``; ``keras.models.Model`` becomes ``keras.Model``.
"""

from __future__ import annotations

import ast

from graph_core import catalog
from graph_core.source_import.values import (
    LayerValue,
    fail,
    is_literal,
    to_json,
)

ROOTS = ("keras", "tensorflow", "numpy", "__future__")
"""Top-level modules an import may name (numpy only for code that feeds data)."""

POSITIONAL_LIMIT = 3
"""Most positional constructor arguments mapped by the catalog's parameter order (checked
against Keras's own signatures by the tests)."""

MERGE_HELPERS = {
    "concatenate": "Concatenate", "add": "Add", "subtract": "Subtract", "multiply": "Multiply",
    "average": "Average", "maximum": "Maximum", "minimum": "Minimum", "dot": "Dot",
}
"""``keras.layers`` functions that create a merge layer and call it on a list of tensors."""

WRAPPERS = ("Bidirectional", "TimeDistributed")
"""Layers whose first argument is another layer."""

REFUSED = ("Lambda", "TFSMLayer")
"""Layers that run arbitrary code: never imported."""

ALIASES = {
    "keras.models.Model": "keras.Model", "keras.models.Sequential": "keras.Sequential",
    "keras.layers.Input": "keras.Input", "keras.engine.input_layer.Input": "keras.Input",
    "keras.Model": "keras.Model", "keras.Sequential": "keras.Sequential",
    "keras.models.Functional": "keras.Model",
}

IGNORED_METHODS = ("summary", "fit", "evaluate", "predict", "save", "save_weights",
                   "load_weights", "count_params", "get_config", "to_json")
"""Model methods that do not change the architecture (their calls are skipped and listed)."""

DEFAULT_LEARNING_RATES = {"sgd": 0.01}
"""Keras's default learning rate where it is not 0.001."""

LAYER_BASE_KWARGS = ("trainable", "dtype")


def normalize(path: str) -> str:
    """The canonical dotted path of a Keras name (see the module docstring)."""
    if path == "tensorflow.keras" or path.startswith("tensorflow.keras."):
        path = "keras" + path[len("tensorflow.keras"):]
    elif path.startswith("keras.src."):
        path = "keras." + path[len("keras.src."):]
    return ALIASES.get(path, path)


def layer_type_of(path: str) -> str | None:
    """The layer class named by ``keras.layers.X`` (None for other paths)."""
    if path.startswith("keras.layers.") and path.count(".") == 2:
        name = path.rsplit(".", 1)[1]
        if name[:1].isupper():
            return name
    return None


def application_of(path: str) -> str | None:
    """The application named by ``keras.applications[.module].X`` (None otherwise)."""
    parts = path.split(".")
    if len(parts) in (3, 4) and parts[:2] == ["keras", "applications"] and parts[-1][:1].isupper():
        return parts[-1]
    return None


def literal_kwarg(node: ast.AST, value, what: str):
    """Check that an evaluated argument is a literal; return it in config form."""
    if not is_literal(value):
        raise fail(node, f"{what} must be a literal (number, string, None, True/False, list, "
                         f"tuple or dict), not a {type(value).__name__.replace('Value', '').lower()}")
    return to_json(value)


def layer_config(layer_type: str, call: ast.Call, args: list, kwargs: dict) -> tuple:
    """The config of ``layers.<layer_type>(*args, **kwargs)``.

    Args:
        layer_type: the Keras class name.
        call: the call expression (for messages).
        args: evaluated positional arguments, ``[(node, value)]``.
        kwargs: evaluated keyword arguments, ``{name: (node, value)}``.

    Returns:
        ``(config, name, input_shape)``.

    Raises:
        SourceImportError: an unknown layer, argument or non-literal value.
    """
    if layer_type in REFUSED:
        raise fail(call, f"layers.{layer_type} runs arbitrary Python code and is never imported; "
                         "use the catalog's layers instead")
    spec = catalog.get_spec(layer_type)
    if spec is None:
        return generic_config(layer_type, call, args, kwargs)
    names = [p.name for p in spec.params]
    config: dict = {}
    name = input_shape = None
    if len(args) > POSITIONAL_LIMIT:
        raise fail(args[POSITIONAL_LIMIT][0], f"{layer_type} is given {len(args)} positional "
                   f"arguments; pass the ones after the first {POSITIONAL_LIMIT} by keyword")
    for k, (node, value) in enumerate(args):
        if k >= len(names):
            raise fail(node, f"{layer_type} takes at most {len(names)} positional argument(s)")
        config[names[k]] = _argument(layer_type, names[k], node, value)
    for key, (node, value) in kwargs.items():
        if key in config:
            raise fail(node, f"{layer_type} got two values for '{key}'")
        if key == "name":
            if not isinstance(value, str) or not value:
                raise fail(node, "name must be a non-empty string literal")
            name = value
        elif key == "input_shape":
            input_shape = _shape(node, value, "input_shape")
        elif key in names or key in LAYER_BASE_KWARGS:
            config[key] = _argument(layer_type, key, node, value)
        else:
            raise fail(node, f"{layer_type} has no argument '{key}'; its arguments are "
                             f"{', '.join(names) or 'none'} (and name, dtype, trainable)")
    return config, name, input_shape


def generic_config(layer_type: str, call: ast.Call, args: list, kwargs: dict) -> tuple:
    """The config of a Keras layer outside the catalog: literal keyword arguments passed
    through (the document keeps them as they are; Keras checks them when it builds).

    Raises:
        SourceImportError: positional arguments (their names are unknown without Keras).
    """
    if args:
        raise fail(args[0][0], f"layers.{layer_type} is not in LayerLoom's catalog, so its arguments "
                               f"must be given by keyword (see docs/layer-catalog.md)")
    config, name, input_shape = {}, None, None
    for key, (node, value) in kwargs.items():
        if key == "name":
            if not isinstance(value, str) or not value:
                raise fail(node, "name must be a non-empty string literal")
            name = value
        elif key == "input_shape":
            input_shape = _shape(node, value, "input_shape")
        else:
            config[key] = literal_kwarg(node, value, f"{layer_type} argument '{key}'")
    return config, name, input_shape


def deserialize_config(call: ast.Call, args: list, kwargs: dict) -> tuple:
    """``layers.deserialize({"class_name": X, "config": {...}})``: ``(type, config, name)``."""
    data = args[0][1] if len(args) == 1 and not kwargs else None
    config = data.get("config") if isinstance(data, dict) else None
    layer_type = data.get("class_name") if isinstance(data, dict) else None
    if not isinstance(layer_type, str) or not layer_type.isidentifier() or not isinstance(config, dict):
        raise fail(call, "layers.deserialize takes a literal {'class_name': Name, 'config': {...}}")
    if layer_type in REFUSED:
        raise fail(call, f"layers.{layer_type} runs arbitrary Python code and is never imported")
    config = to_json(config)
    name = config.pop("name", None)
    return layer_type, config, name if isinstance(name, str) and name else None


def _argument(layer_type: str, key: str, node: ast.AST, value):
    if layer_type in WRAPPERS and key == "layer":
        if not isinstance(value, LayerValue):
            raise fail(node, f"{layer_type} wraps a layer such as layers.LSTM(32)")
        if value.wrapped:
            raise fail(node, "this layer already wraps another one")
        value.wrapped = True
        inner = {"type": value.type, "config": dict(value.config)}
        return inner
    return literal_kwarg(node, value, f"{layer_type} argument '{key}'")


def _shape(node: ast.AST, value, what: str) -> list:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0) for v in value):
        raise fail(node, f"{what} must be a tuple of positive integers or None, e.g. (None, 128)")
    return list(value)


def input_config(call: ast.Call, args: list, kwargs: dict) -> tuple:
    """The config of ``keras.Input(...)``; returns ``(config, name)``."""
    allowed = ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name")
    bound: dict = {}
    if len(args) > 1:
        raise fail(args[1][0], "give keras.Input's arguments after shape by keyword")
    for node, value in args:
        bound["shape"] = (node, value)
    for key, item in kwargs.items():
        if key not in allowed:
            raise fail(item[0], f"keras.Input has no argument '{key}' here; use {', '.join(allowed)}")
        if key in bound:
            raise fail(item[0], f"keras.Input got two values for '{key}'")
        bound[key] = item
    config: dict = {}
    if "batch_shape" in bound:
        node, value = bound["batch_shape"]
        if "shape" in bound or not isinstance(value, (list, tuple)) or not value:
            raise fail(node, "batch_shape needs the batch axis first and no shape=")
        if value[0] is not None:
            config["batch_size"] = literal_kwarg(node, value[0], "batch size")
        bound["shape"] = (node, tuple(value[1:]))
    if "shape" not in bound:
        raise fail(call, "keras.Input needs a shape, e.g. keras.Input(shape=(64,))")
    node, value = bound["shape"]
    config = {"shape": _shape(node, value, "shape"), **config}
    for key in ("dtype", "batch_size", "sparse"):
        if key in bound:
            node, value = bound[key]
            value = literal_kwarg(node, value, f"keras.Input argument '{key}'")
            if value is not None and not (key == "dtype" and value == "float32") \
                    and not (key == "sparse" and value is False):
                config[key] = value
    name = None
    if "name" in bound:
        node, value = bound["name"]
        if not isinstance(value, str) or not value:
            raise fail(node, "name must be a non-empty string literal")
        name = value
    return config, name


def application_config(app: str, call: ast.Call, args: list, kwargs: dict) -> tuple:
    """The config of ``keras.applications.<app>(**kwargs)``; returns ``(config, name)``."""
    if args:
        raise fail(args[0][0], f"pass the arguments of keras.applications.{app} by keyword")
    config: dict = {"application": app}
    name = None
    for key, (node, value) in kwargs.items():
        if key == "name":
            if not isinstance(value, str) or not value:
                raise fail(node, "name must be a non-empty string literal")
            name = value
        elif key in ("input_tensor", "classifier_activation") and not is_literal(value):
            raise fail(node, f"{key} must be a literal here")
        else:
            config[key] = literal_kwarg(node, value, f"{app} argument '{key}'")
    config.setdefault("weights", "imagenet")  # Keras's default, made explicit (never downloaded)
    return config, name


class OptimizerSettings:
    """An optimizer made in the source: ``settings = {"optimizer": ..., "learning_rate": ...}``."""

    def __init__(self, settings: dict):
        self.settings = settings


def optimizer_settings(name: str, node: ast.AST, args: list, kwargs: dict) -> OptimizerSettings:
    """The settings of ``keras.optimizers.<name>(...)`` (or ``keras.optimizers.get({...})``)."""
    if name == "get":
        config = args[0][1] if len(args) == 1 and not kwargs else None
        inner = config.get("config") if isinstance(config, dict) else None
        if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) \
                or not isinstance(inner, dict) or set(inner) - {"learning_rate"}:
            raise fail(node, "keras.optimizers.get takes {'class_name': ..., 'config': "
                             "{'learning_rate': ...}} here")
        rate = inner.get("learning_rate", 0.001)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0:
            raise fail(node, "learning_rate must be a positive number")
        return OptimizerSettings({"optimizer": config["class_name"], "learning_rate": float(rate)})
    key = name.lower()
    rate = DEFAULT_LEARNING_RATES.get(key, 0.001)
    given = [value for _node, value in args[:1]]
    for arg, (arg_node, value) in kwargs.items():
        if arg != "learning_rate":
            raise fail(arg_node, f"optimizer argument '{arg}' is not supported; LayerLoom keeps "
                                 "the optimizer and its learning_rate")
        given = [value]
    if len(args) > 1:
        raise fail(args[1][0], "give the optimizer only its learning rate")
    if given:
        value = given[0]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise fail(node, "learning_rate must be a positive number")
        rate = float(value)
    return OptimizerSettings({"optimizer": key, "learning_rate": rate})


def default_optimizer(name: str) -> dict:
    """The settings of ``optimizer="<name>"`` (Keras's default learning rate)."""
    key = name.lower()
    return {"optimizer": key, "learning_rate": DEFAULT_LEARNING_RATES.get(key, 0.001)}
