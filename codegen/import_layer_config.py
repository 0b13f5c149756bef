"""Keras layer configs reduced to LayerLoom configs: the arguments that differ from the defaults.

A mix-in of the import translator (:mod:`codegen.import_config`): it reads a layer's saved Keras
config as plain data, drops Keras bookkeeping, keeps every argument the catalog does not know
(with a note), leaves out values equal to the catalog's defaults, and writes initializers by their
string alias when their settings are the defaults. No Keras here.
"""

from __future__ import annotations

from typing import Any

from codegen.import_safety import is_keras_module
from graph_core import catalog

#: Class names of functional models (their call nodes are counted after a built-in node).
FUNCTIONAL_CLASSES = frozenset({"Functional", "Model"})
#: Config keys that are not constructor arguments LayerLoom keeps, with the Keras value that
#: makes them irrelevant. A key here with any other value is kept in the layer config.
IRRELEVANT_EXTRAS = {
    "quantization_config": None, "lora_rank": None, "lora_alpha": None, "synchronized": False,
    "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "rms_scaling": False,
    "zero_output_for_mask": False, "sliding_window": None, "flash_attention": None,
    "activity_regularizer": None, "ragged": False, "optional": False, "sparse": False,
    "seed": None, "use_cudnn": "auto", "time_major": False, "data_format": "channels_last",
    "gradient_checkpointing": False, "unroll": False,
}
#: Config keys dropped always: Keras bookkeeping, not constructor arguments.
ALWAYS_DROPPED = frozenset({"name", "shared_object_id", "build_config", "batch_input_shape",
                            "batch_shape", "implementation", "input_shape", "input_length",
                            "query_shape", "key_shape", "value_shape"})
#: Keras 2 argument names Keras 3 renamed: (class name, old key) -> new key.
LEGACY_RENAMES = {("LeakyReLU", "alpha"): "negative_slope"}

# Initializers: class name -> (alias Keras accepts as a string, default config values).
_VS = {"seed": None, "input_axes": None, "output_axes": None}
INITIALIZERS = {
    "GlorotUniform": ("glorot_uniform", _VS), "GlorotNormal": ("glorot_normal", _VS),
    "HeUniform": ("he_uniform", _VS), "HeNormal": ("he_normal", _VS),
    "LecunUniform": ("lecun_uniform", _VS), "LecunNormal": ("lecun_normal", _VS),
    "Zeros": ("zeros", {}), "Ones": ("ones", {}),
    "Orthogonal": ("orthogonal", {"gain": 1.0, "seed": None}),
    "OrthogonalInitializer": ("orthogonal", {"gain": 1.0, "seed": None}),
    "RandomUniform": ("random_uniform", {"minval": -0.05, "maxval": 0.05, "seed": None}),
    "RandomNormal": ("random_normal", {"mean": 0.0, "stddev": 0.05, "seed": None}),
    "TruncatedNormal": ("truncated_normal", {"mean": 0.0, "stddev": 0.05, "seed": None}),
    "Identity": ("identity", {"gain": 1.0}), "IdentityInitializer": ("identity", {"gain": 1.0}),
    "Constant": ("constant", {"value": 0.0}),
    "VarianceScaling": ("variance_scaling", {"scale": 1.0, "mode": "fan_in",
                                             "distribution": "truncated_normal", "seed": None,
                                             "input_axes": None, "output_axes": None}),
}
#: Initializers Keras cannot build from their string alias (``"constant"`` has no value): kept as
#: the serialized dict with their arguments.
NEEDS_ARGUMENTS = frozenset({"Constant"})
#: Initializer string aliases -> class names.
INITIALIZER_ALIASES = {alias: cls for cls, (alias, _cfg) in INITIALIZERS.items()}
INITIALIZER_ALIASES.update({"uniform": "RandomUniform", "normal": "RandomNormal", "zero": "Zeros",
                            "one": "Ones"})


