"""What a scene drew, in scene coordinates: cards, routed edges and shape labels (``--geometry``).

The file lets tests and people check a drawing without looking at pixels: no card overlaps another,
no edge crosses a card other than its two ends, no label overlaps a card or another label.
"""

from __future__ import annotations

import json
import os


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

    Raises:
        OSError: the file cannot be written.
    """
    with GeometryWriter(path) as writer:
        writer.add(scene)


class GeometryWriter:
    """Streams a geometry file (one line per card, edge or label), scene after scene.

    Each section waits in a temporary file beside ``path`` and they are copied into ``path`` when
    the writer closes: no copy of the whole geometry is ever held in memory, and a drawing made of
    several partial scenes (see :mod:`editor.render_chunks`) writes one file.

    Args:
        path: the JSON file to write.

    Raises:
        OSError: a file cannot be written.
    """

    _SECTIONS = ("cards", "edges", "edge_labels")

    def __init__(self, path: str):
        import tempfile

        self._path = path
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise OSError(f"cannot write {path}: folder {folder} does not exist")
        self._files = [tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder) for _ in self._SECTIONS]
        self._counts = [0] * len(self._SECTIONS)

    def __enter__(self) -> GeometryWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(kind is None)

    def _write(self, section: int, entry: dict) -> None:
        prefix = ",\n " if self._counts[section] else "\n "
        self._files[section].write(prefix + json.dumps(entry, separators=(",", ":")))
        self._counts[section] += 1

    def add(self, scene, nodes=None) -> None:
        """Write the cards of ``scene`` (only those of ``nodes`` when given), its edges and labels."""
        for item in scene.node_items():
            if nodes is None or item.node_id in nodes:
                self._write(0, _card(item))
        for edge in scene.edge_items():
            self._write(1, _edge(edge))
            label = _label(edge)
            if label is not None:
                self._write(2, label)

    def close(self, complete: bool = True) -> None:
        """Write ``path`` from the sections (``complete`` False: only release the temporary files)."""
        try:
            if complete:
                with open(self._path, "w", encoding="utf-8") as out:
                    for k, (name, fh) in enumerate(zip(self._SECTIONS, self._files)):
                        out.write(("{" if k == 0 else ",") + f'\n"{name}": [')
                        fh.seek(0)
                        for block in iter(lambda fh=fh: fh.read(1 << 20), ""):
                            out.write(block)
                        out.write("\n]")
                    out.write("\n}\n")
        finally:
            for fh in self._files:
                fh.close()
