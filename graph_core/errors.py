"""Typed exceptions of graph_core.

Every error message names the layer, node or file position at fault and, where it helps,
says what to do about it.
"""

from __future__ import annotations


class GraphCoreError(Exception):
    """Base class of every error graph_core raises on purpose."""


class ShapeError(GraphCoreError):
    """A layer cannot be applied to the tensors it receives.

    Args:
        message: what is wrong, naming the shapes involved.
        hint: what the user can do about it (may be empty).
        code: a stable problem code such as ``"shape.concat_mismatch"``.
    """

    def __init__(self, message: str, hint: str = "", code: str = "shape.incompatible"):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


class EditError(GraphCoreError):
    """An edit cannot be applied to the document in its current state."""


class LoomFormatError(GraphCoreError):
    """A .loom file is unreadable, malformed or from a future version.

    Args:
        path: JSON path of the offending value, e.g. ``"$.nodes[3].inputs[0]"``.
        message: what is wrong there and what to do.
        file: the file name, when known.
    """

    def __init__(self, path: str, message: str, file: str | None = None):
        self.path = path
        self.message = message
        self.file = file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}{path}: {message}")

    def within(self, prefix: str) -> LoomFormatError:
        """The same error with its (relative) path placed under ``prefix``: a reader of one item
        raises ``.inputs[0]``, its caller re-raises ``$.nodes[3].inputs[0]``."""
        return type(self)(prefix + self.path, self.message, self.file)


class LoomRefused(LoomFormatError):
    """A file holds what the allow-list refuses (code, a class from outside Keras, a file path):
    never opened, whatever else is right about it (see :mod:`graph_core.allow_list`)."""


class DataSourceError(GraphCoreError, ValueError):
    """A data section or a mapping of model inputs/outputs to sources that cannot be used; the
    message says which input, output or source and what to add."""
