"""Drawing a very large graph a part at a time, so that rendering it needs bounded memory.

A :class:`editor.canvas.scene.GraphScene` holds a Qt item per node and per edge (about 16 KB for
the pair): 100,000 nodes would need well over a gigabyte. :func:`drawing_scenes` instead yields
:class:`PartialScene`\\ s of at most ``CHUNK_NODES`` nodes each (plus the sources of their inputs):

1. a first pass measures every card and port with partial scenes of cards only, and keeps just
   their rectangles and port points (tuples);
2. the second pass builds each part's cards and the edges into them. Every part routes its edges
   around *all* the cards (one shared :class:`graph_core.routing.Obstacles`) and places its shape
   labels clear of the labels of the parts before it, so together the parts draw what one scene
   would: no edge under a card, no label over another.

A graph of at most ``CHUNK_NODES`` nodes is drawn by one ordinary scene.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QRectF

from editor.canvas.node_item import IN, OUT
from editor.canvas.routing import EdgeRouter, _cells
from editor.canvas.scene import GraphScene
from graph_core.routing import Obstacles

CHUNK_NODES = 5000


class _SharedRouting:
    """What every part routes against: all the cards and links, and the labels placed so far."""

    def __init__(self, obstacles: Obstacles | None):
        self.obstacles = obstacles
        self.labels: dict = {}  # cell -> [(x0, y0, x1, y1)]

    def label_hit(self, rect: QRectF) -> bool:
        x0, y0, x1, y1 = rect.left(), rect.top(), rect.right(), rect.bottom()
        for cell in _cells(rect):
            for a0, b0, a1, b1 in self.labels.get(cell, ()):
                if a0 < x1 and x0 < a1 and b0 < y1 and y0 < b1:
                    return True
        return False

    def keep(self, rects) -> None:
        for rect in rects:
            box = (rect.left(), rect.top(), rect.right(), rect.bottom())
            for cell in _cells(rect):
                self.labels.setdefault(cell, []).append(box)


class _PartRouter(EdgeRouter):
    """An :class:`EdgeRouter` over the shared cards whose labels also avoid earlier parts' labels."""

    def __init__(self, shared: _SharedRouting, orientation: str):
        super().__init__(dict, orientation)
        self._shared = shared

    def invalidate(self) -> None:
        """The cards do not move while a drawing is made: the shared index stays valid."""

    def obstacles(self) -> Obstacles:
        return self._shared.obstacles if self._shared.obstacles is not None else super().obstacles()

    def label_hit(self, rect: QRectF, owner) -> bool:
        return super().label_hit(rect, owner) or self._shared.label_hit(rect)


class PartialScene(GraphScene):
    """A scene of the cards ``nodes`` of ``doc`` and of the edges into ``targets`` (a part of it).

    Args:
        session: the document's session (its check result gives every shape).
        doc: the whole document.
        nodes: ids of the cards to build (the targets and the sources of their inputs).
        targets: ids of the nodes whose input edges are built.
        shared: the routing state shared by the parts of one drawing.
    """

    def __init__(self, session, doc, nodes: list, targets: set, shared: _SharedRouting):
        self._part_nodes = nodes
        self._part_targets = targets
        self._shared = shared
        super().__init__(session, doc)

    def _init_routing(self, orientation: str) -> None:
        self.router = _PartRouter(self._shared, orientation)
        self._init_routing_tables()

    def _build(self) -> None:
        for nid in self._part_nodes:
            self._create_node(nid)
        for nid in self._part_nodes:
            if nid in self._part_targets:
                self._sync_edges(nid)
        self._apply_result(self._result)
        self._bounds.recompute()
        self._reroute()

    def finish(self) -> None:
        """Hand this part's placed labels to the parts after it, and let go of the items."""
        self._shared.keep(rect for _, rect in self.router.placed_labels())
        self.close()
        self.clear()
        # without these references the part's items are freed at once (no cycle for the collector)
        self._nodes, self._in_edges, self._out_edges, self._unplaced = {}, {}, {}, []
        self._init_routing_tables()  # its edge ports table holds the edge items too
        self._unchecked_items = set()
        self.router = None


def _parts(doc) -> list:
    ids = list(doc.nodes)
    return [ids[k:k + CHUNK_NODES] for k in range(0, len(ids), CHUNK_NODES)]


def measure(session, doc) -> tuple:
    """``(bounds, obstacles)`` of the whole drawing, from partial scenes of cards only.

    Returns:
        the rectangle every card covers (ports, badges and tags included), and the cards and edge
        ports indexed for routing, exactly as one scene of the whole graph would see them.
    """
    shared = _SharedRouting(None)
    rects, outs, ins = {}, {}, {}
    bounds = QRectF()
    for part in _parts(doc):
        scene = PartialScene(session, doc, part, set(), shared)
        for nid, item in zip(part, (scene.node_item(n) for n in part)):
            r = item.solid_rect.translated(item.scenePos())
            rects[nid] = (r.x(), r.y(), r.width(), r.height())
            at = item.scenePos()
            outs[nid] = [(at.x() + p.x(), at.y() + p.y()) for p in
                         (item.port_pos(OUT, i) for i in range(item.n_out))]
            ins[nid] = [(at.x() + p.x(), at.y() + p.y()) for p in
                        (item.port_pos(IN, i) for i in range(len(doc.nodes[nid].inputs)))]
            bounds = bounds.united(item.sceneBoundingRect())
        orientation = scene.orientation
        scene.finish()
        shiboken6.delete(scene)
    links = [(outs[ref.node][min(ref.index, len(outs[ref.node]) - 1)], ins[nid][slot])
             for nid, node in doc.nodes.items() for slot, ref in enumerate(node.inputs) if ref.node in outs]
    return bounds, Obstacles(rects, orientation, links=links)


class Drawing:
    """The scenes that together draw ``doc``: one :class:`GraphScene`, or its parts.

    Args:
        session: the document's session.
        doc: the document.

    Attributes:
        bounds: the rectangle every card covers (ports, badges and tags included).
        parts: how many scenes :meth:`scenes` yields.
    """

    def __init__(self, session, doc):
        self._session, self._doc = session, doc
        self._scene = None
        if len(doc.nodes) <= CHUNK_NODES:
            self._scene = GraphScene(session, doc)
            self.bounds = self._scene.items_bounding_rect()
            self.parts = 1
        else:
            self.bounds, self._obstacles = measure(session, doc)
            self.parts = len(_parts(doc))

    def scenes(self):
        """Yield ``(scene, nodes)``: a scene to render and the ids of the cards it owns (None: all).

        Each part is discarded (and its memory freed) when the next one is asked for.
        """
        if self._scene is not None:
            yield self._scene, None
            return
        doc = self._doc
        shared = _SharedRouting(self._obstacles)
        for part in _parts(doc):
            own = set(part)
            nodes = list(part) + sorted({ref.node for nid in part for ref in doc.nodes[nid].inputs} - own)
            scene = PartialScene(self._session, doc, nodes, own, shared)
            try:
                yield scene, own
            finally:
                scene.finish()
                shiboken6.delete(scene)

    def close(self) -> None:
        """Discard the one scene (parts are discarded as they go)."""
        if self._scene is not None:
            self._scene.close()
            self._scene.clear()
            shiboken6.delete(self._scene)
            self._scene = None
