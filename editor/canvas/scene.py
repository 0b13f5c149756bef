"""The graph scene: a projection of one Document (the top-level model or a nested model's).

The scene never mutates its document. Gestures become graph_core edits pushed through
``session.push(edit, doc)``; the document's change events (``session.changed``) update the items
incrementally and check results (``session.checked``) update shapes and problem badges. Undo and
redo therefore need nothing special: they are just more events.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QGraphicsScene, QMenu

from editor.canvas import clipboard, labels
from editor.canvas import style as S
from editor.canvas.edge_item import DragHint, EdgeItem, WireItem
from editor.canvas.lod import FULL, OverviewItem
from editor.canvas.node_item import IN, OUT, NodeItem
from editor.canvas.routing import EdgeRouter
from graph_core import catalog
from graph_core.document import Document, Output, TensorRef
from graph_core.edits import (
    Compound,
    Connect,
    Disconnect,
    MakeIndependent,
    MarkOutput,
    Move,
    UnmarkOutput,
    add_layer,
    call_again,
    connection_refusal,
    delete_nodes,
)
from graph_core.layout import auto_layout_edit, set_view_orientation, view_orientation
from graph_core.tensor import format_shape

#: keras.applications names the canvas accepts as a layer type (becomes an Application layer).
APPLICATIONS = ("Xception", "ResNet50", "ResNet50V2", "MobileNetV2", "MobileNetV3Small",
                "EfficientNetB0", "VGG16", "InceptionV3", "DenseNet121", "ConvNeXtTiny")
SCENE_MARGIN = 2000.0


class _WireDrag:
    """State of a connection being dragged from an output port (or detached from an input)."""

    def __init__(self, source: TensorRef, detached: tuple | None, work: Document, wire: WireItem,
                 hidden: EdgeItem | None):
        self.source = source
        self.detached = detached
        self.work = work
        self.wire = wire
        self.hidden = hidden
        self.memo: dict = {}
        self.hover: tuple | None = None


def _rect_tuple(rect: QRectF) -> tuple:
    return (rect.x(), rect.y(), rect.width(), rect.height())


class GraphScene(QGraphicsScene):
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
        self._wire: _WireDrag | None = None
        self._press_positions: dict | None = None
        self._result = session.result(doc)
        self._problems_by_node: dict = {}
        self._bounds = QRectF()
        self._unplaced: list = []
        self.setBackgroundBrush(S.brush(S.CANVAS_BG))
        self._overview = OverviewItem(self)
        self._overview.hide()
        self.addItem(self._overview)
        self._hint = DragHint()
        self.addItem(self._hint)
        self.router = EdgeRouter(self._card_rects, view_orientation(doc))
        self._routed_rects: dict = {}
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

    def selected_node_ids(self) -> list:
        """The selected node ids, in document order."""
        return list(self._selected)

    def add_layer_at(self, layer_type: str, scene_pos: QPointF, config: dict | None = None, *,
                     inputs: tuple = ()) -> str | None:
        """Add a new layer of ``layer_type`` centred at ``scene_pos`` (one undo step).

        Args:
            layer_type: a catalog type, ``Model``, ``Application`` or an application name
                (``Xception`` becomes an Application layer).
            scene_pos: where to put the card's centre.
            config: the layer config (defaults from the catalog otherwise).
            inputs: tensors to feed it (``TensorRef`` or ``(node, index)``), e.g. the selection.

        Returns:
            The new node id, or None when refused (``statusMessage`` says why).
        """
        config = dict(config or {})
        if layer_type in APPLICATIONS:
            config = {"application": layer_type, "include_top": False, "weights": None, **config}
            layer_type = "Application"
        elif layer_type == "Application" and "application" not in config:
            config = {"application": "Xception", "include_top": False, "weights": None, **config}
        if layer_type not in ("Model", "Application") and catalog.get_spec(layer_type) is None:
            self.statusMessage.emit(f"{layer_type} is not a layer type LayerLoom knows")
            return None
        pos = (float(round(scene_pos.x() - S.NODE_WIDTH / 2)), float(round(scene_pos.y() - S.NODE_MIN_HEIGHT / 2)))
        edit = add_layer(self.document, layer_type, config, inputs=inputs, pos=pos)
        if not self.session.push(edit, self.document):
            return None
        self._select([edit.node.id])
        return edit.node.id

    def call_again(self, node_id: str) -> str | None:
        """Call the layer of ``node_id`` once more (shared weights); returns the new node id."""
        if node_id not in self.document.nodes:
            return None
        item = self._nodes.get(node_id)
        x, y = self.document.nodes[node_id].pos
        dy = (item.height if item else S.NODE_MIN_HEIGHT) + 40.0
        edit = call_again(self.document, node_id, pos=(x, y + dy))
        if not self.session.push(edit, self.document):
            return None
        self._select([edit.node.id])
        return edit.node.id

    def make_independent(self, node_id: str) -> bool:
        """Give ``node_id`` its own copy of its shared layer; True when done."""
        doc = self.document
        if node_id not in doc.nodes or not doc.is_shared(doc.nodes[node_id].layer):
            self.statusMessage.emit("only a call of a shared layer can be made independent")
            return False
        layer = doc.layer_of(node_id)
        return self.session.push(MakeIndependent(node_id, doc.new_id("l"), doc.unique_name(layer.name)), doc)

    def mark_output(self, node_id: str, index: int = 0) -> bool:
        """Expose output ``index`` of ``node_id`` as a model output."""
        if node_id not in self.document.nodes:
            return False
        return self.session.push(MarkOutput(Output(node_id, index)), self.document)

    def unmark_output(self, node_id: str) -> bool:
        """Stop exposing every output of ``node_id`` (one undo step)."""
        indices = [k for k, out in enumerate(self.document.outputs) if out.node == node_id]
        if not indices:
            return False
        edits = [UnmarkOutput(k) for k in reversed(indices)]
        edit = edits[0] if len(edits) == 1 else Compound(edits, "Remove outputs")
        return self.session.push(edit, self.document)

    def is_output(self, node_id: str) -> bool:
        """True when some output of ``node_id`` is a model output."""
        return any(out.node == node_id for out in self.document.outputs)

    def delete_selected(self) -> bool:
        """Delete the selected nodes and disconnect the selected edges, as one undo step."""
        doc = self.document
        node_ids = self.selected_node_ids()
        doomed = set(node_ids)
        edge_keys = sorted({e.key for e in self.selectedItems() if isinstance(e, EdgeItem)
                            and e.key[0] not in doomed and e.source.node_id not in doomed},
                           key=lambda k: (k[0], -k[1]))
        if not node_ids and not edge_keys:
            return False
        disconnects = [Disconnect(t, s) for t, s in edge_keys]
        if not node_ids:
            edit = disconnects[0] if len(disconnects) == 1 else Compound(disconnects, "Disconnect")
            return self.session.push(edit, doc)
        if disconnects:
            scratch = doc.clone()
            for d in disconnects:
                scratch.apply(Disconnect(d.target, d.slot))
            deletion = delete_nodes(scratch, node_ids)
            edit = Compound(disconnects + deletion.edits, deletion.label)
        else:
            edit = delete_nodes(doc, node_ids)
        return self.session.push(edit, doc)

    def copy_selected(self) -> str:
        """The selected nodes (with their layers and the edges among them) as clipboard JSON."""
        return clipboard.copy_nodes(self.document, self.selected_node_ids())

    def paste(self, text: str, at: QPointF | None = None) -> list:
        """Paste clipboard ``text`` centred at ``at`` (one undo step); returns the new node ids."""
        try:
            edit, new_ids = clipboard.paste_edit(
                self.document, text, at=(at.x(), at.y()) if at is not None else None,
                offset=None if at is not None else (40.0, 40.0), node_size=(S.NODE_WIDTH, S.NODE_MIN_HEIGHT))
        except clipboard.ClipboardError as exc:
            self.statusMessage.emit(str(exc))
            return []
        if edit is None or not self.session.push(edit, self.document):
            return []
        self._select(new_ids)
        return new_ids

    def duplicate_selected(self) -> list:
        """Duplicate the selected nodes next to themselves; returns the new node ids."""
        ids = self.selected_node_ids()
        if not ids:
            return []
        text = clipboard.copy_nodes(self.document, ids)
        edit, new_ids = clipboard.paste_edit(self.document, text, offset=(40.0, 40.0))
        if edit is None or not self.session.push(edit, self.document):
            return []
        self._select(new_ids)
        return new_ids

    def select_all(self) -> None:
        """Select every node."""
        self._select(list(self.document.nodes))

    def auto_layout(self, orientation: str | None = None) -> bool:
        """Lay the graph out in layers, as one Move edit.

        Args:
            orientation: ``"LR"`` or ``"TB"`` switches the reading direction first (view state,
                saved with the document); None keeps the current one.
        """
        if orientation is not None and orientation != self.router.orientation:
            self.set_orientation(orientation)
        if not self.document.nodes:
            return False
        sizes = {nid: (item.solid_rect.width(), item.solid_rect.height()) for nid, item in self._nodes.items()}
        edit = auto_layout_edit(self.document, self.router.orientation, sizes)
        edit.label = "Auto layout"
        return self.session.push(edit, self.document)

    @property
    def orientation(self) -> str:
        """``"LR"`` (data flows right) or ``"TB"`` (data flows down)."""
        return self.router.orientation

    def set_orientation(self, orientation: str) -> None:
        """Switch where ports sit and how edges leave cards; saved in the document's view state."""
        set_view_orientation(self.document, orientation)
        self.router.orientation = orientation
        for item in self._nodes.values():
            item.set_orientation(orientation)
        self._reroute()

    def items_bounding_rect(self) -> QRectF:
        """The rectangle covering every node card (with ports, badges and tags)."""
        rect = QRectF()
        for item in self._nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def context_menu(self, node_id: str, parent=None) -> QMenu:
        """The context menu of a node: call again, make independent, output, open, delete."""
        doc = self.document
        menu = QMenu(parent)
        layer = doc.layer_of(node_id)
        if layer.type == "Model":
            act = menu.addAction("Open nested model")
            act.triggered.connect(lambda: self.openNestedRequested.emit(layer.id))
            menu.addSeparator()
        act = menu.addAction("Call again (shared weights)")
        act.triggered.connect(lambda: self.call_again(node_id))
        act = menu.addAction("Make independent")
        act.setEnabled(doc.is_shared(layer.id))
        act.triggered.connect(lambda: self.make_independent(node_id))
        menu.addSeparator()
        if self.is_output(node_id):
            act = menu.addAction("Unmark as output")
            act.triggered.connect(lambda: self.unmark_output(node_id))
        else:
            act = menu.addAction("Mark as output")
            act.triggered.connect(lambda: self.mark_output(node_id))
        menu.addSeparator()
        act = menu.addAction("Delete")
        act.setShortcut(QKeySequence.Delete)
        act.triggered.connect(self.delete_selected)
        return menu

    def close(self) -> None:
        """Stop following the session (the scene can then be discarded)."""
        for signal, slot in ((self.session.changed, self._on_changed), (self.session.checked, self._on_checked)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

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
        self._overview.set_level(level, self._bounds)

    # ================================================================== building and syncing
    def _build(self) -> None:
        doc = self.document
        for nid in doc.nodes:
            self._create_node(nid)
        for nid in doc.nodes:
            self._sync_edges(nid)
        self._apply_result(self._result)
        self._recompute_bounds()
        self._reroute()

    def _card_rects(self) -> dict:
        return {nid: item.solid_rect.translated(item.scenePos()) for nid, item in self._nodes.items()}

    def _reroute(self, rects: dict | None = None) -> None:
        """Route every edge again around the cards as they are now, then place new labels."""
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

    def _drop_edge(self, edge: EdgeItem) -> None:
        slots = self._in_edges.get(edge.target.node_id)
        if slots is not None and slots.get(edge.slot) is edge:
            del slots[edge.slot]
        outs = self._out_edges.get(edge.source.node_id)
        if outs is not None:
            outs.discard(edge)
        self.router.claim_label(edge, None)
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
        self._result = result
        by_node: dict = {}
        for p in result.problems:
            for nid in p.node_ids:
                by_node.setdefault(nid, []).append(p)
        self._problems_by_node = by_node
        nodes = result.nodes
        empty: list = []
        changed = []
        for nid, item in self._nodes.items():
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
        if self._level != FULL:
            self._overview.invalidate()

    # ================================================================== bounds
    def _recompute_bounds(self) -> None:
        self._bounds = self.items_bounding_rect()
        self._apply_bounds()

    def _grow_bounds(self, node_ids) -> None:
        rect = QRectF(self._bounds)
        for nid in node_ids:
            item = self._nodes.get(nid)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        if rect != self._bounds:
            self._bounds = rect
            self._apply_bounds()
        elif self._level != FULL:
            self._overview.invalidate()

    def _apply_bounds(self) -> None:
        m = SCENE_MARGIN
        rect = self._bounds if not self._bounds.isNull() else QRectF(0, 0, 1, 1)
        self.setSceneRect(rect.adjusted(-m, -m, m, m))
        self._overview.invalidate(rect)

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
        if self._level != FULL:
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
        self.router.invalidate()
        for edge in self._in_edges.get(nid, {}).values():
            edge.update_geometry()
        for edge in self._out_edges.get(nid, ()):
            edge.update_geometry()
        if self._level != FULL:
            self._overview.invalidate()

    def _finish_move(self) -> None:
        start = self._press_positions
        self._press_positions = None
        if not start:
            return
        moved = {}
        for nid, pos in start.items():
            item = self._nodes.get(nid)
            if item is not None and item.pos() != pos:
                moved[nid] = (float(round(item.x())), float(round(item.y())))
        if not moved:
            return
        for nid, (x, y) in moved.items():
            self._nodes[nid].setPos(x, y)
        if not self.session.push(Move(moved), self.document):
            for nid, pos in start.items():
                if nid in self._nodes:
                    self._nodes[nid].setPos(pos)
        self._grow_bounds(moved)

    # ================================================================== wiring
    def wire_drag_active(self) -> bool:
        """True while a connection is being dragged."""
        return self._wire is not None

    def port_state(self, node_id: str, port: int) -> str | None:
        """During a drag: ``ok``/``refused`` (``-hover`` when under the cursor) for an input port."""
        w = self._wire
        if w is None:
            return None
        _slot, reason = self._resolve_target(node_id, port)
        state = "refused" if reason else "ok"
        if w.hover == (node_id, port):
            state += "-hover"
        return state

    def refusal_reason(self, node_id: str, port: int | None) -> str | None:
        """During a drag: why the dragged tensor cannot go into ``port`` of ``node_id`` (or None)."""
        if self._wire is None:
            return None
        return self._resolve_target(node_id, port)[1]

    def _port_hit(self, scene_pos: QPointF) -> tuple | None:
        for it in self.items(scene_pos):
            if isinstance(it, NodeItem):
                port = it.port_at(it.mapFromScene(scene_pos))
                if port is not None:
                    return (it,) + port
        return None

    def _node_at(self, scene_pos: QPointF) -> NodeItem | None:
        for it in self.items(scene_pos):
            if isinstance(it, NodeItem):
                return it
            parent = it.parentItem()
            if isinstance(parent, NodeItem):
                return parent
        return None

    def _port_tooltip(self, node_id: str, kind: str, index: int) -> str:
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

    def _start_wire(self, source: TensorRef, detached: tuple | None) -> None:
        doc = self.document
        work = doc
        hidden = None
        if detached is not None:
            work = doc.clone()
            work.apply(Disconnect(*detached))
            hidden = self.edge_item(*detached)
            if hidden is not None:
                hidden.hide()
                self._overview.invalidate()
        src_item = self._nodes[source.node]
        start = src_item.scenePos() + src_item.port_pos(OUT, source.index)
        wire = WireItem(start)
        self.addItem(wire)
        self._wire = _WireDrag(source, detached, work, wire, hidden)
        for item in self._nodes.values():
            item.update()

    def _cancel_wire(self) -> None:
        w = self._wire
        if w is None:
            return
        self._wire = None
        self.removeItem(w.wire)
        self._hint.hide()
        if w.hidden is not None and w.hidden.scene() is self:
            w.hidden.show()
            self._overview.invalidate()
        for item in self._nodes.values():
            item.update()

    def _resolve_target(self, node_id: str, port: int | None) -> tuple:
        """``(slot for Connect, refusal reason)`` for dropping the wire on ``port`` of ``node_id``."""
        w = self._wire
        key = (node_id, port)
        if key in w.memo:
            return w.memo[key]
        work = w.work
        wslot = port
        if port is not None and w.detached is not None and w.detached[0] == node_id and port > w.detached[1]:
            wslot = port - 1
        count = len(work.nodes[node_id].inputs) if node_id in work.nodes else 0
        slot = None if wslot is None or wslot >= count else wslot
        reason = connection_refusal(work, w.source, node_id, slot)
        if reason is None and slot is not None:
            spec = catalog.get_spec(work.layer_of(node_id).type)
            if spec is not None and spec.max_inputs is not None and spec.max_inputs > 1:
                name = labels.input_port_name(work, node_id, slot)
                reason = (f"'{work.node_label(node_id)}' {name} is occupied: drag its connection away "
                          f"first")
        w.memo[key] = (slot, reason)
        return w.memo[key]

    def _wire_target(self, scene_pos: QPointF) -> tuple | None:
        """``(node id, port or None)`` under the cursor while dragging a wire."""
        hit = self._port_hit(scene_pos)
        if hit is not None and hit[1] == IN:
            return (hit[0].node_id, hit[2])
        node = self._node_at(scene_pos)
        if node is not None and node.card_rect().contains(node.mapFromScene(scene_pos)):
            return (node.node_id, None)
        return None

    def _update_wire(self, scene_pos: QPointF) -> None:
        w = self._wire
        target = self._wire_target(scene_pos)
        hover = None
        end = scene_pos
        ok = None
        if target is not None:
            nid, port = target
            _slot, reason = self._resolve_target(nid, port)
            ok = reason is None
            item = self._nodes[nid]
            if port is not None:
                hover = (nid, port)
                end = item.scenePos() + item.port_pos(IN, port)
            if reason:
                self._hint.show_text(reason, scene_pos, refused=True)
            else:
                self._hint.hide()
        else:
            self._hint.hide()
        w.wire.set_end(end, ok)
        if hover != w.hover:
            for key in (w.hover, hover):
                if key is not None and key[0] in self._nodes:
                    self._nodes[key[0]].update()
            w.hover = hover

    def _finish_wire(self, scene_pos: QPointF) -> None:
        w = self._wire
        target = self._wire_target(scene_pos)
        result = None if target is None else self._resolve_target(*target)
        self._cancel_wire()
        doc = self.document
        if target is None:
            if w.detached is not None:
                if self.session.push(Disconnect(*w.detached), doc):
                    self.statusMessage.emit("Disconnected")
            elif self._node_at(scene_pos) is None:
                self.wireDroppedOnEmpty.emit(w.source, QPointF(scene_pos))
            return
        slot, reason = result
        if reason:
            self.statusMessage.emit(reason)
            return
        nid, port = target
        if w.detached is not None and w.detached[0] == nid and (port == w.detached[1]):
            return  # dropped back where it was
        connect = Connect(w.source, nid, slot)
        edit = connect if w.detached is None else Compound([Disconnect(*w.detached), connect], "Reconnect")
        if self.session.push(edit, doc):
            self.statusMessage.emit(f"Connected '{doc.node_label(w.source.node)}' → '{doc.node_label(nid)}'")

    # ================================================================== Qt events
    def mousePressEvent(self, event) -> None:
        if self._wire is not None:
            self._cancel_wire()
            event.accept()
            return
        if event.button() == Qt.LeftButton:
            pos = event.scenePos()
            hit = self._port_hit(pos)
            if hit is not None:
                item, kind, index = hit
                if kind == OUT:
                    self._start_wire(TensorRef(item.node_id, index), None)
                    event.accept()
                    return
                node = self.document.nodes[item.node_id]
                if index < len(node.inputs):
                    self._start_wire(node.inputs[index], (item.node_id, index))
                    event.accept()
                    return
            node_item = self._node_at(pos)
            if node_item is not None and node_item.is_model and \
                    node_item.open_button_rect().contains(node_item.mapFromScene(pos)):
                self.openNestedRequested.emit(node_item.layer_id)
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.LeftButton:
            self._press_positions = {it.node_id: it.pos() for it in self.selectedItems()
                                     if isinstance(it, NodeItem)}

    def mouseMoveEvent(self, event) -> None:
        if self._wire is not None:
            self._update_wire(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._wire is not None and event.button() == Qt.LeftButton:
            self._finish_wire(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.LeftButton:
            self._finish_move()

    def mouseDoubleClickEvent(self, event) -> None:
        node_item = self._node_at(event.scenePos())
        if node_item is not None and node_item.is_model:
            self.openNestedRequested.emit(node_item.layer_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:
        if self._wire is not None and event.key() == Qt.Key_Escape:
            self._cancel_wire()
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:
        node_item = self._node_at(event.scenePos())
        if node_item is None:
            edge = next((it for it in self.items(event.scenePos()) if isinstance(it, EdgeItem)), None)
            if edge is None:
                event.ignore()
                return
            menu = QMenu()
            act = QAction("Disconnect", menu)
            act.triggered.connect(lambda: self.session.push(Disconnect(*edge.key), self.document))
            menu.addAction(act)
            menu.exec(event.screenPos())
            return
        if node_item.node_id not in self._selected_set:
            self._select([node_item.node_id])
        menu = self.context_menu(node_item.node_id)
        menu.exec(event.screenPos())
        event.accept()

