"""The real Keras worker for editor tests: a module-scoped fixture and helpers to wait on it.

Import the ``worker`` fixture into a test module with
``from tests.editor.worker_fixtures import *  # noqa: F403`` (one worker per module, shut down
at its end), and the helpers by name: ``from tests.editor.worker_fixtures import READY_MS, ...``.
"""

from __future__ import annotations

import os

import pytest

from editor.worker.client import KerasWorker

__all__ = ["worker"]

READY_MS = 90_000
REPLY_MS = 60_000


def _alive(pid: int) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def worker(qapp):
    w = KerasWorker()
    yield w
    pid = w.pid
    w.shutdown()
    assert not _alive(pid), "the worker process outlived shutdown()"


def wait_ready(qtbot, worker) -> None:
    if not worker.is_ready:
        with qtbot.waitSignal(worker.ready, timeout=READY_MS):
            pass
