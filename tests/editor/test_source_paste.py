"""Keras code in the editor: Ctrl+V of Python text pastes its graph (one undo step);
File › Import Python source… opens it as a new document; errors name the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF

from graph_core.document import TensorRef
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = pytest.mark.gui

NOTES = Path(__file__).parents[1] / "data" / "keras-functional-api-notes.txt"

SIAMESE = """from keras import layers
from keras import Input
from keras.models import Model

lstm = layers.LSTM(32) #instantiating a layer

left_input = Input(shape=(None, 128))
left_output = lstm(left_input)

right_input = Input(shape=(None, 128))
right_output = lstm(right_input)

merged = layers.concatenate([left_output, right_output], axis=-1)
predictions = layers.Dense(1, activation='sigmoid')(merged)

model = Model([left_input, right_input], predictions)
model.compile(optimizer='rmsprop', loss='binary_crossentropy')
model.fit([left_data, right_data], targets)
"""


def test_pasting_keras_code_adds_its_graph_in_one_step(make_canvas):
    cv = make_canvas(show=False)
    doc = cv.scene.document
    new = cv.scene.paste(SIAMESE, QPointF(0, 0))
    assert len(new) == 6 and cv.session.undo_stack.count() == 1
    lstm = doc.layer_by_name("lstm")
    assert doc.is_shared(lstm.id)
    assert [doc.layer_of(o.node).name for o in doc.outputs] == ["predictions"]
    assert cv.session.result().valid
    cv.session.undo_stack.undo()
    assert not doc.nodes and not doc.outputs


def test_pasting_unsupported_code_names_the_line(make_canvas, qtbot):
    cv = make_canvas(show=False)
    with qtbot.waitSignal(cv.scene.statusMessage) as blocker:
        assert cv.scene.paste("from keras import layers\nfor i in range(3):\n    pass\n", QPointF(0, 0)) == []
    assert "pasted code:2:1" in blocker.args[0] and "for loop" in blocker.args[0]


def test_file_import_python_source_opens_a_new_document(make_window, fake_dialogs, tmp_path):
    from editor.source_import_action import import_python_source

    window = make_window("mlp")
    src = tmp_path / "siamese.py"
    src.write_text(SIAMESE)
    assert window.import_source_action.text() == "Import Python &source…"
    assert import_python_source(window, str(src))
    doc = window.session.document
    assert doc.name == "model" and len(doc.nodes) == 6 and window.session.path is None
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    assert not import_python_source(window, str(bad))
    assert fake_dialogs.errors and "bad.py:1:1" in fake_dialogs.errors[-1][1]


def test_a_block_continuing_an_earlier_cell_pastes_onto_the_selected_node(make_canvas, qtbot):
    from editor.canvas.python_paste import paste_code
    from graph_core.templates import load_template
    from tests.codegen.test_source_import import cell

    residual = cell("In [3]")  # uses the x of the Inception cell
    cv = make_canvas(load_template("inception"), show=False)
    doc = cv.scene.document
    features = doc.input_nodes()[0]
    before = len(doc.nodes)
    cv.scene.select_nodes([features])
    new = paste_code(cv.scene, residual, QPointF(0, 600))
    assert len(new) == 5 and len(doc.nodes) == before + 5 and cv.session.undo_stack.count() == 1
    conv_readers = [c for c, _slot in doc.consumers(features) if c in new]
    assert len(conv_readers) == 2  # the main path's first Conv2D and the 1x1 shortcut
    add = [n for n in new if doc.layer_of(n).type == "Add"][0]
    result = cv.session.result()
    assert result.output_specs(add)[0].shape == (None, 16, 16, 128)
    assert doc.output_index(TensorRef(add, 0)) is not None
    cv.session.undo_stack.undo()
    assert len(doc.nodes) == before
    cv.scene.select_nodes([])
    with qtbot.waitSignal(cv.scene.statusMessage) as blocker:
        assert paste_code(cv.scene, residual, QPointF(0, 0)) == []
    assert "'x' is used but never defined" in blocker.args[0]
