"""The editor's Keras worker process trains on real data, saves weights, predicts and evaluates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codegen import worker_tasks
from editor.worker import protocol
from graph_core import loom_format
from graph_core.loom_format import document_to_dict
from graph_core.templates import load_template

pytestmark = [pytest.mark.keras, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


class _Worker:
    def __init__(self):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LAYERLOOM_WORKER_NICE": "0"}
        self.proc = subprocess.Popen([sys.executable, "-m", "editor.worker.server"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.next_id = 0

    def ask(self, kind: str, doc, **params) -> tuple:
        """Send a request; return (final reply, progress messages)."""
        self.next_id += 1
        request = {"id": self.next_id, "kind": kind, "revision": 1, "doc": document_to_dict(doc), "params": params}
        self.proc.stdin.write(protocol.encode(request))
        self.proc.stdin.flush()
        progress = []
        while True:
            line = self.proc.stdout.readline()
            assert line, "the worker exited"
            message = protocol.decode(line)
            if message.get("id") != self.next_id:
                continue
            if message["kind"] == "progress":
                progress.append(message)
                continue
            return message, progress

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def worker():
    running = _Worker()
    yield running
    running.close()


def test_worker_fits_saves_predicts_and_reports_stale_weights(worker, tmp_path):
    project = tmp_path / "iris.loom"
    template = load_template("iris")
    template.fit.update(epochs=5)
    loom_format.save(template, project)
    doc = loom_format.load(project)
    weights = tmp_path / "iris.weights.h5"
    reply, progress = worker.ask("fit", doc, project_file=str(project), weights_out=str(weights))
    assert reply["kind"] == "fit_done", reply
    epochs = [m for m in progress if m["phase"] == "epoch"]
    assert len(epochs) == 5 and "val_loss" in epochs[-1]["logs"]
    assert reply["weights"] == str(weights) and reply["validation_samples"] == 30
    assert len(reply["outputs"]["val"]["species"]["accuracy"]) == 5
    assert reply["history"]["loss"][-1] < reply["history"]["loss"][0]

    out = tmp_path / "worker.npz"
    reply, _ = worker.ask("predict", doc, weights=str(weights), out_path=str(out), preview=3)
    assert reply["kind"] == "predicted" and reply["count"] == 150 and len(reply["samples"]) == 3
    here = worker_tasks.predict_task(doc, project, weights=weights, out_path=tmp_path / "here.npz")
    np.testing.assert_array_equal(np.load(out)["species"], np.load(here["saved"])["species"])

    reply, _ = worker.ask("evaluate", doc, weights=str(weights))
    assert reply["kind"] == "evaluated" and reply["samples"] == 150
    assert 0.0 <= reply["outputs"]["species"]["accuracy"] <= 1.0

    reply, _ = worker.ask("weights_check", doc, weights=str(weights))
    assert reply["kind"] == "weights_checked" and reply["status"] == "match"
    doc.layers[doc.layer_by_name("hidden").id].config["units"] = 4
    reply, _ = worker.ask("weights_check", doc, weights=str(weights))
    assert reply["status"] == "stale" and "layer 'hidden'" in reply["reason"]
    reply, _ = worker.ask("predict", doc, weights=str(weights))
    assert reply["kind"] == "predict_failed" and reply["origin"] == "weights"

    np.savez(tmp_path / "wrong.npz", measurements=np.zeros((3, 5)), species=np.zeros(3, dtype=int))
    reply, _ = worker.ask("fit", load_template("iris"), data_path=str(tmp_path / "wrong.npz"))
    assert reply["kind"] == "fit_failed" and reply["origin"] == "data"
    assert reply["message"].startswith("Input 'measurements' expects arrays of shape (None, 4) float32")
