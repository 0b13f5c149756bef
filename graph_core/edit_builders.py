"""Builders of common edits: add a layer, call a layer again, delete nodes; layer naming.

Each returns an :class:`~graph_core.edits.Edit` to apply with ``doc.apply`` (one undo step);
``graph_core.edits`` re-exports them.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph_core.document import Document, Layer, Node, TensorRef
from graph_core.edits import AddNode, Compound, Disconnect, Edit, RemoveNode, UnmarkOutput, _require_node
from graph_core.errors import EditError


def add_layer(doc: Document, layer_type: str, config: dict | None = None, *,
              inputs: Iterable = (), pos=(0.0, 0.0), name: str | None = None) -> AddNode:
    """Build the edit that adds a new layer of ``layer_type`` called once on ``inputs``.

    The layer gets a unique name derived from its type (``dense``, ``dense_2``…) unless given.
    """
    layer_id = doc.new_id("l")
    layer = Layer(layer_id, layer_type, name or doc.unique_name(snake_case(layer_type)), dict(config or {}))
    if _is_model_type(layer_type):
        layer.subgraph = Document(layer.name)
    node = Node(doc.new_id("n"), layer_id, [TensorRef(*r) for r in inputs], tuple(pos))
    return AddNode(node, layer)


def call_again(doc: Document, node_id: str, *, inputs: Iterable = (), pos=None) -> AddNode:
    """Build the edit that calls the layer of ``node_id`` once more (sharing its weights)."""
    node = _require_node(doc, node_id)
    x, y = node.pos
    new = Node(doc.new_id("n"), node.layer, [TensorRef(*r) for r in inputs],
               tuple(pos) if pos is not None else (x, y + 140.0))
    return AddNode(new)


def delete_nodes(doc: Document, node_ids: Iterable[str]) -> Compound:
    """Build one edit that deletes nodes with their connections and outputs."""
    ids = [nid for nid in doc.nodes if nid in set(node_ids)]
    edits: list[Edit] = []
    doomed = set(ids)
    # outputs first (highest index first so indices stay valid)
    for index in reversed(range(len(doc.outputs))):
        if doc.outputs[index].node in doomed:
            edits.append(UnmarkOutput(index))
    # connections from deleted nodes into surviving nodes, per consumer highest slot first
    cut = sorted({(consumer, slot) for nid in ids for consumer, slot in doc.consumers(nid) if consumer not in doomed},
                 key=lambda c: (c[0], -c[1]))
    edits.extend(Disconnect(consumer, slot) for consumer, slot in cut)
    # delete in reverse topological order so nothing deleted still feeds a node
    from graph_core.graph_algorithms import topological_order

    order, _ = topological_order(doc)
    rank = {nid: i for i, nid in enumerate(order)}
    for nid in sorted(ids, key=lambda n: -rank.get(n, -1)):
        edits.append(DetachAndRemove(nid))
    return Compound(edits, f"Delete {len(ids)} node{'s' if len(ids) != 1 else ''}")


class DetachAndRemove(Edit):
    """Clear a node's own inputs, then remove it (used by :func:`delete_nodes`)."""

    def __init__(self, node_id: str):
        self.node_id = node_id
        self._disconnect: Edit | None = None
        self._remove = RemoveNode(node_id)

    def apply(self, doc):
        node = _require_node(doc, self.node_id)
        old_inputs = list(node.inputs)
        doc._set_inputs(self.node_id, [])
        try:
            event = self._remove.apply(doc)
        except EditError:
            doc._set_inputs(self.node_id, old_inputs)
            raise
        self._inputs = old_inputs
        return event

    def revert(self, doc):
        event = self._remove.revert(doc)
        doc._set_inputs(self.node_id, self._inputs)
        return event


def snake_case(name: str) -> str:
    """``Conv2DTranspose`` → ``conv2d_transpose``, ``LSTM`` → ``lstm``, ``ops.add`` → ``add``
    (Keras's auto-name style)."""
    if name.startswith("ops."):  # an operation is named after its keras.ops function, as Keras does
        return name[len("ops."):]
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            if not name[i - 1].isdigit() or (i + 1 < len(name) and name[i + 1].islower()):
                out.append("_")
        out.append(ch.lower())
    return "".join(out).replace("__", "_")


def _is_model_type(layer_type: str) -> bool:
    from graph_core.layer_kinds import spec_for_type

    spec = spec_for_type(layer_type)
    return spec is not None and spec.kind == "model"
