"""The scene's edge router: cards indexed for routing, edges drawn along routes, labels kept apart.

:class:`EdgeRouter` owns a :class:`graph_core.routing.Obstacles` built from the node cards (rebuilt
lazily after cards move, appear or vanish) and a grid of placed edge labels, so that a label is
checked only against the cards and labels near it (no scan of all items).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath

from editor.canvas.node_item import IN, OUT
from graph_core.routing import LEFT_RIGHT, Obstacles

_CELL = 256.0


def routed_path(points: list, orientation: str = LEFT_RIGHT) -> QPainterPath:
    """A smooth path through route ``points``: curves across gaps, straight runs through layers.

    Args:
        points: ``[(x, y), ...]`` from :meth:`graph_core.routing.Obstacles.route` (two or more).
        orientation: ``"LR"`` or ``"TB"``; curves leave and enter along that axis.
    """
    path = QPainterPath(QPointF(*points[0]))
    horizontal = orientation == LEFT_RIGHT
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        du = (bx - ax) if horizontal else (by - ay)
        dv = (by - ay) if horizontal else (bx - ax)
        if abs(dv) < 0.5 or abs(du) < 0.5:
            path.lineTo(bx, by)
        elif horizontal:
            path.cubicTo(QPointF(ax + du / 2, ay), QPointF(bx - du / 2, by), QPointF(bx, by))
        else:
            path.cubicTo(QPointF(ax, ay + du / 2), QPointF(bx, by - du / 2), QPointF(bx, by))
    return path


def flattened(path: QPainterPath) -> list:
    """The path as ``[[x, y], ...]`` points (curves flattened), for geometry files and tests."""
    points: list = []
    for polygon in path.toSubpathPolygons():
        for p in polygon:
            pt = [round(p.x(), 2), round(p.y(), 2)]
            if not points or points[-1] != pt:
                points.append(pt)
    return points


class EdgeRouter:
    """Routing state of one :class:`editor.canvas.scene.GraphScene`.

    Args:
        cards: a callable returning ``{node id: QRectF}`` of every card in scene coordinates.
        orientation: ``"LR"`` or ``"TB"``.
        links: a callable returning ``[(QPointF, QPointF)]``, the output and input ports of every
            edge (long edges then avoid crossing the short ones, see :class:`Obstacles`).
    """

    def __init__(self, cards, orientation: str = LEFT_RIGHT, links=None):
        self._cards = cards
        self._links = links
        self.orientation = orientation
        self._obstacles: Obstacles | None = None
        self._labels: dict = {}   # cell -> {owner: QRectF}
        self._owned: dict = {}    # owner -> (QRectF, cells)

    def invalidate(self) -> None:
        """Forget the card index (cards moved, appeared or vanished)."""
        self._obstacles = None

    def obstacles(self) -> Obstacles:
        """The card index, built on first use after :meth:`invalidate`."""
        if self._obstacles is None:
            rects = {nid: (r.x(), r.y(), r.width(), r.height()) for nid, r in self._cards().items()}
            links = [((a.x(), a.y()), (b.x(), b.y())) for a, b in self._links()] if self._links else ()
            self._obstacles = Obstacles(rects, self.orientation, links=links)
        return self._obstacles

    def route(self, p1: QPointF, p2: QPointF) -> list:
        """Route points from output port ``p1`` to input port ``p2``."""
        return self.obstacles().route((p1.x(), p1.y()), (p2.x(), p2.y()))

    def card_hit(self, rect: QRectF, ignore=()) -> bool:
        """True when ``rect`` overlaps a card (with clearance) other than those in ``ignore``."""
        return self.obstacles().hits((rect.x(), rect.y(), rect.width(), rect.height()), ignore)

    def label_hit(self, rect: QRectF, owner) -> bool:
        """True when ``rect`` overlaps a label placed by another owner."""
        for cell in _cells(rect):
            for other, placed in self._labels.get(cell, {}).items():
                if other is not owner and placed.intersects(rect):
                    return True
        return False

    def claim_label(self, owner, rect: QRectF | None) -> None:
        """Record ``owner``'s label at ``rect`` (None: it has no placed label any more)."""
        old = self._owned.pop(owner, None)
        if old is not None:
            for cell in old[1]:
                bucket = self._labels.get(cell)
                if bucket is not None:
                    bucket.pop(owner, None)
        if rect is not None:
            cells = _cells(rect)
            for cell in cells:
                self._labels.setdefault(cell, {})[owner] = QRectF(rect)
            self._owned[owner] = (QRectF(rect), cells)

    def placed_labels(self) -> list:
        """``[(owner, QRectF)]`` of every placed label."""
        return [(owner, rect) for owner, (rect, _) in self._owned.items()]


