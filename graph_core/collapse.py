"""Collapse a block of nodes into a nested model, and expand a nested model back in place.

Both are single edits (:class:`graph_core.edits.Compound`) built from the ordinary reversible edits,
so one undo restores the graph exactly. Shapes and parameter counts do not change: the nested
model holds the same layers (with the same configs and names) called the same way; its Input
layers have the shapes of the tensors that crossed into the block.
"""

from __future__ import annotations

import copy

from graph_core.analysis import check
from graph_core.document import Document, Layer, Node, Output, TensorRef
from graph_core.edit_builders import DetachAndRemove
from graph_core.edits import AddNode, Compound, Connect, Edit, MarkOutput, UnmarkOutput
from graph_core.errors import EditError
from graph_core.graph_algorithms import topological_order


def collapse_edit(doc: Document, node_ids, name: str | None = None) -> Compound:
    """Build the edit that replaces ``node_ids`` by one call of a new nested model holding them.

    Args:
        doc: the document (not modified).
        node_ids: the nodes of the block.
        name: the nested model's name (default ``block``, made unique).

    Returns:
        a :class:`Compound` edit labelled "Collapse into <name>".

    Raises:
        EditError: the block is empty, holds an Input layer, shares a layer with a node outside
            it, reads a tensor of unknown shape, or would make a cycle (a path leaves the block
            and comes back into it).
    """
    block = [nid for nid in doc.nodes if nid in set(node_ids)]
    if not block:
        raise EditError("select the nodes to collapse into a nested model")
    inside = set(block)
    for nid in block:
        layer = doc.layer_of(nid)
        if layer.type == "Input":
            raise EditError(f"'{layer.name}' is a model input: leave the Input layers out of the block")
        outside_calls = [n for n in doc.nodes_of(layer.id) if n not in inside]
        if outside_calls:
            raise EditError(f"layer '{layer.name}' is also called outside the block (by "
                            f"'{doc.node_label(outside_calls[0])}'): select every call of a shared layer")
    _refuse_cycle(doc, inside)
    crossing_in = _ordered_unique(ref for nid in block for ref in doc.nodes[nid].inputs if ref.node not in inside)
    reads_out = [(consumer, slot, ref) for consumer, node in doc.nodes.items() if consumer not in inside
                 for slot, ref in enumerate(node.inputs) if ref.node in inside]
    out_refs = [out.ref for out in doc.outputs if out.node in inside]
    crossing_out = _ordered_unique([ref for _, _, ref in reads_out] + out_refs)
    if not crossing_out:
        raise EditError("nothing outside the block reads it: it would have no output")
    result = check(doc)
    name = doc.unique_name(name or "block")
    sub = Document(name)
    feeds = {}
    for k, ref in enumerate(crossing_in):
        spec = result.nodes[ref.node].output(ref.index) if ref.node in result.nodes else None
        if spec is None or spec.shape is None or len(spec.shape) < 1:
            raise EditError(f"the shape of '{doc.node_label(ref.node)}' output {ref.index} is not known: "
                            f"fix the model's problems before collapsing")
        layer = Layer(sub.new_id("l"), "Input", sub.unique_name(f"{name}_input_{k + 1}" if len(crossing_in) > 1
                                                                 else f"{name}_input"),
                      {"shape": list(spec.shape[1:]), "dtype": spec.dtype})
        sub._insert_layer(layer)
        x, y = doc.nodes[ref.node].pos
        node = Node(sub.new_id("n"), layer.id, [], (x, y))
        sub._insert_node(node)
        feeds[ref] = TensorRef(node.id, 0)
    for nid in block:
        node, layer = doc.nodes[nid], doc.layer_of(nid)
        if layer.id not in sub.layers:
            sub._insert_layer(copy.deepcopy(layer))
        inputs = [feeds.get(ref, ref) for ref in node.inputs]
        sub._insert_node(Node(nid, layer.id, inputs, node.pos, copy.deepcopy(node.extra)))
    sub.outputs = [Output(ref.node, ref.index) for ref in crossing_out]
    xs = [doc.nodes[n].pos[0] for n in block]
    ys = [doc.nodes[n].pos[1] for n in block]
    model_layer = Layer(doc.new_id("l"), "Model", name, {}, subgraph=sub)
    model = Node(doc.new_id("n"), model_layer.id, list(crossing_in), (min(xs), sum(ys) / len(ys)))
    edits: list[Edit] = [AddNode(model, model_layer)]
    index_of = {ref: k for k, ref in enumerate(crossing_out)}
    edits += [Connect(TensorRef(model.id, index_of[ref]), consumer, slot, replace=True)
              for consumer, slot, ref in reads_out]
    edits += _redirect_outputs(doc, {ref: TensorRef(model.id, index_of[ref]) for ref in out_refs})
    edits += _remove_in_reverse_order(doc, block)
    return Compound(edits, f"Collapse {len(block)} nodes into {name}")


