"""The Keras worker process and its Qt client, with the real worker (one per module).

No sleeps: everything waits on signals, with generous timeouts (the worker loads TensorFlow).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from editor.worker import protocol
from graph_core import check
from graph_core.edits import SetConfig
from graph_core.templates import load_template
from tests.editor.worker_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import READY_MS, REPLY_MS, wait_ready

pytestmark = [pytest.mark.keras]


class Recorder:
    """Records the worker's fit signals in arrival order; disconnects on close."""

    def __init__(self, worker):
        self.worker = worker
        self.events: list = []
        self._slots = [
            (worker.fitProgress, lambda m: self.events.append(("progress", m))),
            (worker.fitCancelling, lambda m: self.events.append(("cancelling", m))),
            (worker.fitFinished, lambda m: self.events.append(("finished", m))),
            (worker.fitFailed, lambda m: self.events.append(("failed", m))),
        ]
        for signal, slot in self._slots:
            signal.connect(slot)

    def close(self) -> None:
        for signal, slot in self._slots:
            signal.disconnect(slot)

    def of(self, kind: str) -> list:
        return [m for k, m in self.events if k == kind]


def _node(doc, layer_name: str) -> str:
    layer = doc.layer_by_name(layer_name)
    return doc.nodes_of(layer.id)[0]


# ------------------------------------------------------------------------------ protocol (no process)
def test_protocol_lines_split_and_clean():
    buffer = protocol.LineBuffer()
    line = protocol.encode(protocol.make_reply("progress", {"id": 3, "revision": 7}, loss=1.5))
    assert buffer.feed(line[:10]) == []
    messages = buffer.feed(line[10:] + b"not json\n" + protocol.encode({"kind": "pong"}))
    assert [m["kind"] for m in messages] == ["progress", "pong"]
    assert messages[0]["id"] == 3 and messages[0]["revision"] == 7 and messages[0]["loss"] == 1.5
    assert buffer.garbage == ["not json"]
    cleaned = protocol.clean({"loss": float("nan"), "x": (1, float("inf")), 2: True})
    assert cleaned == {"loss": None, "x": [1, None], "2": True}
    assert json.loads(protocol.encode(cleaned))
    with pytest.raises(protocol.ProtocolError):
        protocol.make_request("format_disk", 1)


