"""Navigating big graphs: find a layer (Ctrl+F, next/previous, centred) and the minimap."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from bench.graphs import residual_mlp
from editor.canvas import style as S
from editor.find_bar import find_nodes
from graph_core import templates
from graph_core.layout import auto_layout_edit

pytestmark = pytest.mark.gui


def _big(n=200):
    doc = residual_mlp(n)
    doc.apply(auto_layout_edit(doc))
    return doc


def _centre_in_view(cv, nid) -> bool:
    item = cv.scene.node_item(nid)
    visible = cv.view.mapToScene(cv.view.viewport().rect()).boundingRect()
    return visible.contains(item.sceneBoundingRect().center())


def test_find_nodes_ranks_exact_names_first():
    doc = templates.load_template("inception")
    hits = find_nodes(doc, "branch_b_1x1")
    assert doc.layer_of(hits[0]).name == "branch_b_1x1"
    assert {doc.layer_of(n).type for n in find_nodes(doc, "conv2d")} == {"Conv2D"}
    assert find_nodes(doc, "no-such-layer") == [] and find_nodes(doc, "  ") == []


def test_ctrl_f_finds_selects_and_centres_next_and_previous(make_canvas, qtbot):
    doc = _big()
    cv = make_canvas(doc, size=(900, 600))
    cv.view.set_zoom(0.3)
    cv.view.centerOn(0, 0)
    cv.view.setFocus()
    QTest.keyClick(cv.view, Qt.Key_F, Qt.ControlModifier)
    bar = cv.view.find_bar
    assert bar is not None and bar.isVisible()
    with qtbot.waitSignal(bar.found) as blocker:
        QTest.keyClicks(bar.edit, "layer_normalization")
    first = blocker.args[0]
    assert doc.layer_of(first).type == "LayerNormalization"
    assert cv.scene.selected_node_ids() == [first] and _centre_in_view(cv, first)
    assert cv.view.zoom >= S.LOD_MEDIUM, "zoomed in far enough to read the card"
    count = len(bar.matches)
    assert count > 3 and bar.count.text() == f"1 of {count}"
    with qtbot.waitSignal(bar.found) as blocker:
        QTest.keyClick(bar.edit, Qt.Key_Return)
    second = blocker.args[0]
    assert second != first and _centre_in_view(cv, second) and bar.count.text() == f"2 of {count}"
    with qtbot.waitSignal(bar.found) as blocker:
        bar.previous()
    assert blocker.args[0] == first
    QTest.keyClick(bar.edit, Qt.Key_Escape)
    assert not bar.isVisible()


def test_find_says_when_nothing_matches(make_canvas):
    cv = make_canvas(templates.load_template("mlp"))
    bar = cv.view.open_find()
    bar.edit.setText("zzz")
    assert bar.count.text() == "no match" and bar.matches == []


def test_minimap_shows_when_the_graph_does_not_fit_and_moves_the_view(make_canvas, qtbot):
    doc = _big(300)
    cv = make_canvas(doc, size=(900, 600))
    cv.view.set_zoom(1.0)
    cv.view.centerOn(0, 0)
    minimap = cv.view.minimap
    qtbot.waitUntil(minimap.isVisible)
    before = cv.view.mapToScene(cv.view.viewport().rect().center())
    target = QPointF(minimap.width() * 0.8, minimap.height() * 0.8)
    QTest.mouseClick(minimap, Qt.LeftButton, Qt.NoModifier, target.toPoint())
    after = cv.view.mapToScene(cv.view.viewport().rect().center())
    expected = minimap.to_scene(target)
    assert abs(after.x() - expected.x()) < 60 and abs(after.y() - expected.y()) < 60
    assert (after - before).manhattanLength() > 500
    assert minimap.visible_rect().contains(QPointF(target))
    cv.view.fit_to_view()
    qtbot.waitUntil(lambda: not minimap.isVisible() or cv.view.zoom <= S.ZOOM_MIN + 1e-9)


def test_minimap_can_be_switched_off(make_canvas, qtbot):
    cv = make_canvas(_big(300), size=(900, 600))
    cv.view.set_zoom(1.0)
    qtbot.waitUntil(cv.view.minimap.isVisible)
    cv.view.actions()["minimap"].trigger()
    assert not cv.view.minimap.isVisible()
    cv.view.actions()["minimap"].trigger()
    qtbot.waitUntil(cv.view.minimap.isVisible)
    assert cv.view.minimap.geometry().bottomRight().x() <= cv.view.width()


def _summary(doc):
    from graph_core import check

    result = check(doc)
    return tuple(result.nodes[o.node].output(o.index) for o in doc.outputs), result.total


def test_collapse_and_expand_from_the_canvas_are_one_undo_step_each(make_canvas, qtbot):
    doc = templates.load_template("residual")
    cv = make_canvas(doc)
    before = _summary(doc)
    inner = [n for n in doc.nodes if doc.layer_of(n).type in ("Conv2D", "BatchNormalization", "Add")]
    cv.scene.select_nodes(inner)
    assert cv.view.actions()["collapse"].isEnabled()
    with qtbot.waitSignal(cv.session.changed):
        cv.view.actions()["collapse"].trigger()
    models = [n for n in doc.nodes if doc.layer_of(n).type == "Model"]
    assert len(models) == 1 and cv.scene.selected_node_ids() == models
    assert cv.scene.node_item(models[0]) is not None and _summary(doc) == before
    assert cv.view.actions()["expand"].isEnabled()
    with qtbot.waitSignal(cv.session.changed):
        cv.view.actions()["expand"].trigger()
    assert not any(doc.layer_of(n).type == "Model" for n in doc.nodes) and _summary(doc) == before
    stack = cv.session.undo_stack
    assert stack.count() == 2
    stack.undo()
    assert any(doc.layer_of(n).type == "Model" for n in doc.nodes)
    stack.undo()
    assert {doc.layer_of(n).name for n in inner} and _summary(doc) == before
    assert len(cv.scene.node_items() if isinstance(cv.scene.node_items(), list) else list(cv.scene.node_items())) \
        == len(doc.nodes)


def test_collapse_refusal_is_reported(make_canvas, qtbot):
    doc = templates.load_template("residual")
    cv = make_canvas(doc)
    cv.scene.select_nodes(doc.input_nodes())
    with qtbot.waitSignal(cv.scene.statusMessage) as blocker:
        cv.view.actions()["collapse"].trigger()
    assert "model input" in blocker.args[0]
    assert cv.session.undo_stack.count() == 0
