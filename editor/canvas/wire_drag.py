"""The wire-drag interaction: a connection dragged from an output port or away from an input.

Like Orange's ``NewLinkInteraction``, one small object lives for one gesture: the scene creates it
on the press, hands it the mouse moves and the release (or Escape), and forgets it when it is
done. It draws the rubber wire and the refusal hint, asks :mod:`graph_core.wiring` where a drop
would go and why it would be refused, and pushes the resulting edit through the session.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF

from editor.canvas.edge_item import WireItem
from editor.canvas.hit_test import node_item_at, port_at
from editor.canvas.node_item import IN, OUT
from graph_core.document import TensorRef
from graph_core.edits import Disconnect
from graph_core.graph_algorithms import flow_path
from graph_core.wiring import WireDrop, detached_copy, wire_drop, wire_edit


class WireDrag:
    """One connection being dragged across ``scene``.

    Args:
        scene: the :class:`editor.canvas.scene.GraphScene`.
        source: the tensor the wire carries.
        detached: ``(target node id, slot)`` of the connection dragged away from an input, or
            None for a new connection from an output port.

    Attributes:
        hover: ``(node id, port)`` of the input port under the cursor, or None.
        active: False once the gesture ended (dropped or cancelled).
    """

    def __init__(self, scene, source: TensorRef, detached: tuple | None = None):
        self.scene = scene
        self.source = source
        self.detached = detached
        self.work = detached_copy(scene.document, detached)
        self.hover: tuple | None = None
        self.active = True
        self._drops: dict = {}
        self._hidden = scene.edge_item(*detached) if detached is not None else None
        if self._hidden is not None:
            self._hidden.hide()
            scene.overview_changed()
        src_item = scene.node_item(source.node)
        self.wire = WireItem(src_item.scenePos() + src_item.port_pos(OUT, source.index))
        scene.addItem(self.wire)
        scene.update_node_items()

    # ------------------------------------------------------------------ questions
    def drop(self, node_id: str, port: int | None) -> WireDrop:
        """Where the wire would go if dropped on ``port`` of ``node_id`` (remembered per target)."""
        key = (node_id, port)
        if key not in self._drops:
            self._drops[key] = wire_drop(self.work, self.source, node_id, port, self.detached)
        return self._drops[key]

    def port_state(self, node_id: str, port: int) -> str:
        """``ok`` or ``refused`` for an input port, with ``-hover`` when it is under the cursor."""
        state = "refused" if self.drop(node_id, port).reason else "ok"
        return state + "-hover" if self.hover == (node_id, port) else state

    def target(self, scene_pos: QPointF) -> tuple | None:
        """``(node id, input port or None)`` under ``scene_pos``: a port, or a node's card."""
        hit = port_at(self.scene, scene_pos)
        if hit is not None and hit[1] == IN:
            return (hit[0].node_id, hit[2])
        node = node_item_at(self.scene, scene_pos)
        if node is not None and node.card_rect().contains(node.mapFromScene(scene_pos)):
            return (node.node_id, None)
        return None

    # ------------------------------------------------------------------ events
    def move(self, scene_pos: QPointF) -> None:
        """Follow the cursor: stretch the wire, snap it to a port, show why a drop is refused."""
        scene = self.scene
        target = self.target(scene_pos)
        hover, end, ok = None, scene_pos, None
        if target is not None:
            node_id, port = target
            reason = self.drop(node_id, port).reason
            ok = reason is None
            if port is not None:
                item = scene.node_item(node_id)
                hover = (node_id, port)
                end = item.scenePos() + item.port_pos(IN, port)
            if reason:
                scene._hint.show_text(reason, scene_pos, refused=True)
            else:
                scene._hint.hide()
        else:
            scene._hint.hide()
        self.wire.set_end(end, ok)
        if hover != self.hover:
            for key in (self.hover, hover):
                item = scene.node_item(key[0]) if key is not None else None
                if item is not None:
                    item.update()
            self.hover = hover

    def release(self, scene_pos: QPointF) -> None:
        """Drop the wire: connect, reconnect, disconnect, or offer quick-add on empty canvas."""
        scene = self.scene
        target = self.target(scene_pos)
        drop = self.drop(*target) if target is not None else None
        self.cancel()
        doc = scene.document
        if target is None:
            if self.detached is not None:
                if scene.session.push(Disconnect(*self.detached), doc):
                    scene.statusMessage.emit("Disconnected")
            elif node_item_at(scene, scene_pos) is None:
                scene.wireDroppedOnEmpty.emit(self.source, QPointF(scene_pos))
            return
        if drop.reason:
            scene.statusMessage.emit(drop.reason)
            cycle = flow_path(doc, target[0], self.source.node)  # the loop this wire would close
            if cycle:
                scene.select_nodes(cycle)
            return
        node_id, port = target
        edit = wire_edit(self.source, node_id, port, drop.slot, self.detached, drop.keyword)
        if edit is not None and scene.session.push(edit, doc):
            scene.statusMessage.emit(f"Connected '{doc.node_label(self.source.node)}' → '{doc.node_label(node_id)}'")

    def cancel(self) -> None:
        """End the gesture without an edit: remove the wire, show the detached edge again."""
        if not self.active:
            return
        self.active = False
        scene = self.scene
        scene.wire_drag_ended(self)
        scene.removeItem(self.wire)
        scene._hint.hide()
        if self._hidden is not None and self._hidden.scene() is scene:
            self._hidden.show()
            scene.overview_changed()
        scene.update_node_items()