def _cells(rect: QRectF) -> list:
    x0, x1 = int(rect.left() // _CELL), int(rect.right() // _CELL)
    y0, y1 = int(rect.top() // _CELL), int(rect.bottom() // _CELL)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _rect_tuple(rect: QRectF) -> tuple:
    return (rect.x(), rect.y(), rect.width(), rect.height())


class RoutedEdges:
    """Mixin of :class:`editor.canvas.scene.GraphScene`: edges routed around the cards.

    The scene calls :meth:`_init_routing` once, :meth:`_reroute` after building, and
    :meth:`_reroute_near` after cards moved, appeared, vanished or changed size.
    """

    def _init_routing(self, orientation: str) -> None:
        self.router = EdgeRouter(self._card_rects, orientation, self._edge_ports)
        self._routed_rects: dict = {}

    @property
    def orientation(self) -> str:
        """``"LR"`` (data flows right) or ``"TB"`` (data flows down)."""
        return self.router.orientation

    def set_orientation(self, orientation: str) -> None:
        """Switch where ports sit and how edges leave cards; saved in the document's view state."""
        from graph_core.layout import set_view_orientation

        set_view_orientation(self.document, orientation)
        self.router.orientation = orientation
        for item in self._nodes.values():
            item.set_orientation(orientation)
        self._reroute()

    def _edge_ports(self) -> list:
        return [(e.source.scenePos() + e.source.port_pos(OUT, e.index),
                 e.target.scenePos() + e.target.port_pos(IN, e.slot)) for e in self.edge_items()]

    def _card_rects(self) -> dict:
        return {nid: item.solid_rect.translated(item.scenePos()) for nid, item in self._nodes.items()}

    def _reroute(self, rects: dict | None = None) -> None:
        """Route every edge again around the cards as they are now (this also places labels)."""
        self._unplaced = []
        self.router.invalidate()
        for edge in self.edge_items():
            edge.update_geometry(reroute=True)
        rects = self._card_rects() if rects is None else rects
        self._routed_rects = {n: _rect_tuple(r) for n, r in rects.items()}

    def _reroute_near(self, node_ids) -> None:
        """Route again the edges near cards that moved, appeared, vanished or changed size.

        Edges of cards that stayed put keep their routes (an edit of a layer's settings costs no
        routing); when many cards changed, every edge is routed again.
        """
        old = self._routed_rects
        new = self._card_rects()
        changed = [n for n in set(node_ids) | (set(old) ^ set(new))
                   if old.get(n) != (None if n not in new else _rect_tuple(new[n]))]
        if not changed:
            self._place_new_labels()
            return
        if len(changed) > 64:
            self._reroute(new)
            return
        areas = [QRectF(*old[n]) for n in changed if n in old] + [new[n] for n in changed if n in new]
        self.router.invalidate()
        keep = set(changed)
        for edge in self.edge_items():
            if (edge.source.node_id in keep or edge.target.node_id in keep
                    or any(edge.boundingRect().intersects(a) for a in areas)):
                edge.update_geometry(reroute=True)
        self._routed_rects = {n: _rect_tuple(r) for n, r in new.items()}
        self._place_new_labels()