def expand_edit(doc: Document, node_id: str) -> Compound:
    """Build the edit that replaces a call of a nested model by the nodes inside it.

    Args:
        doc: the document (not modified).
        node_id: the node calling a ``Model`` layer.

    Returns:
        a :class:`Compound` edit labelled "Expand <name>".

    Raises:
        EditError: the node does not call a nested model, or the model is called more than once
            (its weights are shared; expanding one call would split them).
    """
    if node_id not in doc.nodes:
        raise EditError(f"node {node_id!r} does not exist in model {doc.name!r}")
    layer = doc.layer_of(node_id)
    if layer.type != "Model" or layer.subgraph is None:
        raise EditError(f"'{layer.name}' is a {layer.type} layer, not a nested model")
    if len(doc.nodes_of(layer.id)) > 1:
        raise EditError(f"nested model '{layer.name}' is called {len(doc.nodes_of(layer.id))} times (shared "
                        f"weights): only a model called once can be expanded")
    sub = layer.subgraph
    outer = doc.nodes[node_id]
    sub_inputs = sub.input_nodes()
    if len(sub_inputs) != len(outer.inputs):
        raise EditError(f"nested model '{layer.name}' has {len(sub_inputs)} inputs but is called on "
                        f"{len(outer.inputs)} tensors")
    mapped = {TensorRef(inp, 0): outer.inputs[k] for k, inp in enumerate(sub_inputs)}
    order, left_over = topological_order(sub)
    if left_over:
        raise EditError(f"nested model '{layer.name}' has a cycle")
    body = [nid for nid in order if nid not in set(sub_inputs)]
    xs = [sub.nodes[n].pos[0] for n in body] or [0.0]
    ys = [sub.nodes[n].pos[1] for n in body] or [0.0]
    dx, dy = outer.pos[0] - min(xs), outer.pos[1] - sum(ys) / len(ys)
    taken = {lay.name for lay in doc.layers.values() if lay.id != layer.id}
    edits: list[Edit] = []
    new_layer_of: dict = {}
    mapped_node: dict = {}
    for nid in body:
        inner = sub.nodes[nid]
        inputs = [mapped.get(ref) or TensorRef(mapped_node[ref.node], ref.index) for ref in inner.inputs]
        new_id = doc.new_id("n")
        mapped_node[nid] = new_id
        new_layer = None
        if inner.layer not in new_layer_of:
            original = sub.layers[inner.layer]
            new_layer = copy.deepcopy(original)
            new_layer.id = doc.new_id("l")
            new_layer.name = _free_name(original.name, taken)
            taken.add(new_layer.name)
            new_layer_of[inner.layer] = new_layer.id
        x, y = inner.pos
        node = Node(new_id, new_layer_of[inner.layer], inputs, (x + dx, y + dy), copy.deepcopy(inner.extra))
        edits.append(AddNode(node, new_layer))
    outputs = []
    for out in sub.outputs:
        ref = out.ref
        outputs.append(mapped.get(ref) or TensorRef(mapped_node[ref.node], ref.index))
    edits += [Connect(outputs[ref.index], consumer, slot, replace=True)
              for consumer, node in doc.nodes.items() for slot, ref in enumerate(node.inputs)
              if ref.node == node_id]
    edits += _redirect_outputs(doc, {out.ref: outputs[out.index] for out in doc.outputs if out.node == node_id})
    edits.append(DetachAndRemove(node_id))
    return Compound(edits, f"Expand {layer.name}")


def tidied(doc: Document, edit: Compound, orientation: str = "LR") -> Compound:
    """``edit``, followed in the same undo step by an auto layout when its cards would overlap.

    The edit is tried on ``doc`` without notifying anyone and reverted at once, so the document
    ends as it was.

    Args:
        doc: the document the edit is for.
        edit: a collapse or expand edit.
        orientation: the reading direction of the layout (``"LR"`` or ``"TB"``).
    """
    from graph_core.edits import Move
    from graph_core.layout import card_size, layered_positions

    edit.apply(doc)
    try:
        rects = [(nid, node.pos, card_size(doc, nid)) for nid, node in doc.nodes.items()]
        crowded = any(_overlap(a, b) for i, a in enumerate(rects) for b in rects[i + 1:])
        positions = layered_positions(doc, orientation) if crowded else None
    finally:
        edit.revert(doc)
    if positions is None:
        return edit
    return Compound([edit, Move(positions)], edit.label)


def _overlap(a, b) -> bool:
    (_, (ax, ay), (aw, ah)), (_, (bx, by), (bw, bh)) = a, b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _free_name(name: str, taken: set) -> str:
    if name not in taken:
        return name
    k = 2
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


def _ordered_unique(refs) -> list:
    seen, out = set(), []
    for ref in refs:
        if ref not in seen:
            seen.add(ref)
            out.append(ref)
    return out


def _refuse_cycle(doc: Document, inside: set) -> None:
    """Refuse a block that a path leaves and re-enters (the nested model would feed itself)."""
    consumers: dict = {nid: [] for nid in doc.nodes}
    for nid, node in doc.nodes.items():
        for ref in node.inputs:
            if ref.node in consumers:
                consumers[ref.node].append(nid)
    frontier = [c for nid in inside for c in consumers[nid] if c not in inside]
    seen = set()
    while frontier:
        nid = frontier.pop()
        if nid in seen:
            continue
        seen.add(nid)
        for c in consumers[nid]:
            if c in inside:
                raise EditError(f"'{doc.node_label(nid)}' reads the block and feeds it again: add it to the "
                                f"block or collapse a smaller part")
            frontier.append(c)


def _redirect_outputs(doc: Document, targets: dict) -> list:
    """Edits moving the model outputs at the refs in ``targets`` onto the new refs (settings kept)."""
    edits: list[Edit] = []
    for index, out in enumerate(doc.outputs):
        if out.ref in targets:
            moved = copy.deepcopy(out)
            moved.node, moved.index = targets[out.ref].node, targets[out.ref].index
            edits += [UnmarkOutput(index), MarkOutput(moved, index)]
    return edits


def _remove_in_reverse_order(doc: Document, block: list) -> list:
    order, _ = topological_order(doc)
    rank = {nid: i for i, nid in enumerate(order)}
    return [DetachAndRemove(nid) for nid in sorted(block, key=lambda n: -rank.get(n, -1))]
