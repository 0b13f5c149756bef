"""Operation nodes as the Python a person writes: ``x + y``, ``x * 2.0``, ``x[:, :4]``,
``keras.ops.mean(x, axis=-1)`` (pure text, no Keras).

Constants reach the source only as literals (:func:`codegen.source_expr.literal`), argument
names are the operation's own parameter names.
"""

from __future__ import annotations

from codegen.source_expr import Call, Expr, Kw, Operator, Raw, Seq, literal
from graph_core.document import Layer
from graph_core.operations import call_values, get_operation, index_key


def _value(value) -> Expr:
    return value if isinstance(value, Expr) else literal(value)


def operation_expr(layer: Layer, operands: list) -> Expr:
    """The expression of one call of an operation layer.

    Args:
        layer: a document layer of type ``ops.<function>``.
        operands: one expression per connected input (variable names).

    Returns:
        An operator expression (``a + b``, ``-x``, ``x @ w``), a subscript (``x[:, :4]``), or a
        ``keras.ops`` call with the required arguments positional and the others as keywords
        that differ from their defaults.
    """
    op = get_operation(layer.type)
    if op is None:
        raise ValueError(f"{layer.type} is not an operation")
    args, kwargs = call_values(op, layer.config, operands, lambda items: Seq("[", items, "]"), decode_key=False)
    if op.function == "get_item":
        return Raw(f"{_value(args[0]).flat()}[{index_key.to_text(args[1])}]")
    names = list(op.operands)
    if op.symbol and not kwargs and len(args) == 2 and len(names) == 2:
        return Operator(op.symbol, _value(args[0]), _value(args[1]))
    if op.symbol and not kwargs and len(args) == 1 and len(names) == 1:
        return Operator(op.symbol, _value(args[0]))
    items: list = [_value(a) for a in args]  # call_values gives tuple arguments as tuples
    items += [Kw(k, _value(v)) for k, v in kwargs.items()]
    return Call(f"keras.ops.{op.function}", items)
