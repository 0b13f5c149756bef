"""What a name can stand for while Keras source is read symbolically (nothing is executed).

A source import never runs the code it reads. Each expression becomes one of these values:
a plain literal (numbers, strings, None, booleans, and lists/tuples/dicts of them), a module
path from an import (``keras.layers``), a layer object not yet called (:class:`LayerValue`),
a symbolic tensor (:class:`TensorValue`), a model (:class:`ModelValue`,
:class:`SequentialValue`), an application, or a function the file defines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from graph_core.errors import GraphCoreError

MAX_SOURCE_CHARS = 1_000_000
"""Longest source text read (longer ones are refused before parsing)."""

MAX_INT = 10 ** 9
"""Largest integer literal accepted (layer sizes, vocabularies, shapes)."""

MAX_STRING = 1_000
"""Longest string literal accepted."""

MAX_ITEMS = 1_000
"""Most entries of one list, tuple or dict literal."""

MAX_CALLS = 20_000
"""Most layer calls one source may describe."""


class SourceImportError(GraphCoreError):
    """The source uses something a source import does not support, or is not valid Python.

    Args:
        message: what is wrong and what is supported instead.
        line: 1-based line of the offending code (0 when unknown).
        col: 1-based column (0 when unknown).
        file: the file name, when known.
    """

    def __init__(self, message: str, line: int = 0, col: int = 0, file: str | None = None):
        self.message = message
        self.line = line
        self.col = col
        self.file = file
        position = f"{line}:{col}" if col else f"{line}"
        where = f"{file or '<source>'}:{position}: " if line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")


def fail(node: ast.AST | None, message: str) -> SourceImportError:
    """A :class:`SourceImportError` located at ``node`` (to ``raise``)."""
    line = getattr(node, "lineno", 0) or 0
    col = (getattr(node, "col_offset", -1) or 0) + 1 if line else 0
    return SourceImportError(message, line, col)


@dataclass(frozen=True)
class Module:
    """An imported module or a name inside one, as a dotted path (``keras.layers.Dense``)."""

    path: str


@dataclass(eq=False)
class LayerValue:
    """A Keras layer object: type and config, called zero or more times."""

    type: str
    config: dict
    name: str | None = None  # the name= argument
    var: str | None = None  # the variable it was first assigned to
    line: int = 0
    wrapped: bool = False  # used as the layer of a Bidirectional/TimeDistributed
    input_shape: list | None = None  # the input_shape= argument (first layer of a Sequential)


@dataclass(eq=False)
class InputValue:
    """A ``keras.Input(...)``: its config; its one call is the Input node."""

    config: dict
    name: str | None = None
    var: str | None = None
    line: int = 0


@dataclass(eq=False)
class ModelValue:
    """``keras.Model(inputs, outputs)`` with its compile settings once compiled."""

    inputs: list  # of TensorValue
    outputs: list  # of TensorValue
    name: str | None = None
    var: str | None = None
    line: int = 0
    compile: dict | None = None  # {"optimizer": ..., "learning_rate": ..., "loss": ...}
    output_keys: list | None = None  # the keys of a dict of outputs


@dataclass(eq=False)
class SequentialValue:
    """``keras.Sequential([...])`` (and its ``.add`` calls)."""

    layers: list  # of LayerValue / InputValue / ModelValue / SequentialValue / ApplicationValue
    name: str | None = None
    var: str | None = None
    line: int = 0
    compile: dict | None = None


@dataclass(eq=False)
class ApplicationValue:
    """``keras.applications.Xception(...)``: an Application layer."""

    config: dict
    name: str | None = None
    var: str | None = None
    line: int = 0


@dataclass(eq=False)
class Call:
    """One call of a layer-like value on tensors: a future document node."""

    target: object  # LayerValue | InputValue | ModelValue | SequentialValue | ApplicationValue
    inputs: list  # of TensorValue, in order
    outputs: int
    line: int
    index: int  # creation order


@dataclass(frozen=True, eq=False)
class TensorValue:
    """Output ``index`` of a :class:`Call`."""

    call: Call
    index: int = 0


@dataclass(eq=False)
class FunctionValue:
    """A function the source defines; its body is read when it is called."""

    node: ast.FunctionDef
    closure: dict = field(default_factory=dict)


LayerLike = (LayerValue, InputValue, ModelValue, SequentialValue, ApplicationValue)
"""Values that can be called on tensors."""

ModelLike = (ModelValue, SequentialValue)


def literal_value(node: ast.AST, lookup) -> object:
    """Evaluate a literal (or a name bound to one) without running anything.

    Args:
        node: the expression.
        lookup: ``lookup(name_node)`` returns the value a name is bound to (or raises).

    Returns:
        A JSON-like Python value: None, bool, int, float, str, or lists/tuples/dicts of them.

    Raises:
        SourceImportError: the expression is not a literal.
    """
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, (bool, float)):
            if isinstance(value, float) and value != value:
                raise fail(node, "NaN is not a supported value")
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise fail(node, f"integer literal {str(value)[:20]}… is too large "
                                 f"(at most {MAX_INT:,})")
            return value
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                raise fail(node, f"string literal of {len(value):,} characters is too long "
                                 f"(at most {MAX_STRING:,})")
            return value
        raise fail(node, f"{type(value).__name__} literals are not supported")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = literal_value(node.operand, lookup)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
        raise fail(node, "a sign applies to numbers only")
    if isinstance(node, (ast.List, ast.Tuple)):
        if len(node.elts) > MAX_ITEMS:
            raise fail(node, f"a literal of {len(node.elts):,} items is too long (at most {MAX_ITEMS:,})")
        items = [literal_value(item, lookup) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        if len(node.keys) > MAX_ITEMS:
            raise fail(node, f"a dict of {len(node.keys):,} items is too long (at most {MAX_ITEMS:,})")
        out = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                raise fail(value, "** inside a dict literal is not supported")
            k = literal_value(key, lookup)
            if not isinstance(k, str):
                raise fail(key, "dict keys must be strings")
            out[k] = literal_value(value, lookup)
        return out
    if isinstance(node, ast.Name):
        value = lookup(node)
        if is_literal(value):
            return value
        raise fail(node, f"'{node.id}' is not bound to a literal value here")
    raise fail(node, f"{describe(node)} is not supported here; only literals (numbers, strings, "
                     "None, True/False, lists, tuples, dicts) and names bound to them")


def is_literal(value) -> bool:
    """True for the JSON-like values :func:`literal_value` returns."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_literal(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_literal(v) for k, v in value.items())
    return False


def to_json(value):
    """A literal with tuples turned into lists (the document's config form)."""
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


_DESCRIPTIONS = {
    ast.JoinedStr: "an f-string", ast.Lambda: "a lambda", ast.BinOp: "arithmetic",
    ast.BoolOp: "a boolean operation", ast.Compare: "a comparison", ast.IfExp: "a conditional expression",
    ast.ListComp: "a list comprehension", ast.DictComp: "a dict comprehension",
    ast.SetComp: "a set comprehension", ast.GeneratorExp: "a generator expression",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Starred: "unpacking with *",
    ast.Set: "a set literal", ast.Subscript: "indexing", ast.Attribute: "an attribute",
    ast.Call: "a call", ast.NamedExpr: "an assignment expression",
}


def describe(node: ast.AST) -> str:
    """A few words naming the kind of an expression (for messages)."""
    if isinstance(node, ast.Attribute):
        return f"the attribute '{dotted(node) or node.attr}'"
    return _DESCRIPTIONS.get(type(node), f"a {type(node).__name__} expression")


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` as text, or None when the expression is not a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None
