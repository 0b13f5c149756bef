"""``model.compile(...)`` read from source, and applied to a document's outputs."""

from __future__ import annotations

import ast

from graph_core.document import Document
from graph_core.edits import SetOutput, SetSetting
from graph_core.source_import import keras_api
from graph_core.source_import.values import fail, is_literal

COMPILE_ARGS = ("optimizer", "loss", "loss_weights", "metrics")
"""The ``compile`` arguments a document keeps (positional order of ``Model.compile``)."""

IGNORED_ARGS = ("run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss")
"""Arguments that change how training runs, not what the model is (skipped)."""


def read_compile(reader, node: ast.Call, env: dict) -> dict:
    """The settings of a ``compile`` call: ``{argument: (node, value)}`` plus ``"optimizer"``.

    Raises:
        SourceImportError: an argument that is not a literal or not supported.
    """
    args, kwargs = reader.arguments(node, env)
    bound: dict = {}
    if len(args) > len(COMPILE_ARGS):
        raise fail(args[len(COMPILE_ARGS)][0], "pass compile's later arguments by keyword")
    for key, item in zip(COMPILE_ARGS, args):
        bound[key] = item
    for key, item in kwargs.items():
        if key in IGNORED_ARGS:
            continue
        if key not in COMPILE_ARGS:
            raise fail(item[0], f"compile argument '{key}' is not supported ({', '.join(COMPILE_ARGS)})")
        if key in bound:
            raise fail(item[0], f"compile got two values for '{key}'")
        bound[key] = item
    settings = {key: item for key, item in bound.items() if key != "optimizer"}
    for key, (arg_node, value) in settings.items():
        if not is_literal(value):
            raise fail(arg_node, f"compile argument '{key}' must be literal names and numbers "
                                 f"(e.g. loss='mse' or a list/dict of them)")
    settings["optimizer"] = _optimizer(bound.get("optimizer"))
    return settings


def _optimizer(item) -> dict:
    if item is None:
        return keras_api.default_optimizer("rmsprop")
    node, value = item
    if isinstance(value, str):
        return keras_api.default_optimizer(value)
    if isinstance(value, keras_api.OptimizerSettings):
        return dict(value.settings)
    raise fail(node, "optimizer must be a name ('adam') or keras.optimizers.X(learning_rate=...)")


def apply_compile(doc: Document, settings: dict, keys: list) -> None:
    """Set the document's optimizer and each output's loss, loss weight and metrics.

    Args:
        doc: the document, whose outputs are already marked.
        settings: from :func:`read_compile`.
        keys: the name of each output as compile dicts may key it (output layer names, or the
            keys of a dict of outputs).

    Raises:
        SourceImportError: a list of the wrong length, or a dict key naming no output.
    """
    for key, value in settings["optimizer"].items():
        doc.apply(SetSetting("compile", key, value))
    count = len(doc.outputs)
    for field_name, arg in (("loss", "loss"), ("loss_weight", "loss_weights"), ("metrics", "metrics")):
        if arg not in settings:
            continue
        node, value = settings[arg]
        per_output = _per_output(node, value, arg, count, keys)
        for index, item in enumerate(per_output):
            if item is _UNSET:
                continue
            doc.apply(SetOutput(index, field_name, _checked(node, arg, item)))


_UNSET = object()


def _per_output(node: ast.AST, value, arg: str, count: int, keys: list) -> list:
    leaf = _is_metric_leaf if arg == "metrics" else _is_leaf
    if isinstance(value, dict):
        unknown = [k for k in value if k not in keys]
        if unknown:
            raise fail(node, f"compile {arg} names '{unknown[0]}', which is not an output "
                             f"(outputs: {', '.join(keys)})")
        return [value.get(k, _UNSET) for k in keys]
    if leaf(value) and not (arg == "metrics" and count > 1 and isinstance(value, list)):
        return [value] * count if arg != "loss_weights" or count == 1 else _weights_error(node)
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise fail(node, f"compile {arg} has {len(value)} entries but the model has "
                             f"{count} output(s)")
        return list(value)
    raise fail(node, f"compile {arg} must be one value, a list per output or a dict by output name")


def _weights_error(node):
    raise fail(node, "loss_weights of several outputs must be a list or a dict")


def _is_leaf(value) -> bool:
    return value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _is_metric_leaf(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _checked(node: ast.AST, arg: str, item):
    if arg == "loss":
        if item is not None and not isinstance(item, str):
            raise fail(node, "a loss must be a name such as 'mse'")
        return item
    if arg == "loss_weights":
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise fail(node, "a loss weight must be a number")
        return float(item)
    if isinstance(item, str):
        return [item]
    if not isinstance(item, list) or not all(isinstance(m, str) for m in item):
        raise fail(node, "metrics must be names such as 'accuracy'")
    return list(item)
