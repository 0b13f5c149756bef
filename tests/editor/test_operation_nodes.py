"""Operation nodes on the canvas: the palette's Operations category, a card showing the expression
with its constants inline, and the inspector editing an operation's arguments (an index as typed)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from editor.canvas import labels
from editor.session import DocumentSession
from graph_core.builder import GraphBuilder
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]


def operations_session() -> DocumentSession:
    b = GraphBuilder("ops_model")
    a = b.input("a", (8,))
    scaled = b.layer("ops.multiply", a, name="scaled", x2=2.0)
    head = b.layer("ops.get_item", scaled, name="head", key=[{"slice": [None, None, None]},
                                                            {"slice": [None, 4, None]}])
    mean = b.layer("ops.mean", head, name="avg", axis=-1, keepdims=True)
    b.output(b.layer("Dense", mean, name="out", units=2), loss="mse")
    return DocumentSession(b.document)


def test_cards_show_the_expression_with_constants_inline():
    doc = operations_session().document
    node = {doc.layer_of(n).name: n for n in doc.nodes}
    title = {name: labels.layer_title(doc.layer_of(nid), doc, nid) for name, nid in node.items()}
    assert title["scaled"] == "x * 2.0"
    assert title["head"] == "x[:, :4]"
    assert title["avg"] == "mean(x, axis=-1, keepdims=True)"
    assert labels.input_port_count(doc, node["scaled"]) == 1  # 2.0 is not a port
    assert labels.layer_category(doc.layer_of(node["avg"])) == "Operations"


def test_palette_lists_operations_and_adds_them(qtbot, make_window):
    window = make_window(operations_session())
    palette = window.palette
    item = palette.item_for("ops.add")
    assert item is not None and item.parent().text(0) == "Operations"
    assert item.text(0) == "add   x + y"
    palette.search.setText("not_equal")
    assert "ops.not_equal" in palette.visible_types()
    before = len(window.session.document.layers)
    palette.layerActivated.emit("ops.add")
    doc = window.session.document
    assert len(doc.layers) == before + 1
    added = list(doc.layers.values())[-1]
    assert added.type == "ops.add" and added.name == "add"


def test_inspector_edits_an_index_as_typed(qtbot, make_window):
    window = make_window(operations_session())
    doc = window.session.document
    head = doc.layer_by_name("head")
    window.current_scene().select_nodes(doc.nodes_of(head.id))
    qtbot.waitUntil(lambda: window.inspector.layer() is not None and window.inspector.layer().name == "head"
                    and not window.inspector.rebuild_pending)
    line = window.inspector.editor("key").line
    assert line.text() == ":, :4"
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, ":, 1:3")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert head.config["key"] == [{"slice": [None, None, None]}, {"slice": [1, 3, None]}]
    result = window.session.result()
    assert result.output_specs(doc.nodes_of(head.id)[0])[0].shape == (None, 2)
    item = window.current_scene().node_item(doc.nodes_of(head.id)[0])
    assert item.title == "x[:, 1:3]"
