"""The minimap: the whole graph in the bottom-right corner of a canvas, with the visible area.

Cards are drawn as small rectangles in their category colours (into a cached picture, redrawn
only when the document changes); the part of the graph the view shows is outlined on top.
Clicking or dragging in the minimap centres the view there. It hides itself while the whole
graph is visible anyway.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from editor.canvas import style as S
from editor.canvas.scene import SCENE_MARGIN

SIZE = (220, 150)
PAD = 6.0


class Minimap(QWidget):
    """The overview of one :class:`editor.canvas.view.GraphView` (a child widget of it)."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setObjectName("minimap")
        self.setFixedSize(*SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Minimap: click or drag to move the view (Ctrl+M hides it)")
        self.wanted = True
        self._picture: QPixmap | None = None
        self._bounds = QRectF()
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(120)
        self._refresh.timeout.connect(self.invalidate)
        view.zoomChanged.connect(self._view_moved)
        view.horizontalScrollBar().valueChanged.connect(self._view_moved)
        view.verticalScrollBar().valueChanged.connect(self._view_moved)
        scene = view.graph_scene()
        scene.session.changed.connect(self._document_changed)
        self.hide()

    # ------------------------------------------------------------------ geometry
    def place(self) -> None:
        """Keep to the bottom-right corner of the view; show only when the graph does not fit."""
        vp = self.view.viewport().geometry()
        self.move(vp.right() - self.width() - 10, vp.bottom() - self.height() - 10)
        self._update_visibility()

    def set_wanted(self, on: bool) -> None:
        """Let the minimap show (when the graph does not fit the view) or keep it hidden."""
        self.wanted = on
        self._update_visibility()

    def _update_visibility(self) -> None:
        scene = self.view.graph_scene()
        if scene is None:  # the view outlives its scene while a canvas is torn down
            return
        m = SCENE_MARGIN
        graph = scene.sceneRect().adjusted(m, m, -m, -m)  # the cards' bounds, kept by the scene
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        needed = self.wanted and bool(scene.document.nodes) and not shown.contains(graph)
        if needed != self.isVisible():
            self.setVisible(needed)
        if needed:
            self.raise_()
            self.update()

    def _transform(self) -> tuple:
        """``(scale, offset)`` mapping scene coordinates into the minimap."""
        if self._picture is None:  # the bounds are measured when the cards are drawn
            self._picture = self._draw_cards()
        bounds = self._bounds
        w, h = self.width() - 2 * PAD, self.height() - 2 * PAD
        scale = min(w / max(bounds.width(), 1.0), h / max(bounds.height(), 1.0))
        offset = QPointF(PAD + (w - bounds.width() * scale) / 2 - bounds.left() * scale,
                         PAD + (h - bounds.height() * scale) / 2 - bounds.top() * scale)
        return scale, offset

    def to_scene(self, point: QPointF) -> QPointF:
        """The scene point under minimap point ``point``."""
        scale, offset = self._transform()
        return QPointF((point.x() - offset.x()) / scale, (point.y() - offset.y()) / scale)

    def visible_rect(self) -> QRectF:
        """The view's visible scene area, in minimap coordinates."""
        scale, offset = self._transform()
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        return QRectF(shown.left() * scale + offset.x(), shown.top() * scale + offset.y(),
                      shown.width() * scale, shown.height() * scale)

    # ------------------------------------------------------------------ updates
    def invalidate(self) -> None:
        """Redraw the cards on the next paint (the document or the layout changed)."""
        self._picture = None
        self._update_visibility()

    def _document_changed(self, doc, _event) -> None:
        scene = self.view.graph_scene()
        if scene is not None and doc is scene.document:
            self._refresh.start()

    def _view_moved(self, *_args) -> None:
        self._update_visibility()

    def _draw_cards(self) -> QPixmap:
        scene = self.view.graph_scene()
        self._bounds = scene.items_bounding_rect().adjusted(-20, -20, 20, 20)
        picture = QPixmap(self.size())
        picture.fill(QColor(255, 255, 255, 0))
        self._picture = picture
        painter = QPainter(picture)
        scale, offset = self._transform()
        painter.setPen(Qt.PenStyle.NoPen)
        for item in scene.node_items():
            r = item.card_rect().translated(item.scenePos())
            box = QRectF(r.left() * scale + offset.x(), r.top() * scale + offset.y(),
                         max(1.5, r.width() * scale), max(1.5, r.height() * scale))
            painter.setBrush(QColor(S.category_color(item.category)))
            painter.drawRect(box)
        painter.end()
        return picture

    # ------------------------------------------------------------------ Qt events
    def paintEvent(self, _event) -> None:
        if self._picture is None:
            self._picture = self._draw_cards()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor("#c5cad3"), 1.0))
        painter.setBrush(QColor(248, 249, 251, 235))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        painter.drawPixmap(0, 0, self._picture)
        painter.setPen(QPen(QColor(S.SELECTION), 1.5))
        painter.setBrush(QColor(37, 99, 235, 28))
        painter.drawRect(self.visible_rect().intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1)))
        painter.end()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.view.centerOn(self.to_scene(event.position()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.view.centerOn(self.to_scene(event.position()))
            event.accept()
            return
        super().mouseMoveEvent(event)
