"""What a batch of structural edits changed, for a re-check proportional to the edit.

A structural edit (add or remove a node, connect, disconnect) used to make the
:class:`~graph_core.analysis.Analyzer` recompute the whole graph-level part of the check: the
topological order, every name, reachability and every layer's parameters, a linear pass over the
graph after every edit. Most edits change a few nodes in ways that can be applied directly: a
new node goes after its inputs at the end of the order, a removed node leaves a hole in it, a
node that reaches no output can be rewired without changing what reaches one. :func:`classify`
sorts the nodes and layers named by the edits' change events against the last check, and
:class:`TopologicalIndex` keeps a topological order valid; whatever they cannot vouch for (a cycle,
no room in the order, ids that do not add up) sends the caller back to the full recompute.
"""

from __future__ import annotations

from graph_core.document import Document
from graph_core.records import frozen


@frozen
class StructureDelta:
    """The nodes and layers a batch of structural edits added, removed or changed.

    Attributes:
        added, removed, changed: node ids (``changed``: present before and after, with new inputs
            or a new layer).
        added_layers, removed_layers: layer ids.
        renamed_layers: layer ids present before and after whose name differs from the one
            checked (a layer removed and another added under the same id).
        kept_layers: the other layer ids named (their calls may have changed: the name
            problems that list a layer's nodes are re-worded).
    """

    added: list
    removed: list
    changed: list
    added_layers: list
    removed_layers: list
    renamed_layers: list
    kept_layers: list


def classify(doc: Document, position: dict, names: dict, nodes: set, layers: set) -> StructureDelta | None:
    """Sort the node and layer ids that change events named against the last check.

    Args:
        doc: the document now.
        position: node id -> position in the topological order of the last check.
        names: layer id -> the name it was checked with (every layer of the last check).
        nodes, layers: the ids the events named.

    Returns:
        The delta, or None when the counts show a change the events did not name (the caller
        then recomputes from scratch).
    """
    doc_nodes, doc_layers = doc.nodes, doc.layers
    added, removed, changed = [], [], []
    for nid in nodes:
        if nid in position:
            (changed if nid in doc_nodes else removed).append(nid)
        elif nid in doc_nodes:
            added.append(nid)
    added_layers, removed_layers, renamed, kept = [], [], [], []
    for lid in layers:
        layer = doc_layers.get(lid)
        if lid not in names:
            if layer is not None:
                added_layers.append(lid)
        elif layer is None:
            removed_layers.append(lid)
        elif layer.name != names[lid]:
            renamed.append(lid)
        else:
            kept.append(lid)
    if (len(position) - len(removed) + len(added) != len(doc_nodes)
            or len(names) - len(removed_layers) + len(added_layers) != len(doc_layers)):
        return None
    return StructureDelta(added, removed, changed, added_layers, removed_layers, renamed, kept)


class TopologicalIndex:
    """A sortable position for every node, kept topological (each node after its inputs) through
    structural edits without renumbering the graph.

    Positions start as the integers of a full topological order; an added node goes after the
    last one, and a node that must come earlier after a rewiring moves to a number between its
    inputs' and its consumers' (a float). When no such number exists :meth:`update` says so and
    the caller starts afresh from :func:`graph_core.graph_algorithms.topological_order`.

    Args:
        order: a topological order of the document's nodes.
    """

    def __init__(self, order: list):
        self.position: dict = {nid: i for i, nid in enumerate(order)}  # node id -> its position
        self._order = order
        self._sorted = True  # whether self._order is the nodes by position, with no removed ones
        self._next = len(order)

    def order(self) -> list:
        """The nodes in topological order (sorted again after edits moved or removed nodes)."""
        if not self._sorted:
            self._order = sorted(self.position, key=self.position.__getitem__)
            self._sorted = True
        return self._order

    def update(self, doc: Document, delta: StructureDelta) -> bool:
        """Give the added nodes positions, drop the removed ones, and move nodes so that every
        changed node comes after its inputs again.

        Returns:
            False when that is not possible here (a cycle, or no room between two positions):
            the index is then unusable and must be rebuilt from a full topological order.
        """
        position, doc_nodes = self.position, doc.nodes
        for nid in delta.removed:
            del position[nid]
            self._sorted = False
        pending = delta.added
        while pending:  # added nodes, each after its inputs (they may read each other)
            rest = []
            for nid in pending:
                if all(ref.node in position for ref in doc_nodes[nid].inputs):
                    position[nid] = self._next
                    self._next += 1
                    if self._sorted:
                        self._order.append(nid)
                else:
                    rest.append(nid)
            if len(rest) == len(pending):
                return False  # on a cycle
            pending = rest
        for nid in delta.changed:
            for ref in doc_nodes[nid].inputs:
                source = position.get(ref.node)
                if source is None:
                    return False
                if source >= position[nid] and not (self._move_between(doc, ref.node)
                                                    or self._move_between(doc, nid)):
                    return False
        return True

    def _move_between(self, doc: Document, nid: str) -> bool:
        """Move ``nid`` to a position after all its inputs and before all its consumers, if any."""
        position = self.position
        low = max((position.get(ref.node, _INFINITY) for ref in doc.nodes[nid].inputs), default=-_INFINITY)
        high = min((position.get(c, -_INFINITY) for c, _slot in doc._consumers.get(nid, ())), default=_INFINITY)
        if high == _INFINITY:
            new = low + 1.0 if low != -_INFINITY else -1.0
        elif low == -_INFINITY:
            new = high - 1.0
        else:
            new = (low + high) / 2.0
        if not low < new < high:
            return False  # no room: the caller renumbers everything
        position[nid] = new
        self._next = max(self._next, new + 1.0)
        self._sorted = False
        return True


_INFINITY = float("inf")
