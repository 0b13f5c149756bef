"""Layered (Sugiyama) auto-layout: ranks, dummy nodes for long edges, crossing reduction, compact
coordinates, and bands so that a long chain wraps instead of running off in one row.

The four steps follow Gansner et al., "A Technique for Drawing Directed Graphs" (1993):

1. rank: each node's layer is its longest distance from an input, pulled towards its consumers;
2. an edge spanning several layers gets one dummy node per layer it crosses, so it has a reserved
   slot there and never passes under a card;
3. the order inside each layer comes from alternating median sweeps, keeping the best order seen
   (crossings counted exactly between neighbouring layers);
4. cross-axis coordinates are the closest positions to the neighbours' median that keep the order
   and the gaps (isotonic regression, pool-adjacent-violators), so chains come out straight.

A drawing much longer than wide is then cut into bands (rows of layers for left-to-right, columns
of layers for top-to-bottom) at the cuts fewest edges cross, so the whole model fits a screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph_core.document import Document
from graph_core.gc_pause import paused_gc
from graph_core.graph_algorithms import generations

LEFT_RIGHT = "LR"
TOP_BOTTOM = "TB"
ORIENTATIONS = (LEFT_RIGHT, TOP_BOTTOM)

CARD_WIDTH = 184.0
CARD_HEIGHT = 80.0
PORT_SPACING = 17.0
TAG_ROOM = 22.0          # below a card: its output tag
LAYER_GAP = {LEFT_RIGHT: 170.0, TOP_BOTTOM: 64.0}  # between layers: room for a shape label
NODE_GAP = 36.0          # between two cards of one layer
DUMMY_SIZE = 10.0        # cross-axis room of an edge passing through a layer
DUMMY_GAP = 16.0         # between a passing edge and its neighbours
BAND_GAP = 120.0         # between two bands of a wrapped drawing
TARGET_ASPECT = 1.6      # width / height aimed at when wrapping (a landscape screen)
WRAP_BEYOND = 3.0        # a drawing is wrapped only when longer than this many times its breadth
WRAP_LENGTH = 2000.0     # ... and longer than this (a short chain reads best in one line)
MAX_SWEEPS = 12

# kept for callers of the former column layout
COLUMN_WIDTH = CARD_WIDTH + LAYER_GAP[LEFT_RIGHT]
ROW_HEIGHT = CARD_HEIGHT + NODE_GAP


@dataclass
class Layout:
    """The result of :func:`layered_layout`.

    Attributes:
        positions: ``{node id: (x, y)}``, the top-left corner of each card.
        orientation: ``"LR"`` or ``"TB"``.
        bands: how many bands the layers were wrapped into.
        crossings: edge crossings between neighbouring layers (dummy nodes included).
        size: ``(width, height)`` of the drawing in scene units (cards only).
        layers: the layer index of each node.
    """

    positions: dict
    orientation: str = LEFT_RIGHT
    bands: int = 1
    crossings: int = 0
    size: tuple = (0.0, 0.0)
    layers: dict = field(default_factory=dict)


def card_size(doc: Document, nid: str) -> tuple:
    """The ``(width, height)`` a card of node ``nid`` takes on the canvas (ports make it taller)."""
    ports = max(1, len(doc.nodes[nid].inputs))
    return CARD_WIDTH, max(CARD_HEIGHT, ports * PORT_SPACING + 14.0)


def layered_layout(doc: Document, orientation: str = LEFT_RIGHT, sizes: dict | None = None,
                   wrap: bool = True, aspect: float = TARGET_ASPECT) -> Layout:
    """Lay the document's graph out in layers.

    Args:
        doc: the document (not modified).
        orientation: ``"LR"`` (layers are columns, data flows right) or ``"TB"`` (layers are rows,
            data flows down, the reading direction of Netron and ``keras.utils.plot_model``).
        sizes: ``{node id: (width, height)}`` of the cards; missing ones use :func:`card_size`.
        wrap: cut a long drawing into bands so its width/height stays near ``aspect``.
        aspect: the width/height ratio aimed at when wrapping.

    Returns:
        a :class:`Layout`.

    Raises:
        ValueError: ``orientation`` is not ``"LR"`` or ``"TB"``.
    """
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be 'LR' or 'TB', got {orientation!r}")
    if not doc.nodes:
        return Layout({}, orientation)
    with paused_gc():  # linear at any size (see graph_core.gc_pause)
        return _layered_layout(doc, orientation, sizes, wrap, aspect)


def _layered_layout(doc: Document, orientation: str, sizes: dict | None, wrap: bool, aspect: float) -> Layout:
    sizes = dict(sizes or {})
    for nid in doc.nodes:
        if nid not in sizes:
            sizes[nid] = card_size(doc, nid)
    horizontal = orientation == LEFT_RIGHT
    # (main, cross) extent of each real node: main runs along the data flow
    extent = {nid: ((w, h + TAG_ROOM) if horizontal else (h + TAG_ROOM, w)) for nid, (w, h) in sizes.items()}
    rank = {nid: i for i, column in enumerate(_pulled_columns(doc, generations(doc))) for nid in column}
    graph = _LayerGraph.build(doc, rank)
    crossings = graph.order()
    cross = graph.coordinates(extent)
    positions, size, bands = _place(graph, cross, extent, sizes, orientation, wrap, aspect)
    return Layout(positions, orientation, bands, crossings, size, rank)


def view_orientation(doc: Document) -> str:
    """The reading direction saved with the document's view state (``"LR"`` unless set)."""
    view = doc.extra.get("view")
    value = view.get("orientation") if isinstance(view, dict) else None
    return value if value in ORIENTATIONS else LEFT_RIGHT


