"""Layered auto-layout: columns by topological generation, rows ordered to cut crossings."""

from __future__ import annotations

from graph_core.document import Document
from graph_core.graph_algorithms import generations

COLUMN_WIDTH = 280.0
ROW_HEIGHT = 130.0


def layered_positions(doc: Document, column_width: float = COLUMN_WIDTH, row_height: float = ROW_HEIGHT,
                      sweeps: int = 4) -> dict:
    """Compute left-to-right positions for every node.

    Nodes go in columns by their longest distance from an input; within a column they are ordered
    by the barycenter of their neighbours (alternating forward and backward sweeps), which removes
    most edge crossings. Columns are centred vertically.

    Returns:
        ``{node id: (x, y)}``.
    """
    columns = _pulled_columns(doc, generations(doc))
    if not columns:
        return {}
    row_of: dict[str, float] = {}
    for column in columns:
        for i, nid in enumerate(column):
            row_of[nid] = float(i)
    successors: dict[str, list] = {nid: [] for nid in doc.nodes}
    for nid, node in doc.nodes.items():
        for ref in node.inputs:
            if ref.node in successors:
                successors[ref.node].append(nid)
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        sequence = columns[1:] if forward else list(reversed(columns[:-1]))
        for column in sequence:
            column.sort(key=lambda nid, fwd=forward: _barycenter(doc, nid, fwd, successors, row_of))
            for i, nid in enumerate(column):
                row_of[nid] = float(i)
    tallest = max(len(c) for c in columns)
    positions = {}
    for x, column in enumerate(columns):
        offset = (tallest - len(column)) / 2.0
        for i, nid in enumerate(column):
            positions[nid] = (x * column_width, (i + offset) * row_height)
    return positions


def _pulled_columns(doc: Document, columns: list) -> list:
    """Move each non-Input node right, next to its nearest consumer, so branches don't span columns."""
    column_of = {nid: i for i, column in enumerate(columns) for nid in column}
    consumers: dict[str, list] = {nid: [] for nid in doc.nodes}
    for nid, node in doc.nodes.items():
        for ref in node.inputs:
            if ref.node in consumers:
                consumers[ref.node].append(nid)
    for column in reversed(columns):
        for nid in column:
            if doc.layer_of(nid).type == "Input" or not consumers[nid]:
                continue
            nearest = min(column_of[c] for c in consumers[nid]) - 1
            if nearest > column_of[nid]:
                column_of[nid] = nearest
    pulled: list = [[] for _ in columns]
    for nid in doc.nodes:
        pulled[column_of[nid]].append(nid)
    return [column for column in pulled if column]


def _barycenter(doc: Document, nid: str, forward: bool, successors: dict, row_of: dict) -> float:
    """Mean row of a node's inputs (forward sweep) or consumers (backward sweep)."""
    neighbours = [r.node for r in doc.nodes[nid].inputs] if forward else successors[nid]
    rows = [row_of[n] for n in neighbours if n in row_of]
    return sum(rows) / len(rows) if rows else row_of[nid]


def auto_layout_edit(doc: Document):
    """Return the :class:`graph_core.edits.Move` edit that lays the document out."""
    from graph_core.edits import Move

    return Move(layered_positions(doc))
