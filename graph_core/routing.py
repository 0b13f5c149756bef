"""Edge routing around cards: a polyline from an output port to an input port that crosses no card.

Cards are grouped into *slabs*: runs of cards whose extents along the data flow (x for
left-to-right, y for top-to-bottom) overlap, i.e. the layers of a layered drawing. Between two slabs
there is a gap with no card in it, so an edge may change its cross-axis position freely there; inside
a slab it runs straight through a free interval between the cards. An edge that must go backwards
(its target is not after its source) leaves through the gap after its source, runs along a free
corridor and comes back in through the gap before its target.

Pure Python (no Qt): the canvas turns the points into curves; tests and benchmarks use them as is.
"""

from __future__ import annotations

import bisect
import math

LEFT_RIGHT = "LR"
TOP_BOTTOM = "TB"
MARGIN = 10.0
EXIT = 22.0


class _Slab:
    __slots__ = ("u0", "u1", "cards", "starts", "ends")

    def __init__(self, u0: float, u1: float):
        self.u0, self.u1 = u0, u1
        self.cards: list = []  # (v0, v1, id)
        self.starts: list = []  # merged busy intervals
        self.ends: list = []

    def finish(self) -> None:
        self.cards.sort()
        for v0, v1, _ in self.cards:
            if self.starts and v0 <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], v1)
            else:
                self.starts.append(v0)
                self.ends.append(v1)

    def busy_at(self, v: float):
        """The merged busy interval strictly containing ``v``, or None."""
        i = bisect.bisect_right(self.starts, v) - 1
        if i >= 0 and self.starts[i] < v < self.ends[i]:
            return self.starts[i], self.ends[i]
        return None


class Obstacles:
    """The cards of a drawing, indexed for routing and for label placement.

    Args:
        rects: ``{card id: (x, y, width, height)}`` in scene coordinates.
        orientation: ``"LR"`` or ``"TB"`` (which axis the data flows along).
        margin: clearance kept between an edge and a card.
    """

    def __init__(self, rects: dict, orientation: str = LEFT_RIGHT, margin: float = MARGIN):
        self.orientation = orientation
        self.margin = margin
        self.rects = dict(rects)
        boxes = sorted((self._uv_box(r) + (cid,) for cid, r in rects.items()), key=lambda b: b[0])
        self.slabs: list = []
        for u0, u1, v0, v1, cid in boxes:
            if not self.slabs or u0 >= self.slabs[-1].u1:
                self.slabs.append(_Slab(u0, u1))
            slab = self.slabs[-1]
            slab.u1 = max(slab.u1, u1)
            slab.cards.append((v0, v1, cid))
        for slab in self.slabs:
            slab.finish()
        self._u0s = [s.u0 for s in self.slabs]

    def _uv_box(self, rect) -> tuple:
        x, y, w, h = rect
        m = self.margin
        if self.orientation == LEFT_RIGHT:
            return (x - m, x + w + m, y - m, y + h + m)
        return (y - m, y + h + m, x - m, x + w + m)

    def _uv(self, p) -> tuple:
        return (p[0], p[1]) if self.orientation == LEFT_RIGHT else (p[1], p[0])

    def _xy(self, u: float, v: float) -> tuple:
        return (u, v) if self.orientation == LEFT_RIGHT else (v, u)

    def _slab_at(self, u: float) -> int:
        """Index of the slab containing ``u``, else of the last slab starting before it (may be -1)."""
        return bisect.bisect_right(self._u0s, u) - 1

    def route(self, p1, p2) -> list:
        """The points of an edge from output port ``p1`` to input port ``p2`` around the cards.

        Args:
            p1: ``(x, y)`` of the output port (on the edge of the source card).
            p2: ``(x, y)`` of the input port (on the edge of the target card).

        Returns:
            ``[(x, y), ...]`` from ``p1`` to ``p2``; straight runs between the points cross no card
            except where a curve is drawn through a gap between slabs.
        """
        (u1, v1), (u2, v2) = self._uv(p1), self._uv(p2)
        si = self._slab_at(u1)
        ti = self._slab_at(u2)
        if ti > si or (ti == si and si >= 0 and u2 > u1 and not self._inside(si, u1)):
            return [self._xy(u, v) for u, v in self._forward(u1, v1, u2, v2, si, ti)]
        return [self._xy(u, v) for u, v in self._backward(u1, v1, u2, v2, si, ti)]

    def _inside(self, i: int, u: float) -> bool:
        return self.slabs[i].u0 < u < self.slabs[i].u1

    def _forward(self, u1, v1, u2, v2, si, ti) -> list:
        points = [(u1, v1)]
        v = v1
        last_u = u1
        for slab in self.slabs[si + 1:ti]:
            nv = self._free(slab, v, v2)
            if nv != v:
                if points[-1][0] < last_u:
                    points.append((last_u, v))
                points.append((slab.u0, nv))
                v = nv
            last_u = slab.u1
        if v != v2 and points[-1][0] < last_u:
            points.append((last_u, v))
        points.append((u2, v2))
        return points

    def _free(self, slab: _Slab, v: float, toward: float) -> float:
        """The free cross-axis position in ``slab`` nearest to ``v`` (ties go towards ``toward``)."""
        busy = slab.busy_at(v)
        if busy is None:
            return v
        low, high = busy
        cost_low = abs(low - v) + 0.5 * abs(low - toward)
        cost_high = abs(high - v) + 0.5 * abs(high - toward)
        return low if cost_low <= cost_high else high

    def _backward(self, u1, v1, u2, v2, si, ti) -> list:
        slabs = self.slabs
        exit_u = u1 + EXIT
        if 0 <= si < len(slabs):
            end = max(slabs[si].u1, u1)
            room = (slabs[si + 1].u0 - end) if si + 1 < len(slabs) else 2 * EXIT
            exit_u = end + min(EXIT, room / 2.0)
        entry_u = u2 - EXIT
        if 0 <= ti < len(slabs):
            start = min(slabs[ti].u0, u2)
            room = (start - slabs[ti - 1].u1) if ti >= 1 else 2 * EXIT
            entry_u = start - min(EXIT, room / 2.0)
        lo_u, hi_u = min(entry_u, exit_u), max(entry_u, exit_u)
        intervals = []
        for slab in slabs[max(0, self._slab_at(lo_u)):self._slab_at(hi_u) + 1]:
            if slab.u1 > lo_u and slab.u0 < hi_u:
                intervals.extend(zip(slab.starts, slab.ends))
        corridor = _nearest_free(sorted(intervals), (v1 + v2) / 2.0)
        return [(u1, v1), (exit_u, v1), (exit_u, corridor), (entry_u, corridor), (entry_u, v2), (u2, v2)]

    def hits(self, rect, ignore=()) -> bool:
        """True when the scene rectangle ``(x, y, w, h)`` overlaps a card not in ``ignore``.

        The card itself counts, without the routing clearance.
        """
        u0, u1, v0, v1 = self._uv_box(rect)
        m = self.margin
        u0, u1, v0, v1 = u0 + m, u1 - m, v0 + m, v1 - m
        first = max(0, self._slab_at(u0))
        for slab in self.slabs[first:]:
            if slab.u0 >= u1:
                break
            if slab.u1 <= u0:
                continue
            for cv0, cv1, cid in slab.cards:
                if cv0 >= v1:
                    break
                if cv1 > v0 and cid not in ignore:
                    return True
        return False


