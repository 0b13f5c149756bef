"""The node context menu's "Fix: …" entries: one-click repairs of the node's problems."""

from __future__ import annotations


def add_fix_actions(menu, scene, node_id: str) -> list:
    """Add one action per repair of ``node_id``'s problems to ``menu`` (each one undo step).

    Returns:
        The fixes offered, in menu order.
    """
    from graph_core.fixes import fixes_for

    doc = scene.document
    fixes = [fix for problem, fix in fixes_for(doc, scene.session.result(doc)) if node_id in problem.node_ids]
    for fix in fixes:
        action = menu.addAction(f"Fix: {fix.label}")
        action.triggered.connect(lambda _checked=False, f=fix: scene.session.push(f.edit(doc), doc))
    if fixes:
        menu.addSeparator()
    return fixes
