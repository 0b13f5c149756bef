"""Typed exceptions of codegen. Messages name the layer or file at fault and say what to do."""

from __future__ import annotations


class CodegenError(Exception):
    """Base class of every error codegen raises on purpose."""


class BuildError(CodegenError):
    """Keras refused to build the document.

    Args:
        message: what went wrong, in the user's terms.
        layer_name: the document layer Keras choked on (None when global), so views can map it
            back to the node.
        node_id: the node concerned, when known.
        stage: what was being done: ``"build"``, ``"compile"``, ``"fit"`` or ``"save"``.
        reason: the message without its stage prefix (``message`` by default), so callers can
            phrase it their way without parsing the message.
    """

    def __init__(self, message: str, layer_name: str | None = None, node_id: str | None = None, *,
                 stage: str = "build", reason: str | None = None):
        super().__init__(message)
        self.message = message
        self.layer_name = layer_name
        self.node_id = node_id
        self.stage = stage
        self.reason = message if reason is None else reason


class ExportRefused(CodegenError):
    """The document holds something the allow-list refuses (code, a file path, a custom class),
    so no source is written for it: the exported script never does what the build would refuse.

    Args:
        message: names the layer, the JSON path and why.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FitCancelled(CodegenError):
    """A synthetic fit was cancelled by the user."""


class ImportRefused(CodegenError):
    """A model file was refused because loading it could execute code (Lambda, custom classes…).

    Args:
        message: names the offending layer and why it is refused.
        layer_name: the refused layer, when known.
    """

    def __init__(self, message: str, layer_name: str | None = None):
        super().__init__(message)
        self.message = message
        self.layer_name = layer_name


class ImportFailed(CodegenError):
    """A model file could not be read (missing, corrupt, not a Keras model, timed out)."""


class DataError(CodegenError):
    """Training data that cannot be used with the model: a source that cannot be read, a mapping
    that is incomplete, or arrays that do not fit (the message names the input or output, the
    shape it expects and what the source holds)."""


class WeightsError(CodegenError):
    """Weights that cannot be read, do not fit the model (stale), or cannot be written."""


class DataUnreadable(DataError):
    """A data file or folder that is missing or cannot be read (as opposed to data that does
    not fit the model)."""
