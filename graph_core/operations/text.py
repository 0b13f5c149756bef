"""The expression an operation node shows on the canvas, constants inline: ``x * 2.0``,
``3.0 - x``, ``x[:, :4]``, ``mean(x, axis=-1, keepdims=True)`` (pure text, no Qt)."""

from __future__ import annotations

from graph_core.operations import call_values, get_operation, index_key


def _constant(value) -> str:
    if isinstance(value, float):  # the card shows a readable number; the file keeps the exact one
        text = repr(value) if abs(value) < 1e6 else f"{value:g}"
        return text if len(text) <= 8 else f"≈{value:.5g}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_constant(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    return repr(value)


class _Name(str):
    """An operand shown by name (not quoted like a string constant)."""


def _show(value) -> str:
    if isinstance(value, _Name):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, _Name) for v in value):
        return "[" + ", ".join(value) + "]"
    text = _constant(value)
    return text


def operand_names(layer_type: str, config: dict, count: int) -> list:
    """Short names of a call's connected tensors in order: ``x``, ``y`` (``c`` for a condition),
    so ``3.0 - x`` reads as written; the tensors of a list or star operand are ``x0``, ``x1``…"""
    op = get_operation(layer_type)
    if op is None:
        return [f"x{k}" for k in range(count)]
    if op.variadic:
        return [f"x{k}" for k in range(count)]
    constants = {n for n in op.constant_operands if config.get(n) is not None}
    tensors = [n for n in op.operands if n not in constants]
    letters = iter("xyz")
    names = ["c" if n == "condition" else next(letters, n) for n in tensors]
    names += [f"x{k}" for k in range(len(names), count)]
    return names[:count]


def expression(layer_type: str, config: dict, count: int, names: list | None = None) -> str:
    """The expression of an operation called on ``count`` tensors.

    Args:
        layer_type: the document type (``ops.multiply``).
        config: its config.
        count: how many tensors are connected.
        names: what to call them (default :func:`operand_names`).

    Returns:
        e.g. ``x * 2.0``; ``?`` stands for a missing operand.
    """
    op = get_operation(layer_type)
    if op is None:
        return layer_type
    names = list(names or operand_names(layer_type, config, count))
    want = len(op.operands) - sum(1 for n in op.constant_operands if config.get(n) is not None)
    if not op.variadic:
        names += ["?"] * (want - len(names))
    try:
        key_ok = op.function != "get_item" or index_key.problem(config.get("key")) is None
        args, kwargs = call_values(op, config, [_Name(n) for n in names], decode_key=False) if key_ok else ([], {})
    except Exception:  # a config the check flags: show the bare name
        return f"{op.function}(…)"
    if op.function == "get_item":
        return f"{names[0] if names else '?'}[{index_key.to_text(config['key'])}]" if key_ok else "x[?]"
    if op.symbol and not kwargs and len(args) == len(op.operands) == 2:
        a, b = (_show(v) for v in args)
        return f"{_paren(a)} {op.symbol} {_paren(b)}"
    if op.symbol and not kwargs and len(args) == len(op.operands) == 1:
        return f"{op.symbol}{_paren(_show(args[0]))}"
    parts = [_show(a) for a in args] + [f"{k}={_constant(v)}" for k, v in kwargs.items()]
    return f"{op.function}({', '.join(parts)})"


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text