def set_view_orientation(doc: Document, orientation: str) -> None:
    """Save the reading direction in the document's view state (``"view"``, kept in the file).

    Raises:
        ValueError: ``orientation`` is not ``"LR"`` or ``"TB"``.
    """
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be 'LR' or 'TB', got {orientation!r}")
    view = doc.extra.get("view")
    if not isinstance(view, dict):
        view = doc.extra["view"] = {}
    view["orientation"] = orientation


def layered_positions(doc: Document, orientation: str = LEFT_RIGHT, sizes: dict | None = None) -> dict:
    """``{node id: (x, y)}`` of :func:`layered_layout` (top-left corners of the cards)."""
    return layered_layout(doc, orientation, sizes).positions


def auto_layout_edit(doc: Document, orientation: str = LEFT_RIGHT, sizes: dict | None = None):
    """Return the :class:`graph_core.edits.Move` edit that lays the document out."""
    from graph_core.edits import Move

    return Move(layered_positions(doc, orientation, sizes))


class _LayerGraph:
    """Layers of real and dummy nodes with the edges between neighbouring layers.

    Nodes are numbered (``keys[k]`` is a node id or, for a dummy, a tuple) and every table is a list
    indexed by that number: at 100,000 nodes list indexing keeps the per-node cost flat where
    dictionaries keyed by ids slow down with their size (cache misses).
    """

    def __init__(self):
        self.keys: list = []       # k -> node id, or ("~", source, target, layer) for a dummy
        self.dummy: list = []      # k -> True for a dummy node
        self.layers: list = []     # list of lists of node numbers
        self.up: list = []         # k -> numbers in the layer before that feed it
        self.down: list = []       # k -> numbers in the layer after that it feeds
        self.slot: list = []       # k -> parallel to down[k]: input slot / slot count of a real target
        self.pos: list = []        # k -> index in its layer

    def _add(self, key, dummy: bool) -> int:
        self.keys.append(key)
        self.dummy.append(dummy)
        self.up.append([])
        self.down.append([])
        self.slot.append([])
        return len(self.keys) - 1

    @classmethod
    def build(cls, doc: Document, rank: dict) -> _LayerGraph:
        g = cls()
        depth = max(rank.values()) + 1
        g.layers = [[] for _ in range(depth)]
        number = {}
        for nid in doc.nodes:
            number[nid] = k = g._add(nid, False)
            g.layers[rank[nid]].append(k)
        seen = set()
        for nid, node in doc.nodes.items():
            target = number[nid]
            for k, ref in enumerate(node.inputs):
                src = ref.node
                if src not in rank or (src, nid) in seen or rank[src] >= rank[nid]:
                    continue  # unknown, repeated or backward (cycle) edges get no slots
                seen.add((src, nid))
                prev = number[src]
                for r in range(rank[src] + 1, rank[nid]):
                    dummy = g._add(("~", src, nid, r), True)
                    g.layers[r].append(dummy)
                    g.up[dummy].append(prev)
                    g.down[prev].append(dummy)
                    g.slot[prev].append(0.0)
                    prev = dummy
                g.down[prev].append(target)
                g.slot[prev].append(k / len(node.inputs))
                g.up[target].append(prev)
        g.pos = [0] * len(g.keys)
        g._initial_order()
        return g

    def _index(self) -> None:
        for layer in self.layers:
            for i, key in enumerate(layer):
                self.pos[key] = i

    def _initial_order(self) -> None:
        """Depth-first order from the inputs, so that each branch starts out contiguous."""
        order = [-1] * len(self.keys)
        seen = 0
        for key in self.layers[0]:
            seen = self._visit(key, order, seen)
        for layer in self.layers:
            for key in layer:
                seen = self._visit(key, order, seen)
            layer.sort(key=order.__getitem__)
        self._index()

    def _visit(self, start: int, order: list, seen: int) -> int:
        stack = [start]
        while stack:
            key = stack.pop()
            if order[key] >= 0:
                continue
            order[key] = seen
            seen += 1
            stack.extend(reversed(self.down[key]))
        return seen

    def crossings(self) -> int:
        """Exact count of crossings between every pair of neighbouring layers."""
        return sum(self._crossings_below(i) for i in range(len(self.layers) - 1))

    def _crossings_below(self, i: int) -> int:
        pos, down, slot = self.pos, self.down, self.slot
        ends = sorted((pos[a], pos[b] + s) for a in self.layers[i] for b, s in zip(down[a], slot[a]))
        ranks = {v: r for r, v in enumerate(sorted({b for _, b in ends}))}
        return _inversions([ranks[b] for _, b in ends], len(ranks))

    def order(self) -> int:
        """Reorder the layers with median sweeps; keep the order with the fewest crossings.

        Returns:
            the crossing count of the order kept.
        """
        best = self.crossings()
        best_layers = [list(layer) for layer in self.layers]
        edges = sum(len(v) for v in self.down)
        sweeps = max(2, min(MAX_SWEEPS, int(400000 / max(1, edges))))
        for sweep in range(sweeps):
            if best == 0:
                break
            downward = sweep % 2 == 0
            indices = range(1, len(self.layers)) if downward else range(len(self.layers) - 2, -1, -1)
            for i in indices:
                self._sort_layer(i, self.up if downward else self.down)
            self._transpose()
            count = self.crossings()
            if count < best:
                best = count
                best_layers = [list(layer) for layer in self.layers]
        self.layers = best_layers
        self._index()
        return best

    def _sort_layer(self, i: int, neighbours: dict) -> None:
        layer = self.layers[i]
        pos, slot = self.pos, self.slot
        below = neighbours is self.down
        keys = {}
        for key in layer:
            if below:
                found = sorted(pos[n] + s for n, s in zip(neighbours[key], slot[key]))
            else:
                found = sorted(pos[n] for n in neighbours[key])
            keys[key] = _median(found) if found else float(pos[key])
        layer.sort(key=lambda k: (keys[k], pos[k]))
        for j, key in enumerate(layer):
            pos[key] = j

    def _transpose(self) -> None:
        """Swap neighbours in a layer where that removes crossings (one pass over small layers)."""
        pos = self.pos
        for layer in self.layers:
            if len(layer) < 2 or len(layer) > 60:
                continue
            for j in range(len(layer) - 1):
                a, b = layer[j], layer[j + 1]
                if self._pair_crossings(b, a) < self._pair_crossings(a, b):
                    layer[j], layer[j + 1] = b, a
                    pos[a], pos[b] = j + 1, j

    def _pair_crossings(self, a, b) -> int:
        """Crossings between the edges of ``a`` and of ``b`` if ``a`` stands left of ``b``."""
        pos = self.pos
        count = 0
        for neighbours in (self.up, self.down):
            for x in neighbours[a]:
                for y in neighbours[b]:
                    if pos[y] < pos[x]:
                        count += 1
        return count

    def coordinates(self, extent: dict) -> dict:
        """Cross-axis centre of every key: near its neighbours' median, order and gaps kept."""
        dummy, keys = self.dummy, self.keys

        def size(key) -> float:
            return DUMMY_SIZE if dummy[key] else extent[keys[key]][1]

        def gap(a, b) -> float:
            return NODE_GAP if not (dummy[a] or dummy[b]) else DUMMY_GAP

        seps = [[(size(a) + size(b)) / 2.0 + gap(a, b) for a, b in zip(layer, layer[1:])] for layer in self.layers]
        cross = [0.0] * len(self.keys)
        for layer, sep in zip(self.layers, seps):
            v = 0.0
            for j, key in enumerate(layer):
                cross[key] = v
                if j < len(sep):
                    v += sep[j]
            shift = v / 2.0
            for key in layer:
                cross[key] -= shift
        n = len(self.layers)
        passes = [(range(1, n), self.up), (range(n - 2, -1, -1), self.down)] * 3
        passes.append((range(n), None))
        up, down = self.up, self.down
        for indices, neighbours in passes:
            for i in indices:
                layer = self.layers[i]
                if len(layer) == 1:  # a chain's layer: straight in line with its neighbours
                    key = layer[0]
                    near = (up[key] + down[key]) if neighbours is None else neighbours[key]
                    if len(near) == 1:
                        cross[key] = cross[near[0]]
                    elif near:
                        cross[key] = _median(sorted(cross[k] for k in near))
                    continue
                wanted = []
                for key in layer:
                    near = (self.up[key] + self.down[key]) if neighbours is None else neighbours[key]
                    vs = sorted(cross[k] for k in near)
                    wanted.append(_median(vs) if vs else cross[key])
                for key, v in zip(layer, _isotonic(wanted, seps[i])):
                    cross[key] = v
        return cross


