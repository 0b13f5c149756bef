"""What a scene drew, in scene coordinates: cards, routed edges and shape labels (``--geometry``).

The file lets tests and people check a drawing without looking at pixels: no card overlaps another,
no edge crosses a card other than its two ends, no label overlaps a card or another label.
"""

from __future__ import annotations

import json


def _rect(r) -> list:
    return [round(r.x(), 2), round(r.y(), 2), round(r.width(), 2), round(r.height(), 2)]


def _card(item) -> dict:
    return {"id": item.node_id, "rect": _rect(item.card_rect().translated(item.scenePos()))}


def _edge(edge) -> dict:
    return {"source": edge.source.node_id, "target": edge.target.node_id, "points": edge.route_points()}


def _label(edge) -> dict | None:
    rect = edge.label_rect()
    return None if rect is None else {"rect": _rect(rect), "text": edge.label}


def scene_geometry(scene) -> dict:
    """``{"cards": [...], "edges": [...], "edge_labels": [...]}`` of a :class:`GraphScene`.

    Args:
        scene: the :class:`editor.canvas.scene.GraphScene` (at full detail).

    Returns:
        cards as ``{"id", "rect"}`` (the card without ports or tags), edges as
        ``{"source", "target", "points"}`` (the drawn path, curves flattened), and the shape labels
        drawn on edges as ``{"rect", "text"}``.
    """
    cards = [_card(item) for item in scene.node_items()]
    edges = [_edge(edge) for edge in scene.edge_items()]
    labels = [lab for lab in map(_label, scene.edge_items()) if lab is not None]
    return {"cards": cards, "edges": edges, "edge_labels": labels}


def write_geometry(scene, path: str) -> None:
    """Write :func:`scene_geometry` of ``scene`` as JSON to ``path``, one entry at a time.

    The file is streamed (one line per card, edge or label), so a graph of 100,000 nodes needs no
    copy of its whole geometry in memory.

    Raises:
        OSError: the file cannot be written.
    """
    sections = (("cards", map(_card, scene.node_items())), ("edges", map(_edge, scene.edge_items())),
                ("edge_labels", (lab for lab in map(_label, scene.edge_items()) if lab is not None)))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("{")
        for k, (key, entries) in enumerate(sections):
            fh.write(("," if k else "") + f"\n{json.dumps(key)}: [")
            for i, entry in enumerate(entries):
                fh.write(("," if i else "") + "\n " + json.dumps(entry, separators=(",", ":")))
            fh.write("\n]")
        fh.write("\n}\n")
