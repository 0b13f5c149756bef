"""What lies under a point of the canvas: a node card, one of its ports, an edge."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsScene

from editor.canvas.edge_item import EdgeItem
from editor.canvas.node_item import NodeItem


def node_item_at(scene: QGraphicsScene, scene_pos: QPointF) -> NodeItem | None:
    """The topmost node card at ``scene_pos`` (its child items count as the card), or None."""
    for item in scene.items(scene_pos):
        if isinstance(item, NodeItem):
            return item
        parent = item.parentItem()
        if isinstance(parent, NodeItem):
            return parent
    return None


def port_at(scene: QGraphicsScene, scene_pos: QPointF) -> tuple | None:
    """``(node item, "in" or "out", index)`` of the port at ``scene_pos``, or None."""
    for item in scene.items(scene_pos):
        if isinstance(item, NodeItem):
            port = item.port_at(item.mapFromScene(scene_pos))
            if port is not None:
                return (item,) + port
    return None


def edge_item_at(scene: QGraphicsScene, scene_pos: QPointF) -> EdgeItem | None:
    """The topmost edge at ``scene_pos``, or None."""
    return next((item for item in scene.items(scene_pos) if isinstance(item, EdgeItem)), None)