def _place(graph: _LayerGraph, cross: list, extent: dict, sizes: dict, orientation: str,
           wrap: bool, aspect: float) -> tuple:
    """Top-left card positions, the drawing's size and the number of bands."""
    layers = graph.layers
    gap = LAYER_GAP[orientation]
    keys, dummy = graph.keys, graph.dummy
    thickness = [max((extent[keys[k]][0] for k in layer if not dummy[k]), default=DUMMY_SIZE)
                 for layer in layers]
    main_at = []
    u = 0.0
    for t in thickness:
        main_at.append(u)
        u += t + gap
    half = [DUMMY_SIZE / 2 if dummy[k] else extent[keys[k]][1] / 2 for k in range(len(keys))]
    low = [min(cross[k] - half[k] for k in layer) for layer in layers]
    high = [max(cross[k] + half[k] for k in layer) for layer in layers]
    horizontal = orientation == LEFT_RIGHT
    cuts = _choose_cuts(graph, main_at, thickness, low, high, horizontal, aspect) if wrap else [0, len(layers)]
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
                v0 = offset + cross[k] - band_low - extent[key][1] / 2
                if horizontal:
                    positions[key] = (u0, v0)
                else:
                    positions[key] = (v0, u0 + (thickness[i] - extent[key][0]) / 2)
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


