"""First-use defects found by trying the editor as a new user (issue 13), each with its test."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = pytest.mark.gui


def _inspector_title(window) -> str:
    labels = [w.text() for w in window.inspector.findChildren(QLabel)]
    return " ".join(t for t in labels if "Model" in t or "model" in t)


@pytest.mark.parametrize("how", ["new", "template"])
def test_inspector_shows_the_top_level_model_after_new(make_window, how):
    window = make_window("mlp")
    if how == "new":
        assert window.files.new()
    else:
        assert window.files.new_from_template("multi-output")
    QApplication.processEvents()
    title = _inspector_title(window)
    assert "Nested model" not in title and "Model" in title


def _no_loss_document():
    from graph_core.builder import GraphBuilder

    b = GraphBuilder("no_loss")
    x = b.input("x", shape=(4,))
    b.output(b.layer("Dense", x, units=2))  # an imported model often has no loss
    return b.document


def test_inspector_shows_the_top_level_model_after_import(make_window):
    window = make_window("mlp")
    assert window.open_document(_no_loss_document(), "no_loss.keras")
    QApplication.processEvents()
    assert "Nested model" not in _inspector_title(window)


def test_no_window_appears_outside_the_editor(make_window, qtbot):
    window = make_window("mlp")
    before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    window.open_document(_no_loss_document(), "no_loss.keras")
    qtbot.waitUntil(lambda: window.session.result(window.session.document) is not None)
    QApplication.processEvents()
    stray = [w for w in QApplication.topLevelWidgets() if w.isVisible() and id(w) not in before
             and w is not window and w.metaObject().className() != "QTipLabel"]
    assert stray == [], [type(w).__name__ + ":" + (w.text() if hasattr(w, "text") else "") for w in stray]


def test_output_settings_of_a_nested_model_keep_their_error_label_inside(make_window):
    from editor.output_settings import OutputEditor

    window = make_window("mlp")
    doc = _no_loss_document()
    editor = OutputEditor(window.inspector, doc, 0, "output 0", training=False)
    editor.sync()
    assert not editor.error.isWindow() and not editor.error.isVisible()
    editor.deleteLater()


def test_a_new_view_opens_fitted(make_window, qtbot):
    window = make_window("mlp")
    window.resize(1400, 900)
    assert window.files.new_from_template("multi-output")
    view = window.current_view()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    scene = view.graph_scene()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    inputs = [scene.node_item(n) for n in scene.document.nodes if scene.document.layer_of(n).type == "Input"]
    assert all(visible.contains(item.sceneBoundingRect()) for item in inputs)
    fits = visible.contains(scene.items_bounding_rect())
    from editor.canvas import style as S

    assert fits or view.zoom >= S.LOD_MEDIUM - 1e-9