def _nearest_free(intervals: list, v: float) -> float:
    """The point nearest ``v`` not strictly inside any of the sorted ``(start, end)`` intervals."""
    merged: list = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in merged:
        if a < v < b:
            return a if v - a <= b - v else b
    return v


def segments_cross_rect(points: list, rect, shrink: float = 1.0) -> bool:
    """True when the polyline ``points`` passes through the inside of ``rect`` = ``(x, y, w, h)``.

    Args:
        points: ``[(x, y), ...]``.
        rect: the rectangle; ``shrink`` is taken off each side first (touching is not crossing).
    """
    x, y, w, h = rect
    x0, y0, x1, y1 = x + shrink, y + shrink, x + w - shrink, y + h - shrink
    if x1 <= x0 or y1 <= y0:
        return False
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if _clip(ax, ay, bx, by, x0, y0, x1, y1):
            return True
    return False


def _clip(ax, ay, bx, by, x0, y0, x1, y1) -> bool:
    """Liang–Barsky: does segment a–b enter the open box?"""
    t0, t1 = 0.0, 1.0
    dx, dy = bx - ax, by - ay
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return t1 - t0 > 1e-9 and math.isfinite(t0)


def count_crossings(polylines: list) -> int:
    """How many times pairs of polylines cross (shared end points do not count).

    Args:
        polylines: ``[[(x, y), ...], ...]``.

    Returns:
        the number of proper segment intersections between different polylines.
    """
    segments = []
    for k, line in enumerate(polylines):
        for a, b in zip(line, line[1:]):
            if a != b:
                segments.append((k, a, b))
    cell = 200.0
    grid: dict = {}
    for i, (_, a, b) in enumerate(segments):
        for cx in range(int(math.floor(min(a[0], b[0]) / cell)), int(math.floor(max(a[0], b[0]) / cell)) + 1):
            for cy in range(int(math.floor(min(a[1], b[1]) / cell)), int(math.floor(max(a[1], b[1]) / cell)) + 1):
                grid.setdefault((cx, cy), []).append(i)
    pairs = set()
    for members in grid.values():
        for x, i in enumerate(members):
            ki, a, b = segments[i]
            for j in members[x + 1:]:
                kj, c, d = segments[j]
                if ki != kj and (i, j) not in pairs and _proper(a, b, c, d):
                    pairs.add((i, j))
    return len(pairs)


def _proper(a, b, c, d) -> bool:
    def orient(p, q, r):
        v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return (v > 1e-9) - (v < -1e-9)
    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    return o1 * o2 < 0 and o3 * o4 < 0
