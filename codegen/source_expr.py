"""Python source as small expression trees, written flat or wrapped at :data:`WIDTH` columns.

The Python exporter (:mod:`codegen.python_export`) builds its code from these pieces: raw text,
keyword arguments, calls, sequences, attribute access, literals and identifiers. Text from a
document reaches the source only through :func:`string` (a ``repr`` literal) and
:func:`identifier` (reduced to ``[A-Za-z0-9_]``), never as code.
"""

from __future__ import annotations

import keyword
import math
import re

WIDTH = 88
"""Longest line the exporter writes (longer calls are wrapped)."""

INDENT = "    "

AVOID = frozenset({
    "abs", "all", "any", "bool", "bytes", "callable", "compile", "dict", "dir", "eval", "exec",
    "filter", "float", "format", "hash", "help", "id", "input", "int", "iter", "len", "list",
    "map", "max", "min", "next", "object", "open", "print", "property", "range", "repr",
    "round", "set", "slice", "sorted", "str", "sum", "super", "tuple", "type", "vars", "zip",
    "l", "O", "I", "keras", "layers", "np", "numpy", "self", "cls",
})
"""Identifiers never used as variables: builtins that matter, the imports, ambiguous letters."""


# --------------------------------------------------------------------------- expressions
class Expr:
    """A Python expression that can be written flat or wrapped over several lines."""

    def flat(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class Raw(Expr):
    """Text written as is (an identifier, a literal, a short fixed expression)."""

    def __init__(self, text: str):
        self.text = text

    def flat(self) -> str:
        return self.text


class Kw(Expr):
    """A keyword argument ``name=value``."""

    def __init__(self, name: str, value: Expr):
        self.name = name
        self.value = value

    def flat(self) -> str:
        return f"{self.name}={self.value.flat()}"


class Pair(Expr):
    """A dict entry ``key: value``."""

    def __init__(self, key: Expr, value: Expr):
        self.key = key
        self.value = value

    def flat(self) -> str:
        return f"{self.key.flat()}: {self.value.flat()}"


class Seq(Expr):
    """Bracketed items: a list, tuple or dict literal, or the arguments of a call."""

    def __init__(self, open_: str, items: list, close: str, one_tuple: bool = False):
        self.open = open_
        self.items = list(items)
        self.close = close
        self.one_tuple = one_tuple

    def joined(self) -> str:
        text = ", ".join(item.flat() for item in self.items)
        return text + "," if self.one_tuple else text

    def flat(self) -> str:
        return f"{self.open}{self.joined()}{self.close}"


class Call(Expr):
    """``func(args)`` (or ``func[item]`` with ``brackets="[]"``); ``func`` may be a call."""

    def __init__(self, func, args: list, brackets: str = "()"):
        self.func = func if isinstance(func, Expr) else Raw(func)
        self.args = Seq(brackets[0], args, brackets[1])

    def flat(self) -> str:
        return self.func.flat() + self.args.flat()


class Attr(Expr):
    """``value.name``."""

    def __init__(self, value: Expr, name: str):
        self.value = value
        self.name = name

    def flat(self) -> str:
        return f"{self.value.flat()}.{self.name}"


class Operator(Expr):
    """``left <symbol> right`` (``x + y``), or ``<symbol>operand`` when ``right`` is None (``-x``).

    Operands are names or literals; a negative number is parenthesized (``x ** (-1)``), so the
    text reads as the call it stands for whatever the operator's precedence."""

    def __init__(self, symbol: str, left: Expr, right: Expr | None = None):
        self.symbol = symbol
        self.left = left
        self.right = right

    @staticmethod
    def _operand(expr: Expr) -> str:
        text = expr.flat()
        return f"({text})" if text.startswith("-") else text

    def flat(self) -> str:
        if self.right is None:
            return f"{self.symbol}{self._operand(self.left)}"
        return f"{self._operand(self.left)} {self.symbol} {self._operand(self.right)}"


def render(expr: Expr, col: int, indent: int, tail: int = 0) -> str:
    """Write ``expr`` starting at column ``col``, wrapping to stay within :data:`WIDTH`.

    Args:
        expr: the expression.
        col: the column where it starts.
        indent: the indentation of the line it starts on (continuation lines add to it).
        tail: characters that follow the expression on its last line.
    """
    flat = expr.flat()
    if col + len(flat) + tail <= WIDTH or isinstance(expr, (Raw, Operator)):
        return flat
    if isinstance(expr, Kw):
        head = f"{expr.name}="
        return head + render(expr.value, col + len(head), indent, tail)
    if isinstance(expr, Pair):
        head = f"{expr.key.flat()}: "
        return head + render(expr.value, col + len(head), indent, tail)
    if isinstance(expr, Seq):
        return _render_group(expr, indent, tail)
    if isinstance(expr, Attr):
        return render(expr.value, col, indent, tail + len(expr.name) + 1) + "." + expr.name
    head_flat = expr.func.flat()
    if col + len(head_flat) + 1 <= WIDTH:  # split the last brackets first, as black does
        return head_flat + _render_group(expr.args, indent, tail)
    args_flat = expr.args.flat()
    head = render(expr.func, col, indent, len(args_flat) + tail)
    last = head.rsplit("\n", 1)[-1]
    if "\n" in head:
        last_col, last_indent = len(last), len(last) - len(last.lstrip(" "))
    else:
        last_col, last_indent = col + len(last), indent
    if last_col + len(args_flat) + tail <= WIDTH:
        return head + args_flat
    return head + _render_group(expr.args, last_indent, tail)


def _render_group(seq: Seq, indent: int, tail: int) -> str:
    if not seq.items:
        return seq.open + seq.close
    inner = indent + len(INDENT)
    pad, close_pad = " " * inner, " " * indent
    joined = seq.joined()
    if inner + len(joined) <= WIDTH:
        return f"{seq.open}\n{pad}{joined}\n{close_pad}{seq.close}"
    lines = [seq.open]
    for item in seq.items:
        lines.append(pad + render(item, inner, inner, 1) + ",")
    lines.append(close_pad + seq.close)
    return "\n".join(lines)


def statement(level: int, target: str | None, expr: Expr, keyword_: str = "") -> str:
    """One line (or wrapped lines) ``target = expr`` at ``level`` indentation levels."""
    prefix = INDENT * level + keyword_ + (f"{target} = " if target else "")
    return prefix + render(expr, len(prefix), len(INDENT) * level)


# --------------------------------------------------------------------------- literals
def string(text: str) -> str:
    """A string literal made with ``repr()`` (in double quotes when nothing needs escaping)."""
    text = str(text)
    literal_ = repr(text)
    if literal_.startswith("'") and '"' not in text and "'" not in text:
        literal_ = '"' + literal_[1:-1] + '"'
    return literal_


def literal(value, as_tuple: bool = False) -> Expr:
    """A JSON-like value as a Python literal (lists written as tuples when ``as_tuple``)."""
    if value is None or isinstance(value, bool):
        return Raw(repr(value))
    if isinstance(value, int):
        return Raw(repr(int(value)))
    if isinstance(value, float):
        if not math.isfinite(value):  # `inf` is not a Python literal: the script would not run
            raise ValueError(f"the number {value} is not finite; the exported code cannot hold it")
        return Raw(repr(float(value)))
    if isinstance(value, str):
        return Raw(string(value))
    if isinstance(value, (list, tuple)):
        items = [literal(v, as_tuple) for v in value]
        if as_tuple or isinstance(value, tuple):
            return Seq("(", items, ")", one_tuple=len(items) == 1)
        return Seq("[", items, "]")
    if isinstance(value, dict):
        return Seq("{", [Pair(Raw(string(k)), literal(v, as_tuple)) for k, v in value.items()], "}")
    return Raw(string(value))


# --------------------------------------------------------------------------- identifiers
def identifier(name: str) -> str:
    """A valid, harmless Python identifier derived from ``name``."""
    ident = re.sub(r"[^0-9A-Za-z_]", "_", str(name))
    if not ident or ident[0].isdigit():
        ident = f"layer_{ident}"
    if keyword.iskeyword(ident) or keyword.issoftkeyword(ident) or ident in AVOID:
        ident += "_"
    return ident


def _is_name(text) -> bool:
    return isinstance(text, str) and text.isidentifier() and not keyword.iskeyword(text)


class Scope:
    """Hands out unique identifiers within one function (or the module)."""

    def __init__(self, reserved=()):
        self.used = set(reserved)

    def take(self, base: str) -> str:
        """Reserve and return ``identifier(base)``, with ``_2``, ``_3``… when taken."""
        ident = identifier(base)
        candidate, k = ident, 2
        while candidate in self.used:
            candidate = f"{ident}_{k}"
            k += 1
        self.used.add(candidate)
        return candidate
