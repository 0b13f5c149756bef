"""The graph scene: a projection of one Document (the top-level model or a nested model's).

The scene never mutates its document. Gestures become graph_core edits pushed through
``session.push(edit, doc)``; the document's change events (``session.changed``) update the items
incrementally and check results (``session.checked``) update shapes and problem badges. Undo and
redo therefore need nothing special: they are just more events.

The canvas is split after Orange's scheme/canvas/document layers: this module is the projection
(items mirroring the document); :mod:`editor.canvas.scene_gestures` hands mouse events to the
gesture in progress;
:mod:`editor.canvas.document_actions` turns commands and gestures into edits;
:mod:`editor.canvas.wire_drag` is the connection-dragging interaction, whose rules (where a drop
goes, why it is refused, what a delete removes) are the pure functions of :mod:`graph_core.wiring`.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtWidgets import QGraphicsScene

from editor.canvas import labels
from editor.canvas import style as S
from editor.canvas.document_actions import DocumentActions
from editor.canvas.edge_item import DragHint, EdgeItem
from editor.canvas.lod import FULL, OverviewItem, SceneBounds
from editor.canvas.node_item import OUT, NodeItem
from editor.canvas.routing import RoutedEdges
from editor.canvas.scene_gestures import SceneGestures
from editor.canvas.wire_drag import WireDrag
from editor.qt_signals import reconnect
from graph_core.document import Document, TensorRef
from graph_core.layout import view_orientation
from graph_core.tensor import format_shape

SCENE_MARGIN = 2000.0


class GraphScene(SceneGestures, DocumentActions, RoutedEdges, QGraphicsScene):
    """Nodes, ports and edges of one document, kept in step with its change events.

    Args:
        session: the :class:`editor.session.DocumentSession` that owns the undo stack.
        doc: the document shown (``session.document`` or a nested model's document).
        parent: optional QObject parent.

    Signals:
        nodeSelectionChanged(list): selected node ids, in document order.
        openNestedRequested(str): layer id of a Model layer whose node was double-clicked/opened.
        statusMessage(str): a short message for the status bar (refused connections…).
        wireDroppedOnEmpty(TensorRef, QPointF): a wire from an output was released on empty
            canvas (the view offers quick-add there, connected to that output).
    """

    nodeSelectionChanged = Signal(list)
    openNestedRequested = Signal(str)
    statusMessage = Signal(str)
    wireDroppedOnEmpty = Signal(object, QPointF)

    def __init__(self, session, doc: Document, parent=None):
        super().__init__(parent)
        # Items move and change size on every edit; the BSP index goes stale between paints and
        # has crashed QGraphicsView::paintEvent. A linear scan stays well within a frame here.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.session = session
        self.document = doc
        self._nodes: dict = {}
        self._in_edges: dict = {}   # target node id -> {slot: EdgeItem}
        self._out_edges: dict = {}  # source node id -> set of EdgeItem
        self._highlighted: set = set()
        self._selected: list = []
        self._selected_set: set = set()
        self._batch = 0
        self._level = FULL
        self._wire: WireDrag | None = None
        self._result = session.result(doc)
        self._problems_by_node: dict = {}
        self._unchecked_items: set = set()  # cards made since the last check result was shown on them
        self._unplaced: list = []
        self.setBackgroundBrush(S.brush(S.CANVAS_BG))
        self._overview = OverviewItem(self)
        self._overview.hide()
        self.addItem(self._overview)
        self._bounds = SceneBounds(self, self._overview, SCENE_MARGIN)
        self._hint = DragHint()
        self.addItem(self._hint)
        self._init_routing(view_orientation(doc))
        self._build()
        self.selectionChanged.connect(self._on_selection_changed)
        session.changed.connect(self._on_changed)
        session.checked.connect(self._on_checked)

    # ================================================================== public API
    def node_item(self, node_id: str) -> NodeItem | None:
        """The item of ``node_id`` (None when absent)."""
        return self._nodes.get(node_id)

    def node_items(self):
        """All node items (document order)."""
        return self._nodes.values()

    def edge_items(self):
        """All edge items."""
        for slots in self._in_edges.values():
            yield from slots.values()

    def edge_item(self, target: str, slot: int) -> EdgeItem | None:
        """The edge feeding input ``slot`` of ``target`` (None when absent)."""
        return self._in_edges.get(target, {}).get(slot)

    @property
    def detail_level(self) -> int:
        """The current level of detail (``lod.FULL``, ``MEDIUM`` or ``OVERVIEW``)."""
        return self._level

    def select_nodes(self, node_ids: list) -> None:
        """Select exactly ``node_ids`` and make the views centre on them."""
        self._select(node_ids)
        items = [self._nodes[n] for n in node_ids if n in self._nodes]
        if not items:
            return
        rect = QRectF()
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        for view in self.views():
            reveal = getattr(view, "reveal", None)
            if reveal is not None:
                reveal(rect)
            else:
                view.centerOn(rect.center())

    @property
    def drag_hint(self):
        """The floating text that explains a wire being dragged (why a drop is refused)."""
        return self._hint

    def selected_node_ids(self) -> list:
        """The selected node ids, in document order."""
        return list(self._selected)

    def selected_edges(self) -> list:
        """The selected edge items (Qt keeps the selection: no scan of every edge)."""
        return [item for item in self.selectedItems() if isinstance(item, EdgeItem)]

    def items_bounding_rect(self) -> QRectF:
        """The rectangle covering every node card (with ports, badges and tags)."""
        rect = QRectF()
        for item in self._nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def close(self) -> None:
        """Stop following the session (the scene can then be discarded)."""
        reconnect(self.session, None, {"changed": self._on_changed, "checked": self._on_checked})

    # ================================================================== level of detail
    def set_detail_level(self, level: int) -> None:
        """Switch every item to ``level`` (``lod.FULL``, ``MEDIUM`` or ``OVERVIEW``)."""
        if level == self._level:
            return
        self._level = level
        for item in self._nodes.values():
            item.set_level(level)
        for edge in self.edge_items():
            edge.set_level(level)
        self._overview.set_level(level, self._bounds.rect)

    # ================================================================== building and syncing
    def _build(self) -> None:
        doc = self.document
        for nid in doc.nodes:
            self._create_node(nid)
        for nid in doc.nodes:
            self._sync_edges(nid)
        self._apply_result(self._result)
        self._bounds.recompute()
        self._reroute()

    def _rebuild(self) -> None:
        self._cancel_wire()
        for nid in list(self._nodes):
            self._remove_node(nid)
        self._result = self.session.result(self.document)
        self._build()

    def _known_outputs(self, nid: str) -> int | None:
        res = self._result.nodes.get(nid) if self._result is not None else None
        return len(res.outputs) if res is not None and res.outputs is not None else None

    def _create_node(self, nid: str) -> NodeItem:
        item = NodeItem(nid)
        item.orientation = self.router.orientation
        item.refresh(self.document, self._known_outputs(nid))
        x, y = self.document.nodes[nid].pos
        item.setPos(x, y)
        item.set_level(self._level)
        self.addItem(item)
        self._nodes[nid] = item
        self._unchecked_items.add(nid)
        self._card_changed(nid)
        return item

    def _remove_node(self, nid: str) -> None:
        item = self._nodes.pop(nid, None)
        for edge in list(self._in_edges.pop(nid, {}).values()):
            self._drop_edge(edge)
        for edge in list(self._out_edges.pop(nid, ())):
            self._drop_edge(edge)
        self._highlighted.discard(nid)
        if item is not None:
            self.removeItem(item)
            self._card_changed(nid)

    def _drop_edge(self, edge: EdgeItem) -> None:
        slots = self._in_edges.get(edge.target.node_id)
        if slots is not None and slots.get(edge.slot) is edge:
            del slots[edge.slot]
        outs = self._out_edges.get(edge.source.node_id)
        if outs is not None:
            outs.discard(edge)
        self.router.claim_label(edge, None)
        self._edge_dropped(edge)
        if edge.scene() is self:
            self.removeItem(edge)

    def _sync_edges(self, nid: str) -> None:
        node = self.document.nodes[nid]
        target = self._nodes[nid]
        slots = self._in_edges.setdefault(nid, {})
        for slot, ref in enumerate(node.inputs):
            edge = slots.get(slot)
            source = self._nodes.get(ref.node)
            if edge is not None and (edge.source is not source or edge.index != ref.index):
                self._drop_edge(edge)
                edge = None
            if edge is None:
                if source is None:
                    continue
                edge = EdgeItem(source, ref.index, target, slot)
                edge.set_level(self._level)
                self.addItem(edge)
                edge.set_label(self._edge_label(ref), place=False)
                self._unplaced.append(edge)
                slots[slot] = edge
                self._out_edges.setdefault(ref.node, set()).add(edge)
                self._edge_added(edge)
            else:
                edge.set_label(self._edge_label(ref))
                edge.update_geometry()
        for slot in [s for s in slots if s >= len(node.inputs)]:
            self._drop_edge(slots[slot])

    def _place_new_labels(self) -> None:
        unplaced, self._unplaced = self._unplaced, []
        for edge in unplaced:
            if edge.scene() is self:
                edge.place_label()

    def _edge_label(self, ref: TensorRef) -> str:
        res = self._result.nodes.get(ref.node) if self._result is not None else None
        if res is None or res.outputs is None:
            return ""
        return format_shape(res.output(ref.index).shape)

    def _on_changed(self, doc: Document, event) -> None:
        if doc is not self.document:
            return
        kind = event.kind
        if kind == "settings":
            return
        if kind == "reset":
            self._rebuild()
            return
        if self._wire is not None:
            self._cancel_wire()
        if kind == "position":
            for nid in event.nodes:
                item = self._nodes.get(nid)
                node = doc.nodes.get(nid)
                if item is not None and node is not None:
                    x, y = node.pos
                    if item.x() != x or item.y() != y:
                        item.setPos(x, y)
            self._grow_bounds(event.nodes)
            self._reroute_near(event.nodes)
            return
        touched = set(event.nodes)
        for lid in event.layers:
            touched.update(doc.nodes_of(lid))
        if kind == "outputs":
            touched.update(out.node for out in doc.outputs)
        if kind == "structure" and not event.nodes and not event.layers:
            touched = set(doc.nodes) | set(self._nodes)
        self._sync(touched)

    def _sync(self, touched: set) -> None:
        doc = self.document
        for nid in [n for n in touched if n not in doc.nodes and n in self._nodes]:
            self._remove_node(nid)
        alive = [nid for nid in doc.nodes if nid in touched]
        for nid in alive:
            if nid not in self._nodes:
                self._create_node(nid)
        for nid in alive:
            item = self._nodes[nid]
            item.refresh(doc, self._known_outputs(nid))
            x, y = doc.nodes[nid].pos
            if item.x() != x or item.y() != y:
                item.setPos(x, y)
        for nid in alive:
            self._sync_edges(nid)
            for edge in self._out_edges.get(nid, ()):
                edge.update_geometry()
        self._grow_bounds(alive)
        self._reroute_near(touched)
        self._refresh_highlights()

    def _on_checked(self, doc: Document, result) -> None:
        if doc is not self.document:
            return
        self._apply_result(result)

    def _apply_result(self, result) -> None:
        """Show a check result on the cards: those whose result or problems changed since the one
        shown before (all of them when the two results are not of one analyzer's history)."""
        previous, self._result = self._result, result
        by_node: dict = {}
        for p in result.problems:
            for nid in p.node_ids:
                by_node.setdefault(nid, []).append(p)
        shown, self._problems_by_node = self._problems_by_node, by_node
        nodes = result.nodes
        items = self._nodes
        keys = nodes.changed_since(previous.nodes) if previous is not None else None
        if keys is None:
            cards = items.items()
        else:
            visit = keys | shown.keys() | by_node.keys() | self._unchecked_items
            cards = [(nid, items[nid]) for nid in sorted(visit) if nid in items]
        self._unchecked_items = set()
        empty: list = []
        changed = []
        for nid, item in cards:
            res = nodes.get(nid)
            outputs = res.outputs if res is not None else None
            if item.set_check(outputs, by_node.get(nid, empty)):
                changed.append(nid)
        doc = self.document
        for nid in changed:
            item = self._nodes[nid]
            known = self._known_outputs(nid)
            if known is not None and known != item.n_out and labels.output_port_count(doc, nid, known) != item.n_out:
                item.refresh(doc, known)
                for edge in self._out_edges.get(nid, ()):
                    edge.update_geometry()
            for edge in self._out_edges.get(nid, ()):
                edge.set_label(self._edge_label(TensorRef(nid, edge.index)))
        self._overview.invalidate()

    def _grow_bounds(self, node_ids) -> None:
        self._bounds.grow(self._nodes[nid] for nid in node_ids if nid in self._nodes)

    # ================================================================== selection
    def _select(self, node_ids: list) -> None:
        self._batch += 1
        try:
            self.clearSelection()
            for nid in node_ids:
                item = self._nodes.get(nid)
                if item is not None:
                    item.setSelected(True)
        finally:
            self._batch -= 1
        self._on_selection_changed()

    def _on_selection_changed(self) -> None:
        if self._batch:
            return
        self._overview.invalidate()
        chosen = {it.node_id for it in self.selectedItems() if isinstance(it, NodeItem)}
        before = self._selected_set
        if chosen == before:
            return
        self._selected_set = chosen
        for nid in before.symmetric_difference(chosen):
            for edge in self._in_edges.get(nid, {}).values():
                edge.refresh_reveal()
                edge.update()
            for edge in self._out_edges.get(nid, ()):
                edge.refresh_reveal()
                edge.update()
        self._selected = [nid for nid in self.document.nodes if nid in chosen]
        self._refresh_highlights()
        self.nodeSelectionChanged.emit(list(self._selected))

    def _refresh_highlights(self) -> None:
        doc = self.document
        layers = {doc.nodes[n].layer for n in self._selected_set if n in doc.nodes}
        want = set()
        for lid in layers:
            calls = doc.nodes_of(lid)
            if len(calls) > 1:
                want.update(n for n in calls if n not in self._selected_set)
        for nid in self._highlighted - want:
            item = self._nodes.get(nid)
            if item is not None:
                item.set_highlighted(False)
        for nid in want:
            self._nodes[nid].set_highlighted(True)
        self._highlighted = want

    # ================================================================== moves
    def _node_moved(self, item: NodeItem) -> None:
        nid = item.node_id
        self._card_changed(nid)
        for edge in self._in_edges.get(nid, {}).values():
            edge.update_geometry()
        for edge in self._out_edges.get(nid, ()):
            edge.update_geometry()
        self._overview.invalidate()

    def overview_changed(self) -> None:
        """Repaint the overview (an edge was hidden or shown)."""
        self._overview.invalidate()

    def update_node_items(self) -> None:
        """Repaint every node card (their ports show the state of a drag)."""
        for item in self._nodes.values():
            item.update()

    def port_tooltip(self, node_id: str, kind: str, index: int) -> str:
        """The tooltip of a port: its name, shape and where it connects."""
        doc = self.document
        if node_id not in doc.nodes:
            return ""
        if kind == OUT:
            res = self._result.nodes.get(node_id) if self._result else None
            shape = format_shape(res.output(index).shape) if res is not None else "?"
            return f"output {index}: {shape}\nDrag to an input port to connect."
        name = labels.input_port_name(doc, node_id, index)
        node = doc.nodes[node_id]
        if index < len(node.inputs):
            ref = node.inputs[index]
            return (f"{name}: from '{doc.node_label(ref.node)}' {self._edge_label(ref)}\n"
                    f"Drag away to reconnect or disconnect.")
        return f"{name}: free"
