"""Text drawn on canvas cards: cached plain static texts and right-elided lines.

Shared by :mod:`editor.canvas.node_item` and :mod:`editor.canvas.problem_badge`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStaticText

_PLAIN = Qt.PlainText
_AGGRESSIVE = QStaticText.AggressiveCaching


def static_text(text: str) -> QStaticText:
    """A plain-text :class:`QStaticText` with aggressive caching (drawn many times, rarely changed).

    Args:
        text: the text to show.

    Returns:
        The static text.
    """
    st = QStaticText(text)
    st.setTextFormat(_PLAIN)
    st.setPerformanceHint(_AGGRESSIVE)
    return st


def elide(metrics, text: str, width: float) -> str:
    """``text`` cut with an ellipsis on the right so that it fits ``width``.

    Args:
        metrics: the :class:`QFontMetricsF` of the font it is drawn with.
        text: the full text.
        width: the available width in pixels.

    Returns:
        ``text`` itself when it fits, else its elided form.
    """
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(text, Qt.ElideRight, width)
