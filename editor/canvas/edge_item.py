"""Edges (one per connected input slot), the wire drawn while connecting, and the drag hint label."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QStaticText
from PySide6.QtWidgets import QGraphicsItem

from editor.canvas import style as S
from editor.canvas.lod import FULL
from editor.canvas.node_item import IN, OUT, NodeItem
from editor.canvas.routing import flattened, routed_path

_LABEL_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)


def _card(node: NodeItem, margin: float) -> QRectF:
    """The scene area a label must not cover: the card (with its ports) and its output tag."""
    return node.solid_rect.translated(node.scenePos()).adjusted(-margin, -2.0, margin, 2.0)


def curve(p1: QPointF, p2: QPointF, orientation: str = "LR") -> QPainterPath:
    """The smooth cubic from an output port at ``p1`` to an input port at ``p2``.

    Args:
        orientation: ``"TB"`` leaves downwards and enters from above; ``"LR"`` goes rightwards.
    """
    if orientation == "TB":
        flipped = curve(QPointF(p1.y(), p1.x()), QPointF(p2.y(), p2.x()))
        out = QPainterPath()
        for i in range(flipped.elementCount()):
            e = flipped.elementAt(i)
            if e.isMoveTo():
                out.moveTo(e.y, e.x)
            elif e.isCurveTo():
                c2, end = flipped.elementAt(i + 1), flipped.elementAt(i + 2)
                out.cubicTo(QPointF(e.y, e.x), QPointF(c2.y, c2.x), QPointF(end.y, end.x))
        return out
    path = QPainterPath(p1)
    dx = max(40.0, abs(p2.x() - p1.x()) * 0.5)
    if p2.x() < p1.x() - 20.0:  # backwards: swing out, pass below, come back in
        dx = min(max(80.0, abs(p2.x() - p1.x()) * 0.25), 160.0)
        dip = max(p1.y(), p2.y()) + 70.0 + min(abs(p2.x() - p1.x()) * 0.1, 120.0)
        path.cubicTo(QPointF(p1.x() + dx, p1.y()), QPointF(p1.x() + dx, dip), QPointF((p1.x() + p2.x()) / 2, dip))
        path.cubicTo(QPointF(p2.x() - dx, dip), QPointF(p2.x() - dx, p2.y()), p2)
        return path
    path.cubicTo(QPointF(p1.x() + dx, p1.y()), QPointF(p2.x() - dx, p2.y()), p2)
    return path


class EdgeItem(QGraphicsItem):
    """The connection feeding input ``slot`` of ``target`` from output ``index`` of ``source``.

    The item lives in scene coordinates (its position stays at the origin) and is re-shaped by
    :meth:`update_geometry` whenever one of its nodes moves.
    """

    def __init__(self, source: NodeItem, index: int, target: NodeItem, slot: int):
        super().__init__()
        self.source = source
        self.index = index
        self.target = target
        self.slot = slot
        self.label = ""
        self._label = None
        self._label_size = (0.0, 0.0)
        self._level = FULL
        self._path = QPainterPath()
        self._shape = None
        self._bounds = QRectF()
        self.box = (0.0, 0.0, 0.0, 0.0)  # _bounds as (left, top, right, bottom), read without Qt
        self._label_rect = QRectF()
        self._label_pos = QPointF()
        self._p1 = QPointF()
        self._p2 = QPointF()
        self._route: list = []
        self.label_fits = True
        self._placed_for = None
        self.revealed = False
        self._hovered = False
        self.setFlag(QGraphicsItem.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        self.update_geometry()

    @property
    def key(self) -> tuple:
        """``(target node id, slot)``: unique per edge."""
        return (self.target.node_id, self.slot)

    def endpoints(self) -> tuple:
        """Scene positions of the output port and the input port."""
        return self._p1, self._p2

    def set_label(self, text: str, place: bool = True) -> None:
        """Set the shape text shown on the edge (empty hides it).

        Args:
            text: the label.
            place: find its spot now; pass False while many items are being added and call
                :meth:`place_label` afterwards (placement queries the scene's index).
        """
        if text == self.label:
            return
        self.label = text
        self._label = None  # the QStaticText is made when first painted
        size = (S.fonts().edge_m.horizontalAdvance(text), S.fonts().edge_m.height()) if text else (0.0, 0.0)
        if size != self._label_size:
            self.prepareGeometryChange()
            self._label_size = size
        if place:
            self._place_label()
        self.update()

    def place_label(self) -> None:
        """Find the label's spot (after :meth:`set_label` with ``place=False``)."""
        self.prepareGeometryChange()
        self._placed_for = None
        self._place_label()

    def label_shown(self) -> bool:
        """True when the shape label is drawn at full detail (it fits, or the edge is revealed)."""
        return bool(self.label) and (self.label_fits or self.revealed)

    def set_revealed(self, on: bool) -> None:
        """Show the label even where it does not fit between the cards (drawn above them)."""
        on = on or self._hovered
        if on != self.revealed:
            self.revealed = on
            self.setZValue(3.0 if on and not self.label_fits else 0.0)
            self.update()

    def refresh_reveal(self) -> None:
        """Reveal the label when the edge or one of its nodes is selected (or it is hovered)."""
        self.set_revealed(self.isSelected() or self.source.isSelected() or self.target.isSelected())

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self.setToolTip(f"{self.label or 'shape unknown'}\nSelect and press Delete to disconnect")
        self.refresh_reveal()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self.refresh_reveal()
        super().hoverLeaveEvent(event)

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemSelectedHasChanged:
            self.refresh_reveal()
        return super().itemChange(change, value)

    def set_level(self, level: int) -> None:
        """Switch the level of detail (below FULL the overview layer strokes the curve)."""
        if level != self._level:
            self._level = level
            self.setFlag(QGraphicsItem.ItemHasNoContents, level < FULL)
            self.update()

    def path(self) -> QPainterPath:
        """The curve in scene coordinates."""
        return self._path

    def update_geometry(self, reroute: bool = False) -> None:
        """Recompute the curve from the current node positions and port counts.

        Args:
            reroute: route again even when the ports did not move (other cards moved).
        """
        p1 = self.source.scenePos() + self.source.port_pos(OUT, self.index)
        p2 = self.target.scenePos() + self.target.port_pos(IN, self.slot)
        if p1 == self._p1 and p2 == self._p2 and not self._path.isEmpty() and not reroute:
            return
        router = getattr(self.scene(), "router", None)
        route = router.route(p1, p2) if router is not None else [(p1.x(), p1.y()), (p2.x(), p2.y())]
        if (route == self._route and p1 == self._p1 and p2 == self._p2 and not self._path.isEmpty()
                and (self._placed_for is not None or not self.label)):
            return
        self.prepareGeometryChange()
        self._p1, self._p2 = p1, p2
        self._route = route
        orientation = router.orientation if router is not None else "LR"
        self._path = curve(p1, p2, orientation) if len(route) <= 2 else routed_path(route, orientation)
        self._shape = None
        self._placed_for = None
        self._place_label()

    def route_points(self) -> list:
        """The drawn path as ``[[x, y], ...]`` in scene coordinates (curves flattened)."""
        return flattened(self._path)

    def label_rect(self) -> QRectF | None:
        """The shape label's rectangle in scene coordinates when it is drawn at full detail."""
        return QRectF(self._label_rect) if self.label_shown() else None

    def _place_label(self) -> None:
        """Put the label on the curve where it overlaps no card (middle first), else mark it hidden."""
        bounds = self._path.controlPointRect().adjusted(-3, -3, 3, 3)
        if self.label:
            w, h = self._label_size
            w += 2 * S.EDGE_LABEL_PAD_X
            h += 2 * S.EDGE_LABEL_PAD_Y
            key = (self._p1.x(), self._p1.y(), self._p2.x(), self._p2.y(), w, h, len(self._route))
            if key != self._placed_for:
                self._placed_for = key
                self._choose_spot(w, h)
            bounds = bounds.united(self._label_rect.adjusted(-1, -1, 1, 1))
        else:
            self._claim(None)
        self._bounds = bounds
        self.box = (bounds.left(), bounds.top(), bounds.right(), bounds.bottom())

    def _claim(self, rect) -> None:
        router = getattr(self.scene(), "router", None)
        if router is not None:
            router.claim_label(self, rect)

    def _choose_spot(self, w: float, h: float) -> None:
        margin = S.PORT_RADIUS + 3.0
        own = (_card(self.source, margin), _card(self.target, margin))
        chosen = None
        p1, p2 = self._p1, self._p2
        straight = abs(p2.y() - p1.y()) < h and p2.x() - p1.x() - 2 * margin < w
        if not straight:  # a short straight edge between two cards has no room anywhere
            for t in _LABEL_SPOTS:
                at = self._path.pointAtPercent(t)
                rect = QRectF(at.x() - w / 2, at.y() - h / 2, w, h)
                if not (own[0].intersects(rect) or own[1].intersects(rect) or self._collides(rect, margin)):
                    chosen = rect
                    break
        fits = chosen is not None
        self._claim(chosen)
        if chosen is None:
            mid = self._path.pointAtPercent(0.5)
            chosen = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
        self._label_rect = chosen
        self._label_pos = QPointF(chosen.x() + S.EDGE_LABEL_PAD_X, chosen.y() + S.EDGE_LABEL_PAD_Y)
        if fits != self.label_fits:
            self.label_fits = fits
            self.setZValue(3.0 if self.revealed and not fits else 0.0)

    def _collides(self, rect: QRectF, margin: float) -> bool:
        scene = self.scene()
        if scene is None:
            return False
        router = getattr(scene, "router", None)
        if router is not None:
            ignore = (self.source.node_id, self.target.node_id)
            return router.card_hit(rect, ignore) or router.label_hit(rect, self)
        for item in scene.items(rect, Qt.IntersectsItemBoundingRect):
            if isinstance(item, NodeItem) and item is not self.source and item is not self.target \
                    and _card(item, margin).intersects(rect):
                return True
        return False

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10.0)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing, True)
        selected = self.isSelected()
        near = self.source.isSelected() or self.target.isSelected()
        if selected:
            painter.setPen(S.pen(S.EDGE_SELECTED, 2.5))
        elif near:
            painter.setPen(S.pen(S.EDGE_SELECTED, 1.6))
        else:
            painter.setPen(S.pen(S.EDGE, 1.5))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
        if self.label and self._level >= FULL and (self.label_fits or self.revealed):
            if self._label is None:
                self._label = QStaticText(self.label)
                self._label.setTextFormat(Qt.PlainText)
            painter.setPen(S.pen(S.CARD_BORDER) if not selected else S.pen(S.EDGE_SELECTED))
            painter.setBrush(S.brush(S.EDGE_LABEL_BG))
            painter.drawRoundedRect(self._label_rect, 4.0, 4.0)
            painter.setFont(S.fonts().edge)
            painter.setPen(S.pen(S.EDGE_LABEL_TEXT))
            painter.drawStaticText(self._label_pos, self._label)


