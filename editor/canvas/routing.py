"""The scene's edge router: cards indexed for routing, edges drawn along routes, labels kept apart.

:class:`EdgeRouter` owns a :class:`graph_core.routing.Obstacles` built from the node cards (rebuilt
lazily after cards move, appear or vanish) and a grid of placed edge labels, so that a label is
checked only against the cards and labels near it (no scan of all items).

The scene keeps the cards' rectangles and the edges' ports as plain tuples, updated card by card
as cards move, change size, appear or vanish (:meth:`RoutedEdges._card_changed`), so that an edit
reads Qt only for the cards it touched: rebuilding the index is then a pass over tuples, and the
edges routed again are found by asking the scene for the items near the cards that changed.
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
        cards: a callable returning ``{node id: (x, y, width, height)}`` of every card in scene
            coordinates.
        orientation: ``"LR"`` or ``"TB"``.
        links: a callable returning ``[((x1, y1), (x2, y2))]``, the output and input ports of every
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
            links = self._links() if self._links else ()
            self._obstacles = Obstacles(self._cards(), self.orientation, links=links)
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

    The scene calls :meth:`_init_routing` once, :meth:`_reroute` after building,
    :meth:`_card_changed` whenever a card moves, changes size, appears or vanishes, and
    :meth:`_reroute_near` after an edit.
    """

    def _init_routing(self, orientation: str) -> None:
        self.router = EdgeRouter(self._routing_cards, orientation, self._routing_links)
        self._init_routing_tables()

    def _init_routing_tables(self) -> None:
        self._routed_rects: dict = {}  # node id -> (x, y, w, h) of its card when its edges were routed
        self._cards_now: dict = {}  # node id -> (x, y, w, h) of its card now: what the router avoids
        self._link_ends: dict = {}  # edge -> ((x1, y1), (x2, y2)): its ports now
        self._cards_dirty: set = set()  # cards changed since the two tables above were brought up to date
        self._since_routed: set = set()  # cards changed since the last _reroute / _reroute_near

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

    def _card_changed(self, nid: str) -> None:
        """Card ``nid`` moved, changed size, appeared or vanished (its edges' ports moved with it)."""
        self._cards_dirty.add(nid)
        self._since_routed.add(nid)
        self.router.invalidate()

    def _edge_added(self, edge) -> None:
        self._link_ends[edge] = _ends(edge)
        self.router.invalidate()

    def _edge_dropped(self, edge) -> None:
        if self._link_ends.pop(edge, None) is not None:
            self.router.invalidate()

    def _update_tables(self) -> None:
        """Read the cards that changed (and their edges' ports) from Qt into the routing tables."""
        dirty, self._cards_dirty = self._cards_dirty, set()
        cards, ends = self._cards_now, self._link_ends
        for nid in dirty:
            item = self._nodes.get(nid)
            if item is None:
                cards.pop(nid, None)
                continue
            cards[nid] = _rect_tuple(item.solid_rect.translated(item.scenePos()))
            for edge in self._in_edges.get(nid, {}).values():
                ends[edge] = _ends(edge)
            for edge in self._out_edges.get(nid, ()):
                ends[edge] = _ends(edge)

    def _routing_cards(self) -> dict:
        self._update_tables()
        return self._cards_now

    def _routing_links(self) -> list:
        self._update_tables()
        return list(self._link_ends.values())

    def _reroute(self) -> None:
        """Route every edge again around the cards as they are now (this also places labels)."""
        self._unplaced = []
        self._cards_now, self._link_ends = {}, {}
        self._cards_dirty = set(self._nodes)
        self._update_tables()
        self.router.invalidate()
        for edge in self.edge_items():
            edge.update_geometry(reroute=True)
        self._routed_rects = dict(self._routing_cards())
        self._since_routed = set()

    def _reroute_near(self, node_ids) -> None:
        """Route again the edges near cards that moved, appeared, vanished or changed size.

        Edges of cards that stayed put keep their routes (an edit of a layer's settings costs no
        routing); when many cards changed, every edge is routed again. Only the cards named or
        changed since the last routing are read, and the edges near them are found by asking the
        scene for the items in their old and new rectangles.
        """
        self._update_tables()
        old, now = self._routed_rects, self._cards_now
        candidates = set(node_ids) | self._since_routed
        self._since_routed = set()
        changed = sorted(n for n in candidates if old.get(n) != now.get(n))
        if not changed:
            self._place_new_labels()
            return
        if len(changed) > 64:
            self._reroute()
            return
        areas = [_box(old[n]) for n in changed if n in old] + [_box(now[n]) for n in changed if n in now]
        self.router.invalidate()
        edges: dict = {}  # in a fixed order (labels are placed first come, first served)
        for nid in changed:
            for _slot, edge in sorted(self._in_edges.get(nid, {}).items()):
                edges[edge] = None
            for edge in sorted(self._out_edges.get(nid, ()), key=_edge_key):
                edges[edge] = None
        near = [edge for edge in self._link_ends if any(_overlap(edge.box, area) for area in areas)]
        for edge in sorted(near, key=_edge_key):
            edges[edge] = None
        for edge in edges:
            edge.update_geometry(reroute=True)
        for nid in changed:
            if nid in now:
                old[nid] = now[nid]
            else:
                old.pop(nid, None)
        self._place_new_labels()


def _ends(edge) -> tuple:
    """The output and input ports of ``edge`` in scene coordinates, as tuples."""
    p1 = edge.source.scenePos() + edge.source.port_pos(OUT, edge.index)
    p2 = edge.target.scenePos() + edge.target.port_pos(IN, edge.slot)
    return ((p1.x(), p1.y()), (p2.x(), p2.y()))


def _box(rect: tuple) -> tuple:
    """``(x, y, w, h)`` → ``(left, top, right, bottom)``."""
    x, y, w, h = rect
    return (x, y, x + w, y + h)


def _overlap(a: tuple, b: tuple) -> bool:
    """Whether two ``(left, top, right, bottom)`` boxes intersect (as ``QRectF.intersects``)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _edge_key(edge) -> tuple:
    return (edge.target.node_id, edge.slot)
