"""The main window: template start, palette, status bar, title, nested tabs, problems, panels."""

from __future__ import annotations

import os
import sys

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDockWidget, QLabel

from editor.palette import MIME_LAYER
from editor.problems_panel import PROBLEM_ROLE
from graph_core import check
from graph_core.edits import Connect, Disconnect, Rename, SetConfig, delete_nodes
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]


def test_window_opens_with_a_template(qtbot, make_window):
    window = make_window("mlp")
    qtbot.waitExposed(window)
    assert window.windowTitle() == "mlp (unsaved)[*] — LayerLoom"
    assert not window.isWindowModified()
    assert window.tabs.count() == 1
    scene = window.current_scene()
    assert set(scene.selected_node_ids()) == set()
    assert "Valid" in window.status_text() and "3,466" in window.status_text()
    assert "Dense" in window.palette.visible_types()
    assert window.inspector.editor("epochs") is not None  # model settings when nothing is selected
    for key in ("Undo", "Redo"):
        assert any(key in a.text() for a in window.edit_menu.actions())
    texts = [a.text() for a in window.file_menu.actions()]
    for wanted in ("&New", "New from &template…", "&Open…", "&Save", "Save &As…", "Export &Python…",
                   "Export &Image…", "&Quit"):
        assert wanted in texts
    assert window.canvas_actions(), "the canvas actions are in the menus"
    in_menus = {a for m in (window.edit_menu, window.view_menu, window.layer_menu) for a in m.actions()}
    assert set(window.canvas_actions().values()) <= in_menus


def test_palette_double_click_adds_a_node_through_the_scene(qtbot, make_window):
    window = make_window("mlp")
    qtbot.waitExposed(window)
    doc, stack = window.session.document, window.session.undo_stack
    before, steps = len(doc.nodes), stack.count()
    tree = window.palette.tree
    item = window.palette.item_for("Dropout")
    item.parent().setExpanded(True)
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(doc.nodes) == before + 1
    added = list(doc.nodes)[-1]
    assert doc.layer_of(added).type == "Dropout"
    assert stack.count() == steps + 1
    stack.undo()
    assert len(doc.nodes) == before


def test_palette_drag_carries_the_layer_type_and_the_canvas_accepts_the_drop(qtbot, make_window):
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    window = make_window("mlp")
    qtbot.waitExposed(window)
    item = window.palette.item_for("Conv2D")
    data = window.palette.tree.mimeData([item])
    assert bytes(data.data(MIME_LAYER)).decode() == "Conv2D"
    assert window.palette.tree.mimeData([window.palette.tree.topLevelItem(0)]) is None  # categories
    doc = window.session.document
    before = len(doc.nodes)
    viewport = window.current_view().viewport()
    pos = QPointF(viewport.rect().center())
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos.toPoint(), actions, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(pos.toPoint(), actions, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)
    drop = QDropEvent(pos, actions, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, drop)
    assert len(doc.nodes) == before + 1
    assert doc.layer_of(list(doc.nodes)[-1]).type == "Conv2D"


def test_palette_search_filters(qtbot, make_window):
    window = make_window("mlp", show=False)
    palette = window.palette
    palette.search.setText("lstm")
    assert sorted(palette.visible_types()) == ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "LSTM"]
    # by what layers do, every word counting
    palette.search.setText("vocabulary")
    assert {"StringLookup", "IntegerLookup", "TextVectorization"} <= set(palette.visible_types())
    palette.search.setText("flip")
    assert palette.visible_types() == ["RandomFlip"]
    palette.search.setText("randomly images zoom")
    assert palette.visible_types() == ["RandomZoom"]
    palette.search.setText("tokenizer")
    assert palette.visible_types() == ["TextVectorization"]
    palette.search.setText("pool")
    assert all("Pool" in t for t in palette.visible_types()) and len(palette.visible_types()) >= 6
    palette.search.setText("")
    assert len(palette.visible_types()) > 40


def test_undo_back_to_the_saved_state_clears_the_modified_flag(qtbot, make_window, tmp_path):
    window = make_window("mlp")
    session = window.session
    assert window.files.save_as(str(tmp_path / "net.loom"))
    assert window.windowTitle() == "net.loom[*] — LayerLoom"
    assert not window.isWindowModified()
    dense = session.document.layer_by_name("dense")
    session.push(SetConfig(dense.id, "units", 64))
    session.push(Rename(dense.id, "hidden"))
    assert window.isWindowModified()
    session.undo_stack.undo()
    assert window.isWindowModified()
    session.undo_stack.undo()
    assert not window.isWindowModified()
    session.undo_stack.redo()
    assert window.isWindowModified()


