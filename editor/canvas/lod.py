"""Levels of detail, and the bulk layer that draws what would cost thousands of Python paint calls.

* ``FULL``: every node and edge paints itself (text, ports, badges, shape labels).
* ``MEDIUM``: cards show only the layer type; edge items stop painting (``ItemHasNoContents``:
  they stay selectable) and the :class:`OverviewItem` strokes the visible curves in one loop.
* ``OVERVIEW``: node items stop painting too; the overview draws all cards as coloured
  rectangles (one ``drawRects`` per colour) and all edges as one path: a few C++ calls instead of
  thousands of Python ``paint`` calls, so panning and zooming 2,000 nodes stays within a frame.
  Where a card is still wide enough on screen (the fit view of a 150-800-layer model), the visible
  cards also show their layer type, shortened, in a small font of fixed pixel size.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QStaticText
from PySide6.QtWidgets import QGraphicsItem

from editor.canvas import labels
from editor.canvas import style as S

OVERVIEW, MEDIUM, FULL = 0, 1, 2
TITLE_MIN_CARD_PX = 24.0  # cards narrower than this on screen show no text at all


def level_for_zoom(zoom: float) -> int:
    """The level of detail to use at view scale ``zoom``."""
    if zoom < S.LOD_OVERVIEW:
        return OVERVIEW
    if zoom < S.LOD_MEDIUM:
        return MEDIUM
    return FULL


class OverviewItem(QGraphicsItem):
    """Draws the edges (MEDIUM) or the whole graph (OVERVIEW) of a scene in bulk.

    Args:
        scene: the :class:`editor.canvas.scene.GraphScene` whose items it summarises.
    """

    def __init__(self, scene):
        super().__init__()
        self._scene = scene
        self._dirty = True
        self.level = FULL
        self._rects: dict = {}
        self._selected: list = []
        self._errors: list = []
        self._warnings: list = []
        self._edges = QPainterPath()
        self._titles: list = []  # (card rect, (short title, tiny title))
        self._title_cache: dict = {}  # (title, pixel size, width) -> QStaticText
        self._bounds = QRectF()
        self.setZValue(-10)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setFlag(QGraphicsItem.ItemIsSelectable, False)
        self.setFlag(QGraphicsItem.ItemUsesExtendedStyleOption, True)

    def set_level(self, level: int, bounds: QRectF) -> None:
        """Show (MEDIUM, OVERVIEW) or hide (FULL) the layer."""
        self.level = level
        self.invalidate(bounds)
        self.setVisible(level < FULL)

    def invalidate(self, bounds: QRectF = None) -> None:
        """Mark the summary stale (nodes moved, added, removed, re-checked or re-selected)."""
        if bounds is not None and bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(bounds)
        self._dirty = True
        if self.isVisible():
            self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _rebuild(self) -> None:
        rects: dict = {}
        selected, errors, warnings, titles = [], [], [], []
        for item in self._scene.node_items():
            pos = item.pos()
            r = QRectF(pos.x(), pos.y(), S.NODE_WIDTH, item.height)
            titles.append((r, labels.short_titles(item.title)))
            if item.isSelected():
                selected.append(r)
            else:
                rects.setdefault(S.category_color(item.category), []).append(r)
            if item.has_problems == "error":
                errors.append(r)
            elif item.has_problems == "warning":
                warnings.append(r)
        path = QPainterPath()
        for edge in self._scene.edge_items():
            path.addPath(edge.path())
        self._rects, self._selected, self._errors, self._warnings = rects, selected, errors, warnings
        self._titles = titles
        self._edges = path
        self._dirty = False

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.level == MEDIUM:
            self._paint_edges(painter, option.exposedRect)
            return
        if self._dirty:
            self._rebuild()
        painter.setRenderHint(QPainter.Antialiasing, False)
        painter.setBrush(Qt.NoBrush)
        painter.setPen(S.pen(S.EDGE, 1.0, True))
        painter.drawPath(self._edges)
        painter.setPen(Qt.NoPen)  # opaque fills without outlines: the raster engine's fast path
        for hex_code, rects in self._rects.items():
            painter.setBrush(S.brush(S.blend(hex_code, S.CARD_FILL, 0.55)))
            painter.drawRects(rects)
        if self._selected:
            painter.setBrush(S.brush(S.blend(S.SELECTION, S.CARD_FILL, 0.25)))
            painter.drawRects(self._selected)
        painter.setBrush(Qt.NoBrush)  # 1px cosmetic outlines: wide pens are slow on thousands of rects
        if self._warnings:
            painter.setPen(S.pen(S.WARNING, 1.0, True))
            painter.drawRects(self._warnings)
        if self._errors:
            painter.setPen(S.pen(S.ERROR, 1.0, True))
            painter.drawRects(self._errors)
        card_px = S.NODE_WIDTH * painter.worldTransform().m11()
        if card_px >= TITLE_MIN_CARD_PX:
            self._paint_titles(painter, option.exposedRect, card_px)

    def _paint_titles(self, painter: QPainter, exposed: QRectF, card_px: float) -> None:
        """The short layer type of each exposed card, in device pixels (legible at any zoom)."""
        size = 7 if card_px < 40 else (8 if card_px < 60 else (9 if card_px < 90 else 10))
        font = S.title_font(size)
        metrics = QFontMetricsF(font)
        room = int(card_px - 5) // 4 * 4  # a few widths, so the cache stays small
        if len(self._title_cache) > 4000:
            self._title_cache.clear()
        transform = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.TextAntialiasing, True)
        painter.setFont(font)
        painter.setPen(S.pen(S.TEXT_PRIMARY))
        cache = self._title_cache
        for rect, forms in self._titles:
            if not rect.intersects(exposed):
                continue
            key = (forms, size, room)
            text = cache.get(key)
            if text is None:
                fits = [t for t in forms if metrics.horizontalAdvance(t) <= room]
                shown = fits[0] if fits else metrics.elidedText(forms[-1], Qt.ElideRight, room)
                text = cache[key] = QStaticText(shown)
                text.setTextFormat(Qt.PlainText)
                text.prepare(painter.transform(), font)
            box = transform.mapRect(rect)
            painter.drawStaticText(QPointF(box.x() + 3.5, box.center().y() - size * 0.65), text)
        painter.restore()

    def _paint_edges(self, painter: QPainter, exposed: QRectF) -> None:
        """MEDIUM: stroke the curves of the edges in the exposed area (no labels)."""
        from editor.canvas.edge_item import EdgeItem

        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setBrush(Qt.NoBrush)
        normal = S.pen(S.EDGE, 1.5)
        near = S.pen(S.EDGE_SELECTED, 1.6)
        chosen = S.pen(S.EDGE_SELECTED, 2.5)
        current = None
        for item in self._scene.items(exposed, Qt.IntersectsItemBoundingRect):
            if not isinstance(item, EdgeItem) or not item.isVisible():
                continue
            if item.isSelected():
                want = chosen
            elif item.source.isSelected() or item.target.isSelected():
                want = near
            else:
                want = normal
            if want is not current:
                painter.setPen(want)
                current = want
            painter.drawPath(item.path())


class SceneBounds:
    """The rectangle covering a scene's node cards, grown as they move, and the scene rect around it.

    Args:
        scene: the :class:`editor.canvas.scene.GraphScene` (its ``items_bounding_rect``).
        overview: the scene's :class:`OverviewItem`, told whenever the bounds change.
        margin: room kept around the cards in the scene rect, so the view can pan past them.

    Attributes:
        rect: the rectangle covering every card (null for an empty scene).
    """

    def __init__(self, scene, overview: OverviewItem, margin: float):
        self._scene = scene
        self._overview = overview
        self._margin = margin
        self.rect = QRectF()

    def recompute(self) -> None:
        """Measure every card again."""
        self.rect = self._scene.items_bounding_rect()
        self._apply()

    def grow(self, items) -> None:
        """Include the cards ``items`` (added or moved); the bounds never shrink here."""
        rect = QRectF(self.rect)
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        if rect != self.rect:
            self.rect = rect
            self._apply()
        else:
            self._overview.invalidate()

    def _apply(self) -> None:
        m = self._margin
        rect = self.rect if not self.rect.isNull() else QRectF(0, 0, 1, 1)
        self._scene.setSceneRect(rect.adjusted(-m, -m, m, m))
        self._overview.invalidate(rect)
