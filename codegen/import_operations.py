"""Importing the ``keras.ops`` operations a Keras 3 functional config holds (``x + y``,
``x[:, :4]``, ``keras.ops.mean(x, axis=-1)``) as LayerLoom operation layers.

Keras saves an operation call as a layer entry of module ``keras.src.ops.<family>`` whose
``config`` holds the operation's constructor arguments (``axis``, ``keepdims``) and whose inbound
node holds its call: tensors and constants (``[tensor, 2.0]``, a ``GetItem`` key). Both become the
document layer's config (see :mod:`graph_core.operations`); the tensors become the node's inputs
(read by :mod:`codegen.import_config` like any layer's). Plain data: no Keras here.
"""

from __future__ import annotations

from typing import Any

from codegen.import_layer_config import ConfigError, _clean
from graph_core.layer_rules.spec import REQUIRED
from graph_core.operations import Operation, by_keras_class, index_key

__all__ = ["is_operation_entry", "operation_layer"]

_OPS_MODULE_PREFIXES = ("keras.src.ops", "keras.ops")


def is_operation_entry(entry: dict) -> bool:
    """True for a layer entry Keras saved from a ``keras.ops`` call (known to LayerLoom or not)."""
    module = entry.get("module")
    return isinstance(module, str) and module.startswith(_OPS_MODULE_PREFIXES)


def known_operation(entry: dict) -> Operation | None:
    """The operation of an entry of a ``keras.ops`` module, or None when LayerLoom lacks it."""
    return by_keras_class(str(entry.get("module")), str(entry.get("class_name")))


def _is_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _holds_tensor(value: Any) -> bool:
    if _is_tensor(value):
        return True
    if isinstance(value, list):
        return any(_holds_tensor(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_tensor(v) for v in value.values())
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))  # bool is an int


def operation_layer(entry: dict, name: str, op: Operation) -> dict:
    """One saved operation entry -> ``{"type": "ops.…", "name", "config"}``.

    Raises:
        ConfigError: a constant LayerLoom cannot hold (a string operand, a tensor index), or calls
            with different constants; the message names the layer and the operation.
    """
    raw = entry.get("config")
    where = f"layer '{name}' (the operation keras.ops.{op.function})"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} has no config object")
    params = {p.name: p for p in op.params}
    config: dict = {}
    for key, value in _clean(raw).items():
        if key in ("name", "trainable", "dtype") and key not in params:
            continue
        param = params.get(key)
        if param is None:
            raise ConfigError(f"{where} has the argument {key}={value!r}, which LayerLoom does not know "
                              f"for this operation")
        if param.default is not REQUIRED and value == param.default:
            continue
        config[key] = value
    calls = entry.get("inbound_nodes") or []
    constants = [_call_constants(call, op, where) for call in calls if isinstance(call, dict)]
    if any(c != constants[0] for c in constants[1:]):
        raise ConfigError(f"{where} is called several times with different constants; LayerLoom gives "
                          f"each call of an operation its own node: save the model with one call each")
    if constants:
        config.update(constants[0])
    return {"type": op.type, "name": name, "config": config}


def _call_constants(call: dict, op: Operation, where: str) -> dict:
    """The constants of one saved call: constant operands by name, ``get_item``'s key."""
    args = call.get("args") or []
    kwargs = call.get("kwargs") or {}
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ConfigError(f"{where}: its call is not an args list and a kwargs object")
    if op.variadic:
        if kwargs:
            raise ConfigError(f"{where}: its call passes {', '.join(map(str, kwargs))}, which LayerLoom "
                              f"does not know for this operation")
        return {}
    named = dict(zip(op.operands, args[: len(op.operands)]))
    extra = args[len(op.operands):]
    if op.function == "get_item" and len(args) == 2:
        named, extra = {"x": args[0]}, []
        try:
            return {"key": index_key.from_keras(args[1])}
        except index_key.IndexKeyError as exc:
            raise ConfigError(f"{where}: its index cannot be represented: {exc}") from None
    for key, value in kwargs.items():
        if key in op.operands and key not in named:
            named[key] = value
        elif value is not None:
            raise ConfigError(f"{where}: its call passes {key}={_clean(value)!r}, which LayerLoom does not "
                              f"know for this operation")
    if extra:
        raise ConfigError(f"{where}: its call passes {len(args)} arguments; keras.ops.{op.function} takes "
                          f"{len(op.operands)} ({', '.join(op.operands)})")
    out: dict = {}
    for operand, value in named.items():
        if _is_tensor(value) or value is None:
            continue
        if operand in op.constant_operands and _is_number(value):
            out[operand] = value
            continue
        shown = "a list holding tensors" if _holds_tensor(value) else repr(_clean(value))
        raise ConfigError(f"{where}: its operand {operand} is {shown}; LayerLoom's operation nodes take a "
                          f"tensor{' or a number' if operand in op.constant_operands else ''} there")
    return out
