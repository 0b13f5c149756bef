"""The canvas view: zoom, pan, drops from the palette, quick-add, and the canvas actions."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QCursor, QGuiApplication, QKeySequence, QPainter, QPainterPath, QPixmap, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsView, QMenu, QWidget

from editor.canvas import style as S
from editor.canvas.hit_test import node_item_at
from editor.canvas.lod import level_for_zoom
from editor.canvas.minimap import Minimap
from editor.canvas.placement import free_spot
from editor.canvas.quick_add import QuickAddPopup
from editor.canvas.scene import GraphScene
from editor.canvas.view_actions import CanvasActions
from graph_core import catalog

MIME_LAYER = "application/x-layerloom-layer"


def _fill_rect(painter: QPainter, rect: QRectF, brush: QBrush) -> None:
    """``painter.fillRect(rect, brush)``, filled as a path: PySide tells fillRect's overloads apart
    by making every type they name, QGradient and its enums among them (~5 ms on the first call)."""
    path = QPainterPath()
    path.addRect(rect)
    painter.fillPath(path, brush)


class GraphView(CanvasActions, QGraphicsView):
    """Shows a :class:`GraphScene`; wheel zooms, middle-drag / space-drag / alt-drag pans.

    Args:
        scene: the scene to show.
        parent: optional parent widget.

    Signals:
        zoomChanged(float): the scale changed (1.0 = 100 %).
    """

    zoomChanged = Signal(float)

    def __init__(self, scene: GraphScene, parent=None):
        super().__init__(scene, parent)
        self._own_viewport()
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.MinimalViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.DontSavePainterState | QGraphicsView.DontAdjustForAntialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.NoFrame)
        self.setAcceptDrops(True)
        self._opened = False
        self.find_bar = None
        #: show the graph (fitted, or its start legibly) when the view first gets its size
        self.open_fitted = False
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self._pan_from: QPointF | None = None
        self._space = False
        self._tile: QPixmap | None = None
        self._tile_size = 0
        self._zoom = 1.0
        self._popup: QuickAddPopup | None = None
        self._actions = self._make_actions()
        self.minimap = Minimap(self)
        scene.nodeSelectionChanged.connect(self._update_actions)
        scene.wireDroppedOnEmpty.connect(self._wire_dropped)
        scene.session.undo_stack.indexChanged.connect(self._update_actions)
        self._update_actions()
        scene.set_detail_level(level_for_zoom(self._zoom))

    def _own_viewport(self) -> None:
        """Replace Qt's viewport with an identical one made from Python.

        The first time Python is handed a plain QWidget that C++ made (what ``viewport()`` returns
        otherwise), PySide looks for its most derived type among every QWidget subclass and so
        builds about 70 Python types (QWizard, QCalendarWidget…): ~13 ms before the first frame.
        A viewport made here is already known to Python. QGraphicsView sets the replacement up
        exactly as its own (``setupViewport``: same attributes, background, focus, drops).
        """
        self.setViewport(QWidget())

    # ================================================================== public API
    @property
    def quick_add_popup(self):
        """The open quick-add popup, or None."""
        return self._popup

    def graph_scene(self) -> GraphScene:
        """The scene shown."""
        return self.scene()

    @property
    def zoom(self) -> float:
        """The current scale (1.0 = 100 %)."""
        return self._zoom

    @zoom.setter
    def zoom(self, value: float) -> None:
        self.set_zoom(value)

    def set_zoom(self, value: float) -> None:
        """Scale to ``value`` (clamped to the allowed range), keeping the point under the mouse."""
        value = min(S.ZOOM_MAX, max(S.ZOOM_MIN, float(value)))
        if abs(value - self._zoom) < 1e-9:
            return
        factor = value / self._zoom
        self.scale(factor, factor)
        self._after_transform()

    def zoom_by(self, factor: float) -> None:
        """Multiply the zoom by ``factor``."""
        self.set_zoom(self._zoom * factor)

    def show_start(self) -> None:
        """The opening view: the whole graph if it fits legibly, else its start (inputs) at a legible zoom.

        A legible zoom is one where cards show their names and parameters (full level of detail).
        """
        self.fit_to_view()
        rect = self.graph_scene().items_bounding_rect()
        if rect.isNull() or self.transform().m11() >= S.LOD_MEDIUM:
            return
        self.setTransform(QTransform.fromScale(S.LOD_MEDIUM, S.LOD_MEDIUM))
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        # the inputs sit at the top-left in both reading directions (and in wrapped bands)
        x = rect.left() - 40 + visible.width() / 2 if rect.width() + 80 > visible.width() else rect.center().x()
        y = rect.top() - 40 + visible.height() / 2 if rect.height() + 80 > visible.height() else rect.center().y()
        self.centerOn(x, y)
        self._after_transform()

    def open_find(self):
        """Show the find bar (Ctrl+F) and return it."""
        if self.find_bar is None:
            from editor.find_bar import FindBar

            self.find_bar = FindBar(self)
        self.find_bar.open_bar()
        return self.find_bar

    def _toggle_minimap(self) -> None:
        self.minimap.set_wanted(self._actions["minimap"].isChecked())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.find_bar is not None and self.find_bar.isVisible():
            self.find_bar.place()
        self.minimap.place()
        if self.open_fitted and not self._opened and self.viewport().width() > 100 \
                and self.viewport().height() > 100:
            self._opened = True  # a view opens showing its graph (fitted, or its start legibly)
            self.show_start()

    def fit_to_view(self) -> None:
        """Show the whole graph (never magnified above 100 %)."""
        scene = self.graph_scene()
        rect = scene.items_bounding_rect()
        if rect.isNull():
            self.setTransform(QTransform())
            self.centerOn(0, 0)
            self._after_transform()
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.KeepAspectRatio)
        z = self.transform().m11()
        clamped = min(1.0, max(S.ZOOM_MIN, z))
        if clamped != z:
            self.setTransform(QTransform.fromScale(clamped, clamped))
        self.centerOn(rect.center())
        self._after_transform()

    def reveal(self, rect: QRectF) -> None:
        """Centre on ``rect``, zooming out if it does not fit."""
        vp = self.viewport().rect()
        if rect.width() * self._zoom > vp.width() - 40 or rect.height() * self._zoom > vp.height() - 40:
            self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.KeepAspectRatio)
            z = min(self.transform().m11(), 1.0)
            self.setTransform(QTransform.fromScale(z, z))
            self._after_transform()
        self.centerOn(rect.center())

    def actions(self) -> dict:
        """The canvas actions by key (for menus and toolbars)."""
        return dict(self._actions)

    def open_quick_add(self, scene_pos: QPointF | None = None, source=None) -> QuickAddPopup:
        """Open the quick-add search at ``scene_pos`` (default: the cursor, else the centre).

        The chosen layer is fed by ``source`` (a ``TensorRef``) when given, else by the selected
        node's first free output when exactly one node is selected.
        """
        if scene_pos is None:
            local = self.viewport().mapFromGlobal(QCursor.pos())
            if not self.viewport().rect().contains(local):
                local = self.viewport().rect().center()
            scene_pos = self.mapToScene(local)
        if self._popup is not None:
            self._popup.close()
        popup = QuickAddPopup(self)
        at = QPointF(scene_pos)
        popup.chosen.connect(lambda layer_type: self.quick_add(layer_type, at, source))
        popup.destroyed.connect(self._popup_gone)
        self._popup = popup
        popup.open_at(self.viewport().mapToGlobal(self.mapFromScene(scene_pos)))
        return popup

    def _cursor_scene_pos(self) -> QPointF:
        local = self.viewport().mapFromGlobal(QCursor.pos())
        if not self.viewport().rect().contains(local):
            local = self.viewport().rect().center()
        return self.mapToScene(local)

    def _wire_dropped(self, source, at: QPointF) -> None:
        self.open_quick_add(at, source=source)

    def quick_add(self, layer_type: str, at: QPointF, source=None) -> str | None:
        """Add ``layer_type`` near ``at`` (fed by ``source`` or the selection); returns the new node id."""
        scene = self.graph_scene()
        doc = scene.document
        inputs = ()
        ids = scene.selected_node_ids()
        spec = catalog.get_spec(layer_type)
        takes_input = spec is None or spec.max_inputs != 0
        if source is not None and takes_input and source.node in doc.nodes:
            inputs = (tuple(source),)
        elif len(ids) == 1 and takes_input:
            item = scene.node_item(ids[0])
            if item is not None and ids[0] in doc.nodes:
                free = [i for i in range(item.n_out) if i not in item.out_used]
                if free:
                    inputs = ((ids[0], free[0]),)
        at = free_spot(scene, at, inputs[0][0] if inputs else None)  # never on top of another card
        return scene.add_layer_at(layer_type, at, inputs=inputs)

    def _popup_gone(self, *_args) -> None:
        self._popup = None

    # ================================================================== transform bookkeeping
    def _after_transform(self) -> None:
        z = self.transform().m11()
        if abs(z - self._zoom) > 1e-12:
            self._zoom = z
            self.graph_scene().set_detail_level(level_for_zoom(z))
            self.zoomChanged.emit(z)

    # Python callers of these QGraphicsView methods keep the zoom and level of detail in step.
    def setTransform(self, matrix, combine: bool = False) -> None:
        super().setTransform(matrix, combine)
        self._after_transform()

    def resetTransform(self) -> None:
        super().resetTransform()
        self._after_transform()

    def scale(self, sx: float, sy: float) -> None:
        super().scale(sx, sy)
        self._after_transform()

    def fitInView(self, *args, **kwargs) -> None:
        super().fitInView(*args, **kwargs)
        self._after_transform()

    # ================================================================== painting
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        _fill_rect(painter, rect, S.brush(S.CANVAS_BG))
        spacing = S.GRID_SPACING * self._zoom
        while spacing < 14.0:
            spacing *= 2.0
        size = max(4, int(round(spacing)))
        if self._tile is None or self._tile_size != size:
            tile = QPixmap(size, size)
            tile.fill(S.color(S.CANVAS_BG))
            p = QPainter(tile)
            p.setRenderHint(QPainter.Antialiasing, True)
            p.setPen(Qt.NoPen)
            p.setBrush(S.brush(S.GRID_DOT))
            p.drawEllipse(QPointF(size / 2.0, size / 2.0), 1.1, 1.1)
            p.end()
            self._tile, self._tile_size = tile, size
        origin = self.mapFromScene(QPointF(0.0, 0.0))
        brush = QBrush()  # QBrush(pixmap) would make PySide resolve every constructor's types (style.brush)
        brush.setTexture(self._tile)
        brush.setTransform(QTransform.fromTranslate(origin.x() % size - size / 2.0,
                                                    origin.y() % size - size / 2.0))
        painter.save()
        painter.resetTransform()
        _fill_rect(painter, QRectF(self.mapFromScene(rect).boundingRect().adjusted(-1, -1, 1, 1)), brush)
        painter.restore()

    # ================================================================== events
    def event(self, event) -> bool:
        if event.type() == QEvent.KeyPress and event.key() == Qt.Key_Tab and not event.modifiers():
            self.open_quick_add()
            return True
        return super().event(event)

    def wheelEvent(self, event) -> None:
        pixel = event.pixelDelta()
        if not pixel.isNull() and not (event.modifiers() & Qt.ControlModifier):
            self._pan_by(QPointF(pixel))
            event.accept()
            return
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(S.ZOOM_STEP ** (delta / 120.0))
        event.accept()

    def _pan_by(self, delta: QPointF) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(delta.x()))
        v.setValue(v.value() - round(delta.y()))

    def _on_empty(self, pos: QPoint) -> bool:
        scene = self.graph_scene()
        sp = self.mapToScene(pos)
        if node_item_at(scene, sp) is not None:
            return False
        return not any(it.isVisible() and it.flags() & it.GraphicsItemFlag.ItemIsSelectable
                       for it in scene.items(sp))

    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        pan = (event.button() == Qt.MiddleButton
               or (event.button() == Qt.LeftButton and self._space)
               or (event.button() == Qt.LeftButton and event.modifiers() & Qt.AltModifier and self._on_empty(pos)))
        if pan:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self._pan_by(delta)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.OpenHandCursor if self._space else Qt.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self._update_actions()

    def mouseDoubleClickEvent(self, event) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.LeftButton and self._on_empty(pos):
            self.open_quick_add(self.mapToScene(pos))
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
            event.accept()
            return
        pressed = QKeySequence(event.keyCombination())
        for act in self._actions.values():  # when the window is not active, shortcuts do not fire
            if act.isEnabled() and any(pressed.matches(s) == QKeySequence.ExactMatch for s in act.shortcuts()):
                act.trigger()
                event.accept()
                return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def contextMenuEvent(self, event) -> None:
        if not self._on_empty(event.pos()):
            super().contextMenuEvent(event)
            return
        at = self.mapToScene(event.pos())
        menu = QMenu(self)
        add = menu.addAction("Add Layer…")
        add.triggered.connect(lambda: self.open_quick_add(at))
        paste = menu.addAction("Paste")
        paste.triggered.connect(lambda: self.graph_scene().paste(QGuiApplication.clipboard().text(), at))
        menu.addSeparator()
        for key in ("select_all", "auto_layout", "fit"):
            menu.addAction(self._actions[key])
        menu.exec(event.globalPos())

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME_LAYER):
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME_LAYER):
            event.acceptProposedAction()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME_LAYER):
            layer_type = bytes(event.mimeData().data(MIME_LAYER)).decode("utf-8").strip()
            at = self.mapToScene(event.position().toPoint())
            event.acceptProposedAction()
            self.graph_scene().add_layer_at(layer_type, at)
            self.setFocus(Qt.OtherFocusReason)
            return
        super().dropEvent(event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if self._zoom != self.transform().m11():
            self._after_transform()
