"""The problem badge of a canvas node: a red (error) or amber (warning) dot listing the messages.

A child item of :class:`editor.canvas.node_item.NodeItem`, placed at its card's top-right corner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem

from editor.canvas import style as S
from editor.canvas.card_text import static_text

if TYPE_CHECKING:
    from editor.canvas.node_item import NodeItem


class ProblemBadge(QGraphicsItem):
    """The red (error) or amber (warning) dot at a node's top-right corner; tooltip = messages."""

    def __init__(self, parent: NodeItem):
        super().__init__(parent)
        self.severity: str | None = None
        self.count = 0
        self._rect = QRectF(-S.BADGE_SIZE / 2, -S.BADGE_SIZE / 2, S.BADGE_SIZE, S.BADGE_SIZE)
        self._bounds = self._rect.adjusted(-1, -1, 1, 1)
        self._text = static_text("!")
        self._text_pos = QPointF(-3.0, -7.0)
        self.allowed = True  # False while the node is zoomed out (it draws a dot itself)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.hide()

    def set_problems(self, problems: list) -> None:
        """Show the worst severity of ``problems`` and list their messages in the tooltip."""
        if not problems:
            self.severity = None
            self.hide()
            return
        self.severity = "error" if any(p.is_error for p in problems) else "warning"
        self.count = len(problems)
        text = str(self.count) if self.count > 1 else "!"
        self._text = static_text(text)
        self._text.prepare(QTransform(), S.fonts().badge)
        size = self._text.size()
        self._text_pos = QPointF(-size.width() / 2, -size.height() / 2)
        lines = []
        for p in problems:
            mark = "Error" if p.is_error else "Warning"
            line = f"<b>{mark}:</b> {_html(p.message)}"
            if p.hint:
                line += f"<br/><i>{_html(p.hint)}</i>"
            lines.append(line)
        self.setToolTip("<br/><br/>".join(lines))
        self.setVisible(self.allowed)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing, True)
        hex_code = S.ERROR if self.severity == "error" else S.WARNING
        painter.setPen(S.pen(S.CARD_FILL, 1.5))
        painter.setBrush(S.brush(hex_code))
        painter.drawEllipse(self._rect)
        f = S.fonts()
        painter.setFont(f.badge)
        painter.setPen(S.pen(S.CARD_FILL if self.severity == "error" else S.TEXT_PRIMARY))
        painter.drawStaticText(self._text_pos, self._text)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
