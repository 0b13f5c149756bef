"""Operation nodes: a node may call a ``keras.ops`` operation instead of a layer.

In a document an operation is a layer of type ``ops.<function>`` (``ops.add``, ``ops.get_item``,
``ops.mean``) with a spec of kind ``"operation"``: no weights, category ``Operations``, and a
config holding the non-tensor arguments of its call by their ``keras.ops`` names:

* arguments such as ``axis``, ``keepdims``, ``newshape``, ``dtype``, ``subscripts``;
* the index of ``get_item`` as ``key`` (see :mod:`graph_core.operations.index_key`);
* a constant operand by its operand name: ``x * 2.0`` is ``ops.multiply`` with ``{"x2": 2.0}``
  and one input; ``3.0 - x`` is ``ops.subtract`` with ``{"x1": 3.0}``.

The node's inputs fill the operands that are not constants, in order. Each operation's facts
live in one :class:`~graph_core.operations.table.Operation` entry; this module turns them into
:class:`~graph_core.layer_rules.spec.LayerSpec` entries that the rest of LayerLoom reads through
:func:`graph_core.layer_kinds.spec_for` like any layer's.

Typical use::

    spec = OPERATION_SPECS["ops.mean"]
    spec.infer({"axis": -1, "keepdims": True}, [TensorSpec((None, 4))])   # [TensorSpec((None, 1))]
    call_values(get_operation("ops.multiply"), {"x2": 2.0}, [x])          # ([x, 2.0], {})
"""

from __future__ import annotations

import math

from graph_core.errors import ShapeError
from graph_core.layer_rules.spec import REQUIRED, CallSpec, LayerSpec
from graph_core.operations import index_key
from graph_core.operations.table import OPERATIONS, PREFIX, Operation
from graph_core.tensor import TensorSpec

__all__ = [
    "CATEGORY",
    "OPERATIONS",
    "OPERATION_SPECS",
    "PREFIX",
    "Operation",
    "by_keras_class",
    "call_values",
    "constant_operands",
    "format_problem",
    "get_operation",
    "is_operation",
    "operand_sources",
    "tensor_count",
]

CATEGORY = "Operations"
"""The palette category of every operation."""

_BY_TYPE = {op.type: op for op in OPERATIONS}
_BY_CLASS = {(op.module, op.keras_class): op for op in OPERATIONS}


def get_operation(layer_type: str) -> Operation | None:
    """The :class:`Operation` of a document type (``ops.add``), or None."""
    return _BY_TYPE.get(layer_type)


def is_operation(layer_type) -> bool:
    """True for the document type of a known operation."""
    return layer_type in _BY_TYPE


def by_keras_class(module: str, class_name: str) -> Operation | None:
    """The operation Keras saves as ``class_name`` in ``module`` (``keras.src.ops.numpy``), or None."""
    family = str(module).rsplit(".", 1)[-1]
    return _BY_CLASS.get((family, class_name))


def constant_operands(op: Operation, config: dict) -> dict:
    """The operands given as constants in ``config`` (``{"x2": 2.0}``)."""
    return {name: config[name] for name in op.constant_operands if config.get(name) is not None}


def operand_sources(op: Operation, config: dict, count: int) -> list:
    """Where each operand comes from: ``("input", k)`` or ``("constant", value)``.

    Args:
        op: the operation.
        config: the layer's config.
        count: the number of tensors connected.

    Returns:
        One pair per operand (one per tensor for list and star operands).
    """
    if op.variadic:
        return [("input", k) for k in range(count)]
    constants = constant_operands(op, config)
    out, k = [], 0
    for name in op.operands:
        if name in constants:
            out.append(("constant", constants[name]))
        else:
            out.append(("input", k))
            k += 1
    return out


def tensor_count(op: Operation, config: dict) -> int | None:
    """How many tensors a call takes (None: any number, for list and star operands)."""
    if op.variadic:
        return None
    return len(op.operands) - len(constant_operands(op, config))


def _defaults(op: Operation) -> dict:
    return {p.name: p.default for p in op.params if p.name not in op.constant_operands}


