"""Step 1 of the layered layout: the layer (rank) of every node.

Nodes are numbered in document order and every table is a list indexed by that number, built in
one pass over the document: at 100,000 nodes list indexing keeps the per-node cost flat where
dictionaries keyed by node ids slow down with their size (cache misses).
"""

from __future__ import annotations

from graph_core.document import Document
from graph_core.records import Record


class NumberedGraph(Record):
    """The document's nodes numbered in document order.

    Attributes:
        ids: ``k -> node id``.
        inputs: ``k -> [source number per input slot]`` (-1 for a node not in the document).
        is_input: ``k -> True`` for a node of an ``Input`` layer.
    """

    __slots__ = _fields = ("ids", "inputs", "is_input")

    def __init__(self, ids: list, inputs: list, is_input: list):
        self.ids = ids
        self.inputs = inputs
        self.is_input = is_input


def numbered_graph(doc: Document) -> NumberedGraph:
    """Number the nodes of ``doc`` (document order) and their inputs (one dictionary pass).

    Args:
        doc: the document (not modified).

    Returns:
        a :class:`NumberedGraph`.
    """
    ids = list(doc.nodes)
    number = {nid: k for k, nid in enumerate(ids)}
    layers = doc.layers
    inputs, is_input = [], []
    for node in doc.nodes.values():
        inputs.append([number.get(ref.node, -1) for ref in node.inputs])
        is_input.append(layers[node.layer].type == "Input")
    return NumberedGraph(ids, inputs, is_input)


def node_ranks(graph: NumberedGraph) -> list:
    """The layer of every node: its longest distance from an input, then pulled next to its consumers.

    Nodes on or behind a cycle come after all the others, one layer each in document order.
    A node that is not an ``Input`` moves forward to the layer just before its nearest consumer,
    so branches don't span layers. Empty layers are dropped.

    Args:
        graph: the numbered document (:func:`numbered_graph`).

    Returns:
        ``k -> layer index`` (layers counted from 0 with none empty).
    """
    depth = _longest_distances(graph)
    consumers = _consumers(graph)
    # visit layers from the last, each in document order (a node pulled right may pull its inputs)
    by_depth: list = [[] for _ in range(max(depth, default=-1) + 1)]
    for k, d in enumerate(depth):
        by_depth[d].append(k)
    is_input = graph.is_input
    for column in reversed(by_depth):
        for k in column:
            users = consumers[k]
            if is_input[k] or not users:
                continue
            nearest = min(depth[c] for c in users) - 1
            if nearest > depth[k]:
                depth[k] = nearest
    used = sorted(set(depth))
    if len(used) == len(by_depth):
        return depth
    compact = [0] * (used[-1] + 1)
    for i, d in enumerate(used):
        compact[d] = i
    return [compact[d] for d in depth]


def _consumers(graph: NumberedGraph) -> list:
    """``k -> numbers of the nodes reading k`` (once per input slot, in document order)."""
    consumers: list = [[] for _ in graph.ids]
    for k, sources in enumerate(graph.inputs):
        for s in sources:
            if s >= 0:
                consumers[s].append(k)
    return consumers


def _longest_distances(graph: NumberedGraph) -> list:
    """``k -> longest distance from a node without inputs`` (Kahn's order); nodes left over by a
    cycle get one more than the largest distance so far each, in document order."""
    n = len(graph.ids)
    consumers = _consumers(graph)
    indegree = [0] * n
    for k, sources in enumerate(graph.inputs):
        indegree[k] = sum(1 for s in sources if s >= 0)
    depth = [-1] * n
    ready = [k for k in range(n) if indegree[k] == 0]
    for k in ready:  # ``ready`` grows while it is walked: a first-in first-out queue
        depth[k] = max((depth[s] + 1 if s >= 0 else 0 for s in graph.inputs[k]), default=0)
        for c in consumers[k]:
            indegree[c] -= 1
            if indegree[c] == 0:
                ready.append(c)
    if len(ready) < n:
        deepest = max(depth)
        for k in range(n):
            if depth[k] < 0:
                deepest += 1
                depth[k] = deepest
    return depth