class ConfigError(Exception):
    """The model config does not have the structure of a Keras model; the message says where."""


class LayerConfigReduction:
    """Layer-config methods of the import translator (which provides ``notes`` and ``layer``)."""

    notes: list

    def layer_config(self, class_name: str, raw: dict, name: str, wrapped: bool = False) -> dict:
        """A Keras layer config -> the LayerLoom config (non-default constructor arguments)."""
        config = _clean(raw)
        for (cls, old), new in LEGACY_RENAMES.items():
            if cls == class_name and old in config and new not in config:
                config[new] = config.pop(old)
        trainable = config.pop("trainable", True)
        dtype = config.pop("dtype", None)
        dtype_name = _dtype_name(dtype)
        spec = catalog.get_spec(class_name)
        out: dict = {}
        if spec is None:
            for key, value in config.items():
                if key in ALWAYS_DROPPED:
                    continue
                out[key] = value
            if dtype is not None and dtype_name not in (None, "float32"):
                out["dtype"] = dtype
        else:
            for key, value in config.items():
                if key in ALWAYS_DROPPED:
                    continue
                if key in ("layer", "backward_layer") and spec.is_wrapper:
                    continue
                param = spec.param(key)
                if param is None:
                    if key in IRRELEVANT_EXTRAS and _same(IRRELEVANT_EXTRAS[key], value):
                        continue
                    if wrapped and key == "zero_output_for_mask":
                        continue
                    out[key] = value
                    self.notes.append(f"layer '{name}': kept {key}={value!r}, a {class_name} argument "
                                      f"LayerLoom's catalog does not list")
                    continue
                if _is_default(class_name, param, value, config):
                    continue
                out[key] = _simplify(param, value)
            if spec.is_wrapper:
                out = {**self.wrapper_config(class_name, config, name), **out}
            if dtype_name not in (None, "float32"):
                out["dtype"] = dtype_name
        if trainable is False:
            out["trainable"] = False
        return out

    def wrapper_config(self, class_name: str, config: dict, name: str) -> dict:
        inner = config.get("layer")
        if not isinstance(inner, dict) or not isinstance(inner.get("class_name"), str):
            raise ConfigError(f"layer '{name}' ({class_name}) has no wrapped layer in its config")
        out = {"layer": self.inner_layer(inner, name)}
        backward = config.get("backward_layer")
        if class_name == "Bidirectional" and isinstance(backward, dict) \
                and isinstance(backward.get("class_name"), str) and not _auto_backward(inner, backward):
            out["backward_layer"] = self.inner_layer(backward, name)
            self.notes.append(f"layer '{name}': its custom backward_layer is kept")
        return out

    def inner_layer(self, inner: dict, owner: str) -> dict:
        class_name = inner["class_name"]
        if _is_model_entry(inner):
            sub = self.layer(inner, _entry_name(inner) or "model", None)
            return {"type": "Model", "config": sub["config"]}
        config = inner.get("config")
        if not isinstance(config, dict):
            raise ConfigError(f"layer '{owner}': its wrapped {class_name} has no config")
        return {"type": class_name, "config": self.layer_config(class_name, config, owner, wrapped=True)}


def _entry_name(entry: dict) -> str | None:
    name = entry.get("name")
    if not isinstance(name, str):
        config = entry.get("config")
        name = config.get("name") if isinstance(config, dict) else None
    return name if isinstance(name, str) and name else None


def _is_model_entry(entry: dict) -> bool:
    config = entry.get("config")
    return isinstance(config, dict) and isinstance(config.get("layers"), list) and (
        entry.get("class_name") in FUNCTIONAL_CLASSES or entry.get("class_name") == "Sequential"
        or "input_layers" in config)