def test_closing_with_unsaved_changes_asks(qtbot, make_window, fake_dialogs, tmp_path):
    window = make_window("mlp")
    session = window.session
    session.push(Rename(session.document.layer_by_name("dense").id, "hidden"))
    fake_dialogs.save_changes_answer = "cancel"
    assert not window.close()
    assert window.isVisible()
    assert fake_dialogs.asked[-1] == ("save_changes", "mlp (unsaved)")
    fake_dialogs.save_changes_answer = "save"
    target = tmp_path / "kept.loom"
    fake_dialogs.save_answers.append(str(target))
    assert window.close()
    assert target.is_file() and "hidden" in target.read_text()


def test_closing_and_discarding(qtbot, make_window, fake_dialogs):
    window = make_window("mlp")
    window.session.push(Rename(window.session.document.layer_by_name("dense").id, "hidden"))
    fake_dialogs.save_changes_answer = "discard"
    assert window.close()
    assert not window.isVisible()


def test_status_bar_counts_errors_and_warnings_and_shows_refusals(qtbot, make_window):
    window = make_window("mlp")
    session, doc = window.session, window.session.document
    node = doc.nodes_of(doc.layer_by_name("dense_2").id)[0]
    session.push(Disconnect(node, 0))
    text = window.status_text()
    assert "Invalid" in text and "error" in text and "warning" in text
    session.undo_stack.undo()
    assert "Valid" in window.status_text() and "error" not in window.status_text()
    inp = doc.nodes_of(doc.layer_by_name("input").id)[0]
    assert not session.push(Connect((node, 0), inp))
    assert "takes no inputs" in window.statusBar().currentMessage()


def test_problems_panel_lists_problems_and_selects_their_nodes(qtbot, make_window):
    window = make_window("mlp")
    session, doc = window.session, window.session.document
    dense = doc.layer_by_name("dense")
    session.push(SetConfig(dense.id, "units", 0))
    panel = window.problems
    qtbot.waitUntil(lambda: panel.list.count() > 0)
    problems = [panel.list.item(i).data(PROBLEM_ROLE) for i in range(panel.list.count())]
    assert any(p is not None and "units" in p.message for p in problems)
    assert "error" in panel.summary.text()
    row = next(i for i, p in enumerate(problems) if p is not None and "units" in p.message)
    panel.activate_row(row)
    assert window.current_scene().selected_node_ids() == doc.nodes_of(dense.id)
    assert window.inspector.layer() is dense
    panel.activate_row(row, fit=True)  # double-click: also fits (must not fail)
    session.undo_stack.undo()
    qtbot.waitUntil(lambda: panel.list.count() == 0)
    assert "No problems" in panel.summary.text()


def test_nested_model_opens_in_a_tab_with_a_breadcrumb(qtbot, make_window):
    window = make_window("model-as-layer")
    session, doc = window.session, window.session.document
    encoder = doc.layer_by_name("encoder")
    scene = window.current_scene()
    scene.openNestedRequested.emit(encoder.id)
    assert window.tabs.count() == 2
    assert window.tabs.breadcrumb_names() == [doc.name, "encoder"]
    assert window.tabs.current_document() is encoder.subgraph
    assert window.inspector.document is encoder.subgraph
    # an edit inside the nested model goes on the same undo stack and changes the parent's result
    sub = encoder.subgraph
    emb = next(layer for layer in sub.layers.values() if layer.type == "Embedding")
    before = check(doc).total
    steps = session.undo_stack.count()
    window.current_scene().select_nodes(sub.nodes_of(emb.id))
    qtbot.waitUntil(lambda: window.inspector.layer() is emb and not window.inspector.rebuild_pending)
    window.inspector.editor("output_dim").spin.setValue(32)
    assert emb.config["output_dim"] == 32
    assert session.undo_stack.count() == steps + 1
    assert check(doc).total != before  # the parent model changed with it
    # breadcrumb click goes back to the main model; the tab stays open
    window.tabs.open_crumb("0")
    assert window.tabs.current_path() == ()
    assert window.tabs.count() == 2
    # opening again reuses the tab
    window.tabs.open_nested(encoder.id)
    assert window.tabs.count() == 2 and window.tabs.current_path() == (encoder.id,)
    # deleting the Model layer's last call closes its tab; undo does not reopen it
    window.tabs.tabs.setCurrentIndex(0)
    first_call, second_call = doc.nodes_of(encoder.id)
    assert session.push(delete_nodes(doc, [first_call]))
    assert window.tabs.count() == 2  # still called once
    assert session.push(delete_nodes(doc, [second_call]))
    assert encoder.id not in doc.layers
    assert window.tabs.count() == 1
    session.undo_stack.undo()
    assert window.tabs.count() == 1


def test_status_bar_follows_edits_inside_nested_models(qtbot, make_window):
    window = make_window("model-as-layer")
    session, doc = window.session, window.session.document
    sub = doc.layer_by_name("encoder").subgraph
    emb = next(layer for layer in sub.layers.values() if layer.type == "Embedding")
    session.push(SetConfig(emb.id, "output_dim", 32), sub)
    assert session.result().total == check(doc).total
    assert f"{check(doc).total:,}" in window.status_text()


