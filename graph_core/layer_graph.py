"""Steps 2 to 4 of the layered layout: dummy nodes for long edges, the order inside each layer
(median sweeps, exact crossing counts), and cross-axis coordinates (isotonic regression).

See :mod:`graph_core.layout` for the method (Gansner et al. 1993).
"""

from __future__ import annotations

from graph_core.layout_ranks import NumberedGraph

MAX_SWEEPS = 12
NODE_GAP = 36.0          # between two cards of one layer
DUMMY_SIZE = 10.0        # cross-axis room of an edge passing through a layer
DUMMY_GAP = 16.0         # between a passing edge and its neighbours


class LayerGraph:
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
    def build(cls, graph: NumberedGraph, rank: list) -> LayerGraph:
        """The layers of ``graph`` ranked by ``rank`` (:mod:`graph_core.layout_ranks`), with a
        dummy node wherever an edge spans a layer."""
        g = cls()
        g.layers = [[] for _ in range(max(rank) + 1)]
        for k, key in enumerate(graph.ids):  # real nodes keep their document number
            g._add(key, False)
            g.layers[rank[k]].append(k)
        ids = graph.ids
        for target, sources in enumerate(graph.inputs):
            seen = set()
            count = len(sources)
            for k, src in enumerate(sources):
                if src < 0 or src in seen or rank[src] >= rank[target]:
                    continue  # unknown, repeated or backward (cycle) edges get no slots
                seen.add(src)
                prev = src
                for r in range(rank[src] + 1, rank[target]):
                    dummy = g._add(("~", ids[src], ids[target], r), True)
                    g.layers[r].append(dummy)
                    g.up[dummy].append(prev)
                    g.down[prev].append(dummy)
                    g.slot[prev].append(0.0)
                    prev = dummy
                g.down[prev].append(target)
                g.slot[prev].append(k / count)
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
        return inversions([ranks[b] for _, b in ends], len(ranks))

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

    def _sort_layer(self, i: int, neighbours: list) -> None:
        layer = self.layers[i]
        pos, slot = self.pos, self.slot
        below = neighbours is self.down
        keys = {}
        for key in layer:
            if below:
                found = sorted(pos[n] + s for n, s in zip(neighbours[key], slot[key]))
            else:
                found = sorted(pos[n] for n in neighbours[key])
            keys[key] = median(found) if found else float(pos[key])
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

    def coordinates(self, extent: list) -> list:
        """Cross-axis centre of every node number: near its neighbours' median, order and gaps kept.

        Args:
            extent: ``k -> (main, cross)`` extent of each real node.

        Returns:
            ``k -> cross-axis centre`` (dummy nodes included).
        """
        dummy = self.dummy

        def size(key) -> float:
            return DUMMY_SIZE if dummy[key] else extent[key][1]

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
                        cross[key] = median(sorted(cross[k] for k in near))
                    continue
                wanted = []
                for key in layer:
                    near = (self.up[key] + self.down[key]) if neighbours is None else neighbours[key]
                    vs = sorted(cross[k] for k in near)
                    wanted.append(median(vs) if vs else cross[key])
                for key, v in zip(layer, isotonic(wanted, seps[i])):
                    cross[key] = v
        return cross


def median(sorted_values: list) -> float:
    m = len(sorted_values)
    if m % 2:
        return float(sorted_values[m // 2])
    return (sorted_values[m // 2 - 1] + sorted_values[m // 2]) / 2.0


def isotonic(wanted: list, seps: list) -> list:
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


def inversions(values: list, size: int) -> int:
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
