"""Start-up (issue 17): panels behind other tabs are built when first shown; the worker can wait.

The times themselves are measured by bench/bench_startup.py; these tests check that what is put
off still works when it is needed.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from editor.app import attach_keras
from editor.lazy_panels import is_built
from tests.editor.window_fixtures import *  # noqa: F403
from tests.editor.window_fixtures import template_session

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]

HIDDEN = ("Code", "Training", "Step through")


def test_panels_behind_the_summary_are_built_when_their_tab_is_chosen(qtbot, make_window):
    window = make_window("mlp")
    integration = attach_keras(window, start_worker=False)
    qtbot.waitExposed(window)
    docks = integration.docks
    qtbot.waitUntil(lambda: docks["Summary"].isVisible())  # the bottom tab group is laid out
    assert is_built(docks["Summary"]) and docks["Summary"].panel is integration.summary_panel
    assert not any(is_built(docks[title]) for title in HIDDEN), "hidden panels were built at start"

    docks["Code"].raise_()  # the user picks the Code tab
    qtbot.waitUntil(lambda: is_built(docks["Code"]))
    code = integration.code_panel
    assert docks["Code"].widget() is not None and code.session is window.session
    qtbot.waitUntil(lambda: "keras.Input" in code.code)
    assert not is_built(docks["Training"]) and not is_built(docks["Step through"])

    other = template_session("residual")
    window.set_session(other)  # a built panel follows the window; an unbuilt one gets it when built
    assert code.session is other
    assert not is_built(docks["Training"])
    training = integration.training_panel  # asked for by code: built now, on the current session
    assert is_built(docks["Training"]) and training.session is other
    assert docks["Training"].panel is training
    QApplication.processEvents()  # lay out (no sleep)
    height = docks["Summary"].height()
    integration.step_panel  # noqa: B018 (building the last one does not make the bottom area jump)
    QApplication.processEvents()
    assert docks["Summary"].height() == height


def test_a_deferred_worker_queues_requests_instead_of_starting(qapp):
    from editor.worker.client import KerasWorker

    worker = KerasWorker(autostart=False)
    worker.defer_start()
    try:
        worker.request_summary(template_session("mlp").document)
        assert worker.process is None and not worker.is_running  # no TensorFlow before the frame
        assert len(worker._outbox) == 1  # sent once start() has started the process
    finally:
        worker.shutdown()
        worker.deleteLater()


def test_the_faster_pyside_import_check_gives_pyside_s_own_answers():
    import json
    import sys

    import editor.palette
    import graph_core.document
    from editor import qt_import_hook

    assert qt_import_hook.install() and qt_import_hook.install()  # once is enough; twice is harmless
    check = getattr(sys.modules[qt_import_hook._HOOK_MODULE], qt_import_hook._HOOK)
    pyside_own = check.layerloom_original
    assert getattr(pyside_own, "layerloom_original", None) is None  # not wrapped twice
    for module in (sys, json, graph_core.document, editor.palette, sys.modules["PySide6.QtCore"]):
        assert check(module) == pyside_own(module), module.__name__
    assert check(editor.palette) and not check(graph_core.document)


def test_an_unchanged_dock_layout_is_not_saved_to_restore(qtbot, make_window):
    """A window closed with the layout it opened with saves none (restoring one costs ~10 ms
    before the first frame); a changed layout is saved and restored as before."""
    from editor.recent_files import app_settings

    settings = app_settings()
    window = make_window("mlp")
    qtbot.waitExposed(window)
    window.note_opening_layout()
    window.save_state(settings)
    assert settings.value("window/state") is None and settings.value("window/geometry") is not None
    window.problems_dock.hide()  # the user changes the layout
    window.save_state(settings)
    assert settings.value("window/state") is not None

    other = make_window("mlp")
    other.restore_state(settings)
    qtbot.waitUntil(lambda: not other.problems_dock.isVisible())  # the saved layout is restored
    other.note_opening_layout()  # a restored layout is saved again, changed or not
    other.save_state(settings)
    assert settings.value("window/state") is not None