def test_application_layers_have_no_tab(qtbot, make_window):
    window = make_window("siamese-vision")
    doc = window.session.document
    app_layer = next(layer for layer in doc.layers.values() if layer.type == "Application")
    window.current_scene().openNestedRequested.emit(app_layer.id)
    assert window.tabs.count() == 1


def test_new_template_and_open_replace_the_session(qtbot, make_window, fake_dialogs, tmp_path):
    window = make_window("mlp")
    seen = []
    window.sessionChanged.connect(seen.append)
    fake_dialogs.template = "residual"
    assert window.files.new_from_template()
    assert seen[-1] is window.session and window.session.path is None
    assert window.session.document.name != "mlp"
    assert window.files.new()
    assert len(window.session.document.nodes) == 0
    assert len(seen) == 2


def test_add_panel_tabifies_and_is_listed_in_view_menu(qtbot, make_window):
    window = make_window("mlp")
    first = window.add_panel(QLabel("summary"), "Summary", Qt.DockWidgetArea.BottomDockWidgetArea)
    second = window.add_panel(QLabel("code"), "Code", Qt.DockWidgetArea.BottomDockWidgetArea)
    assert isinstance(first, QDockWidget) and first.panel.text() == "summary"
    qtbot.waitUntil(lambda: window.tabifiedDockWidgets(first) == [second])
    right = window.add_panel(QLabel("training"), "Training")
    assert window.dockWidgetArea(right) == Qt.DockWidgetArea.RightDockWidgetArea
    qtbot.waitUntil(lambda: right in window.tabifiedDockWidgets(window.problems_dock))
    titles = [a.text() for a in window.panels_menu.actions()]
    assert {"Layers", "Inspector", "Problems", "Summary", "Code", "Training"} <= set(titles)


def test_keras_integration_can_open_documents_and_select(qtbot, make_window):
    from graph_core.templates import load_template

    window = make_window("mlp")
    assert window.open_document(load_template("residual"), "residual.keras")
    assert window.session.path is None and window.session.document.name == load_template("residual").name
    scene = window.graph_scene()
    assert scene is window.current_scene()
    node = next(iter(window.session.document.nodes))
    window.show_nodes((), [node])
    assert scene.selected_node_ids() == [node]


EDITOR_SESSION_SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from editor.main_window import MainWindow
from editor.app import attach_keras
from editor.render import render_document
from codegen.python_export import export_python
from graph_core.templates import load_template
window = MainWindow()
attach_keras(window, start_worker=False)
window.show()
app.processEvents()
doc = load_template("siamese-lstm")
export_python(doc)
render_document(doc, sys.argv[1])
print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
window.close()
"""


def test_no_tensorflow_in_the_editor_process(tmp_path):
    """A fresh editor process (window, Keras panels, export, render) never imports TensorFlow or Keras."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", EDITOR_SESSION_SCRIPT, str(tmp_path / "g.png")],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"



def test_template_gallery_lists_every_template_with_a_preview(qtbot, qapp):
    from editor.template_gallery import SLUG_ROLE, TemplateGallery, template_thumbnail
    from graph_core.templates import list_templates, load_template

    gallery = TemplateGallery()
    qtbot.addWidget(gallery)
    slugs = [gallery.list.item(i).data(SLUG_ROLE) for i in range(gallery.list.count())]
    assert slugs == [t.slug for t in list_templates()]
    assert gallery.selected_slug() == slugs[0]
    gallery.list.setCurrentRow(3)
    assert gallery.selected_slug() == slugs[3]
    image = template_thumbnail(load_template("inception")).toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
    assert len(colours) > 3


def test_nested_tab_close_button(qtbot, make_window):
    window = make_window("model-as-layer")
    encoder = window.session.document.layer_by_name("encoder")
    index = window.tabs.open_nested(encoder.id)
    bar = window.tabs.tabs.tabBar()
    assert bar.tabButton(0, bar.ButtonPosition.RightSide) is None  # the main tab stays
    bar.tabButton(index, bar.ButtonPosition.RightSide).click()
    assert window.tabs.count() == 1 and window.tabs.current_path() == ()
    assert window.inspector.document is window.session.document


def test_renaming_a_nested_model_in_its_tab_renames_its_layer(qtbot, make_window):
    window = make_window("model-as-layer")
    doc = window.session.document
    encoder = doc.layer_by_name("encoder")
    window.current_scene().openNestedRequested.emit(encoder.id)
    qtbot.waitUntil(lambda: window.inspector.document is encoder.subgraph and window.inspector.name_edit is not None)
    window.inspector.name_edit.setText("sentence_encoder")
    window.inspector.name_edit.editingFinished.emit()
    assert encoder.name == "sentence_encoder" and encoder.subgraph.name == "sentence_encoder"
    assert window.tabs.breadcrumb_names() == [doc.name, "sentence_encoder"]
    window.session.undo_stack.undo()
    assert encoder.name == "encoder" and encoder.subgraph.name == "encoder"
