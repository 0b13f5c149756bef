"""The one training-settings form, shared by the inspector and the training panel."""

from __future__ import annotations

import pytest

from editor.inspector import Inspector
from editor.panels.training_panel import TrainingPanel
from editor.session import DocumentSession
from editor.settings_form import SettingsForm
from graph_core.edits import SetSetting
from graph_core.templates import load_template
from graph_core.training_settings import OPTIMIZERS
from tests.editor.test_panels import FakeWorker

pytestmark = pytest.mark.gui


def test_the_form_pushes_valid_settings_and_refuses_the_rest(qtbot):
    doc = load_template("mlp")
    pushed, problems = [], []

    def push(edit):
        pushed.append(edit)
        doc.apply(edit)
        return True

    form = SettingsForm("compile", push)
    qtbot.addWidget(form)
    form.problem.connect(problems.append)
    form.sync(doc)
    rate = form.editor("learning_rate")
    assert rate.line.text() == "0.001" and form.editor("epochs") is None
    combo = form.editor("optimizer").combo
    assert [combo.itemText(i) for i in range(combo.count())] == list(OPTIMIZERS)
    for text in ("0", "-1", "nan", "abc"):
        rate.line.setText(text)
        rate.line.editingFinished.emit()
    assert pushed == [] and len(problems) == 4
    assert problems[:3] == ["The learning rate must be a number greater than 0."] * 3
    message = form.error_label("learning_rate")  # made with the first refusal, under the field
    assert not message.isHidden() and message.text() == problems[-1]
    assert form.grid.getItemPosition(form.grid.indexOf(message)) == (3, 0, 1, 2)
    assert form.error_label("optimizer").isHidden()  # never refused: made hidden when asked for
    rate.line.setText("0.001")  # the current value: nothing to push
    rate.line.editingFinished.emit()
    assert message.isHidden()
    rate.line.setText("0.02")
    rate.line.editingFinished.emit()
    assert [(e.section, e.key, e.value) for e in pushed if isinstance(e, SetSetting)] == [
        ("compile", "learning_rate", 0.02)]


def test_inspector_and_training_panel_show_the_same_forms(qtbot):
    session = DocumentSession(load_template("mlp"))
    inspector = Inspector(session)
    panel = TrainingPanel(FakeWorker())
    qtbot.addWidget(inspector)
    qtbot.addWidget(panel)
    panel.set_session(session)
    sections = [sorted(form.section for form in widget.findChildren(SettingsForm)) for widget in (inspector, panel)]
    assert sections == [["compile", "fit", "fit"], ["compile", "fit", "fit"]]  # fit settings and fit options
    assert inspector.editor("batch_size").spin.maximum() == panel.batch_size.maximum()
    panel.epochs.setValue(5)  # an edit in one shows in the other
    assert inspector.editor("epochs").spin.value() == 5
    panel.options_form.editor("patience").widget.setValue(7)  # a fit option too
    assert session.document.fit["patience"] == 7 and inspector.editor("patience").spin.value() == 7
