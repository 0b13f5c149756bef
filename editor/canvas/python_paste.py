"""Ctrl+V of Keras Functional-API code onto the canvas: the code's graph is pasted.

The text is read with :mod:`graph_core.source_import` (``ast`` only: nothing in it runs).
"""

from __future__ import annotations

from graph_core.document import Document


def python_fragment(text: str) -> Document | None:
    """The graph of pasted Keras code, to paste like a copied fragment.

    Args:
        text: the clipboard text.

    Returns:
        The imported document (its layers, nodes, positions and outputs), or None when the text
        is not Keras Python at all.

    Raises:
        ClipboardError: the text is Python using Keras, but something in it is not supported
            (the message gives the line and column).
    """
    from editor.canvas.clipboard import ClipboardError
    from graph_core.source_import import SourceImportError, import_source, looks_like_python

    if not looks_like_python(text):
        return None
    try:
        return import_source(text, filename="pasted code").document
    except SourceImportError as exc:
        raise ClipboardError(f"cannot paste this code: {exc}") from None
