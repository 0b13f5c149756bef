"""Canvas commands for blocks: collapse the selection into a nested model, expand one in place."""

from __future__ import annotations

from graph_core.collapse import collapse_edit, expand_edit, tidied
from graph_core.errors import EditError


def collapse_selection(scene) -> str | None:
    """Replace the selected nodes by one call of a new nested model (one undo step).

    Returns:
        the new node id, or None when refused (the scene's ``statusMessage`` says why).
    """
    doc = scene.document
    before = set(doc.nodes)
    try:
        edit = tidied(doc, collapse_edit(doc, scene.selected_node_ids()), scene.orientation)
    except EditError as exc:
        scene.statusMessage.emit(f"Cannot collapse: {exc}")
        return None
    if not scene.session.push(edit, doc):
        return None
    new = [n for n in doc.nodes if n not in before]
    scene.select_nodes(new)
    scene.statusMessage.emit(f"{edit.label} (double-click it to open, Ctrl+Shift+G to expand)")
    return new[0] if new else None


def expand_selected(scene) -> list:
    """Replace the selected nested-model call by the nodes inside it (one undo step).

    Returns:
        the new node ids ([] when refused; the scene's ``statusMessage`` says why).
    """
    doc = scene.document
    ids = scene.selected_node_ids()
    if len(ids) != 1:
        scene.statusMessage.emit("Select one nested model to expand")
        return []
    before = set(doc.nodes)
    try:
        edit = tidied(doc, expand_edit(doc, ids[0]), scene.orientation)
    except EditError as exc:
        scene.statusMessage.emit(f"Cannot expand: {exc}")
        return []
    if not scene.session.push(edit, doc):
        return []
    new = [n for n in doc.nodes if n not in before]
    scene.select_nodes(new)
    return new
