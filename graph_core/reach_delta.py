"""Which nodes reach a model output, updated after a structural edit in time proportional to it.

A node reaches an output when it is one or when one of its consumers reaches one. After edits add,
remove or rewire a few nodes, only the nodes they name and those upstream of a node whose answer
changed can change their own answer. :func:`update_reached` re-asks those nodes, consumers before
producers (highest topological position first, so a node is asked once its consumers are final),
and stops where an answer stays the same.

The change events must name both ends of every connection an edit removes (the edits in
:mod:`graph_core.edits` and :mod:`graph_core.call_edits` do); a removed node must reach no output
(``RemoveNode`` only removes nodes that feed nothing and are no output).
"""

from __future__ import annotations

import heapq

from graph_core.document import Document


def update_reached(doc: Document, reached: set, position: dict, named: list) -> set:
    """Bring ``reached`` (the nodes that reach an output) up to date after edits that named the
    nodes ``named`` (added and rewired ones, and both ends of every connection made or removed).

    Args:
        doc: the document after the edits (it has outputs).
        reached: the set to update, as it was before the edits, removed nodes already taken out.
        position: node id -> topological position (graph_core.structure_delta.TopologicalIndex).
        named: the present nodes the edits named.

    Returns:
        The nodes whose answer changed.
    """
    outputs = {out.node for out in doc.outputs}
    consumers, nodes = doc._consumers, doc.nodes
    heap = [(-position[nid], nid) for nid in named]
    heapq.heapify(heap)
    asked: set = set()
    flipped: set = set()
    rewired = set(named)
    while heap:
        nid = heapq.heappop(heap)[1]
        if nid in asked:
            continue
        asked.add(nid)
        now = nid in outputs or any(c in reached for c, _slot in consumers.get(nid, ()))
        if now != (nid in reached):
            (reached.add if now else reached.discard)(nid)
            flipped.add(nid)
        elif nid not in rewired:
            continue  # same answer, same inputs: nothing upstream changes through it
        for ref in nodes[nid].inputs:
            if ref.node not in asked:
                heapq.heappush(heap, (-position[ref.node], ref.node))
    return flipped