class WireItem(QGraphicsItem):
    """The dashed curve that follows the cursor while a connection is being dragged."""

    def __init__(self, start: QPointF):
        super().__init__()
        self._start = QPointF(start)
        self._path = curve(start, start)
        self.ok = None
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.NoButton)

    def set_end(self, end: QPointF, ok=None) -> None:
        """Follow the cursor; ``ok`` colours the wire (True green, False red, None neutral)."""
        self.prepareGeometryChange()
        self._path = curve(self._start, end)
        self.ok = ok

    def boundingRect(self) -> QRectF:
        return self._path.controlPointRect().adjusted(-4, -4, 4, 4)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing, True)
        hex_code = S.SELECTION if self.ok is None else (S.PORT_OK if self.ok else S.PORT_REFUSED)
        painter.setPen(S.pen(hex_code, 2.0, False, Qt.DashLine))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)


class DragHint(QGraphicsItem):
    """A small dark label near the cursor saying why a connection would be refused."""

    MAX_WIDTH = 340.0

    def __init__(self):
        super().__init__()
        self.text = ""
        self.refused = False
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setZValue(100)
        self.hide()

    def show_text(self, text: str, at: QPointF, refused: bool = True) -> None:
        """Show ``text`` just below-right of scene point ``at``."""
        if text != self.text or refused != self.refused:
            self.prepareGeometryChange()
            self.text = text
            self.refused = refused
            m = S.fonts().hint_m
            r = m.boundingRect(QRectF(0, 0, self.MAX_WIDTH, 1000), Qt.TextWordWrap, text)
            self._rect = QRectF(0, 0, r.width() + 20, r.height() + 10)
        self.setPos(at)
        self.show()

    def boundingRect(self) -> QRectF:
        return self._rect.translated(14, 16)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing, True)
        r = self._rect.translated(14, 16)
        painter.setPen(Qt.NoPen)
        painter.setBrush(S.brush(S.HINT_FILL))
        painter.drawRoundedRect(r, 5, 5)
        if self.refused:
            painter.setBrush(S.brush(S.PORT_REFUSED))
            painter.drawRoundedRect(QRectF(r.x() + 4, r.y() + 5, 3, r.height() - 10), 1.5, 1.5)
        painter.setFont(S.fonts().hint)
        painter.setPen(S.pen(S.HINT_TEXT))
        painter.drawText(r.adjusted(12, 5, -8, -5), Qt.TextWordWrap, self.text)
