"""Reading and writing layer parameter values as text, without Qt.

The parameter editors (:mod:`editor.param_editors`) show values with :func:`format_value` and
:func:`format_tuple` and read what the user typed with :func:`parse_int_tuple`,
:func:`parse_shape`, :func:`parse_axes` and :func:`parse_literal`; text that cannot become a
value of the parameter's kind raises :class:`ParseError` with a message naming the parameter.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from graph_core.catalog import REQUIRED, ParamSpec


def format_value(value: Any) -> str:
    """Python-style text of a config value: ``None``, ``True``, ``'relu'``, ``(3, 3)``."""
    if value is REQUIRED:
        return "required"
    if isinstance(value, list):
        value = _as_tuple(value)
    return repr(value)


def _as_tuple(value):
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuple(v) for v in value)
    return value


def format_tuple(value: Any) -> str:
    """``(3, 3)`` → ``"3, 3"``; ``3`` → ``"3"``; ``None`` → ``"None"``."""
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        parts = []
        for v in value:
            if isinstance(v, (list, tuple)):
                parts.append("(" + ", ".join(format_tuple(x) for x in v) + ")")
            else:
                parts.append(format_tuple(v))
        return ", ".join(parts)
    return str(value)


class ParseError(ValueError):
    """Text that cannot become a value of the parameter's kind (the message says why)."""


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ParseError(f"cannot read {text!r}") from None


def parse_int_tuple(text: str, param: ParamSpec):
    """Read ``"3"``, ``"3, 3"``, ``"(3, 3)"`` (or ``"(1, 1), (2, 2)"`` for nested params).

    Returns:
        An int, a list of ints (nested lists for nested params) or None.

    Raises:
        ParseError: the text is not integers.
    """
    text = text.strip()
    if text in ("", "None", "none"):
        if param.allow_none:
            return None
        raise ParseError(f"{param.name} needs a value")
    value = _literal(f"({text},)" if not text.startswith(("(", "[")) or param.nested else text)
    if isinstance(value, tuple) and len(value) == 1 and not text.endswith(","):
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)) and value:
        out = []
        for v in value:
            if isinstance(v, (tuple, list)) and param.nested:
                if not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
                    raise ParseError(f"{param.name}: every entry must be an integer")
                out.append(list(v))
            elif isinstance(v, int) and not isinstance(v, bool):
                out.append(v)
            else:
                raise ParseError(f"{param.name}: every entry must be an integer, got {v!r}")
        return out
    raise ParseError(f"{param.name} must be an integer or integers separated by commas")


def parse_shape(text: str) -> list:
    """Read an Input shape without the batch axis: ``"None, 128"``, ``"(28, 28, 1)"``, ``"64"``.

    Raises:
        ParseError: an entry is not a positive integer or None.
    """
    body = text.strip()
    if body.startswith(("(", "[")) and body.endswith((")", "]")):
        body = body[1:-1]
    parts = [p.strip() for p in body.split(",")]
    if parts and parts[-1] == "":
        parts.pop()
    shape = []
    for part in parts:
        if part.lower() == "none":
            shape.append(None)
            continue
        try:
            size = int(part)
        except ValueError:
            raise ParseError(f"shape entries must be positive integers or None, got {part!r}") from None
        if size <= 0:
            raise ParseError(f"shape entries must be positive integers or None, got {size}")
        shape.append(size)
    return shape


def parse_axes(text: str, param: ParamSpec):
    """Read ``"-1"`` or ``"1, 2"`` (an axis or a list of axes)."""
    text = text.strip()
    if text in ("", "None") and param.allow_none:
        return None
    value = _literal(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)) and value and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return list(value)
    raise ParseError(f"{param.name} must be an integer axis or axes separated by commas")


def parse_literal(text: str, param: ParamSpec):
    """Read a JSON or Python literal (``{"type": "LSTM", "config": {"units": 32}}``, ``0.5``…)."""
    text = text.strip()
    if text in ("", "None", "null"):
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    value = _literal(text)
    return jsonable(value)


def jsonable(value):
    """``value`` with tuples as lists and dict keys as strings, as JSON would give it back."""
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def is_int(v) -> bool:
    """True for an int that is not a bool."""
    return isinstance(v, int) and not isinstance(v, bool)
