"""Step 5 of the layered layout: main-axis coordinates, and bands so that a long drawing wraps.

A drawing much longer than wide is cut into bands (rows of layers for left-to-right, columns of
layers for top-to-bottom) at the cuts fewest edges cross, so the whole model fits a screen.
"""

from __future__ import annotations

import math

from graph_core.layer_graph import DUMMY_SIZE, LayerGraph

LEFT_RIGHT = "LR"
TOP_BOTTOM = "TB"
LAYER_GAP = {LEFT_RIGHT: 170.0, TOP_BOTTOM: 64.0}  # between layers: room for a shape label
BAND_GAP = 120.0         # between two bands of a wrapped drawing
WRAP_BEYOND = 3.0        # a drawing is wrapped only when longer than this many times its breadth
WRAP_LENGTH = 2000.0     # ... and longer than this (a short chain reads best in one line)


def place(graph: LayerGraph, cross: list, extent: list, orientation: str, wrap: bool, aspect: float) -> tuple:
    """Top-left card positions, the drawing's size and the number of bands.

    Args:
        graph: the ordered layers.
        cross: ``k -> cross-axis centre`` (:meth:`LayerGraph.coordinates`).
        extent: ``k -> (main, cross)`` extent of each real node.
        orientation: ``"LR"`` or ``"TB"``.
        wrap: cut a long drawing into bands.
        aspect: the width/height ratio aimed at when wrapping.

    Returns:
        ``(positions {node id: (x, y)}, (width, height), band count)``.
    """
    layers = graph.layers
    gap = LAYER_GAP[orientation]
    keys, dummy = graph.keys, graph.dummy
    thickness = [max((extent[k][0] for k in layer if not dummy[k]), default=DUMMY_SIZE)
                 for layer in layers]
    main_at = []
    u = 0.0
    for t in thickness:
        main_at.append(u)
        u += t + gap
    half = [DUMMY_SIZE / 2 if dummy[k] else extent[k][1] / 2 for k in range(len(keys))]
    low = [min(cross[k] - half[k] for k in layer) for layer in layers]
    high = [max(cross[k] + half[k] for k in layer) for layer in layers]
    horizontal = orientation == LEFT_RIGHT
    cuts = choose_cuts(graph, main_at, thickness, low, high, horizontal, aspect) if wrap else [0, len(layers)]
    positions = {}
    offset = 0.0
    width = height = 0.0
    for start, stop in zip(cuts, cuts[1:]):
        band_low = min(low[start:stop])
        band_high = max(high[start:stop])
        for i in range(start, stop):
            u0 = main_at[i] - main_at[start]
            for k in layers[i]:
                if dummy[k]:
                    continue
                key = keys[k]
                v0 = offset + cross[k] - band_low - extent[k][1] / 2
                if horizontal:
                    positions[key] = (u0, v0)
                else:
                    positions[key] = (v0, u0 + (thickness[i] - extent[k][0]) / 2)
        band_len = main_at[stop - 1] + thickness[stop - 1] - main_at[start]
        if horizontal:
            width = max(width, band_len)
        else:
            height = max(height, band_len)
        offset += band_high - band_low + BAND_GAP
    if horizontal:
        height = offset - BAND_GAP
    else:
        width = offset - BAND_GAP
    return positions, (width, height), len(cuts) - 1


def choose_cuts(graph: LayerGraph, main_at: list, thickness: list, low: list, high: list,
                horizontal: bool, aspect: float) -> list:
    """Layer indices where bands start (plus the end), for the band count nearest to ``aspect``."""
    n = len(main_at)
    crossing = [0] * (n + 1)  # edges between layer i-1 and layer i
    for i in range(1, n):
        crossing[i] = sum(len(graph.down[k]) for k in graph.layers[i - 1])
    length = main_at[-1] + thickness[-1]
    if length <= WRAP_LENGTH or length / max(max(high) - min(low), 1.0) <= WRAP_BEYOND:
        return [0, n]

    def attempt(k: int, search: bool = True) -> tuple:
        """``(score, cuts, too many bands)`` of a drawing cut into ``k`` bands (``search``: each cut
        moved, within a window, to where the fewest edges cross; else cut at equal lengths)."""
        cuts = [0]
        for b in range(1, k):
            ideal = round(b * n / k)
            window = max(1, n // (4 * k)) if search else 0
            lo, hi = max(cuts[-1] + 1, ideal - window), min(n - 1, ideal + window)
            if lo > hi:
                continue
            cuts.append(min(range(lo, hi + 1), key=lambda c, ideal=ideal: (crossing[c], abs(c - ideal))))
        cuts.append(n)
        main = max(main_at[e - 1] + thickness[e - 1] - main_at[s] for s, e in zip(cuts, cuts[1:]))
        across = sum(max(high[s:e]) - min(low[s:e]) for s, e in zip(cuts, cuts[1:])) + BAND_GAP * (len(cuts) - 2)
        ratio = main / across if horizontal else across / main
        return abs(log_of(ratio / aspect)), cuts, (ratio < aspect) if horizontal else (ratio > aspect)

    # more bands only make the drawing narrower: find the first band count past the aspect by
    # bisection over equal cuts (each attempt one pass over the layers), then place the cuts of
    # the band counts around it where the fewest edges cross and keep the best
    lo, hi = 1, max(1, n // 2)
    while lo < hi:
        mid = (lo + hi) // 2
        if attempt(mid, search=False)[2]:
            hi = mid
        else:
            lo = mid + 1
    candidates = [attempt(k) for k in sorted({max(1, lo - 1), lo, min(max(1, n // 2), lo + 1)})]
    return min(candidates, key=lambda c: (c[0], len(c[1])))[1]


def log_of(x: float) -> float:
    """``log(x)``, with ``x`` floored at 1e-9."""
    return math.log(max(x, 1e-9))
