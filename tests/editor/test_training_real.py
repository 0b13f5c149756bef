"""The training panel and the Evaluate / Predict panel with the real Keras worker (one per module).

A real fit on a small ``.npz`` file the test writes, with a validation split and early stopping;
the weights land beside the project, are found again when it is reopened, reported as stale
after an architecture edit, and used by Continue, Evaluate and Predict. Predictions and the
evaluation are compared with Keras itself, run in the test process on the same weights.
No sleeps: every step waits on a signal or a condition.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from editor.panels.predict_panel import THUMBNAIL, PredictPanel
from editor.panels.training_panel import TrainingPanel
from editor.session import DocumentSession
from graph_core import loom_format
from graph_core.builder import GraphBuilder
from graph_core.edits import Compound, SetConfig, SetDataSection, SetSetting
from graph_core.templates import load_template
from tests.editor.worker_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import REPLY_MS, wait_ready

pytestmark = [pytest.mark.gui, pytest.mark.keras, pytest.mark.slow]

FIT_MS = 180_000


def _learnable(rng, samples: int, features: int, classes: int):
    """Features and class ids where the class is the index of the largest of the first features."""
    x = rng.normal(size=(samples, features)).astype("float32")
    y = np.argmax(x[:, :classes], axis=1).astype("int64")
    return x, y


def _keras_model(doc, weights: str):
    from codegen.build import build_model

    model = build_model(doc, compile=True)
    model.load_weights(weights)
    return model


def _train(qtbot, panel, session, worker) -> dict:
    qtbot.waitUntil(lambda: panel.data_form.blocking_problem() == "", timeout=REPLY_MS)
    assert panel.run_button.isEnabled(), panel.run_button.toolTip()
    with qtbot.waitSignal(panel.fitEnded, timeout=FIT_MS) as blocker:
        panel.run_button.click()
    done = blocker.args[0]
    assert "failed" not in done, done
    return done


def test_fit_on_a_file_keeps_weights_beside_the_project_and_predicts_like_keras(qtbot, worker, tmp_path):
    rng = np.random.default_rng(7)
    x, y = _learnable(rng, 480, 64, 10)
    np.savez(tmp_path / "digits.npz", x=x, y=y)
    project = tmp_path / "digits.loom"
    loom_format.save(load_template("mlp"), str(project))
    session = DocumentSession(loom_format.load(str(project)), str(project))
    wait_ready(qtbot, worker)
    panel = TrainingPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(session)
    data_file = (tmp_path / "digits.npz").as_posix()  # absolute in memory, relative in the file
    session.push(SetDataSection({"sources": [{"id": "train", "kind": "npz", "path": data_file}],
                                 "inputs": {"input": {"array": "x"}}, "outputs": {"predictions": {"array": "y"}}}))
    for key, value in (("epochs", 15), ("validation_split", 0.25), ("early_stopping", True), ("patience", 4)):
        session.push(SetSetting("fit", key, value))
    session.push(SetSetting("compile", "learning_rate", 0.01))

    # the mapping check reads the file in the worker before Fit is enabled
    qtbot.waitUntil(lambda: panel.data_form.blocking_problem() == "", timeout=REPLY_MS)
    form = panel.data_form
    assert form.mapping.item(0, 3).text() == "✓ (480, 64) float32"
    assert form.mapping.item(1, 3).text() == "✓ (480, 10) float32"  # class ids one-hot encoded for the loss
    done = _train(qtbot, panel, session, worker)

    history = done["history"]
    weights = tmp_path / "digits.weights.h5"
    assert done["weights"] == str(weights) and weights.exists()
    assert panel.weights.state == "ok" and panel.weights.usable
    summary = panel.fit_view.last_summary
    assert summary.best_epoch == int(np.argmin(history["val_loss"])) + 1 and summary.monitored == "val_loss"
    (row,) = summary.outputs
    assert row.final_val == pytest.approx(history["val_loss"][-1]) and row.best_val == pytest.approx(
        min(history["val_loss"]))
    text = panel.fit_view.summary_text()
    assert f"best epoch {summary.best_epoch}" in text and str(weights) in text
    series = panel.chart.series()
    assert set(series) == {"train", "val"} and panel.chart.style_of("val")[1] is True
    assert len(series["val"]) == summary.epochs_run and panel.chart.best_epoch == summary.best_epoch
    chance = np.bincount(y).max() / len(y)
    assert history["val_accuracy"][summary.best_epoch - 1] > 2.5 * chance  # clearly better than chance

    # Continue trains on from the saved weights; the curves go on after the first fit's epochs
    previous = summary.epochs_run
    session.push(SetSetting("fit", "epochs", 2))
    with qtbot.waitSignal(panel.fitEnded, timeout=FIT_MS) as blocker:
        panel.continue_button.click()
    assert "failed" not in blocker.args[0]
    assert panel.fit_view.last_summary.epochs_run == previous + 2
    assert len(panel.chart.series()["val"]) == previous + 2
    assert blocker.args[0]["history"]["loss"][0] < history["loss"][0]  # it did start from trained weights

    # saved and reopened: the weights are found and checked against the model
    loom_format.save(session.document, str(project))
    session.mark_saved(str(project))
    assert '"path": "digits.npz"' in project.read_text()
    reopened = DocumentSession(loom_format.load(str(project)), str(project))
    with qtbot.waitSignal(worker.weightsChecked, timeout=REPLY_MS):
        panel.set_session(reopened)
    assert panel.weights.state == "ok" and "match the model" in panel.weights_label.text()

    # Predict and Evaluate in the worker, compared with Keras on the same weights
    predict = PredictPanel(worker, panel.weights)
    qtbot.addWidget(predict)
    predict.set_session(reopened)
    predict.count.setValue(5)
    with qtbot.waitSignal(predict.finished, timeout=REPLY_MS) as blocker:
        predict.predict_button.click()
    reply = blocker.args[0]
    assert "failed" not in reply, reply
    model = _keras_model(reopened.document, str(weights))
    expected = model.predict(x[:5], verbose=0)
    got = np.array([sample["outputs"]["predictions"] for sample in reply["samples"]])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert predict.table.rowCount() == 5
    best = int(np.argmax(expected[0]))
    assert predict.table.item(0, 2).text().startswith(f"{best} ({expected[0][best]:.0%})")
    with qtbot.waitSignal(predict.finished, timeout=REPLY_MS) as blocker:
        predict.evaluate_button.click()
    evaluated = blocker.args[0]
    keras_results = model.evaluate(x, np.eye(10, dtype="float32")[y], verbose=0, return_dict=True)
    assert evaluated["outputs"]["predictions"]["loss"] == pytest.approx(keras_results["loss"], rel=1e-4)
    assert predict.table.item(0, 0).text() == "predictions"

    # an architecture edit makes them stale: reported, never used, not deleted
    hidden = reopened.document.layer_by_name("dense").id
    with qtbot.waitSignal(worker.weightsChecked, timeout=REPLY_MS):
        reopened.push(SetConfig(hidden, "units", 16))
    assert panel.weights.state == "stale" and "Stale weights: digits.weights.h5" in panel.weights_label.text()
    assert not panel.continue_button.isEnabled() and not predict.predict_button.isEnabled()
    assert weights.exists()

    # undone, they fit again
    with qtbot.waitSignal(worker.weightsChecked, timeout=REPLY_MS):
        reopened.undo_stack.undo()
    assert panel.weights.usable and panel.continue_button.isEnabled() and predict.predict_button.isEnabled()

def test_predict_shows_pictures_and_top_classes_for_an_image_model(qtbot, worker, tmp_path):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=90)
    images = rng.uniform(0.0, 0.2, size=(90, 8, 8, 1)).astype("float32")
    for k, label in enumerate(labels):  # the class is the bright column band
        images[k, :, label * 3:label * 3 + 2, 0] = 1.0
    np.savez(tmp_path / "bands.npz", image=images, classes=labels)
    b = GraphBuilder("bands")
    image = b.input("image", shape=(8, 8, 1))
    flat = b.layer("Flatten", image, name="flat")
    b.output(b.layer("Dense", flat, units=3, activation="softmax", name="classes"),
             loss="categorical_crossentropy", metrics=["accuracy"])
    project = tmp_path / "bands.loom"
    loom_format.save(b.document, str(project))
    session = DocumentSession(loom_format.load(str(project)), str(project))
    wait_ready(qtbot, worker)
    panel = TrainingPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(session)
    source = {"id": "bands", "kind": "npz", "path": (tmp_path / "bands.npz").as_posix()}
    session.push(Compound([SetDataSection({"sources": [source]}),
                           SetSetting("fit", "epochs", 3), SetSetting("compile", "learning_rate", 0.05)]))
    _train(qtbot, panel, session, worker)
    predict = PredictPanel(worker, panel.weights)
    qtbot.addWidget(predict)
    predict.set_session(session)
    predict.count.setValue(4)
    with qtbot.waitSignal(predict.finished, timeout=REPLY_MS) as blocker:
        predict.predict()
    reply = blocker.args[0]
    assert "failed" not in reply, reply
    assert predict.table.horizontalHeaderItem(1).text() == "image"
    pixmap = predict.table.item(0, 1).data(Qt.ItemDataRole.DecorationRole)
    assert pixmap is not None and not pixmap.isNull() and pixmap.width() == THUMBNAIL
    model = _keras_model(session.document, str(tmp_path / "bands.weights.h5"))
    probabilities = model.predict(images[:4], verbose=0)
    for row in range(4):
        top = int(np.argmax(probabilities[row]))
        text = predict.table.item(row, 2).text()
        assert text.split(" · ")[0] == f"{top} ({probabilities[row][top]:.0%})" and text.count("·") == 2
    # Evaluate on another file, chosen in the panel, in the training data's layout
    np.savez(tmp_path / "other.npz", image=images[:30], classes=labels[:30])
    predict.path_dialog = lambda *_args: str(tmp_path / "other.npz")
    predict.source.setCurrentIndex(predict.source.findData("other"))
    predict.source.activated.emit(predict.source.currentIndex())
    assert predict.source.currentText() == "file: other.npz"
    with qtbot.waitSignal(predict.finished, timeout=REPLY_MS) as blocker:
        predict.evaluate()
    assert blocker.args[0]["samples"] == 30
    keras_loss = model.evaluate(images[:30], np.eye(3, dtype="float32")[labels[:30]], verbose=0, return_dict=True)
    assert blocker.args[0]["outputs"]["classes"]["loss"] == pytest.approx(keras_loss["loss"], rel=1e-4)


def test_csv_columns_are_mapped_and_checked_against_the_file_before_fit(qtbot, worker):
    session = DocumentSession(load_template("iris"))  # the bundled iris.csv, last column the species
    wait_ready(qtbot, worker)
    panel = TrainingPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(session)
    form = panel.data_form
    qtbot.waitUntil(lambda: form.blocking_problem() == "", timeout=REPLY_MS)
    assert form.mapping.item(0, 3).text() == "✓ (150, 4) float32"
    assert form.mapping.item(1, 3).text() == "✓ (150, 3) float32"
    assert panel.run_button.isEnabled()
    # two columns for an Input of four features: refused with the input, the shape and the file named
    form.mapping.cellWidget(0, 5).setText("sepal_length, sepal_width")
    form.mapping.cellWidget(0, 5).editingFinished.emit()
    assert session.document.extra["data"]["inputs"] == {"measurements": {"columns": ["sepal_length", "sepal_width"]}}
    qtbot.waitUntil(lambda: "checked" not in form.blocking_problem(), timeout=REPLY_MS)
    problem = form.blocking_problem()
    assert "measurements" in problem and "4" in problem and "iris.csv" in problem, problem
    assert not panel.run_button.isEnabled() and "measurements" in form.status.text()
    session.undo_stack.undo()
    qtbot.waitUntil(lambda: form.blocking_problem() == "", timeout=REPLY_MS)
    assert panel.run_button.isEnabled()
