"""What a scene drew, in scene coordinates: cards, routed edges and shape labels (``--geometry``).

The file lets tests and people check a drawing without looking at pixels: no card overlaps another,
no edge crosses a card other than its two ends, no label overlaps a card or another label.
"""

from __future__ import annotations

import json


def _rect(r) -> list:
    return [round(r.x(), 2), round(r.y(), 2), round(r.width(), 2), round(r.height(), 2)]


def scene_geometry(scene) -> dict:
    """``{"cards": [...], "edges": [...], "edge_labels": [...]}`` of a :class:`GraphScene`.

    Args:
        scene: the :class:`editor.canvas.scene.GraphScene` (at full detail).

    Returns:
        cards as ``{"id", "rect"}`` (the card without ports or tags), edges as
        ``{"source", "target", "points"}`` (the drawn path, curves flattened), and the shape labels
        drawn on edges as ``{"rect", "text"}``.
    """
    cards = [{"id": item.node_id, "rect": _rect(item.card_rect().translated(item.scenePos()))}
             for item in scene.node_items()]
    edges, labels = [], []
    for edge in scene.edge_items():
        edges.append({"source": edge.source.node_id, "target": edge.target.node_id,
                      "points": edge.route_points()})
        rect = edge.label_rect()
        if rect is not None:
            labels.append({"rect": _rect(rect), "text": edge.label})
    return {"cards": cards, "edges": edges, "edge_labels": labels}


def write_geometry(scene, path: str) -> None:
    """Write :func:`scene_geometry` of ``scene`` as JSON to ``path``.

    Raises:
        OSError: the file cannot be written.
    """
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(scene_geometry(scene), fh, indent=1)
