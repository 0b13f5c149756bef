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
BAND_STRIPE = 90.0  # a free stripe across the whole drawing at least this wide separates two bands
CROSSING_COST = 1000.0  # scene units of detour an edge takes to avoid crossing one short edge


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

    def free_near(self, values) -> list:
        """The free intervals containing or next to each of ``values`` (a few candidates)."""
        out = []
        n = len(self.starts)
        for v in values:
            i = bisect.bisect_right(self.starts, v)  # free interval i lies between busy i-1 and busy i
            for j in (i - 1, i, i + 1):
                if 0 <= j <= n:
                    lo = self.ends[j - 1] if j > 0 else -math.inf
                    hi = self.starts[j] if j < n else math.inf
                    if lo < hi and (lo, hi) not in out:
                        out.append((lo, hi))
        return out

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
        links: ``[(p1, p2)]`` output and input ports of the drawing's edges. An edge joining two
            neighbouring slabs is drawn straight across their gap; a longer edge routed past it
            then chooses its free intervals so as not to cross it where a detour allows (the
            crossing-free slots a layered layout reserved for it).
    """

    def __init__(self, rects: dict, orientation: str = LEFT_RIGHT, margin: float = MARGIN,
                 links=()):
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
        self._busy = None
        self._links: dict = {}  # gap index k (slab k to slab k + 1) -> _GapLinks
        for p1, p2 in links:
            (a_u, a_v), (b_u, b_v) = self._uv(p1), self._uv(p2)
            k = self._slab_at(a_u)
            if k >= 0 and self._slab_at(b_u) == k + 1:
                self._links.setdefault(k, _GapLinks()).add(a_v, b_v)
        for gap in self._links.values():
            gap.finish()

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
            ``[(x, y), ...]`` from ``p1`` to ``p2``. Where two points differ in both coordinates the
            canvas draws a curve inside the gap between slabs; elsewhere the run is straight.
        """
        (u1, v1), (u2, v2) = self._uv(p1), self._uv(p2)
        si = self._slab_at(u1)
        ti = self._slab_at(u2)
        if ti > si and not self._band_between(v1, v2):
            points, _ = self._forward(u1, v1, u2, v2, si + 1, ti)
        else:
            points = self._backward(u1, v1, u2, v2, si, ti)
        return [self._xy(u, v) for u, v in points]

    def _forward(self, u1, v1, u2, v2, first: int, stop: int) -> tuple:
        """Points from ``(u1, v1)`` through slabs ``first .. stop - 1`` to ``(u2, v2)`` (``v2``
        None: end straight).

        The free interval used in each slab is chosen (dynamic programming over a few candidates
        per slab) to keep the cross-axis travel smallest, nearest the straight line from source to
        target, crossing as few short edges as it can; inside the chosen intervals the edge runs
        as straight as it can (a taut string).
        """
        first = max(first, 0)
        slabs = self.slabs[first:stop]
        if not slabs:
            return [(u1, v1), (u2, v1 if v2 is None else v2)], (v1 if v2 is None else v2)
        end_v = v1 if v2 is None else v2
        span = max(u2 - u1, 1e-9)
        options = []
        for slab in slabs:
            line = v1 + (end_v - v1) * ((slab.u0 + slab.u1) / 2 - u1) / span
            options.append(slab.free_near((line, v1, end_v)))
        chosen = _cheapest(options, v1, None if v2 is None else v2, [
            v1 + (end_v - v1) * ((slab.u0 + slab.u1) / 2 - u1) / span for slab in slabs],
            [self._links.get(k) for k in range(first - 1, first + len(slabs))])
        values = _taut(chosen, v1, v2)
        points = [(u1, v1)]
        v = v1
        last_u = u1
        for slab, nv in zip(slabs, values):
            if nv != v:
                if points[-1][0] < last_u:
                    points.append((last_u, v))
                points.append((slab.u0, nv))
                v = nv
            last_u = slab.u1
        if v2 is None:
            v2 = v
        if v != v2 and points[-1][0] < last_u:
            points.append((last_u, v))
        points.append((u2, v2))
        return points, v2

    def _backward(self, u1, v1, u2, v2, si, ti) -> list:
        """Forward to the far margin, back along a free corridor, in from the near margin.

        A wrapped drawing's bands are left this way (like a line of text returning), and so is
        every other edge whose target does not lie after its source.
        """
        if not self.slabs:
            return [(u1, v1), (u2, v2)]
        far = self.slabs[-1].u1 + EXIT
        near = self.slabs[0].u0 - EXIT
        out, v_out = self._forward(u1, v1, far, None, si + 1, len(self.slabs))
        corridor = _corridor(self._free_stripes(), v_out, v2)
        back, _ = self._forward(near, corridor, u2, v2, 0, max(ti, 0))
        if back[1][1] != corridor:  # down the margin to where the edge enters the band
            back.insert(1, (near, back[1][1]))
        return out + [(far, corridor)] + back

    def _band_between(self, v1: float, v2: float) -> bool:
        """True when a band gap (a wide stripe free across the drawing) lies between ``v1`` and ``v2``."""
        return _stripes(self._free_stripes(), v1, v2, BAND_STRIPE) != []

    def _free_stripes(self) -> tuple:
        """``(gaps, gap starts, merged busy)``: cross-axis stripes no card of any slab covers."""
        if self._busy is None:
            merged = _merged(sorted(iv for slab in self.slabs for iv in zip(slab.starts, slab.ends)))
            gaps = [(end, start) for (_, end), (start, _) in zip(merged, merged[1:]) if start > end]
            self._busy = (gaps, [g[0] for g in gaps], merged)
        return self._busy

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


