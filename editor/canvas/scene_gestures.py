"""The mouse and key events of :class:`editor.canvas.scene.GraphScene`: a press on a port starts
a connection drag (:class:`editor.canvas.wire_drag.WireDrag`), which then gets every move, release
and Escape until it ends; a press on a nested model's open button opens it.

A mixin: ``document``, ``_wire``, ``openNestedRequested`` and the move book-keeping
(``_start_move``, ``_finish_move``) belong to the scene.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from editor.canvas.hit_test import node_item_at, port_at
from editor.canvas.node_item import OUT
from editor.canvas.wire_drag import WireDrag
from graph_core.document import TensorRef


class SceneGestures:
    """Connection drags and clicks on the scene (mixed into ``GraphScene``)."""

    def wire_drag_active(self) -> bool:
        """True while a connection is being dragged."""
        return self._wire is not None

    def port_state(self, node_id: str, port: int) -> str | None:
        """During a drag: ``ok``/``refused`` (``-hover`` when under the cursor) for an input port."""
        return self._wire.port_state(node_id, port) if self._wire is not None else None

    def refusal_reason(self, node_id: str, port: int | None) -> str | None:
        """During a drag: why the dragged tensor cannot go into ``port`` of ``node_id`` (or None)."""
        return self._wire.drop(node_id, port).reason if self._wire is not None else None

    def wire_drag_ended(self, drag: WireDrag) -> None:
        """Called by ``drag`` when its gesture ends: the scene stops handing it events."""
        if self._wire is drag:
            self._wire = None

    def _start_wire(self, source: TensorRef, detached: tuple | None) -> None:
        self._wire = WireDrag(self, source, detached)

    def _cancel_wire(self) -> None:
        if self._wire is not None:
            self._wire.cancel()

    # ================================================================== Qt events
    def mousePressEvent(self, event) -> None:
        if self._wire is not None:
            self._cancel_wire()
            event.accept()
            return
        if event.button() == Qt.LeftButton:
            pos = event.scenePos()
            hit = port_at(self, pos)
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
            node_item = node_item_at(self, pos)
            if node_item is not None and node_item.is_model and \
                    node_item.open_button_rect().contains(node_item.mapFromScene(pos)):
                self.openNestedRequested.emit(node_item.layer_id)
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.LeftButton:
            self._start_move()

    def mouseMoveEvent(self, event) -> None:
        if self._wire is not None:
            self._wire.move(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._wire is not None and event.button() == Qt.LeftButton:
            self._wire.release(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.LeftButton:
            self._finish_move()

    def mouseDoubleClickEvent(self, event) -> None:
        node_item = node_item_at(self, event.scenePos())
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
