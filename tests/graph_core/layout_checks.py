"""Geometric checks of a laid-out document shared by the layout tests (no Qt)."""

from __future__ import annotations

from graph_core.layout import LEFT_RIGHT, PORT_SPACING, card_size
from graph_core.routing import Obstacles, count_crossings, segments_cross_rect


def card_rects(doc, positions: dict) -> dict:
    """``{node id: (x, y, w, h)}`` of the cards at ``positions``."""
    return {nid: (x, y) + card_size(doc, nid) for nid, (x, y) in positions.items()}


def port(rect, kind: str, index: int, count: int, orientation: str) -> tuple:
    """Where the canvas puts port ``index`` of ``count`` (inputs before, outputs after the card)."""
    x, y, w, h = rect
    if orientation == LEFT_RIGHT:
        top = (h - (count - 1) * PORT_SPACING) / 2.0
        return (x if kind == "in" else x + w, y + top + index * PORT_SPACING)
    left = (w - (count - 1) * PORT_SPACING) / 2.0
    return (x + left + index * PORT_SPACING, y if kind == "in" else y + h)


def routed_edges(doc, positions: dict, orientation: str = LEFT_RIGHT) -> list:
    """``[((source, target), points)]`` of every edge routed around the cards."""
    rects = card_rects(doc, positions)
    ends = []
    for nid, node in doc.nodes.items():
        for slot, ref in enumerate(node.inputs):
            p1 = port(rects[ref.node], "out", 0, 1, orientation)
            p2 = port(rects[nid], "in", slot, len(node.inputs), orientation)
            ends.append(((ref.node, nid), p1, p2))
    obstacles = Obstacles(rects, orientation, links=[(p1, p2) for _, p1, p2 in ends])
    return [(edge, obstacles.route(p1, p2)) for edge, p1, p2 in ends]


def overlapping_cards(rects: dict) -> list:
    """Pairs of card ids whose rectangles overlap."""
    items = sorted(rects.items(), key=lambda kv: kv[1][0])
    pairs = []
    for i, (a, (ax, ay, aw, ah)) in enumerate(items):
        for b, (bx, by, _bw, bh) in items[i + 1:]:
            if bx >= ax + aw:
                break
            if ay < by + bh and by < ay + ah:
                pairs.append((a, b))
    return pairs


def edges_through_cards(rects: dict, edges: list) -> list:
    """``(source, target, card)`` for every edge that passes through a card other than its ends."""
    cell = 400.0
    grid: dict = {}
    for nid, (x, y, w, h) in rects.items():
        for cx in range(int(x // cell), int((x + w) // cell) + 1):
            for cy in range(int(y // cell), int((y + h) // cell) + 1):
                grid.setdefault((cx, cy), []).append(nid)
    bad = []
    for (src, dst), points in edges:
        near = set()
        for (ax, ay), (bx, by) in zip(points, points[1:]):
            for cx in range(int(min(ax, bx) // cell), int(max(ax, bx) // cell) + 1):
                for cy in range(int(min(ay, by) // cell), int(max(ay, by) // cell) + 1):
                    near.update(grid.get((cx, cy), ()))
        for nid in sorted(near - {src, dst}):
            if segments_cross_rect(points, rects[nid], 1.0):
                bad.append((src, dst, nid))
    return bad


def drawn_crossings(edges: list) -> int:
    """Crossings between the routed edges."""
    return count_crossings([points for _, points in edges])


def aspect(rects: dict) -> float:
    """Width / height of the drawing."""
    xs = [r[0] for r in rects.values()] + [r[0] + r[2] for r in rects.values()]
    ys = [r[1] for r in rects.values()] + [r[1] + r[3] for r in rects.values()]
    return (max(xs) - min(xs)) / max(1.0, max(ys) - min(ys))