def test_editor_modules_never_import_tensorflow():
    code = ("import sys\n"
            "import editor.keras_panels, editor.worker.client, editor.worker.protocol\n"
            "import editor.panels.summary_panel, editor.panels.code_panel, editor.panels.training_panel\n"
            "from codegen.python_export import export_python\n"
            "from graph_core.templates import load_template\n"
            "export_python(load_template('multi-output'))\n"
            "bad = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
            "print(','.join(bad))\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"editor modules imported {out.stdout.strip()}"


# ------------------------------------------------------------------------------ summary
@pytest.mark.parametrize("slug", ["mlp", "siamese-lstm"])
def test_summary_of_template_matches_keras(qtbot, worker, slug):
    doc = load_template(slug)
    expected = check(doc)
    with qtbot.waitSignal(worker.summaryReady, timeout=READY_MS) as blocker:
        request_id = worker.request_summary(doc)
    revision, reply = blocker.args
    assert reply["id"] == request_id and revision == doc.revision
    assert reply["total"] == expected.total
    assert reply["trainable"] == expected.trainable
    assert reply["non_trainable"] == expected.non_trainable
    for layer in doc.layers.values():
        assert layer.name in reply["text"]


def test_stale_summary_results_are_ignored(qtbot, worker):
    wait_ready(qtbot, worker)
    doc = load_template("mlp")
    dense = doc.layer_by_name("dense")
    received = []

    def record(rev, reply):
        received.append((rev, reply))

    worker.summaryReady.connect(record)
    try:
        first = worker.request_summary(doc)
        first_revision = doc.revision
        doc.apply(SetConfig(dense.id, "units", 48))
        with qtbot.waitSignal(worker.summaryReady, timeout=REPLY_MS):
            second = worker.request_summary(doc)
        assert doc.revision == first_revision + 1
        # a late answer to the first request (whatever the worker did with it) is dropped
        with qtbot.assertNotEmitted(worker.summaryReady):
            worker.dispatch({"kind": "summary", "id": first, "revision": first_revision, "text": "old",
                              "total": 1, "trainable": 1, "non_trainable": 0})
            worker.dispatch({"kind": "build_error", "id": first, "revision": first_revision,
                              "message": "old", "layer_name": None, "node_id": None})
        with qtbot.waitSignal(worker.pong, timeout=REPLY_MS):  # everything the worker sent has arrived
            worker.ping()
    finally:
        worker.summaryReady.disconnect(record)
    assert [(rev, reply["id"]) for rev, reply in received] == [(doc.revision, second)]
    assert received[0][1]["total"] == check(doc).total


# ------------------------------------------------------------------------------ fit
def test_tiny_fit_streams_progress_and_finishes(qtbot, worker):
    wait_ready(qtbot, worker)
    doc = load_template("mlp")
    recorder = Recorder(worker)
    try:
        with qtbot.waitSignal(worker.fitFinished, timeout=REPLY_MS) as blocker:
            request_id = worker.request_fit(doc, epochs=1, batch_size=16, samples=64, seed=1)
            assert worker.fit_running
    finally:
        recorder.close()
    done = blocker.args[0]
    assert done["id"] == request_id and not done["cancelled"]
    assert not worker.fit_running
    batches = [m for m in recorder.of("progress") if m["phase"] == "batch"]
    epochs = [m for m in recorder.of("progress") if m["phase"] == "epoch"]
    assert len(batches) >= 1 and len(epochs) == 1
    assert batches[-1]["batch"] == batches[-1]["batches"] - 1 == 3  # last batch of an epoch always sent
    assert math.isfinite(done["final"]["loss"])
    assert "predictions" in batches[-1]["losses"]
    assert done["batches_done"] == 4


def test_cancel_stops_within_a_batch(qtbot, worker):
    wait_ready(qtbot, worker)
    doc = load_template("mlp")
    recorder = Recorder(worker)
    try:
        with qtbot.waitSignal(worker.fitProgress, timeout=REPLY_MS,
                              check_params_cb=lambda m: m.get("phase") == "batch" and m["batch"] >= 3):
            request_id = worker.request_fit(doc, epochs=1, batch_size=1, samples=20_000, seed=0)
        with qtbot.waitSignal(worker.fitFinished, timeout=REPLY_MS) as blocker:
            worker.cancel_fit()
    finally:
        recorder.close()
    done = blocker.args[0]
    assert done["id"] == request_id and done["cancelled"]
    acks = recorder.of("cancelling")
    assert len(acks) == 1 and acks[0]["running"] and acks[0]["target"] == request_id
    ack_index = next(i for i, (kind, _m) in enumerate(recorder.events) if kind == "cancelling")
    after = [m for kind, m in recorder.events[ack_index:] if kind == "progress" and m["phase"] == "batch"]
    cancel_batch, last_batch = acks[0]["batch"], done["last_batch"]
    print(f"\ncancel acknowledged at batch {cancel_batch}; last batch run {last_batch}; "
          f"{len(after)} batch message(s) after the acknowledgement; batches in the epoch: 20000")
    assert len(after) <= 1
    assert 0 <= last_batch - cancel_batch <= 1
    assert done["batches_done"] < 20_000


def test_second_fit_while_running_is_refused(qtbot, worker):
    wait_ready(qtbot, worker)
    doc = load_template("mlp")
    with qtbot.waitSignal(worker.fitProgress, timeout=REPLY_MS):
        first = worker.request_fit(doc, epochs=1, batch_size=1, samples=20_000)
    with qtbot.waitSignal(worker.fitFailed, timeout=REPLY_MS) as refused:
        worker.request_fit(doc, epochs=1, batch_size=8, samples=16)
    assert "already running" in refused.args[0]
    assert worker.current_fit == first
    with qtbot.waitSignal(worker.fitFinished, timeout=REPLY_MS) as blocker:
        worker.cancel_fit(first)
    assert blocker.args[0]["cancelled"]


def test_build_error_names_the_layer(qtbot, worker, outside_catalog):
    from graph_core.edits import Connect, add_layer

    # every keras.layers class is in the catalog: take one out (in this process only) so that
    # graph_core accepts the config and Keras (in the worker) refuses it
    outside_catalog("ActivityRegularization")

    doc = load_template("mlp")
    edit = add_layer(doc, "ActivityRegularization", {"no_such_option": 3}, inputs=[(_node(doc, "dense_2"), 0)])
    doc.apply(edit)
    doc.apply(Connect((edit.node.id, 0), _node(doc, "predictions"), 0, replace=True))
    assert check(doc).valid
    with qtbot.waitSignal(worker.buildFailed, timeout=READY_MS) as blocker:
        worker.request_build(doc)
    _revision, reply = blocker.args
    assert reply["layer_name"] == "activity_regularization"
    assert "activity_regularization" in reply["message"]


def test_layer_docs(qtbot, worker):
    with qtbot.waitSignal(worker.layerDocsReady, timeout=READY_MS) as blocker:
        worker.request_layer_docs("Dense")
    layer_type, reply = blocker.args
    assert layer_type == "Dense" and reply["found"]
    assert reply["signature"].startswith("keras.layers.Dense(units")


def test_fit_writes_tensorboard_logs_when_tensorboard_is_installed(qtbot, worker, tmp_path):
    import importlib.util

    wait_ready(qtbot, worker)
    log_dir = tmp_path / "board"
    failures = []
    worker.fitFailed.connect(failures.append)
    try:
        with qtbot.waitSignal(worker.fitFinished, timeout=REPLY_MS) as blocker:
            worker.request_fit(load_template("mlp"), epochs=1, batch_size=16, samples=32,
                               tensorboard_dir=str(log_dir))
    finally:
        worker.fitFailed.disconnect(failures.append)
    assert failures == []
    done = blocker.args[0]
    if importlib.util.find_spec("tensorboard") is None:  # the worker runs the same interpreter
        assert done["tensorboard_dir"] is None and "TensorBoard is not installed" in done["notes"][0]
        return
    assert done["tensorboard_dir"] == str(log_dir) and done["notes"] == []
    events = [name for _root, _dirs, files in os.walk(log_dir) for name in files if "tfevents" in name]
    assert events, f"no TensorBoard event file under {log_dir}"