def _dtype_name(dtype: Any) -> str | None:
    if dtype is None:
        return None
    if isinstance(dtype, str):
        return dtype
    if isinstance(dtype, dict):
        cfg = dtype.get("config")
        if isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
            return cfg["name"]
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean(value: Any) -> Any:
    """Unwrap Keras serialization markers (tuples) and drop shared-object ids, recursively."""
    if isinstance(value, dict):
        if value.get("class_name") == "__tuple__" and isinstance(value.get("config"), dict):
            return _clean(value["config"].get("value", []))
        return {k: _clean(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def initializer_alias(value: Any) -> str | None:
    """The string alias of an initializer given by name or serialized dict with default settings."""
    if isinstance(value, str):
        cls = INITIALIZER_ALIASES.get(value)
        return INITIALIZERS[cls][0] if cls else None
    if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
        return None
    module = value.get("module")
    if module is not None and not is_keras_module(module):
        return None
    cls = value["class_name"]
    if cls not in INITIALIZERS or cls in NEEDS_ARGUMENTS:
        return None
    alias, defaults = INITIALIZERS[cls]
    config = value.get("config") or {}
    if not isinstance(config, dict):
        return None
    for key, v in config.items():
        if key not in defaults or not _same(defaults[key], v):
            return None
    return alias


def _initializer_class(value: Any) -> str | None:
    alias = initializer_alias(value)
    return INITIALIZER_ALIASES.get(alias) if alias else None


def _expand_tuple(param, value: Any) -> Any:
    """int_tuple values in one comparable form: ints repeated to the length, pairs for nested."""
    if value is None:
        return None
    length = param.length or 1
    if _is_int(value):
        value = [value] * length
    if not isinstance(value, (list, tuple)):
        return value
    if param.nested:
        return tuple(tuple(v) if isinstance(v, (list, tuple)) else (v, v) for v in value)
    return tuple(value)


def _is_default(class_name: str, param, value: Any, config: dict) -> bool:
    default = param.default
    if default is catalog.REQUIRED:
        return False
    kind = param.kind
    if kind == "activation":
        return (value or "linear") == (default or "linear")
    if kind == "initializer":
        if default is None:
            return value is None
        return value is not None and _initializer_class(value) == INITIALIZER_ALIASES.get(default)
    if param.name == "data_format" and default is None:
        return value in (None, "channels_last")
    if kind == "int_tuple":
        if default is None:
            if value is None:
                return True
            if param.name == "strides" and "pool_size" in config:
                return _expand_tuple(param, value) == _expand_tuple(param, config["pool_size"])
            return False
        return _expand_tuple(param, value) == _expand_tuple(param, default)
    if kind in ("shape", "axes") and isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return _same(list(value), list(default))
    if class_name == "MultiHeadAttention" and param.name == "value_dim":
        return value is None or value == config.get("key_dim")
    return _same(default, value)


def _simplify(param, value: Any) -> Any:
    if param.kind == "initializer":
        if isinstance(value, str) and INITIALIZER_ALIASES.get(value) in NEEDS_ARGUMENTS:
            cls = INITIALIZER_ALIASES[value]
            return {"module": "keras.initializers", "class_name": cls, "config": dict(INITIALIZERS[cls][1]),
                    "registered_name": None}
        alias = initializer_alias(value)
        if alias is not None:
            return alias
    return value


def _auto_backward(forward: dict, backward: dict) -> bool:
    """True when a Bidirectional's backward layer is the one Keras makes from the forward one."""
    if forward.get("class_name") != backward.get("class_name"):
        return False
    f = _clean(forward.get("config")) if isinstance(forward.get("config"), dict) else {}
    b = _clean(backward.get("config")) if isinstance(backward.get("config"), dict) else {}
    ignore = ("name", "go_backwards")
    f = {k: v for k, v in f.items() if k not in ignore}
    b = {k: v for k, v in b.items() if k not in ignore}
    return _same_dict(f, b)


def _same_dict(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_dict(a[k], b[k]) for k in a)
    return _same(a, b)
