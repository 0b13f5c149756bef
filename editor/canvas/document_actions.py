"""Document actions of the canvas: what the user's commands and gestures do to the document.

Like Orange's ``document`` layer (commands that only call model methods), every action here
turns a gesture or a menu command into graph_core edits pushed through ``session.push(edit,
doc)``; none changes an item directly. :class:`DocumentActions` is a mixin of
:class:`editor.canvas.scene.GraphScene`, which provides ``session``, ``document``,
``statusMessage``, ``openNestedRequested``, ``node_item``, ``selected_node_ids`` and ``_select``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from editor.canvas import clipboard
from editor.canvas import style as S
from editor.canvas.edge_item import EdgeItem
from editor.canvas.fix_actions import add_fix_actions
from editor.canvas.hit_test import edge_item_at, node_item_at
from editor.canvas.node_item import NodeItem
from graph_core.document import Output
from graph_core.edits import (
    Compound,
    Disconnect,
    MakeIndependent,
    MarkOutput,
    Move,
    UnmarkOutput,
    add_layer,
    call_again,
)
from graph_core.layer_kinds import APPLICATION_SPEC, APPLICATIONS, application_config, is_known_type, kind_of
from graph_core.layout import auto_layout_edit
from graph_core.wiring import delete_edit


class DocumentActions:
    """The canvas's commands (add, call again, share, outputs, delete, clipboard, layout, moves)."""

    _press_positions: dict | None = None  # node id -> position at the press that may start a move

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
            config = application_config(layer_type, config)
            layer_type = APPLICATION_SPEC.type
        elif layer_type == APPLICATION_SPEC.type and "application" not in config:
            config = application_config(None, config)
        if not is_known_type(layer_type):
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
        item = self.node_item(node_id)
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
        edges = [item.key for item in self.selectedItems() if isinstance(item, EdgeItem)]
        edit = delete_edit(self.document, self.selected_node_ids(), edges)
        return edit is not None and self.session.push(edit, self.document)

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
        if orientation is not None and orientation != self.orientation:
            self.set_orientation(orientation)
        if not self.document.nodes:
            return False
        sizes = {nid: (item.solid_rect.width(), item.solid_rect.height()) for nid, item in self._nodes.items()}
        edit = auto_layout_edit(self.document, self.orientation, sizes)
        edit.label = "Auto layout"
        return self.session.push(edit, self.document)

    def context_menu(self, node_id: str, parent=None) -> QMenu:
        """The context menu of a node: call again, make independent, output, open, delete."""
        doc = self.document
        menu = QMenu(parent)
        layer = doc.layer_of(node_id)
        if kind_of(layer) == "model":
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
        add_fix_actions(menu, self, node_id)
        act = menu.addAction("Delete")
        act.setShortcut(QKeySequence.Delete)
        act.triggered.connect(self.delete_selected)
        return menu

    def contextMenuEvent(self, event) -> None:
        """A node's menu (:meth:`context_menu`), or "Disconnect" on an edge."""
        node_item = node_item_at(self, event.scenePos())
        if node_item is None:
            edge = edge_item_at(self, event.scenePos())
            if edge is None:
                event.ignore()
                return
            menu = QMenu()
            act = QAction("Disconnect", menu)
            act.triggered.connect(lambda: self.session.push(Disconnect(*edge.key), self.document))
            menu.addAction(act)
            menu.exec(event.screenPos())
            return
        if node_item.node_id not in self.selected_node_ids():
            self._select([node_item.node_id])
        menu = self.context_menu(node_item.node_id)
        menu.exec(event.screenPos())
        event.accept()

    def _start_move(self) -> None:
        """Remember where the selected nodes are when a mouse press may start dragging them."""
        self._press_positions = {it.node_id: it.pos() for it in self.selectedItems() if isinstance(it, NodeItem)}

    def _finish_move(self) -> None:
        """Turn the nodes dragged since the press into one Move edit (put them back when refused)."""
        start = self._press_positions
        self._press_positions = None
        if not start:
            return
        items = {nid: self.node_item(nid) for nid in start}
        moved = {nid: (float(round(item.x())), float(round(item.y()))) for nid, item in items.items()
                 if item is not None and item.pos() != start[nid]}
        if not moved:
            return
        for nid, (x, y) in moved.items():
            items[nid].setPos(x, y)
        if not self.session.push(Move(moved), self.document):  # accepted: the position event follows
            for nid, item in items.items():
                if item is not None:
                    item.setPos(start[nid])
