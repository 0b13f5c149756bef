"""Heat map on the canvas: each card framed in a colour for its cost, with a legend.

:class:`HeatMap` puts a :class:`HeatHalo` behind every card of a scene (a child item, so it moves
with the card) and a value label above it; :class:`HeatLegend` is a small widget over the view
showing the colour scale. The scale is logarithmic from the smallest non-zero value to the
largest (costs span orders of magnitude); zero is the palest colour, unknown is grey.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import QGraphicsItem, QWidget

from editor.canvas import style as S

#: colour stops of the scale, from cheap to expensive
STOPS = ((0.0, "#FFF5C2"), (0.35, "#FDB863"), (0.7, "#F0623A"), (1.0, "#A50F15"))
UNKNOWN = "#B8BEC8"
HALO = 6.0
LABEL_H = 16.0


def colour_at(fraction: float) -> QColor:
    """The scale's colour at ``fraction`` in [0, 1]."""
    fraction = min(1.0, max(0.0, fraction))
    for (f0, c0), (f1, c1) in zip(STOPS, STOPS[1:]):
        if fraction <= f1:
            t = 0.0 if f1 == f0 else (fraction - f0) / (f1 - f0)
            a, b = QColor(c0), QColor(c1)
            return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                          round(a.blue() + (b.blue() - a.blue()) * t))
    return QColor(STOPS[-1][1])


def log_scale(values) -> Callable:
    """``value -> fraction`` on a log scale between the smallest positive value and the largest."""
    positive = [v for v in values if v is not None and v > 0]
    if not positive:
        return lambda v: 0.0
    lo, hi = math.log10(min(positive)), math.log10(max(positive))
    span = hi - lo

    def fraction(value: float) -> float:
        if value is None or value <= 0:
            return 0.0
        return 1.0 if span == 0 else (math.log10(value) - lo) / span

    return fraction


class HeatHalo(QGraphicsItem):
    """The coloured frame behind one card and its value label above it."""

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.colour = QColor(UNKNOWN)
        self.text = ""
        self._card = QRectF()

    def set(self, colour: QColor, text: str) -> None:
        """Show ``colour`` and ``text`` (re-reading the card's size)."""
        self.prepareGeometryChange()
        self._card = self.parentItem().card_rect()
        self.colour, self.text = colour, text
        self.update()

    def boundingRect(self) -> QRectF:
        return self._card.adjusted(-HALO, -HALO - LABEL_H, HALO, HALO)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour)
        painter.drawRoundedRect(self._card.adjusted(-HALO, -HALO, HALO, HALO), S.NODE_RADIUS + HALO,
                                S.NODE_RADIUS + HALO)
        if self.text:
            painter.setFont(S.fonts().tag)
            painter.setPen(QColor(S.TEXT_PRIMARY))
            label = QRectF(self._card.left(), self._card.top() - HALO - LABEL_H, self._card.width(), LABEL_H)
            painter.drawText(label, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), self.text)


class HeatMap:
    """The halos of one scene.

    Args:
        scene: the :class:`~editor.canvas.scene.GraphScene`.
    """

    def __init__(self, scene):
        self.scene = scene
        self.halos: dict = {}

    def apply(self, values: dict, text: Callable[[float | None], str]) -> None:
        """Colour every card by ``values[node_id]`` (None: unknown) with ``text(value)`` above it."""
        fraction = log_scale(values.values())

        def colour(nid: str) -> QColor:
            value = values.get(nid)
            return QColor(UNKNOWN) if value is None else colour_at(fraction(value))

        self.paint(colour, lambda nid: text(values.get(nid)))

    def paint(self, colour: Callable[[str], QColor | None], text: Callable[[str], str]) -> None:
        """Frame each card in ``colour(node_id)`` (None: no frame) with ``text(node_id)`` above it."""
        seen = set()
        for item in self.scene.node_items():
            nid = item.node_id
            wanted = colour(nid)
            if wanted is None:
                continue
            seen.add(nid)
            halo = self.halos.get(nid)
            if halo is None or halo.parentItem() is not item:
                halo = self.halos[nid] = HeatHalo(item)
            halo.set(wanted, text(nid))
        for nid in [n for n in self.halos if n not in seen]:
            self._drop(nid)

    def clear(self) -> None:
        """Remove every halo."""
        for nid in list(self.halos):
            self._drop(nid)

    def _drop(self, nid: str) -> None:
        halo = self.halos.pop(nid)
        try:
            if halo.scene() is not None:
                halo.scene().removeItem(halo)
        except RuntimeError:  # its card was deleted with it
            pass


class HeatLegend(QWidget):
    """The colour scale with its metric name and the smallest and largest values, over a view."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("heatLegend")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.title = self.low = self.high = ""
        self.resize(230, 46)
        self.hide()

    def set(self, title: str, low: str, high: str) -> None:
        """Show the legend for ``title`` from ``low`` to ``high``."""
        self.title, self.low, self.high = title, low, high
        self.resize(max(230, int(S.fonts().tag_m.horizontalAdvance(title)) + 24), 46)
        self.move(12, 12)
        self.show()
        self.raise_()
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QColor(S.CARD_BORDER))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        painter.setPen(QColor(S.TEXT_PRIMARY))
        painter.setFont(S.fonts().tag)
        painter.drawText(QRectF(8, 3, self.width() - 16, 14), int(Qt.AlignmentFlag.AlignLeft), self.title)
        bar = QRectF(8, 19, self.width() - 16, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for stop, colour in STOPS:
            gradient.setColorAt(stop, QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gradient)
        painter.drawRoundedRect(bar, 3, 3)
        painter.setPen(QColor(S.TEXT_SECONDARY))
        below = QRectF(8, 30, self.width() - 16, 14)
        painter.drawText(below, int(Qt.AlignmentFlag.AlignLeft), self.low)
        painter.drawText(below, int(Qt.AlignmentFlag.AlignRight), self.high)
        painter.end()
