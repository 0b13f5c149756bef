"""How calls of keras.Model, Sequential and source functions become values (no execution)."""

from __future__ import annotations

import ast

from graph_core import catalog
from graph_core.source_import.values import (
    ApplicationValue,
    InputValue,
    LayerValue,
    ModelValue,
    SequentialValue,
    TensorValue,
    fail,
    is_literal,
    literal_value,
)


def tensor_list(node: ast.AST, value) -> list:
    """The tensors a layer is called on: one tensor or a non-empty list of them.

    Raises:
        SourceImportError: anything else.
    """
    if isinstance(value, TensorValue):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, TensorValue) for v in value):
        return list(value)
    what = "a literal" if is_literal(value) else type(value).__name__.replace("Value", "").lower()
    raise fail(node, f"expected a tensor or a list of tensors here, got {what}")


def output_count(target) -> int:
    """How many tensors a call of ``target`` returns (unpacked as a tuple when more than one)."""
    if isinstance(target, ModelValue):
        return max(1, len(target.outputs))
    if isinstance(target, LayerValue):
        spec = catalog.get_spec(target.type)
        try:
            return spec.num_outputs(catalog.resolve_config(target.type, target.config)) if spec else 1
        except Exception:
            return 1
    return 1


def _flat_tensors(node: ast.AST, value, what: str) -> tuple:
    """``(tensors, keys)`` of a Model's inputs or outputs (one tensor, a list or a dict)."""
    if isinstance(value, dict):
        tensors = list(value.values())
        if not tensors or not all(isinstance(t, TensorValue) for t in tensors):
            raise fail(node, f"the {what} of keras.Model must be tensors")
        return tensors, list(value)
    return tensor_list(node, value), None


def model_value(node: ast.Call, args: list, kwargs: dict) -> ModelValue:
    """``keras.Model(inputs, outputs, name=)`` as a :class:`ModelValue`.

    Raises:
        SourceImportError: missing or non-tensor inputs/outputs, or other arguments.
    """
    bound = dict(zip(("inputs", "outputs", "name"), args))
    for key, item in kwargs.items():
        if key not in ("inputs", "outputs", "name") or key in bound:
            raise fail(item[0], f"keras.Model argument '{key}' is not supported (inputs, outputs, name)")
        bound[key] = item
    if "inputs" not in bound or "outputs" not in bound:
        raise fail(node, "keras.Model needs inputs and outputs")
    inputs, _keys = _flat_tensors(bound["inputs"][0], bound["inputs"][1], "inputs")
    outputs, keys = _flat_tensors(bound["outputs"][0], bound["outputs"][1], "outputs")
    for t, _ in zip(inputs, range(len(inputs))):
        if not isinstance(t.call.target, InputValue):
            raise fail(bound["inputs"][0], "the inputs of keras.Model must be keras.Input tensors")
    name = bound.get("name", (None, None))[1]
    if name is not None and not isinstance(name, str):
        raise fail(bound["name"][0], "name must be a string literal")
    return ModelValue(inputs, outputs, name, line=node.lineno, output_keys=keys)


def sequential_value(node: ast.Call, args: list, kwargs: dict) -> SequentialValue:
    """``keras.Sequential([...], name=)`` as a :class:`SequentialValue`."""
    bound = dict(zip(("layers", "name"), args))
    for key, item in kwargs.items():
        if key not in ("layers", "name") or key in bound:
            raise fail(item[0], f"Sequential argument '{key}' is not supported (layers, name)")
        bound[key] = item
    items = []
    if "layers" in bound and bound["layers"][1] is not None:
        layers_node, value = bound["layers"]
        if not isinstance(value, (list, tuple)):
            raise fail(layers_node, "Sequential takes a list of layers")
        elts = layers_node.elts if isinstance(layers_node, (ast.List, ast.Tuple)) else [layers_node] * len(value)
        items = [sequential_item(n, v) for n, v in zip(elts, value)]
    name = bound.get("name", (None, None))[1]
    if name is not None and not isinstance(name, str):
        raise fail(bound["name"][0], "name must be a string literal")
    return SequentialValue(items, name, line=node.lineno)


def sequential_item(node: ast.AST, value):
    """One entry of a Sequential: a layer-like value, or the Input of a ``keras.Input`` tensor."""
    if isinstance(value, TensorValue) and isinstance(value.call.target, InputValue):
        return value.call.target
    if isinstance(value, InputValue):  # layers.InputLayer(...)
        return value
    if isinstance(value, (LayerValue, ModelValue, SequentialValue, ApplicationValue)):
        return value
    raise fail(node, "a Sequential holds layers (or a keras.Input first)")


def bind_arguments(fdef: ast.FunctionDef, node: ast.Call, args: list, kwargs: dict) -> dict:
    """The local names of a call of a function the source defines (defaults must be literals).

    Raises:
        SourceImportError: *args/**kwargs, missing or unexpected arguments.
    """
    spec = fdef.args
    if spec.vararg or spec.kwarg or spec.kwonlyargs or spec.posonlyargs:
        raise fail(fdef, f"function '{fdef.name}' uses *args, **kwargs or keyword-only "
                         "arguments, which are not supported")
    names = [a.arg for a in spec.args]
    if len(args) > len(names):
        raise fail(node, f"{fdef.name}() takes {len(names)} argument(s), got {len(args)}")
    local = {name: value for name, (_n, value) in zip(names, args)}
    for key, (kw_node, value) in kwargs.items():
        if key not in names or key in local:
            raise fail(kw_node, f"{fdef.name}() got an unexpected argument '{key}'")
        local[key] = value
    defaults = spec.defaults
    for name, default in zip(names[len(names) - len(defaults):], defaults):
        if name not in local:
            local[name] = literal_value(default, lambda n: (_ for _ in ()).throw(
                fail(n, "default values must be literals")))
    missing = [n for n in names if n not in local]
    if missing:
        raise fail(node, f"{fdef.name}() is missing the argument '{missing[0]}'")
    return local
