"""The index of a ``get_item`` operation (``x[:, :4]``): its forms in a document, in Keras and in text.

In a ``.loom`` file the index is a JSON list with one entry per position of the subscript:

* an integer: pick one position of that axis (the axis goes away), e.g. ``0`` or ``-1``;
* ``{"slice": [start, stop, step]}``: a slice, each member an integer or ``null``;
* ``null``: a new axis of size 1 (``None`` / ``np.newaxis``);
* ``"..."``: the ellipsis (every axis not named).

``x[:, :4]`` is ``[{"slice": [null, null, null]}, {"slice": [null, 4, null]}]``. Keras saves the
same index with ``{"class_name": "__slice__", ...}`` and ``{"class_name": "__ellipsis__"}``
markers; :func:`from_keras` reads that form. :func:`to_text` and :func:`parse_text` give and read
what a person types between the brackets (``:, :4``); nothing is ever evaluated.
"""

from __future__ import annotations

import re

ELLIPSIS_TEXT = "..."


class IndexKeyError(ValueError):
    """An index that cannot be read; the message says which entry and why."""


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def problem(key) -> str | None:
    """Why ``key`` is not a valid document index, or None."""
    if not isinstance(key, list):
        return f"key must be a list of index entries, got {key!r}"
    if not key:
        return "key must hold at least one entry (x[...] is written [\"...\"])"
    for i, entry in enumerate(key):
        if entry is None or _is_int(entry) or entry == ELLIPSIS_TEXT:
            continue
        if isinstance(entry, dict) and set(entry) == {"slice"}:
            parts = entry["slice"]
            if isinstance(parts, list) and len(parts) == 3 and all(p is None or _is_int(p) for p in parts):
                if parts[2] == 0:
                    return f"key entry {i}: a slice step cannot be zero"
                continue
        return (f"key entry {i} must be an integer, null (new axis), \"...\" or "
                f"{{\"slice\": [start, stop, step]}}, got {entry!r}")
    if key.count(ELLIPSIS_TEXT) > 1:
        return "key may hold only one ellipsis (\"...\")"
    return None


def decode(key: list) -> list:
    """A valid document index as Python index entries (ints, slices, None, Ellipsis)."""
    out: list = []
    for entry in key:
        if entry == ELLIPSIS_TEXT:
            out.append(Ellipsis)
        elif isinstance(entry, dict):
            out.append(slice(*entry["slice"]))
        else:
            out.append(entry)
    return out


def from_keras(value) -> list:
    """The document index of a key as Keras saves it in a ``GetItem`` call.

    Raises:
        IndexKeyError: the key holds something else (a tensor index, a float…).
    """
    items = value
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        items = (value.get("config") or {}).get("value")
    if not isinstance(items, list):
        items = [items]
    out: list = []
    for item in items:
        if item is None or _is_int(item):
            out.append(item)
        elif isinstance(item, dict) and item.get("class_name") == "__ellipsis__":
            out.append(ELLIPSIS_TEXT)
        elif isinstance(item, dict) and item.get("class_name") == "__slice__":
            cfg = item.get("config") or {}
            parts = [cfg.get("start"), cfg.get("stop"), cfg.get("step")]
            if not all(p is None or _is_int(p) for p in parts):
                raise IndexKeyError(f"a slice with a non-integer bound ({parts}) is not supported")
            out.append({"slice": parts})
        else:
            raise IndexKeyError(f"the index entry {item!r} is not an integer, slice, None or ellipsis "
                              f"(indexing with a tensor is not supported)")
    why = problem(out)
    if why:
        raise IndexKeyError(why)
    return out


def _slice_text(parts: list) -> str:
    start, stop, step = ("" if p is None else str(p) for p in parts)
    return f"{start}:{stop}" + (f":{step}" if step else "")


def to_text(key: list) -> str:
    """What goes between the brackets: ``[{"slice": [null, 4, null]}]`` -> ``:4``."""
    out = []
    for entry in key:
        if entry == ELLIPSIS_TEXT:
            out.append("...")
        elif entry is None:
            out.append("None")
        elif isinstance(entry, dict):
            out.append(_slice_text(entry["slice"]))
        else:
            out.append(str(entry))
    return ", ".join(out)


_INT = r"\s*(-?\d+)?\s*"
_SLICE = re.compile(rf"^{_INT}:{_INT}(?::{_INT})?$")


def parse_text(text: str) -> list:
    """Read ``:, :4`` (or ``[:, :4]``, ``..., None, 1:3:2``, ``0``) as a document index.

    Raises:
        IndexKeyError: naming the entry that cannot be read.
    """
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    if not body.strip():
        raise IndexKeyError("the index is empty; write e.g. ':, :4'")
    out: list = []
    for i, raw in enumerate(body.split(",")):
        piece = raw.strip()
        if piece in ("...", "Ellipsis"):
            out.append(ELLIPSIS_TEXT)
        elif piece in ("None", "newaxis", "np.newaxis"):
            out.append(None)
        elif re.fullmatch(r"-?\d+", piece):
            out.append(int(piece))
        else:
            match = _SLICE.match(piece)
            if match is None:
                raise IndexKeyError(f"index entry {i + 1} ({piece!r}) is not an integer, a slice "
                                  f"(start:stop:step), None or ...")
            out.append({"slice": [None if g is None else int(g) for g in match.groups()]})
    why = problem(out)
    if why:
        raise IndexKeyError(why)
    return out
