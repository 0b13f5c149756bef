"""Canvas: the scene as a projection of the document (items, badges, shapes, undo/redo, LOD)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsItem

from editor.canvas import labels
from editor.canvas.lod import FULL, MEDIUM, OVERVIEW
from graph_core.builder import GraphBuilder
from graph_core.document import Layer
from graph_core.edits import Rename, SetConfig, SetOutput

pytestmark = pytest.mark.gui


def siamese():
    b = GraphBuilder("siamese")
    left = b.input("left", shape=(None, 128))
    right = b.input("right", shape=(None, 128))
    a = b.layer("LSTM", left, name="shared_lstm", units=32)
    c = b.call("shared_lstm", right)
    merged = b.layer("Concatenate", [a, c], name="merged")
    out = b.layer("Dense", merged, name="predictions", units=1, activation="sigmoid")
    b.output(out, loss="binary_crossentropy")
    doc = b.document
    for k, nid in enumerate(doc.nodes):
        doc.nodes[nid].pos = (260.0 * k, 140.0 * (k % 2))
    return doc, {"left": left.node, "right": right.node, "a": a.node, "c": c.node,
                 "merged": merged.node, "out": out.node}


def test_scene_mirrors_document(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    assert set(n.node_id for n in cv.scene.node_items()) == set(doc.nodes)
    assert len(list(cv.scene.edge_items())) == 5
    merged = cv.scene.node_item(ids["merged"])
    assert merged.n_in == 3  # two connected + one free port on a merge layer
    assert merged.shape_line == "(None, 64)"
    out = cv.scene.node_item(ids["out"])
    assert out.is_output and out.tag_text == "output: binary_crossentropy ×1"
    assert cv.scene.edge_item(ids["merged"], 0).label == "(None, 32)"
    assert cv.scene.node_item(ids["left"]).n_in == 0


def test_shared_layer_badges_and_highlight(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    a, c = cv.scene.node_item(ids["a"]), cv.scene.node_item(ids["c"])
    assert a.shared_count == c.shared_count == 2
    cv.scene.select_nodes([ids["a"]])
    assert c.highlighted and not a.highlighted
    cv.scene.select_nodes([ids["out"]])
    assert not c.highlighted


def test_call_again_gives_x2_badges_and_undo_removes_them(make_canvas, qtbot):
    b = GraphBuilder("m")
    x = b.input("x", shape=(16,))
    d = b.layer("Dense", x, name="dense", units=4)
    cv = make_canvas(b.document, show=False)
    with qtbot.waitSignal(cv.session.changed):
        new = cv.scene.call_again(d.node)
    assert new in cv.doc.nodes
    for nid in (d.node, new):
        assert cv.scene.node_item(nid).shared_count == 2
    assert cv.scene.selected_node_ids() == [new]
    cv.session.undo_stack.undo()
    assert cv.scene.node_item(new) is None
    assert cv.scene.node_item(d.node).shared_count == 1
    cv.session.undo_stack.redo()
    assert cv.scene.node_item(new).shared_count == 2


def test_set_config_of_shared_layer_updates_both_nodes(make_canvas, qtbot):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    lid = doc.nodes[ids["a"]].layer
    with qtbot.waitSignal(cv.session.checked):
        cv.session.push(SetConfig(lid, "units", 64))
    for key in ("a", "c"):
        item = cv.scene.node_item(ids[key])
        assert item.params_text.startswith("64 units")
        assert item.shape_line == "(None, 64)"
    assert cv.scene.node_item(ids["merged"]).shape_line == "(None, 128)"
    assert cv.scene.edge_item(ids["merged"], 1).label == "(None, 64)"
    cv.session.undo_stack.undo()
    assert cv.scene.node_item(ids["a"]).params_text.startswith("32 units")


def test_rename_and_output_settings_update_text(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    lid = doc.nodes[ids["out"]].layer
    cv.session.push(Rename(lid, "score"))
    assert cv.scene.node_item(ids["out"])._name_text == "score"
    cv.session.push(SetOutput(0, "loss_weight", 0.5))
    assert cv.scene.node_item(ids["out"]).tag_text == "output: binary_crossentropy ×0.5"


def test_problem_badge_has_messages_as_tooltip(make_canvas):
    b = GraphBuilder("bad")
    x = b.input("x", shape=(8,))
    d = b.layer("Dense", x, name="broken", units=0)
    b.output(d, loss="mse")
    cv = make_canvas(b.document, show=False)
    badge = cv.scene.node_item(d.node).badge
    assert badge.isVisible() and badge.severity == "error"
    assert "units" in badge.toolTip()
    cv.session.push(SetConfig(cv.doc.nodes[d.node].layer, "units", 3))
    assert not badge.isVisible()


def test_warning_badge_is_amber(make_canvas):
    b = GraphBuilder("warn")
    x = b.input("x", shape=(8,))
    d = b.layer("Dense", x, units=2)
    b.layer("Dense", x, name="dangling", units=2)
    b.output(d, loss="mse")
    cv = make_canvas(b.document, show=False)
    dangling = cv.doc.layer_by_name("dangling").id
    badge = cv.scene.node_item(cv.doc.nodes_of(dangling)[0]).badge
    assert badge.severity == "warning" and "reaches no model output" in badge.toolTip()


def test_model_and_application_nodes(make_canvas, qtbot):
    inner = GraphBuilder("encoder")
    i = inner.input("img", shape=(4,))
    inner.output(inner.layer("Dense", i, units=2))
    b = GraphBuilder("outer")
    x = b.input("x", shape=(4,))
    m = b.model_layer(inner.document, x, name="encoder")
    img = b.input("photo", shape=(64, 64, 3))
    app = b.layer("Application", img, application="Xception", include_top=False, weights=None)
    cv = make_canvas(b.document, show=False)
    model_item = cv.scene.node_item(m.node)
    assert model_item.is_model and model_item.n_out == 1 and model_item.n_in == 1
    assert not model_item.open_button_rect().isNull()
    assert cv.scene.node_item(app.node)._title_text == "Xception"
    with qtbot.waitSignal(cv.scene.openNestedRequested) as blocker:
        menu = cv.scene.context_menu(m.node)
        menu.actions()[0].trigger()
    assert blocker.args == [cv.doc.nodes[m.node].layer]
    menu.deleteLater()


def test_nested_document_events_are_ignored_by_top_scene(make_canvas):
    inner = GraphBuilder("encoder")
    i = inner.input("img", shape=(4,))
    inner.output(inner.layer("Dense", i, name="inner_dense", units=2))
    b = GraphBuilder("outer")
    x = b.input("x", shape=(4,))
    m = b.model_layer(inner.document, x, name="encoder")
    cv = make_canvas(b.document, show=False)
    from editor.canvas import GraphScene

    sub = cv.doc.layers[cv.doc.nodes[m.node].layer].subgraph
    nested = GraphScene(cv.session, sub)
    try:
        assert len(list(nested.node_items())) == 2
        layer = sub.layer_by_name("inner_dense")
        cv.session.push(SetConfig(layer.id, "units", 5), sub)
        assert nested.node_item(sub.nodes_of(layer.id)[0]).params_text == "5 units"
        assert set(n.node_id for n in cv.scene.node_items()) == set(cv.doc.nodes)
    finally:
        nested.close()
        nested.deleteLater()


def test_delete_selected_nodes_and_edges_is_one_step(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    before = json.dumps(sorted(doc.nodes))
    cv.scene.select_nodes([ids["merged"]])
    cv.scene.edge_item(ids["a"], 0).setSelected(True)  # left -> a, survives the node deletion
    assert cv.scene.delete_selected()
    assert ids["merged"] not in doc.nodes and cv.scene.node_item(ids["merged"]) is None
    assert doc.nodes[ids["a"]].inputs == []
    assert cv.scene.edge_item(ids["a"], 0) is None
    assert cv.session.undo_stack.count() == 1
    cv.session.undo_stack.undo()
    assert json.dumps(sorted(doc.nodes)) == before
    assert cv.scene.edge_item(ids["a"], 0) is not None
    assert cv.scene.edge_item(ids["out"], 0).source.node_id == ids["merged"]


def test_copy_paste_is_one_step_with_new_ids_and_names(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    cv.scene.select_nodes([ids["a"], ids["c"], ids["merged"]])
    text = cv.scene.copy_selected()
    data = json.loads(text)
    assert len(data["nodes"]) == 3 and len(data["layers"]) == 2
    new = cv.scene.paste(text, QPointF(100, 700))
    assert len(new) == 3 and cv.session.undo_stack.count() == 1
    assert not set(new) & {ids["a"], ids["c"], ids["merged"]}
    names = [layer.name for layer in doc.layers.values()]
    assert len(names) == len(set(names))
    pasted_layers = {doc.nodes[n].layer for n in new}
    assert len(pasted_layers) == 2  # the two calls of the shared LSTM still share one (new) layer
    merged_copy = [n for n in new if doc.layer_of(n).type == "Concatenate"][0]
    assert [r.node for r in doc.nodes[merged_copy].inputs] == [n for n in new if doc.layer_of(n).type == "LSTM"]
    assert cv.scene.selected_node_ids() == new
    cv.session.undo_stack.undo()
    assert all(cv.scene.node_item(n) is None for n in new)
    cv.session.undo_stack.redo()
    assert all(cv.scene.node_item(n) is not None for n in new)


def test_paste_of_foreign_text_is_refused(make_canvas, qtbot):
    cv = make_canvas(show=False)
    with qtbot.waitSignal(cv.scene.statusMessage) as blocker:
        assert cv.scene.paste("hello", QPointF(0, 0)) == []
    assert "LayerLoom" in blocker.args[0]


def test_duplicate_offsets_copies(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    cv.scene.select_nodes([ids["out"]])
    (new,) = cv.scene.duplicate_selected()
    x0, y0 = doc.nodes[ids["out"]].pos
    assert doc.nodes[new].pos == (x0 + 40.0, y0 + 40.0)
    assert doc.layer_of(new).name == "predictions_2"


def test_auto_layout_is_one_move_and_undoes(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    before = {nid: n.pos for nid, n in doc.nodes.items()}
    assert cv.scene.auto_layout()
    assert cv.session.undo_stack.count() == 1
    after = {nid: n.pos for nid, n in doc.nodes.items()}
    assert after != before
    for nid, (x, y) in after.items():
        assert (cv.scene.node_item(nid).x(), cv.scene.node_item(nid).y()) == (x, y)
    cv.session.undo_stack.undo()
    for nid, (x, y) in before.items():
        assert (cv.scene.node_item(nid).x(), cv.scene.node_item(nid).y()) == (x, y)


def test_mark_and_unmark_output(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    assert cv.scene.mark_output(ids["merged"])
    assert cv.scene.node_item(ids["merged"]).tag_text.startswith("output 1: ")
    assert cv.scene.node_item(ids["out"]).tag_text.startswith("output 0: ")
    assert cv.scene.unmark_output(ids["merged"])
    assert cv.scene.node_item(ids["merged"]).tag_text is None
    assert cv.scene.node_item(ids["out"]).tag_text == "output: binary_crossentropy ×1"


def test_make_independent(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    assert cv.scene.make_independent(ids["c"])
    assert cv.scene.node_item(ids["a"]).shared_count == 1
    assert cv.scene.node_item(ids["c"]).shared_count == 1
    assert not cv.scene.make_independent(ids["c"])


def test_level_of_detail_switches_items(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc)
    item = cv.scene.node_item(ids["a"])
    edge = cv.scene.edge_item(ids["merged"], 0)
    cv.view.set_zoom(0.5)
    assert cv.scene.detail_level == MEDIUM
    assert not item.flags() & QGraphicsItem.ItemHasNoContents
    cv.view.set_zoom(0.1)
    assert cv.scene.detail_level == OVERVIEW
    assert item.flags() & QGraphicsItem.ItemHasNoContents
    assert edge.flags() & QGraphicsItem.ItemHasNoContents
    assert not cv.view.viewport().grab().isNull()
    cv.view.set_zoom(1.0)
    assert cv.scene.detail_level == FULL
    assert not item.flags() & QGraphicsItem.ItemHasNoContents


def test_fit_to_view_and_zoom(make_canvas, qtbot):
    doc, ids = siamese()
    cv = make_canvas(doc)
    cv.view.fit_to_view()
    assert cv.view.zoom <= 1.0
    rect = cv.view.mapFromScene(cv.scene.items_bounding_rect()).boundingRect()
    assert cv.view.viewport().rect().contains(rect)
    z = cv.view.zoom
    with qtbot.waitSignal(cv.view.zoomChanged):
        cv.view.actions()["zoom_in"].trigger()
    assert cv.view.zoom == pytest.approx(z * 1.15)


def test_actions_exist_and_follow_selection(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    acts = cv.view.actions()
    for key in ("delete", "copy", "paste", "duplicate", "select_all", "fit", "auto_layout", "zoom_in",
                "zoom_out", "call_again", "make_independent", "mark_output"):
        assert key in acts
    cv.scene.select_nodes([ids["c"]])
    assert acts["make_independent"].isEnabled()
    cv.scene.select_nodes([ids["merged"]])
    assert not acts["make_independent"].isEnabled()
    acts["mark_output"].trigger()
    assert cv.scene.is_output(ids["merged"])
    acts["select_all"].trigger()
    assert cv.scene.selected_node_ids() == list(doc.nodes)


def test_selection_signal_in_document_order(make_canvas, qtbot):
    doc, ids = siamese()
    cv = make_canvas(doc, show=False)
    with qtbot.waitSignal(cv.scene.nodeSelectionChanged) as blocker:
        cv.scene.select_nodes([ids["out"], ids["left"]])
    assert blocker.args == [[ids["left"], ids["out"]]]


def test_unknown_layer_type_is_kept_and_shown(make_canvas):
    b = GraphBuilder("m")
    x = b.input("x", shape=(4,))
    doc = b.document
    from graph_core.document import Node, TensorRef
    from graph_core.edits import AddNode

    doc.apply(AddNode(Node("n9", "l9", [TensorRef(x.node, 0)], (300.0, 0.0)), Layer("l9", "STFTSpectrogram", "kept")))
    doc.apply(AddNode(Node("n8", "l8", [TensorRef(x.node, 0)], (300.0, 90.0)), Layer("l8", "MyCustom", "custom")))
    cv = make_canvas(doc, show=False)
    item = cv.scene.node_item("n9")  # a built-in Keras layer outside the catalog: not checked
    assert item.params_text == "not in catalog" and item.badge.severity == "warning"
    custom = cv.scene.node_item("n8")  # not a Keras layer at all: the allow-list refuses it
    assert custom.params_text == "not in catalog" and custom.badge.severity == "error"


@pytest.mark.parametrize("layer_type, config, expected", [
    ("Dense", {"units": 32, "activation": "relu"}, "32 units · relu"),
    ("Dense", {"units": 1}, "1 unit"),
    ("Conv2D", {"filters": 128, "kernel_size": 3, "strides": 2, "padding": "same"}, "128 filters 3×3 s2 same"),
    ("MaxPooling2D", {"pool_size": 3, "strides": 1, "padding": "same"}, "3×3 s1 same"),
    ("LSTM", {"units": 16, "return_sequences": True}, "16 units · sequences"),
    ("Dropout", {"rate": 0.5}, "rate 0.5"),
    ("Concatenate", {}, "axis -1"),
    ("Dense", {}, "units ?"),
])
def test_param_summary(layer_type, config, expected):
    assert labels.param_summary(Layer("l", layer_type, "x", config)) == expected


def test_edit_updates_every_downstream_shape(make_canvas, qtbot):
    b = GraphBuilder("long")
    x = b.input("x", shape=(64,))
    first = x = b.layer("Dense", x, units=32)
    for k in range(120):
        x = b.layer(("ReLU", "LayerNormalization")[k % 2], x)
    b.output(x, loss="mse")
    cv = make_canvas(b.document, show=False)
    last = cv.scene.node_item(x.node)
    assert last.shape_line == "(None, 32)"
    with qtbot.waitSignal(cv.session.checked):
        cv.session.push(SetConfig(cv.doc.nodes[first.node].layer, "units", 48))
    assert last.shape_line == "(None, 48)"
    assert all(e.label == "(None, 48)" for e in cv.scene.edge_items() if e.source.node_id != list(cv.doc.nodes)[0])


def test_short_titles_for_cards_seen_from_afar():
    assert labels.short_titles("BatchNormalization") == ("BatchNorm", "BN")
    assert labels.short_titles("DepthwiseConv2D") == ("DWConv2D", "DWConv")
    assert labels.short_titles("GlobalAveragePooling2D") == ("GAvgPool2D", "GAvg")
    assert labels.short_titles("Dense") == ("Dense", "Dense")


def _dark_pixels_in_card(cv, node_id) -> int:
    from PySide6.QtGui import QColor

    image = cv.view.viewport().grab().toImage()
    item = cv.scene.node_item(node_id)
    box = cv.view.mapFromScene(item.sceneBoundingRect()).boundingRect()
    dark = 0
    for x in range(max(0, box.left()), min(image.width(), box.right())):
        for y in range(max(0, box.top()), min(image.height(), box.bottom())):
            if QColor(image.pixel(x, y)).lightness() < 90:
                dark += 1
    return dark


def test_the_overview_shows_layer_types_where_cards_are_wide_enough(make_canvas):
    doc, ids = siamese()
    cv = make_canvas(doc)
    cv.view.set_zoom(0.3)  # cards 55 px wide: drawn in bulk, with their short type
    cv.view.centerOn(cv.scene.node_item(ids["merged"]).sceneBoundingRect().center())
    assert cv.scene.detail_level == OVERVIEW
    assert _dark_pixels_in_card(cv, ids["merged"]) > 10
    cv.view.set_zoom(0.1)  # 18 px: too small for any text
    cv.view.centerOn(cv.scene.node_item(ids["merged"]).sceneBoundingRect().center())
    assert _dark_pixels_in_card(cv, ids["merged"]) == 0


def _input_visible_at_legible_zoom(cv) -> bool:
    from editor.canvas import style as S

    first = next(n for n in cv.scene.document.nodes if cv.scene.document.layer_of(n).type == "Input")
    card = cv.view.mapFromScene(cv.scene.node_item(first).sceneBoundingRect()).boundingRect()
    return cv.view.zoom >= S.LOD_MEDIUM - 1e-9 and cv.view.viewport().rect().contains(card)


@pytest.mark.parametrize("orientation", ["LR", "TB"])
def test_opening_and_auto_layout_show_a_big_graphs_inputs_legibly(make_canvas, orientation):
    from bench.graphs import residual_mlp
    from graph_core.layout import auto_layout_edit, set_view_orientation

    doc = residual_mlp(160)
    set_view_orientation(doc, orientation)
    doc.apply(auto_layout_edit(doc, orientation))
    cv = make_canvas(doc)
    cv.view.show_start()
    assert _input_visible_at_legible_zoom(cv)
    cv.view.set_zoom(0.05)
    cv.view.actions()["auto_layout"].trigger()
    assert _input_visible_at_legible_zoom(cv)


def test_switching_direction_shows_the_inputs_legibly(make_canvas):
    from bench.graphs import residual_mlp
    from graph_core.layout import auto_layout_edit

    doc = residual_mlp(160)
    doc.apply(auto_layout_edit(doc))
    cv = make_canvas(doc)
    cv.view.fit_to_view()
    assert cv.view.zoom < 0.3  # the whole of it is too small to read
    cv.view.actions()["layout_tb"].trigger()
    assert cv.scene.orientation == "TB"
    assert _input_visible_at_legible_zoom(cv)


def test_a_small_graph_opens_whole(make_canvas):
    doc, _ids = siamese()
    cv = make_canvas(doc)
    cv.view.show_start()
    rect = cv.view.mapFromScene(cv.scene.items_bounding_rect()).boundingRect()
    assert cv.view.viewport().rect().contains(rect) and cv.view.zoom <= 1.0