def _gap(a: tuple, b: tuple) -> float:
    """Distance between two intervals (0 when they overlap)."""
    return max(0.0, a[0] - b[1], b[0] - a[1])


class _GapLinks:
    """The short edges across one gap between slabs: ``(a, b)`` cross-axis values of their ports."""

    __slots__ = ("items", "los", "span")

    def __init__(self):
        self.items: list = []
        self.los: list = []
        self.span = 0.0

    def add(self, a: float, b: float) -> None:
        self.items.append((min(a, b), a, b))

    def finish(self) -> None:
        self.items.sort()
        self.los = [lo for lo, _, _ in self.items]
        self.span = max((abs(a - b) for _, a, b in self.items), default=0.0)

    def crossed(self, x: tuple, y: tuple) -> int:
        """How many links a run from interval ``x`` (before the gap) to ``y`` (after it) crosses."""
        lo, hi = min(x[0], y[0]), max(x[1], y[1])
        start = bisect.bisect_left(self.los, lo - self.span)
        stop = bisect.bisect_right(self.los, hi)
        count = 0
        for _, a, b in self.items[start:stop]:
            if _side(a, x) * _side(b, y) < 0:
                count += 1
        return count


def _side(v: float, iv: tuple) -> int:
    """-1 below the interval, +1 above it, 0 inside (a shared port: no crossing)."""
    return -1 if v < iv[0] else (1 if v > iv[1] else 0)


def _cheapest(options: list, v1: float, v2, lines: list, gaps: list) -> list:
    """One interval per slab, least total travel from ``v1`` (to ``v2``), near ``lines``.

    ``gaps[k]`` holds the short edges of the gap before option ``k``'s slab (``gaps[len(options)]``:
    the gap after the last slab), or None.
    """
    def near(iv, line):
        return 0.001 * _gap(iv, (line, line))

    def crossing(k, a, b):
        gap = gaps[k]
        return CROSSING_COST * gap.crossed(a, b) if gap is not None else 0.0

    start = (v1, v1)
    cost = [_gap(iv, start) + near(iv, lines[0]) + crossing(0, start, iv) for iv in options[0]]
    back = []
    for k in range(1, len(options)):
        row, links = [], []
        prev = options[k - 1]
        for iv in options[k]:
            steps = [cost[i] + _gap(prev[i], iv) + crossing(k, prev[i], iv) for i in range(len(cost))]
            best = min(range(len(steps)), key=steps.__getitem__)
            row.append(steps[best] + near(iv, lines[k]))
            links.append(best)
        cost = row
        back.append(links)
    if v2 is not None:
        end = (v2, v2)
        cost = [c + _gap(iv, end) + crossing(len(options), iv, end) for c, iv in zip(cost, options[-1])]
    j = min(range(len(cost)), key=cost.__getitem__)
    picks = [j]
    for links in reversed(back):
        j = links[j]
        picks.append(j)
    picks.reverse()
    return [options[k][j] for k, j in enumerate(picks)]


def _taut(intervals: list, v1: float, v2) -> list:
    """Cross-axis value per slab inside ``intervals``, changing as little and as late as needed."""
    values: list = []
    lo, hi = intervals[0]
    start = 0
    for k in range(1, len(intervals)):
        a, b = intervals[k]
        if max(lo, a) <= min(hi, b):
            lo, hi = max(lo, a), min(hi, b)
            continue
        prev = values[-1] if values else v1
        val = _clamp(prev, lo, hi)
        if val == prev or not (lo <= prev <= hi):
            val = hi if a > hi else lo
            if lo <= prev <= hi:
                val = prev
        values.extend([val] * (k - start))
        lo, hi, start = a, b, k
    prev = values[-1] if values else v1
    values.extend([_clamp(prev if v2 is None else v2, lo, hi)] * (len(intervals) - start))
    return values


def _clamp(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def _stripes(free: tuple, v1: float, v2: float, min_width: float = 0.0) -> list:
    """``(start, end)`` of the free stripes between ``v1`` and ``v2`` at least ``min_width`` wide,
    nearest ``v1`` first (``free`` from :meth:`Obstacles._free_stripes`)."""
    gaps, starts, _ = free
    lo, hi = min(v1, v2), max(v1, v2)
    found = []
    for i in range(bisect.bisect_left(starts, lo - 1e-9), len(gaps)):
        start, end = gaps[i]
        if end > hi + 1e-9:
            break
        if end - start >= max(min_width, 1e-9):
            found.append((start, end))
    return sorted(found, key=lambda iv: abs((iv[0] + iv[1]) / 2.0 - v1))


def _corridor(free: tuple, v_from: float, v_to: float) -> float:
    """Middle of the band gap between ``v_from`` and ``v_to`` nearest ``v_from``, else of the widest
    free stripe between them, else the free point nearest their middle."""
    wide = _stripes(free, v_from, v_to, BAND_STRIPE)
    if wide:
        return (wide[0][0] + wide[0][1]) / 2.0
    any_width = _stripes(free, v_from, v_to)
    if any_width:
        start, end = max(any_width, key=lambda iv: iv[1] - iv[0])
        return (start + end) / 2.0
    return _nearest_free(free[2], (v_from + v_to) / 2.0)


def _merged(intervals: list) -> list:
    merged: list = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def _nearest_free(merged: list, v: float) -> float:
    """The point nearest ``v`` not strictly inside any of the merged, sorted ``[start, end]`` intervals."""
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