def _choose_cuts(graph: _LayerGraph, main_at: list, thickness: list, low: list, high: list,
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
        return abs(_log(ratio / aspect)), cuts, (ratio < aspect) if horizontal else (ratio > aspect)

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


def _log(x: float) -> float:
    import math

    return math.log(max(x, 1e-9))


def _median(sorted_values: list) -> float:
    m = len(sorted_values)
    if m % 2:
        return float(sorted_values[m // 2])
    return (sorted_values[m // 2 - 1] + sorted_values[m // 2]) / 2.0


def _isotonic(wanted: list, seps: list) -> list:
    """Positions closest (least squares) to ``wanted`` with ``x[j+1] - x[j] >= seps[j]``."""
    offsets = [0.0]
    for s in seps:
        offsets.append(offsets[-1] + s)
    blocks: list = []  # [mean, count]
    for w, off in zip(wanted, offsets):
        blocks.append([w - off, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks[-1]
            blocks[-1] = [(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2]
    out = []
    for mean, count in blocks:
        out.extend([mean] * count)
    return [y + off for y, off in zip(out, offsets)]


def _inversions(values: list, size: int) -> int:
    """Pairs ``i < j`` with ``values[i] > values[j]`` (a Fenwick tree over ``range(size)``)."""
    tree = [0] * (size + 1)
    count = 0
    for seen, v in enumerate(values):
        i = v + 1
        le = 0
        while i > 0:
            le += tree[i]
            i -= i & -i
        count += seen - le
        i = v + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


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
