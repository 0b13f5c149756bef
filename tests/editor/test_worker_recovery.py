"""The Keras worker dies, the editor carries on: crash notice, restart, no lost edit; unsafe imports refused.

Real worker process (one per module, restarted by the crash test). No sleeps: signals only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow

from editor.keras_panels import attach
from editor.session import DocumentSession
from editor.worker.client import KerasWorker
from graph_core import loom_format
from graph_core.edits import SetConfig
from graph_core.templates import load_template
from tests.editor.worker_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import REPLY_MS, _alive, wait_ready

pytestmark = [pytest.mark.keras]


class FakeWindow(QMainWindow):
    """The MainWindow interface keras_panels.attach uses (for when the real one cannot be built)."""

    sessionChanged = Signal(object)

    def __init__(self, session):
        super().__init__()
        self._session = session
        self.file_menu = self.menuBar().addMenu("&File")

    @property
    def session(self):
        return self._session

    def set_session(self, session) -> None:
        self._session = session
        self.sessionChanged.emit(session)

    def add_panel(self, widget, title, area=Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def show_message(self, text: str, timeout: int = 5000) -> None:
        self.statusBar().showMessage(text, timeout)


def make_window(qtbot, session, tmp_path):
    """The real MainWindow when its canvas exists (it is being written), else :class:`FakeWindow`."""
    try:
        from editor.canvas import GraphScene, GraphView  # noqa: F401
        from editor.main_window import MainWindow
    except ImportError:
        window = FakeWindow(session)
    else:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(session, settings=settings)
    qtbot.addWidget(window)
    return window


# ------------------------------------------------------------------------------ crash and restart
def test_kill_mid_fit_restarts_and_loses_nothing(qtbot, worker):
    wait_ready(qtbot, worker)
    session = DocumentSession(load_template("mlp"))
    doc = session.document
    session.push(SetConfig(doc.layer_by_name("dense").id, "units", 40))
    before = loom_format.dumps(doc)
    undo_steps = session.undo_stack.count()
    with qtbot.waitSignal(worker.fitProgress, timeout=REPLY_MS):
        worker.request_fit(doc, epochs=1, batch_size=1, samples=20_000)
    old_pid = worker.pid
    notices = []
    worker.crashed.connect(notices.append)
    failures = []
    worker.fitFailed.connect(failures.append)
    try:
        with qtbot.waitSignals([worker.crashed, worker.fitFailed, worker.restarted], timeout=REPLY_MS):
            os.kill(old_pid, signal.SIGKILL)
    finally:
        worker.crashed.disconnect(notices.append)
        worker.fitFailed.disconnect(failures.append)
    assert "restarting" in notices[0] and "during a fit" in notices[0] and "unchanged" in notices[0]
    assert "fit was lost" in failures[0]
    assert not worker.fit_running
    wait_ready(qtbot, worker)
    assert worker.pid != old_pid and not _alive(old_pid)
    assert loom_format.dumps(doc) == before
    assert session.undo_stack.count() == undo_steps
    with qtbot.waitSignal(worker.fitFinished, timeout=REPLY_MS) as blocker:
        worker.request_fit(doc, epochs=1, batch_size=16, samples=32)
    assert not blocker.args[0]["cancelled"]
    assert worker.restarts == 1


def test_shutdown_of_a_starting_worker_leaves_no_process(qtbot):
    fresh = KerasWorker()
    qtbot.waitUntil(lambda: fresh.pid != 0, timeout=REPLY_MS)
    pid = fresh.pid
    with qtbot.assertNotEmitted(fresh.crashed):
        fresh.shutdown()
    assert fresh.forced_stops == 0  # it left on request, not after the terminate timeout
    assert not _alive(pid)
    assert not fresh.is_running


# ------------------------------------------------------------------------------ unsafe import
LAMBDA_MODEL = textwrap.dedent("""
    import sys
    import keras
    inputs = keras.Input((4,), name="x")
    doubled = keras.layers.Lambda(lambda t: t * 2.0, name="double_it")(inputs)
    outputs = keras.layers.Dense(1, name="head")(doubled)
    keras.Model(inputs, outputs, name="sneaky").save(sys.argv[1])
""")


@pytest.fixture(scope="module")
def lambda_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lambda")
    path = folder / "sneaky.keras"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    done = subprocess.run([sys.executable, "-c", LAMBDA_MODEL, str(path)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0 and path.is_file(), done.stderr[-2000:]
    return path


def test_import_of_a_lambda_model_is_refused_without_side_effects(qtbot, worker, lambda_model, tmp_path):
    wait_ready(qtbot, worker)
    session = DocumentSession(load_template("mlp"))
    before_doc = loom_format.dumps(session.document)
    window = make_window(qtbot, session, tmp_path)
    integration = attach(window, worker)
    shown = []
    integration.message_box = lambda parent, title, text: shown.append((title, text))
    folder = lambda_model.parent
    files_before = sorted(os.listdir(folder))
    opened = []
    integration.documentImported.connect(lambda doc, path: opened.append(path))
    with qtbot.waitSignal(worker.importFailed, timeout=REPLY_MS) as blocker:
        integration.import_model(str(lambda_model))
    assert "double_it" in blocker.args[0] and "Lambda" in blocker.args[0]
    assert worker.last_import_failure.get("refused") is True
    assert shown and shown[0][0] == "Import refused" and "double_it" in shown[0][1]
    assert opened == []
    assert window.session is session
    assert loom_format.dumps(session.document) == before_doc
    assert sorted(os.listdir(folder)) == files_before


def test_import_and_export_round_trip_through_the_window(qtbot, worker, tmp_path):
    wait_ready(qtbot, worker)
    session = DocumentSession(load_template("mlp"))
    window = make_window(qtbot, session, tmp_path)
    integration = attach(window, worker)
    shown = []
    integration.message_box = lambda parent, title, text: shown.append((title, text))
    target = tmp_path / "mlp.keras"
    integration.save_dialog = lambda *args: str(target)
    with qtbot.waitSignal(worker.exported, timeout=REPLY_MS):
        integration.export_action.trigger()
    assert target.is_file() and shown == []
    with qtbot.waitSignal(integration.documentImported, timeout=REPLY_MS) as blocker:
        integration.import_model(str(target))
    imported = blocker.args[0]
    assert window.session is not session and window.session.document is imported
    assert not window.session.path  # a new, unsaved document
    assert {layer.name for layer in imported.layers.values()} >= {"dense", "dense_2", "predictions"}
    positions = {node.pos for node in imported.nodes.values()}
    assert len(positions) == len(imported.nodes)  # laid out
    assert integration.summary_panel.session is window.session
