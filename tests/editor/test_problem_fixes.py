"""The problems panel's Fix button: the notes' Embedding mistake fixed with one click, undoable."""

from __future__ import annotations

import pytest

from editor.session import DocumentSession
from graph_core.source_import import import_source
from tests.codegen.test_source_import import cell
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = pytest.mark.gui


def test_fix_button_repairs_the_selected_problem_in_one_undo_step(make_window, qtbot):
    doc = import_source(cell("In [11]")).document
    window = make_window(DocumentSession(doc))
    panel = window.problems
    qtbot.waitUntil(lambda: panel.list.count() == 2)
    assert panel.fix_button.isHidden()
    panel.list.setCurrentRow(0)
    assert panel.fix_button.isVisible()
    assert panel.fix_button.text().startswith("Fix: Swap input_dim and output_dim of 'embedded_text'")
    with qtbot.waitSignal(panel.fix_button.fixed):
        panel.fix_button.click()
    assert doc.layer_by_name("embedded_text").config == {"input_dim": 10000, "output_dim": 64}
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    window.session.undo_stack.undo()
    assert doc.layer_by_name("embedded_text").config == {"input_dim": 64, "output_dim": 10000}
    qtbot.waitUntil(lambda: panel.list.count() == 2)


def test_several_fixes_are_offered_in_a_menu(make_window, qtbot):
    source = ("import keras\nfrom keras import layers\nx = keras.Input((8, 8, 3))\n"
              "m = keras.Model(x, layers.Dense(2, activation='softmax', name='head')(layers.Conv2D(4, 3)(x)))\n"
              "m.compile(loss='categorical_crossentropy')\n")
    doc = import_source(source).document
    window = make_window(DocumentSession(doc))
    panel = window.problems
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    panel.list.setCurrentRow(0)
    labels = [fix.label for fix in panel.fix_button.fixes]
    assert labels == ["Insert Flatten before 'head'", "Insert GlobalAveragePooling2D before 'head'"]
    assert [a.text() for a in panel.fix_button.menu().actions()] == labels
    panel.fix_button.menu().actions()[1].trigger()
    assert "GlobalAveragePooling2D" in [layer.type for layer in doc.layers.values()]
    assert window.session.undo_stack.count() == 1


def test_the_node_menu_offers_its_fixes(make_canvas):
    doc = import_source(cell("In [11]")).document
    cv = make_canvas(doc, show=False)
    node = doc.nodes_of(doc.layer_by_name("embedded_question").id)[0]
    menu = cv.scene.context_menu(node)
    fix = [a for a in menu.actions() if a.text().startswith("Fix: ")]
    assert [a.text() for a in fix] == ["Fix: Swap input_dim and output_dim of 'embedded_question' "
                                       "(Embedding(10000, 32))"]
    fix[0].trigger()
    assert doc.layer_by_name("embedded_question").config["input_dim"] == 10000
    assert cv.session.undo_stack.count() == 1
    other = doc.nodes_of(doc.layer_by_name("answer").id)[0]
    other_menu = cv.scene.context_menu(other)
    assert not [a for a in other_menu.actions() if a.text().startswith("Fix: ")]
