"""The training panel's views without the worker: history reading, chart legibility, the Data tab's
undoable edits and mapping check, the fit summary and the weights state (fake worker replies)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontMetrics

from editor.panels.fit_history import curves, fit_summary, parse_key, quantities, summary_lines
from editor.panels.loss_chart import LossChart, nice_ticks
from editor.panels.sample_view import image_pixmap, image_shape, output_text
from editor.panels.training_panel import TrainingPanel
from editor.project_weights import ProjectWeights, weights_beside
from editor.session import DocumentSession
from graph_core.templates import load_template

pytestmark = [pytest.mark.gui]

MULTI = ["age", "income", "gender"]


class FakeWorker(QObject):
    """The worker interface of the training panel, recording requests; replies are emitted by the test."""

    ready = Signal()
    fitProgress = Signal(object)
    fitCancelling = Signal(object)
    fitFinished = Signal(object)
    fitFailed = Signal(str)
    dataChecked = Signal(object)
    weightsChecked = Signal(object)

    def __init__(self):
        super().__init__()
        self.requests: list = []
        self.is_ready = True
        self.last_fit_failure: dict = {}

    def _add(self, *request) -> int:
        self.requests.append(request)
        return len(self.requests)

    def request_fit(self, doc, revision=None, **params) -> int:
        return self._add("fit", params)

    def cancel_fit(self, request_id=None) -> int:
        return self._add("cancel", request_id)

    def request_data_check(self, doc, project_file=None) -> int:
        return self._add("data_check", project_file)

    def request_weights_check(self, doc, path) -> int:
        return self._add("weights_check", path)


# ------------------------------------------------------------------------------ history
def test_log_keys_are_read_per_output_and_split():
    assert parse_key("val_age_loss", MULTI) == ("age", "loss", "val")
    assert parse_key("income_accuracy", MULTI) == ("income", "accuracy", "train")
    assert parse_key("loss", MULTI) == ("", "loss", "train")
    assert parse_key("val_accuracy", ["predictions"]) == ("", "accuracy", "val")
    assert parse_key("learning_rate", MULTI) == ("", "learning_rate", "train")
    # an output whose name is a prefix of another's
    assert parse_key("a_b_loss", ["a", "a_b"]) == ("a_b", "loss", "train")
    history = {"loss": [3, 2], "val_loss": [4, 3], "age_loss": [1, 0.5], "val_age_loss": [2, None],
               "gender_accuracy": [0.5, 0.6], "learning_rate": [0.1, 0.05]}
    assert quantities(history, MULTI) == ["loss", "accuracy", "learning_rate"]
    series = curves(history, MULTI)
    assert list(series) == ["total · train", "total · val", "age · train", "age · val"]
    assert series["age · val"]["points"] == [(1.0, 2.0)]  # a NaN epoch (None) is skipped
    assert curves({"loss": [1.0], "val_loss": [2.0]}, ["out"]).keys() == {"train", "val"}


def test_fit_summary_finds_the_best_epoch_and_losses_per_output():
    history = {"loss": [3.0, 2.0, 1.5, 1.4], "val_loss": [3.5, 2.5, 2.7, 2.9],
               "age_loss": [1.0, 0.8, 0.6, 0.5], "val_age_loss": [1.2, 1.1, 0.9, 1.0],
               "gender_loss": [2.0, 1.2, 0.9, 0.9], "val_gender_loss": [2.3, 1.4, 1.8, 1.9]}
    summary = fit_summary(history, ["age", "gender"], epochs_asked=10, seconds=2.5, weights_path="/p/m.weights.h5",
                          restored_best=True, stopped_early=True)
    assert summary.best_epoch == 2 and summary.monitored == "val_loss" and summary.epochs_run == 4
    total, age, gender = summary.outputs
    assert (total.name, total.final_val, total.best_val, total.best_val_epoch) == ("", 2.9, 2.5, 2)
    assert (age.final_train, age.best_val, age.best_val_epoch) == (0.5, 0.9, 3)
    assert (gender.best_val, gender.best_val_epoch) == (1.4, 2)
    lines = summary_lines(summary, multi_output=True)
    assert lines[0] == "Trained 4 epochs of 10 in 2.5 s · best epoch 2 (lowest val loss) · stopped early"
    assert lines[2] == "age: train 0.5 · val 1 (best 0.9 at epoch 3)"
    assert lines[-1] == "Weights (best epoch's) saved to /p/m.weights.h5"
    # without validation the best epoch is the lowest training loss
    plain = fit_summary({"loss": [2.0, 1.0, 1.5]}, ["out"])
    assert plain.best_epoch == 2 and plain.monitored == "loss"
    assert summary_lines(plain, False)[-1] == "Weights were not saved."
    # the final metrics follow the losses, per output
    metrics = fit_summary({"loss": [1.0], "val_loss": [2.0], "accuracy": [0.5], "val_accuracy": [0.25],
                           "learning_rate": [0.1]}, ["out"])
    assert summary_lines(metrics, False)[1] == "out: train 1 · val 2 (best 2 at epoch 1) · accuracy 0.5 (val 0.25)"
    assert fit_summary(history | {"gender_auc": [0.5, 0.6, 0.7, 0.8]}, ["age", "gender"]).outputs[2].metrics == {
        "auc": (0.8, None)}


# ------------------------------------------------------------------------------ chart
def test_nice_ticks_cover_the_range_with_round_steps():
    for low, high in ((1.6, 2.38), (0.0, 1.0), (0.013, 0.0171), (-3.0, 250.0), (5.0, 5.0001)):
        ticks = nice_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and 2 <= len(ticks) <= 11, (low, high, ticks)
        steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
        assert len(steps) == 1


def test_chart_legend_sits_beside_the_plot_without_overlaps(qtbot):
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.resize(520, 160)
    names = [f"output_{k} · {split}" for k in range(7) for split in ("train", "val")]
    for k, name in enumerate(names):
        chart.add_point(name, 1.0, 1.0 + k, group=name.split(" · ")[0], dashed=name.endswith("val"))
    metrics = QFontMetrics(chart.font())
    _width, entries = chart.legend_layout(metrics)
    plot, x_title, y_title = chart.plot_rects(metrics)
    assert [name for name, _rect in entries] == names
    rects = [rect for _name, rect in entries]
    for i, a in enumerate(rects):
        assert a.left() >= plot.right() and a.right() <= chart.width() and a.bottom() <= chart.height()
        assert a.width() >= metrics.horizontalAdvance(names[i])  # the whole name fits
        for b in rects[i + 1:]:
            assert not a.intersects(b)
    assert len({round(r.left()) for r in rects}) > 1  # a short chart wraps the legend into columns
    # the train and validation curves of one output share a colour; validation is dashed
    assert chart.style_of("output_3 · train") == (chart.style_of("output_3 · val")[0], False)
    assert chart.style_of("output_3 · val")[1] is True
    assert chart.style_of("output_3 · train")[0] != chart.style_of("output_4 · train")[0]
    chart.best_epoch = 1.0
    assert not chart.grab().isNull() and chart.paints >= 1


# ------------------------------------------------------------------------------ predictions
def test_image_inputs_become_pictures_and_classes_are_named(qtbot):
    image = [[[x / 7.0] for x in range(8)] for _y in range(8)]
    assert image_shape(image) == (8, 8, 1)
    pixmap = image_pixmap(image, 56)
    assert pixmap is not None and pixmap.width() == 56
    assert pixmap.toImage().pixelColor(55, 0).value() > 240 and pixmap.toImage().pixelColor(0, 0).value() < 10
    assert image_pixmap([0.1, 0.2, 0.3], 56) is None and image_shape([[1, 2], [3, 4]]) is None
    assert output_text([0.1, 0.9], [[1, "cat", 0.9], [0, None, 0.1]]) == "cat (90%) · 0 (10%)"
    assert output_text([[0.25, 0.5]]) == "[0.25, 0.5]"


# ------------------------------------------------------------------------------ data tab
def test_data_tab_edits_are_undoable_and_fit_waits_for_the_check(qtbot, tmp_path):
    (tmp_path / "digits.npz").write_bytes(b"")  # the dialog only needs a path
    worker = FakeWorker()
    session = DocumentSession(load_template("mlp"), str(tmp_path / "digits.loom"))
    chosen = []
    panel = TrainingPanel(worker, file_dialog=lambda *args: chosen.append(args) or str(tmp_path / "digits.npz"))
    qtbot.addWidget(panel)
    panel.set_session(session)
    form = panel.data_form
    assert form.blocking_problem() == "" and panel.run_button.isEnabled()  # no data section: synthetic

    assert form.add_source("npz")
    data = session.document.extra["data"]
    assert data == {"sources": [{"id": "digits", "kind": "npz", "path": (tmp_path / "digits.npz").as_posix()}]}
    assert form.sources.item(0, 2).text() == "digits.npz"  # shown relative to the project
    from graph_core import loom_format

    assert '"path": "digits.npz"' in loom_format.dumps(session.document, session.path)  # saved relative
    assert form.mapping.rowCount() == 2 and form.mapping.item(0, 1).text() == "input"
    assert form.mapping.item(0, 2).text() == "(None, 64) float32"
    assert "checked" in form.blocking_problem() and not panel.run_button.isEnabled()
    assert panel.run() is None and "Cannot train yet" in panel.status.text()
    qtbot.waitUntil(lambda: any(r[0] == "data_check" for r in worker.requests))
    check_id = len(worker.requests)
    worker.dataChecked.emit({"id": check_id, "ok": False, "rows": [],
                             "message": "Input 'input' expects arrays of shape (None, 64) float32; digits.npz "
                                        "array 'input' is missing"})
    assert "expects arrays of shape (None, 64)" in form.blocking_problem() and not panel.run_button.isEnabled()

    # the array mapping: an undoable edit; the check runs again and passes
    form.mapping.cellWidget(0, 5).setText("x")
    form.mapping.cellWidget(0, 5).editingFinished.emit()
    assert session.document.extra["data"]["inputs"] == {"input": {"array": "x"}}
    qtbot.waitUntil(lambda: len(worker.requests) > check_id)
    worker.dataChecked.emit({"id": len(worker.requests), "ok": True, "summary": "600 samples",
                             "rows": [{"role": "input", "name": "input", "holds": "(600, 64) float32", "ok": True}]})
    assert form.blocking_problem() == "" and panel.run_button.isEnabled()
    assert form.mapping.item(0, 3).text() == "✓ (600, 64) float32"
    session.undo_stack.undo()
    assert "inputs" not in session.document.extra["data"]
    session.undo_stack.undo()
    assert "data" not in session.document.extra and form.mapping.cellWidget(0, 4).isEnabled() is False
    assert form.blocking_problem() == ""

    # a mapping graph_core can refuse without reading a file is named at once
    form.add_source("synthetic")
    form.add_source("npz")
    assert "input 'input' is not mapped to a source" in form.blocking_problem()


def test_weights_beside_the_project_are_checked_and_stale_ones_reported(qtbot, tmp_path):
    project = tmp_path / "net.loom"
    weights_file = tmp_path / "net.weights.h5"
    weights_file.write_bytes(b"h5")
    assert weights_beside(project) == str(weights_file)
    worker = FakeWorker()
    weights = ProjectWeights(worker)
    panel = TrainingPanel(worker, weights=weights)
    qtbot.addWidget(panel)
    panel.set_session(DocumentSession(load_template("mlp"), str(project)))
    assert weights.state == "checking" and worker.requests[-1] == ("weights_check", str(weights_file))
    worker.weightsChecked.emit({"id": len(worker.requests), "status": "stale",
                                "reason": "layers/dense/vars/0: the file holds (64, 32), the model needs (64, 16)"})
    assert weights.state == "stale" and not weights.usable
    assert "Stale weights: net.weights.h5" in panel.weights_label.text() and "(64, 16)" in panel.weights_label.text()
    assert not panel.continue_button.isEnabled() and panel.run(continue_training=True) is None
    assert weights_file.exists()  # never dropped
    # an unsaved project trains into a temporary file, copied beside the project when saved
    session = DocumentSession(load_template("mlp"))
    panel.set_session(session)
    assert weights.state == "missing" and "once it is saved" in weights.message
    temp = weights.target_path()
    with open(temp, "wb") as handle:
        handle.write(b"trained")
    weights.saved(temp)
    assert weights.state == "unsaved" and weights.usable
    session.mark_saved(str(tmp_path / "fresh.loom"))
    assert (tmp_path / "fresh.weights.h5").read_bytes() == b"trained"
    assert weights.state == "checking" and worker.requests[-1] == ("weights_check", str(tmp_path / "fresh.weights.h5"))
    worker.weightsChecked.emit({"id": len(worker.requests), "status": "match", "reason": ""})
    assert weights.state == "ok" and panel.continue_button.isEnabled()


def test_checks_lost_with_the_worker_are_asked_again_when_it_is_back(qtbot, tmp_path):
    (tmp_path / "net.weights.h5").write_bytes(b"h5")
    (tmp_path / "x.npz").write_bytes(b"")
    worker = FakeWorker()
    panel = TrainingPanel(worker, file_dialog=lambda *args: str(tmp_path / "x.npz"))
    qtbot.addWidget(panel)
    session = DocumentSession(load_template("mlp"), str(tmp_path / "net.loom"))
    panel.set_session(session)
    worker.weightsChecked.emit({"id": len(worker.requests), "status": "unchecked",
                                "reason": "the Keras worker crashed or was killed; it was lost — try again"})
    assert panel.weights.state == "unchecked" and not panel.weights.usable
    assert "could not be checked yet" in panel.weights_label.text()
    panel.data_form.add_source("npz")
    qtbot.waitUntil(lambda: worker.requests[-1][0] == "data_check")
    worker.dataChecked.emit({"id": len(worker.requests), "ok": False, "rows": [], "lost": True,
                             "message": "the Keras worker crashed or was killed; it was lost — try again"})
    assert "crashed" in panel.data_form.blocking_problem()
    before = len(worker.requests)
    worker.ready.emit()
    kinds = [request[0] for request in worker.requests[before:]]
    assert sorted(kinds) == ["data_check", "weights_check"]


def test_validation_source_and_image_folder_options_are_undoable_edits(qtbot, tmp_path):
    (tmp_path / "pics").mkdir()
    (tmp_path / "val").mkdir()
    worker = FakeWorker()
    chosen = iter([str(tmp_path / "pics"), str(tmp_path / "val")])
    panel = TrainingPanel(worker, file_dialog=lambda parent, caption, start, filters, folder: next(chosen))
    qtbot.addWidget(panel)
    session = DocumentSession(load_template("mlp"), str(tmp_path / "net.loom"))
    panel.set_session(session)
    form = panel.data_form
    assert form.add_source("image_folder") and form.add_source("image_folder")
    assert [s["id"] for s in session.document.extra["data"]["sources"]] == ["pics", "val"]
    assert form.validation.isEnabled()
    form.validation.setCurrentIndex(form.validation.findData("val"))
    form.validation.activated.emit(form.validation.currentIndex())
    assert session.document.extra["data"]["validation"] == {"pics": "val"}
    form.sources.selectRow(0)
    assert form.image_options.isVisibleTo(form) and not form.csv_options.isVisibleTo(form)
    form.image_h.setValue(28)
    form.image_w.setValue(28)
    form.color_mode.setCurrentIndex(1)
    form.color_mode.activated.emit(1)
    pics = session.document.extra["data"]["sources"][0]
    assert pics["image_size"] == [28, 28] and pics["color_mode"] == "grayscale"
    while session.undo_stack.canUndo():
        session.undo_stack.undo()
    assert "data" not in session.document.extra and form.sources.rowCount() == 0
