"""The inspector: typed editors from the catalog, shared layers, renames, outputs, model settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from editor.layer_help import layer_help_html
from editor.param_editors import (
    AxesEditor,
    BoolEditor,
    ComboEditor,
    DtypeEditor,
    EditableComboEditor,
    FloatEditor,
    IntEditor,
    IntTupleEditor,
    LiteralEditor,
    ShapeEditor,
    make_editor,
)
from graph_core import catalog
from graph_core.analysis import check
from graph_core.edits import SetConfig, add_layer
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]


def select(window, layer_name: str, call: int | None = None) -> list:
    """Select the node(s) of a layer on the current canvas; returns the selected node ids."""
    doc = window.tabs.current_document()
    nodes = doc.nodes_of(doc.layer_by_name(layer_name).id)
    ids = nodes if call is None else [nodes[call]]
    window.current_scene().select_nodes(ids)
    return ids


def wait_inspector(qtbot, window, layer_name: str) -> None:
    qtbot.waitUntil(lambda: window.inspector.layer() is not None
                    and window.inspector.layer().name == layer_name and not window.inspector.rebuild_pending)


# ------------------------------------------------------------------ pure helpers
def test_editor_kinds_follow_the_catalog(qapp):
    def kind(layer, name, value=None):
        p = catalog.get_spec(layer).param(name)
        return type(make_editor(p, p.default if value is None else value))

    assert kind("Dense", "units", 32) is IntEditor
    assert kind("Dense", "activation") is EditableComboEditor
    assert kind("Dense", "use_bias") is BoolEditor
    assert kind("Conv2D", "padding") is ComboEditor
    assert kind("Conv2D", "kernel_size", 3) is IntTupleEditor
    assert kind("Input", "shape", [None, 128]) is ShapeEditor
    assert kind("Input", "dtype") is DtypeEditor
    assert kind("Dropout", "rate", 0.5) is FloatEditor
    assert kind("LayerNormalization", "axis") is AxesEditor
    assert kind("Dense", "kernel_regularizer") is LiteralEditor
    # a value the typed editor cannot show falls back to a literal field
    assert kind("Dense", "units", 0) is LiteralEditor


def test_int_editor_respects_minimum_and_maximum(qapp):
    units = make_editor(catalog.get_spec("Dense").param("units"), 32)
    assert units.spin.minimum() == 0 and units.spin.specialValueText() == "(required)"
    assert units.spin.maximum() == 2**31 - 1
    rate = catalog.get_spec("Dropout").param("rate")
    assert FloatEditor.can_represent(rate, 0.5)


def test_help_lists_every_parameter_with_default():
    text = layer_help_html("Dense")
    spec = catalog.get_spec("Dense")
    assert spec.description.split(":")[0] in text
    for p in spec.params:
        assert p.name in text
    assert "glorot_uniform" in text and "required" in text
    assert "keras.layers.Dense(units, activation=None" in text
    assert "Xception" in layer_help_html("Application")
    assert "Model" in layer_help_html("Model")


# ------------------------------------------------------------------ in the window
def test_units_edit_on_shared_layer_updates_both_calls_in_one_undo_step(qtbot, make_window):
    window = make_window("siamese-lstm")
    session, doc = window.session, window.session.document
    lstm = doc.layer_by_name("shared_lstm")
    calls = doc.nodes_of(lstm.id)
    assert len(calls) == 2
    select(window, "shared_lstm", call=1)
    wait_inspector(qtbot, window, "shared_lstm")
    assert "shared: called 2 times" in window.inspector.shared_label.text()
    spin = window.inspector.editor("units").spin
    steps = session.undo_stack.count()
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "128")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert lstm.config["units"] == 128
    assert doc.layer_of(calls[0]) is doc.layer_of(calls[1]) is lstm
    result = session.result()
    assert result.output_specs(calls[0])[0].shape == (None, 128)
    assert result.output_specs(calls[1])[0].shape == (None, 128)
    assert session.undo_stack.count() == steps + 1  # "1", "12", "128" merged
    session.undo_stack.undo()
    assert lstm.config["units"] == 32
    assert spin.value() == 32  # the inspector follows undo


def test_rename_refuses_duplicates_with_a_message(qtbot, make_window):
    window = make_window("siamese-lstm")
    session, doc = window.session, window.session.document
    select(window, "merged")
    wait_inspector(qtbot, window, "merged")
    inspector = window.inspector
    steps = session.undo_stack.count()
    inspector.name_edit.setText("left")
    inspector.name_edit.editingFinished.emit()
    assert doc.layer_by_name("merged") is not None
    assert not inspector.name_error.isHidden()
    assert "already exists" in inspector.name_error.text()
    assert session.undo_stack.count() == steps
    inspector.name_edit.setText("2bad name")
    inspector.name_edit.editingFinished.emit()
    assert "not a valid Keras layer name" in inspector.name_error.text()
    inspector.name_edit.setText("joined")
    inspector.name_edit.editingFinished.emit()
    assert doc.layer_by_name("joined") is not None
    assert inspector.name_error.isHidden()
    assert session.undo_stack.count() == steps + 1


def test_output_loss_and_weight_edits(qtbot, make_window):
    window = make_window("siamese-lstm")
    session, doc = window.session, window.session.document
    select(window, "predictions")
    wait_inspector(qtbot, window, "predictions")
    (box,) = window.inspector.output_editors()
    steps = session.undo_stack.count()
    index = box.loss.findData("mse")
    box.loss.setCurrentIndex(index)
    box.loss.activated.emit(index)
    assert doc.outputs[0].loss == "mse"
    box.weight.selectAll()
    qtbot.keyClicks(box.weight, "2.5")
    assert doc.outputs[0].loss_weight == pytest.approx(2.5)
    box.metrics.setText("accuracy, mae")
    box.metrics.editingFinished.emit()
    assert doc.outputs[0].metrics == ["accuracy", "mae"]
    assert session.undo_stack.count() == steps + 3  # loss, weight (typed, merged), metrics
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert doc.outputs[0].loss_weight == pytest.approx(1.0)
    assert box.weight.value() == pytest.approx(1.0)


def test_mark_and_remove_output_from_the_inspector(qtbot, make_window):
    window = make_window("mlp")
    doc = window.session.document
    select(window, "dense")
    wait_inspector(qtbot, window, "dense")
    assert len(doc.outputs) == 1
    window.inspector.mark_output_button.click()
    assert len(doc.outputs) == 2 and doc.outputs[1].node == doc.nodes_of(doc.layer_by_name("dense").id)[0]
    qtbot.waitUntil(lambda: len(window.inspector.output_editors()) == 1)
    window.inspector.output_editors()[0].remove.click()
    assert len(doc.outputs) == 1


def test_constraint_violations_are_shown_in_red_and_bad_text_is_not_applied(qtbot, make_window):
    window = make_window("inception")
    session, doc = window.session, window.session.document
    conv = doc.layer_by_name("branch_b_3x3")
    select(window, "branch_b_3x3")
    wait_inspector(qtbot, window, "branch_b_3x3")
    inspector = window.inspector
    kernel = inspector.editor("kernel_size")
    assert isinstance(kernel, IntTupleEditor)
    kernel.line.setText("3, 5")
    kernel.line.editingFinished.emit()
    assert conv.config["kernel_size"] == [3, 5]
    steps = session.undo_stack.count()
    kernel.line.setText("3, x")
    kernel.line.editingFinished.emit()
    assert conv.config["kernel_size"] == [3, 5]
    assert session.undo_stack.count() == steps
    assert not inspector.row("kernel_size").error.isHidden()
    # a value a spin box cannot show (units 0) comes from elsewhere: shown as text, flagged in red
    session.push(SetConfig(conv.id, "filters", 0))
    qtbot.waitUntil(lambda: isinstance(inspector.editor("filters"), LiteralEditor))
    error = inspector.row("filters").error
    assert not error.isHidden() and "filters must be a positive integer, got 0" in error.text()
    session.undo_stack.undo()
    qtbot.waitUntil(lambda: isinstance(inspector.editor("filters"), IntEditor))
    assert inspector.row("filters").error.isHidden()


def test_input_shape_editor_validates(qtbot, make_window):
    window = make_window("mlp")
    doc = window.session.document
    inp = doc.layer_by_name("input")
    select(window, "input")
    wait_inspector(qtbot, window, "input")
    shape = window.inspector.editor("shape")
    assert isinstance(shape, ShapeEditor)
    shape.line.setText("None, 64")
    shape.line.editingFinished.emit()
    assert inp.config["shape"] == [None, 64]
    shape.line.setText("0, 64")
    shape.line.editingFinished.emit()
    assert inp.config["shape"] == [None, 64]
    assert "positive integers or None" in window.inspector.row("shape").error.text()


def test_reset_button_returns_to_the_keras_default(qtbot, make_window):
    window = make_window("mlp")
    dense = window.session.document.layer_by_name("dense")
    select(window, "dense")
    wait_inspector(qtbot, window, "dense")
    row = window.inspector.row("activation")
    assert not row.reset.isHidden()
    row.reset.click()
    assert "activation" not in dense.config


def test_model_settings_when_nothing_is_selected(qtbot, make_window):
    window = make_window("mlp")
    doc = window.session.document
    window.current_scene().select_nodes([])
    qtbot.waitUntil(lambda: window.inspector.editor("epochs") is not None)
    epochs = window.inspector.editor("epochs")
    epochs.spin.selectAll()
    qtbot.keyClicks(epochs.spin, "12")
    assert doc.fit["epochs"] == 12
    lr = window.inspector.editor("learning_rate")
    lr.line.setText("1e-4")
    lr.line.editingFinished.emit()
    assert doc.compile["learning_rate"] == pytest.approx(1e-4)
    lr.line.setText("-1")
    lr.line.editingFinished.emit()
    assert doc.compile["learning_rate"] == pytest.approx(1e-4)
    window.inspector.name_edit.setText("my_mlp")
    window.inspector.name_edit.editingFinished.emit()
    assert doc.name == "my_mlp"
    assert len(window.inspector.output_editors()) == len(doc.outputs)


def test_help_button_opens_the_layer_documentation(qtbot, make_window):
    window = make_window("mlp")
    select(window, "dense")
    wait_inspector(qtbot, window, "dense")
    window.inspector.help_button.click()
    dialog = window.inspector.help_dialog
    assert dialog.isVisible() and "units" in dialog.browser.toPlainText()
    dialog.close()


# ------------------------------------------------------------------ wrapped layers
def add_wrapper(window, layer_type: str, config: dict) -> str:
    """Add a ``layer_type`` layer on the "left" input (a (batch, steps, 128) sequence); returns its name."""
    session, doc = window.session, window.session.document
    source = doc.nodes_of(doc.layer_by_name("left").id)[0]
    edit = add_layer(doc, layer_type, config, inputs=[(source, 0)], pos=(0.0, 400.0))
    assert session.push(edit, doc)
    return doc.layers[edit.node.layer].name


def test_bidirectional_wrapped_type_and_units_in_one_undo_step(qtbot, make_window):
    window = make_window("siamese-lstm")
    session, doc = window.session, window.session.document
    name = add_wrapper(window, "Bidirectional", {})  # as the palette adds it: no wrapped layer yet
    layer = doc.layer_by_name(name)
    (node,) = doc.nodes_of(layer.id)
    steps = session.undo_stack.count()
    select(window, name)
    wait_inspector(qtbot, window, name)
    inspector = window.inspector
    wrapped = inspector.wrapped_editor()
    assert wrapped is not None and wrapped.inner_type() is None and wrapped.rows() == {}
    combo = wrapped.combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["LSTM", "GRU", "SimpleRNN"]
    assert "layer is required" in inspector.row("layer").error.text()

    combo.setCurrentIndex(combo.findData("GRU"))
    combo.activated.emit(combo.findData("GRU"))
    assert layer.config["layer"] == {"type": "GRU", "config": {}}
    wait_inspector(qtbot, window, name)
    wrapped = inspector.wrapped_editor()
    assert wrapped.inner_type() == "GRU" and wrapped.combo.currentText() == "GRU"
    units_row = wrapped.row("units")
    assert "units is required" in units_row.error.text()  # check_params' "layer.units", inline
    assert inspector.row("layer").error.isHidden()
    assert wrapped.advanced_toggle is not None and wrapped.row("recurrent_dropout") is not None

    spin = inspector.editor("layer.units").spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "16")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert layer.config["layer"] == {"type": "GRU", "config": {"units": 16}}
    assert check(doc).output_specs(node)[0].shape == (None, 32)  # both directions concatenated
    assert session.result().output_specs(node)[0].shape == (None, 32)
    assert units_row.error.isHidden()
    assert session.undo_stack.count() == steps + 1  # type, "1", "16": one SetConfig step

    session.undo_stack.undo()
    assert "layer" not in layer.config
    wait_inspector(qtbot, window, name)
    qtbot.waitUntil(lambda: inspector.wrapped_editor() is not None
                    and inspector.wrapped_editor().inner_type() is None)


def test_time_distributed_dense_units_editing(qtbot, make_window):
    window = make_window("siamese-lstm")
    session, doc = window.session, window.session.document
    name = add_wrapper(window, "TimeDistributed", {"layer": {"type": "Dense", "config": {"units": 4}}})
    layer = doc.layer_by_name(name)
    (node,) = doc.nodes_of(layer.id)
    assert check(doc).output_specs(node)[0].shape == (None, None, 4)
    steps = session.undo_stack.count()
    select(window, name)
    wait_inspector(qtbot, window, name)
    inspector = window.inspector
    wrapped = inspector.wrapped_editor()
    combo = wrapped.combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts[:6] == ["Dense", "Conv2D", "Conv1D", "MaxPooling2D", "Flatten", "Dropout"]
    assert "Concatenate" not in texts and "TimeDistributed" not in texts and "LSTM" in texts
    assert combo.currentText() == "Dense"
    units = inspector.editor("layer.units")
    assert isinstance(units, IntEditor) and units.spin.value() == 4
    assert isinstance(inspector.editor("layer.activation"), EditableComboEditor)

    units.spin.setFocus()
    units.spin.selectAll()
    qtbot.keyClicks(units.spin, "10")
    qtbot.keyClick(units.spin, Qt.Key.Key_Return)
    assert layer.config["layer"] == {"type": "Dense", "config": {"units": 10}}
    assert check(doc).output_specs(node)[0].shape == (None, None, 10)
    assert session.undo_stack.count() == steps + 1
    activation = inspector.editor("layer.activation")
    activation.combo.setCurrentText("relu")
    activation.combo.lineEdit().editingFinished.emit()
    assert layer.config["layer"]["config"] == {"units": 10, "activation": "relu"}
    assert session.undo_stack.count() == steps + 1  # still the same field: merged
    assert not wrapped.row("activation").reset.isHidden()
    wrapped.row("activation").reset.click()
    assert layer.config["layer"]["config"] == {"units": 10}

    session.undo_stack.undo()
    assert layer.config["layer"] == {"type": "Dense", "config": {"units": 4}}
    assert inspector.editor("layer.units").spin.value() == 4  # the inspector follows undo
