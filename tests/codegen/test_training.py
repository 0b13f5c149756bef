"""Fit on real data, evaluate, predict, weights kept beside the project (worker tasks and CLI)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codegen import worker_tasks
from codegen.data_readers import read_csv_table
from codegen.errors import WeightsError
from codegen.weights import weights_path_for
from editor.cli import main
from graph_core import loom_format
from graph_core.edits import SetConfig, SetDataSection
from graph_core.templates import load_template, template_path

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[2]


def _iris_project(tmp_path, **fit):
    doc = load_template("iris")
    doc.fit.update(fit)
    project = tmp_path / "iris.loom"
    loom_format.save(doc, project)
    return loom_format.load(project), project


def _chance_and_threshold(labels) -> tuple:
    """The majority-class rate of ``labels`` and an accuracy clearly above it (half the way to 1)."""
    counts = np.bincount(np.asarray(labels, dtype=int))
    majority = counts.max() / counts.sum()
    return majority, majority + (1 - majority) / 2


@pytest.mark.slow
def test_iris_fit_beats_chance_and_weights_round_trip_through_task_and_cli(tmp_path, capsys):
    doc, project = _iris_project(tmp_path)
    epochs = []
    result = worker_tasks.fit_task(doc, project, weights_out=weights_path_for(project), on_epoch=epochs.append)
    assert result["epochs_run"] == doc.fit["epochs"] == len(epochs) and "val_loss" in epochs[-1]["logs"]
    assert result["samples"] == 120 and result["validation_samples"] == 30 and not result["synthetic"]
    val = result["outputs"]["val"]["species"]
    assert set(val) == {"loss", "accuracy"} and len(val["accuracy"]) == result["epochs_run"]
    assert result["outputs"]["train"]["species"]["loss"][-1] < result["outputs"]["train"]["species"]["loss"][0]
    assert result["best_epoch"] == int(np.argmin(val["loss"]))
    assert Path(result["weights"]) == tmp_path / "iris.weights.h5"

    names, rows = read_csv_table(ROOT / "assets" / "data" / "iris.csv")
    majority, threshold = _chance_and_threshold([row[-1] for row in rows])
    evaluated = worker_tasks.evaluate_task(doc, project, weights=result["weights"])
    assert evaluated["samples"] == 150
    assert evaluated["outputs"]["species"]["accuracy"] >= threshold > majority

    predicted = worker_tasks.predict_task(doc, project, weights=result["weights"], out_path=tmp_path / "a.npz",
                                          preview=2)
    assert predicted["count"] == 150 and len(predicted["samples"]) == 2
    top = predicted["samples"][0]["top"]["species"]
    assert len(top) == 3 and top[0][2] >= top[1][2] >= top[2][2]
    assert main(["predict", str(project), "--data", str(ROOT / "assets" / "data" / "iris.csv"),
                 "-o", str(tmp_path / "b.npz")]) == 0
    assert "predicted 150 samples" in capsys.readouterr().out
    a, b = np.load(tmp_path / "a.npz")["species"], np.load(tmp_path / "b.npz")["species"]
    np.testing.assert_array_equal(a, b)
    assert a.shape == (150, 3)
    assert main(["evaluate", str(project)]) == 0
    out = capsys.readouterr().out
    assert f"accuracy: {evaluated['results']['accuracy']:.6g}" in out


def test_stale_weights_are_reported_with_the_reason(tmp_path):
    doc, project = _iris_project(tmp_path, epochs=1)
    worker_tasks.fit_task(doc, project, weights_out=tmp_path / "w.weights.h5")
    assert worker_tasks.weights_check_task(doc, tmp_path / "w.weights.h5")["status"] == "match"
    doc.apply(SetConfig(doc.layer_by_name("hidden").id, "units", 8))
    status = worker_tasks.weights_check_task(doc, tmp_path / "w.weights.h5")
    assert status["status"] == "stale"
    assert status["reason"] == "layer 'hidden' (layers/dense/vars/0): the file holds (4, 16), the model needs (4, 8)"
    with pytest.raises(WeightsError, match="does not fit the model: layer 'hidden'"):
        worker_tasks.evaluate_task(doc, project, weights=tmp_path / "w.weights.h5")
    assert worker_tasks.weights_check_task(doc, tmp_path / "none.weights.h5")["status"] == "missing"
    (tmp_path / "junk.weights.h5").write_text("not hdf5")
    assert worker_tasks.weights_check_task(doc, tmp_path / "junk.weights.h5")["status"] == "unreadable"


def test_continue_training_starts_from_the_saved_weights(tmp_path):
    doc, project = _iris_project(tmp_path, epochs=15, validation_split=0.0)
    first = worker_tasks.fit_task(doc, project, weights_out=tmp_path / "w.weights.h5")
    fresh = worker_tasks.fit_task(doc, project, overrides={"epochs": 1})
    resumed = worker_tasks.fit_task(doc, project, overrides={"epochs": 1}, initial_weights=tmp_path / "w.weights.h5")
    assert resumed["history"]["loss"][0] < fresh["history"]["loss"][0]
    assert resumed["history"]["loss"][0] <= first["history"]["loss"][-1] * 1.5


def test_early_stopping_schedule_and_cancel(tmp_path):
    doc, project = _iris_project(tmp_path)
    rng = np.random.default_rng(0)
    noise = np.c_[rng.normal(size=(60, 4)), rng.integers(0, 3, 60)]
    np.savetxt(tmp_path / "noise.csv", noise, delimiter=",", header="a,b,c,d,species", comments="",
               fmt=["%.5f"] * 4 + ["%d"])
    result = worker_tasks.fit_task(doc, project, validation_paths={None: str(tmp_path / "noise.csv")},
                                   overrides={"epochs": 200, "early_stopping": True, "patience": 2,
                                              "lr_schedule": "exponential", "lr_factor": 0.9})
    assert result["stopped_early"] and result["epochs_run"] < 200 and result["validation_samples"] == 60
    rates = result["outputs"]["model"]["learning_rate"]
    assert all(math.isclose(r, 0.01 * 0.9 ** i, rel_tol=1e-5) for i, r in enumerate(rates))
    calls = []
    cancelled = worker_tasks.fit_task(doc, project, weights_out=tmp_path / "c.weights.h5",
                                      on_batch=calls.append, should_stop=lambda: len(calls) >= 3)
    assert cancelled["cancelled"] and cancelled["weights"] is None and len(calls) == 3
    assert not (tmp_path / "c.weights.h5").exists()


def test_cli_fit_messages_and_exit_codes(tmp_path, capsys):
    doc, project = _iris_project(tmp_path, epochs=2)
    np.savez(tmp_path / "wrong.npz", measurements=np.zeros((5, 3)), species=np.zeros(5, dtype=int))
    assert main(["fit", str(project), "--data", str(tmp_path / "wrong.npz")]) == 1
    err = capsys.readouterr().err
    assert "Input 'measurements' expects arrays of shape (None, 4) float32" in err and "holds (5, 3) float64" in err
    assert main(["fit", str(project), "--data", str(tmp_path / "missing.npz")]) == 2
    assert "missing.npz: no such file" in capsys.readouterr().err
    assert main(["fit", str(project), "--validation-split", "1.5"]) == 2
    assert "validation split" in capsys.readouterr().err
    assert main(["fit", str(project), "--weights-out", str(tmp_path / "x.h5")]) == 2
    assert "must end in .weights.h5" in capsys.readouterr().err
    assert main(["fit", str(project)]) == 0
    out = capsys.readouterr().out
    assert "epoch 2/2: loss" in out and "val_loss" in out and "validated on 30 samples" in out
    assert (tmp_path / "iris.weights.h5").is_file()
    assert main(["evaluate", str(project), "--weights", str(tmp_path / "nope.weights.h5")]) == 1
    assert "weights file is missing" in capsys.readouterr().err
    assert main(["fit", str(template_path("mlp")), "--epochs", "1", "--samples", "8"]) == 0
    assert "fitted 8 synthetic samples" in capsys.readouterr().out
    assert not (template_path("mlp").parent / "mlp.weights.h5").exists()  # synthetic fits keep nothing


def test_cli_imports_no_keras_until_a_command_runs():
    code = ("import sys; import editor.cli, editor.cli_train, editor.worker.train_jobs; "
            "print('keras' in sys.modules or 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "False"


def test_a_data_section_can_be_removed_again():
    doc = load_template("digits-cnn")
    doc.apply(SetDataSection(None))
    assert "data" not in doc.extra