def call_values(op: Operation, config: dict, tensors: list, make_list=list, decode_key: bool = True) -> tuple:
    """The positional and keyword arguments of the ``keras.ops`` call of an operation.

    Args:
        op: the operation.
        config: the layer's config.
        tensors: one value per connected input (Keras tensors, or expressions).
        make_list: builds a list operand (``concatenate([a, b])``).
        decode_key: give ``get_item``'s key as a Python tuple of slices (False: the document form).

    Returns:
        ``(args, kwargs)``: ``keras.ops.<function>(*args, **kwargs)`` is the call. Operands come
        first (after the required arguments of a star call such as ``einsum``), then required
        arguments positionally, then the other arguments that differ from their defaults.
    """
    defaults = _defaults(op)
    required = [p.name for p in op.params if p.default is REQUIRED and p.name in config]
    args: list = []
    if op.variadic == "list":
        operands = [make_list(list(tensors))]
    elif op.variadic == "star":
        operands = list(tensors)
    else:
        operands = [tensors[v] if src == "input" else v for src, v in operand_sources(op, config, len(tensors))]
    leading = [_argument(name, config[name], decode_key) for name in required]
    args = leading + operands if op.variadic == "star" else operands + leading
    kwargs = {name: _argument(name, value, decode_key) for name, value in config.items()
              if name in defaults and name not in required and value != defaults[name]}
    return args, kwargs


def _argument(name: str, value, decode_key: bool):
    if name == "key" and decode_key:
        return tuple(index_key.decode(value))
    if name in ("newshape", "axes", "axis") and isinstance(value, list):
        return tuple(value)
    return value


def format_problem(layer_type: str, config: dict) -> tuple | None:
    """What makes an operation's config unreadable in a ``.loom`` file: ``(key, message)`` or None.

    Only the operation's own structures are checked here (the index of ``get_item``, constant
    operands that are not numbers); ordinary parameter problems are the check's to report.
    """
    op = get_operation(layer_type)
    if op is None:
        return None
    if "key" in config and op.function == "get_item":
        why = index_key.problem(config["key"])
        if why:
            return "key", why
    for name in op.constant_operands:
        value = config.get(name)
        if value is not None and not _finite_number(value):
            return name, f"a constant operand must be a number or true/false, found {value!r}"
    return None


# --------------------------------------------------------------------------- specs
def _finite_number(value) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _check(op: Operation):
    def check(config: dict) -> list:
        problems = []
        for name in op.constant_operands:
            value = config.get(name)
            if value is not None and not _finite_number(value):
                problems.append((name, f"{name} must be a number (a constant operand), got {value!r}",
                                 "give an int, a float or true/false; or leave it unset and connect a tensor"))
        if tensor_count(op, config) == 0:
            problems.append((op.constant_operands[0], "every operand is a constant; at least one must be a tensor",
                             "leave one operand unset and connect a tensor to it"))
        for name in ("x_min", "x_max", "initial"):
            value = config.get(name)
            if name in {p.name for p in op.params} and value is not None and not _finite_number(value):
                problems.append((name, f"{name} must be a number, got {value!r}", ""))
        if "key" in config:
            why = index_key.problem(config["key"])
            if why:
                problems.append(("key", why, "write the index as in Python, e.g. ':, :4'"))
        return problems
    return check


def _infer(op: Operation):
    def infer(config: dict, inputs: list) -> list:
        want = tensor_count(op, config)
        if want is not None and len(inputs) != want:
            given = ", ".join(f"{n}={v!r}" for n, v in constant_operands(op, config).items())
            raise ShapeError(f"{op.type} takes {want} tensor{'s' if want != 1 else ''}"
                             f"{f' ({given} is a constant)' if given else ''}, got {len(inputs)}",
                             "connect one tensor per operand that is not a constant", "shape.arity")
        if not inputs:
            raise ShapeError(f"{op.type} needs at least one tensor", "connect a tensor", "shape.arity")
        if any(s.shape is None for s in inputs):
            return [TensorSpec(None, inputs[0].dtype)] * (op.outputs(config) if op.outputs else 1)
        values = [inputs[v] if src == "input" else v for src, v in operand_sources(op, config, len(inputs))]
        try:
            result = op.rule(config, values)
            return list(result) if isinstance(result, list) else [result]
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise ShapeError(f"{op.type} cannot be evaluated with these arguments ({exc})",
                             "fix the arguments of this operation", "config.invalid") from None
    infer.__doc__ = f"Shape and dtype of keras.ops.{op.function}."
    return infer


def _no_weights(_config: dict, _inputs: list) -> tuple:
    return (0, 0)


def _spec(op: Operation) -> LayerSpec:
    fixed = len(op.operands)
    low = 1
    high = None if op.variadic else fixed
    names = () if op.variadic else op.operands  # the call passes the tensors one by one (call_values)
    return LayerSpec(op.type, CATEGORY, f"keras.ops.{op.function}: {op.doc}", op.params, low, high,
                     _infer(op), _no_weights, check=_check(op), call=CallSpec("positional", names),
                     outputs=op.outputs,
                     kind="operation", keyword_constructor=True, base_args=())


OPERATION_SPECS: dict = {op.type: _spec(op) for op in OPERATIONS}
"""Document type (``ops.add``) -> LayerSpec of kind ``"operation"``, in palette order."""
