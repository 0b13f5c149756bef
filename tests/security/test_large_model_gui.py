"""Issue 12, finding 3: a 250M-parameter document is not built on open: the worker refuses before
allocating, and the summary panel asks ("Build it anyway") instead."""

from __future__ import annotations

import json

import pytest

from editor.panels.summary_panel import SummaryPanel
from editor.session import DocumentSession
from graph_core import loom_format
from tests.editor.worker_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import REPLY_MS
from tests.security.corpus import loom_dict

pytestmark = pytest.mark.gui


def _huge_session() -> DocumentSession:
    data = loom_dict("Dense", {"units": 250_000})
    data["layers"][0]["config"]["shape"] = [1000]
    return DocumentSession(loom_format.loads(json.dumps(data)))


def test_summary_of_a_huge_model_asks_first(qtbot, worker):
    panel = SummaryPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(_huge_session())
    qtbot.waitUntil(lambda: panel.state == "build_error", timeout=REPLY_MS)
    assert "250,250,000 parameters" in panel.status.text() and "Build it anyway" in panel.status.text()
    with open(f"/proc/{worker.pid}/status") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    assert rss_kb < 1_500_000  # the 1 GB of weights was never allocated


class _Recorder:
    """Records summary requests (the panel's only call here)."""

    def __init__(self):
        from PySide6.QtCore import QObject, Signal

        class Signals(QObject):
            summaryReady = Signal(int, dict)
            buildFailed = Signal(int, dict)
            crashed = Signal(str)
            ready = Signal()

        self.signals = Signals()
        self.requests: list = []
        self.is_ready = True

    def __getattr__(self, name):
        return getattr(self.signals, name)

    def request_summary(self, doc, revision=None, *, expand_nested=False, allow_large=False) -> int:
        self.requests.append(allow_large)
        return len(self.requests)


def test_build_it_anyway_asks_again_with_the_limit_lifted(qtbot):
    fake = _Recorder()
    panel = SummaryPanel(fake)
    qtbot.addWidget(panel)
    session = _huge_session()
    panel.set_session(session)
    fake.buildFailed.emit(session.document.revision, {"id": panel._request_id, "stage": "size",
                                                      "message": "the model has 250,250,000 parameters"})
    assert "Build it anyway" in panel.status.text()
    panel.status.linkActivated.emit("size:allow")
    assert fake.requests == [False, True]


def test_training_panel_asks_before_training_a_huge_model(qtbot):
    from editor.panels.training_panel import TrainingPanel
    from tests.editor.test_panels import FakeWorker

    fake = FakeWorker()
    panel = TrainingPanel(fake)
    qtbot.addWidget(panel)
    session = _huge_session()
    session.document.outputs[0].loss = "mse"
    panel.set_session(session)
    assert panel.run() is None and fake.requests == []  # nothing sent: the panel asks first
    assert "250,250,000 parameters" in panel.status.text() and "Train it anyway" in panel.status.text()
    panel.status.linkActivated.emit("size:allow")
    assert fake.requests and fake.requests[-1][0] == "fit" and fake.requests[-1][1]["allow_large"] is True
