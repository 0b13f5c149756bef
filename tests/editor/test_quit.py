"""Quit (Ctrl+Q) ends the process and its Keras worker, even with another top-level window open."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SCRIPT = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel
    from editor.app import application, attach_keras
    from editor.main_window import MainWindow
    from editor.session import DocumentSession
    from graph_core import templates

    app = application()
    window = MainWindow(DocumentSession(templates.load_template("mlp")))
    integration = attach_keras(window)
    window.show()
    stray = QLabel("another top-level window")
    stray.show()
    worker = integration.worker

    def quit_now():
        print("WORKER", worker.process.processId(), flush=True)
        print("QUIT", time.time(), flush=True)
        window.quit_action.trigger()

    worker.ready.connect(lambda: QTimer.singleShot(100, quit_now))
    QTimer.singleShot(90000, app.quit)  # never hang the test run
    app.exec()
    print("EXITED", flush=True)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


def test_quit_ends_the_process_and_the_worker_within_3_seconds(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LAYERLOOM_SETTINGS=str(tmp_path / "s.ini"),
               LAYERLOOM_RECOVERY_DIR=str(tmp_path / "recovery"))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    worker_pid = quit_at = None
    try:
        for line in proc.stdout:
            if line.startswith("WORKER"):
                worker_pid = int(line.split()[1])
            elif line.startswith("QUIT"):
                quit_at = time.monotonic()
                break
        assert quit_at is not None, "the worker never became ready"
        proc.wait(timeout=3.0)
        assert time.monotonic() - quit_at < 3.0
        assert not _alive(worker_pid), "the Keras worker outlived the editor"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
