"""Fixtures for main-window tests: isolated settings, fake dialogs, windows that never leak.

Import them into a test module with ``from tests.editor.window_fixtures import *  # noqa``.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

__all__ = ["FakeDialogs", "fake_dialogs", "isolated_files", "make_window", "no_leaked_windows",
           "flush_deletes", "template_session"]


def flush_deletes() -> None:
    """Run pending deleteLater() calls."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class FakeDialogs:
    """Answers the file commands' questions without opening any dialog; records what was asked."""

    def __init__(self):
        self.save_changes_answer = "discard"
        self.open_answers: list = []
        self.save_answers: list = []
        self.template = None
        self.restore = lambda entries: ("later", None)
        self.asked: list = []
        self.errors: list = []

    def ask_save_changes(self, title: str) -> str:
        self.asked.append(("save_changes", title))
        return self.save_changes_answer

    def open_path(self):
        self.asked.append(("open_path",))
        return self.open_answers.pop(0) if self.open_answers else None

    def save_path(self, caption: str, suggested: str, filters: str):
        self.asked.append(("save_path", suggested))
        return self.save_answers.pop(0) if self.save_answers else None

    def error(self, title: str, message: str) -> None:
        self.errors.append((title, message))

    def choose_template(self):
        self.asked.append(("choose_template",))
        return self.template

    def ask_restore(self, entries: list) -> tuple:
        self.asked.append(("restore", list(entries)))
        return self.restore(entries)


@pytest.fixture
def isolated_files(tmp_path, monkeypatch):
    """Settings and recovery files in a temporary folder (never the user's)."""
    monkeypatch.setenv("LAYERLOOM_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("LAYERLOOM_RECOVERY_DIR", str(tmp_path / "recovery"))
    return tmp_path


@pytest.fixture
def no_leaked_windows(qapp):
    """Fail a test that leaves a visible top-level window (or an undeleted MainWindow) behind."""
    from editor.main_window import MainWindow

    before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    yield
    flush_deletes()
    leaked = [w for w in QApplication.topLevelWidgets()
              if ((w.isVisible() and id(w) not in before) or isinstance(w, MainWindow))
              and w.metaObject().className() != "QTipLabel"]
    for w in leaked:
        if isinstance(w, MainWindow):
            w.files.dialogs = FakeDialogs()
        w.close()
        w.deleteLater()
    flush_deletes()
    assert not leaked, f"test leaked top-level windows: {[type(w).__name__ for w in leaked]}"


@pytest.fixture
def fake_dialogs():
    """A :class:`FakeDialogs`."""
    return FakeDialogs()


def template_session(slug: str, path=None):
    """A DocumentSession on template ``slug``."""
    from editor.session import DocumentSession
    from graph_core import templates

    return DocumentSession(templates.load_template(slug), path)


@pytest.fixture
def make_window(qapp, isolated_files, fake_dialogs):
    """``make_window(slug_or_session=None, show=True)`` → a MainWindow using :class:`FakeDialogs`.

    Every window made is closed (discarding changes) and deleted at the end of the test.
    """
    from editor.app import application
    from editor.main_window import MainWindow

    application()
    windows = []

    def make(what="mlp", show: bool = True, dialogs=None):
        session = template_session(what) if isinstance(what, str) else what
        window = MainWindow(session, dialogs=dialogs or fake_dialogs)
        windows.append(window)
        if show:
            window.show()
        return window

    yield make
    for window in windows:
        try:
            window.files.dialogs = FakeDialogs()
            window.close()
            window.deleteLater()
        except RuntimeError:  # already deleted
            pass
    flush_deletes()
