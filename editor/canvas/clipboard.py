"""Copy and paste of graph fragments as JSON (no Qt): selected layers, nodes and internal edges.

The clipboard text is a small ``.loom``-like object::

    {"format": "layerloom-clipboard", "version": 1, "layers": [...], "nodes": [...]}

Pasting gives every layer and node a new id and a unique name, keeps edges between pasted nodes,
drops edges from outside, keeps sharing among the pasted nodes, and returns ONE Compound edit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from graph_core.document import Document, Node, Output, TensorRef
from graph_core.edits import AddNode, Compound, MarkOutput
from graph_core.errors import LoomFormatError
from graph_core.loom_format import document_from_dict, document_to_dict

CLIPBOARD_FORMAT = "layerloom-clipboard"


class ClipboardError(ValueError):
    """The text is not a LayerLoom clipboard fragment (the message says why)."""


def copy_nodes(doc: Document, node_ids: Iterable[str]) -> str:
    """Serialise ``node_ids`` (with their layers and the edges among them) to JSON text.

    Args:
        doc: the document.
        node_ids: the nodes to copy (unknown ids are ignored).

    Returns:
        The clipboard text (an empty fragment when nothing is selected).
    """
    wanted = set(node_ids)
    data = document_to_dict(doc, top_level=False)
    nodes = []
    for item in data["nodes"]:
        if item["id"] not in wanted:
            continue
        item = dict(item)
        item["inputs"] = [ref for ref in item["inputs"] if ref[0] in wanted]
        nodes.append(item)
    used_layers = {item["layer"] for item in nodes}
    layers = [item for item in data["layers"] if item["id"] in used_layers]
    return json.dumps({"format": CLIPBOARD_FORMAT, "version": 1, "layers": layers, "nodes": nodes})


def parse_fragment(text: str) -> Document:
    """Read clipboard text into a scratch document (checked like a .loom file).

    Raises:
        ClipboardError: the text is not a LayerLoom fragment.
    """
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        from editor.canvas.python_paste import python_fragment  # issue 15: pasted Keras code

        fragment = python_fragment(text)
        if fragment is not None:
            return fragment
        raise ClipboardError(f"the clipboard does not hold LayerLoom layers ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != CLIPBOARD_FORMAT:
        raise ClipboardError("the clipboard does not hold LayerLoom layers")
    try:
        return document_from_dict({"format": "layerloom", "version": 1, "name": "clipboard",
                                   "layers": data.get("layers", []), "nodes": data.get("nodes", []),
                                   "outputs": []})
    except LoomFormatError as exc:
        raise ClipboardError(f"the clipboard fragment is malformed: {exc}") from None


def paste_edit(doc: Document, text: str, at: tuple | None = None, offset: tuple | None = None,
               node_size: tuple = (188.0, 80.0)) -> tuple:
    """Build the edit that pastes clipboard ``text`` into ``doc``.

    Args:
        doc: the target document.
        text: clipboard text from :func:`copy_nodes`.
        at: scene point where the fragment's bounding box is centred; or
        offset: a shift applied to the copied positions (used by duplicate).
        node_size: width and height of a card, for the bounding box.

    Returns:
        ``(edit, new node ids)``; ``edit`` is None when the fragment is empty.

    Raises:
        ClipboardError: the text is not a LayerLoom fragment.
    """
    frag = parse_fragment(text)
    if not frag.nodes:
        return None, []
    xs = [n.pos[0] for n in frag.nodes.values()]
    ys = [n.pos[1] for n in frag.nodes.values()]
    if at is not None:
        cx = (min(xs) + max(xs) + node_size[0]) / 2.0
        cy = (min(ys) + max(ys) + node_size[1]) / 2.0
        dx, dy = at[0] - cx, at[1] - cy
    elif offset is not None:
        dx, dy = offset
    else:
        dx = dy = 0.0
    taken = {layer.name for layer in doc.layers.values()}
    layer_map: dict = {}
    new_layers: dict = {}
    for layer in frag.layers.values():
        new_id = doc.new_id("l")
        name = _unique(layer.name, taken)
        taken.add(name)
        layer_map[layer.id] = new_id
        new_layers[new_id] = layer.clone(new_id, name)
    node_map = {nid: doc.new_id("n") for nid in frag.nodes}
    edits = []
    added_layers: set = set()
    new_ids = []
    for nid in _topological(frag):
        node = frag.nodes[nid]
        lid = layer_map[node.layer]
        x, y = node.pos
        new = Node(node_map[nid], lid, [TensorRef(node_map[r.node], r.index) for r in node.inputs],
                   (float(round(x + dx)), float(round(y + dy))))
        edits.append(AddNode(new, new_layers[lid] if lid not in added_layers else None))
        added_layers.add(lid)
        new_ids.append(new.id)
    edits.extend(MarkOutput(Output(node_map[out.node], out.index, out.loss, out.loss_weight,
                                   list(out.metrics))) for out in frag.outputs)  # pasted code's outputs
    count = len(new_ids)
    return Compound(edits, f"Paste {count} node{'s' if count != 1 else ''}"), \
        [node_map[n] for n in frag.nodes]


def _unique(base: str, taken: set) -> str:
    if base not in taken:
        return base
    stem = base
    head, _, tail = base.rpartition("_")
    if head and tail.isdigit():
        stem = head
    k = 2
    while f"{stem}_{k}" in taken:
        k += 1
    return f"{stem}_{k}"


def _topological(frag: Document) -> list:
    order, seen, entered = [], set(), set()

    def visit(nid: str) -> None:
        stack = [(nid, False)]
        while stack:
            cur, done = stack.pop()
            if done:
                if cur not in seen:
                    seen.add(cur)
                    order.append(cur)
                continue
            if cur in seen or cur in entered:
                continue
            entered.add(cur)
            stack.append((cur, True))
            for ref in reversed(frag.nodes[cur].inputs):
                if ref.node not in seen:
                    stack.append((ref.node, False))

    for nid in frag.nodes:
        visit(nid)
    return order
