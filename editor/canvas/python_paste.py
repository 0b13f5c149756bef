"""Ctrl+V of Keras Functional-API code onto the canvas: the code's graph is pasted.

The text is read with :mod:`graph_core.source_import` (``ast`` only: nothing in it runs).
"""

from __future__ import annotations

import json
import re

from graph_core.document import Document, Output, TensorRef
from graph_core.edits import Compound, Connect, MarkOutput, RemoveNode
from graph_core.loom_format import document_to_dict


def python_fragment(text: str) -> Document | None:
    """The graph of pasted Keras code, to paste like a copied fragment.

    Args:
        text: the clipboard text.

    Returns:
        The imported document (its layers, nodes, positions and outputs), or None when the text
        is not Keras Python at all.

    Raises:
        ClipboardError: the text is Python using Keras, but something in it is not supported
            (the message gives the line and column).
    """
    from editor.canvas.clipboard import ClipboardError
    from graph_core.source_import import SourceImportError, import_source, looks_like_python

    if not looks_like_python(text):
        return None
    try:
        return import_source(text, filename="pasted code").document
    except SourceImportError as exc:
        raise ClipboardError(f"cannot paste this code: {exc}") from None


def paste_onto_selection(doc: Document, text: str, selected: list, result, at=None) -> tuple | None:
    """Paste Keras code that reads one undefined tensor name onto the selected node.

    The notes' residual blocks use an ``x`` defined in an earlier cell: with one node selected,
    ``x`` becomes that node's output, so the block continues the graph on the canvas.

    Args:
        doc: the canvas document.
        text: the clipboard text.
        selected: the selected node ids.
        result: the document's check result (for the selected node's shape).
        at: scene point to centre the pasted nodes on.

    Returns:
        ``(edit, new node ids)`` or None when this does not apply (then paste as usual).
    """
    from editor.canvas.clipboard import CLIPBOARD_FORMAT, ClipboardError, paste_edit
    from graph_core.source_import import SourceImportError, import_source, looks_like_python

    if len(selected) != 1 or selected[0] not in doc.nodes or not looks_like_python(text):
        return None
    try:
        import_source(text)
        return None
    except SourceImportError as exc:
        match = re.match(r"name '(\w+)' is used but never defined", exc.message)
    specs = result.output_specs(selected[0]) if match else []
    if not specs or specs[0].shape is None:
        return None
    name, spec = match.group(1), specs[0]
    config = {"shape": list(spec.shape[1:])}
    if spec.dtype and spec.dtype != "float32":
        config["dtype"] = spec.dtype
    try:
        frag = import_source(text, filename="pasted code", given={name: config}).document
    except SourceImportError as exc:
        raise ClipboardError(f"cannot paste this code: {exc}") from None
    placeholder = next(nid for nid in frag.input_nodes() if frag.layer_of(nid).name == name)
    readers = frag.consumers(placeholder)
    order = list(frag.nodes)
    data = document_to_dict(frag)
    text_json = json.dumps({"format": CLIPBOARD_FORMAT, "layers": data["layers"], "nodes": data["nodes"]})
    edit, new_ids = paste_edit(doc, text_json, at=at)
    new_of = dict(zip(order, new_ids))
    edits = [edit] + [Connect(TensorRef(selected[0], 0), new_of[c], slot, replace=True) for c, slot in readers]
    edits.append(RemoveNode(new_of[placeholder]))
    edits.extend(_outputs(frag, new_of, placeholder))
    kept = [n for n in new_ids if n != new_of[placeholder]]
    return Compound(edits, f"Paste code onto '{doc.node_label(selected[0])}'"), kept


def _outputs(frag: Document, new_of: dict, placeholder: str) -> list:
    return [MarkOutput(Output(new_of[o.node], o.index, o.loss, o.loss_weight, list(o.metrics)))
            for o in frag.outputs if o.node != placeholder]


def paste_code(scene, text: str, at) -> list:
    """The canvas's Ctrl+V: code reading one undefined name continues the selected node;
    anything else pastes as usual (:meth:`GraphScene.paste`). Returns the new node ids."""
    from editor.canvas.clipboard import ClipboardError

    try:
        found = paste_onto_selection(scene.document, text, scene.selected_node_ids(),
                                     scene.session.result(scene.document),
                                     at=(at.x(), at.y()) if at is not None else None)
    except ClipboardError as exc:
        scene.statusMessage.emit(str(exc))
        return []
    if found is None:
        return scene.paste(text, at)
    edit, new_ids = found
    if not scene.session.push(edit, scene.document):
        return []
    scene.select_nodes(new_ids)
    return new_ids
