"""Starting the editor: the QApplication, the light theme, the main window, screenshots.

``run_editor(path)`` opens a ``.loom`` file (or, without a path, a starter template as a new
unsaved model) and runs the event loop. ``run_editor(path, screenshot="out.png")`` opens the
full window, waits until it has been painted, saves a picture of it and returns. TensorFlow is
never imported here: Keras work happens in the worker process.

Until the window has painted its first frame only what that frame shows is built: the panels
behind other tabs are built when first shown (editor/lazy_panels.py), and the Keras worker and the
recovery offer start once the first frame is on screen.

Set ``LAYERLOOM_REPORT_PAINT=1`` to print ``first-paint <unix time> <CPU seconds>`` on stderr when
the window's first frame has been painted; ``LAYERLOOM_REPORT_PAINT=quit`` also closes the window and
ends the process then, before the worker starts (``bench/bench_startup.py`` times the real start so).
"""

from __future__ import annotations

import os
import sys
import time

STARTER_TEMPLATE = "mlp"
EXIT_OK, EXIT_UNREADABLE = 0, 2
#: The Keras worker starts (and the garbage collector resumes) after the first frame, or this long
#: after the window is shown.
WORKER_START_LATEST_MS = 3000

ACCENT = "#2563EB"

STYLE_SHEET = """
QMainWindow::separator { background: #dfe3e8; width: 1px; height: 1px; }
QDockWidget { font-weight: 600; }
QDockWidget::title {
    background: #eceef2; padding: 5px 8px; border-bottom: 1px solid #dcdfe5; text-align: left;
}
QDockWidget > QWidget { font-weight: normal; }
QStatusBar { background: #eceef2; border-top: 1px solid #dcdfe5; }
QStatusBar QLabel { padding: 0 8px; }
QStatusBar::item { border: none; }
QMenuBar { background: #f7f8fa; border-bottom: 1px solid #dcdfe5; }
QTabWidget#canvasTabs::pane { border: none; }
QTabWidget#canvasTabs QTabBar::tab {
    padding: 4px 14px; border: 1px solid transparent; border-bottom: 2px solid transparent;
    background: transparent; color: #4b5563;
}
QTabWidget#canvasTabs QTabBar::tab:selected { color: #111827; border-bottom: 2px solid #2563EB; }
QTabWidget#canvasTabs QTabBar::tab:hover:!selected { background: #e9ecf1; }
QToolButton#tabCloseButton { border: none; color: #6b7280; font-size: 11pt; padding: 0 2px; }
QToolButton#tabCloseButton:hover { color: #111827; background: #e5e7eb; border-radius: 3px; }
QLabel#breadcrumb { background: #ffffff; padding: 5px 10px; border-bottom: 1px solid #e3e6eb; }
QTreeWidget, QListWidget { border: none; background: #ffffff; }
QScrollArea { background: #ffffff; }
QWidget#inspectorBody { background: #ffffff; }
QFrame#outputBox { background: #f7f9fc; border: 1px solid #e2e6ec; border-radius: 6px; }
QToolButton#helpButton {
    border: 1px solid #c9cfd8; border-radius: 10px; min-width: 18px; max-width: 18px;
    min-height: 18px; max-height: 18px; font-weight: 700; color: #2563EB; background: #ffffff;
}
QToolButton#helpButton:hover { background: #eef3fe; border-color: #2563EB; }
QToolButton#resetButton { color: #6b7280; padding: 0 2px; }
QToolButton#advancedToggle { color: #374151; font-weight: 600; padding: 2px 0; border: none; background: transparent; }
QLabel#problemsSummary { padding: 2px 0; }
*[invalid="true"] { color: #c62828; }
QLabel[tone="error"] { color: #c62828; }
QLabel[tone="muted"] { color: #6b7280; }
QLabel[tone="section"] { color: #6b7280; font-weight: 600; font-size: 8pt; letter-spacing: 0.5px; padding-top: 6px; }
QToolTip { background: #1f2937; color: #ffffff; border: none; padding: 4px 6px; }
"""


def apply_theme(app) -> None:
    """Fusion style, a neutral light palette with one accent colour, 9 pt text and a small style sheet."""
    from PySide6.QtGui import QColor, QFont, QPalette

    from editor.main_window import FUSION_FROM_START

    if app.property(FUSION_FROM_START) is not True:
        app.setStyle("Fusion")
    palette = QPalette()
    role = QPalette.ColorRole
    colours = {
        role.Window: "#f3f4f6", role.WindowText: "#1f2937", role.Base: "#ffffff",
        role.AlternateBase: "#f5f7fa", role.ToolTipBase: "#1f2937", role.ToolTipText: "#ffffff",
        role.Text: "#1f2937", role.Button: "#f7f8fa", role.ButtonText: "#1f2937",
        role.BrightText: "#ffffff", role.Highlight: ACCENT, role.HighlightedText: "#ffffff",
        role.Link: ACCENT, role.PlaceholderText: "#9ca3af", role.Mid: "#c9cfd8",
        role.Midlight: "#e5e7eb", role.Light: "#ffffff", role.Dark: "#9ca3af", role.Shadow: "#6b7280",
    }
    for r, c in colours.items():
        palette.setColor(r, QColor(c))
    for r in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, r, QColor("#9ca3af"))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSizeF(9.0)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


def application():
    """The QApplication of this process (reused when it exists), with names and theme set."""
    from editor.main_window import application as _application

    app = _application()
    if app.property("layerloom_themed") is not True:
        app.setOrganizationName("LayerLoom")
        app.setApplicationName("LayerLoom")
        app.setApplicationDisplayName("LayerLoom")
        apply_theme(app)
        app.setProperty("layerloom_themed", True)
    return app


def _display_available() -> bool:
    """True when Qt can open windows: a display server, or a platform chosen explicitly (offscreen…)."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _load(path: str | None, allow_large: bool = False):
    """The starting document: the file at ``path``, or the starter template. Raises LoomFormatError."""
    from graph_core import loom_format

    if path is None:
        from graph_core import templates

        try:
            return templates.load_template(STARTER_TEMPLATE), None
        except KeyError:
            from graph_core.document import Document

            return Document("model"), None
    return loom_format.load(path, allow_large=allow_large), os.path.abspath(path)


def attach_keras(window, start_worker: bool = True, defer_worker: bool = False):
    """Add the Keras panels (Summary, Code, Training) and File menu items to ``window``.

    Args:
        window: the :class:`editor.main_window.MainWindow`.
        start_worker: False for a window that must never start TensorFlow (screenshots): the
            panels are shown but the worker process is not started.
        defer_worker: with ``start_worker``, do not start the process yet: the caller starts it
            (``integration.worker.start()``) once the window is painted; a request made before
            then starts it at once.

    Returns:
        The integration object.
    """
    from editor import keras_panels
    from editor.worker.client import KerasWorker

    if start_worker:
        worker = None
        if defer_worker:
            worker = KerasWorker(window, autostart=False)
            worker.defer_start()
        integration = keras_panels.attach(window, worker)
    else:
        worker = KerasWorker(window, autostart=False)
        worker.shutdown()  # marks it shut down: requests will not start a process
        integration = keras_panels.KerasIntegration(window, worker=worker)
        window.keras_integration = integration
    from editor.compare_action import attach_compare
    from editor.cost_panel import attach_cost

    attach_cost(window, integration.worker if start_worker else None)
    attach_compare(window)
    window.raise_default_panels()
    return integration


def run_editor(path: str | None = None, screenshot: str | None = None, allow_large: bool = False) -> int:
    """Open the editor.

    Args:
        path: a ``.loom`` file to open; None opens the starter template as a new, unsaved model.
        screenshot: when given, save a PNG of the painted main window there and return at once.
        allow_large: read a file past the format's layer and node limits (``--allow-large``).

    Returns:
        0 on success; 2 when the file cannot be read (the message goes to stderr, no traceback).
    """
    from editor import start_up_gc
    from graph_core.errors import LoomFormatError

    xcb_check = None
    if screenshot is None and _display_available():
        from editor.platform_check import start_xcb_check

        xcb_check = start_xcb_check()  # ldd runs while the editor imports
    try:
        doc, abs_path = _load(path, allow_large)
    except LoomFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE

    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a picture needs no screen
    elif not _display_available():
        print("error: no display found (DISPLAY / WAYLAND_DISPLAY are not set). Run LayerLoom on a desktop, "
              "under `xvfb-run`, or use the headless commands: check, render, export, summary, fit.",
              file=sys.stderr)
        return EXIT_UNREADABLE

    from editor import qt_import_hook

    qt_import_hook.install()  # before the editor's modules are imported (editor/qt_import_hook.py)
    from editor.main_window import MainWindow
    from editor.session import DocumentSession

    problem = xcb_check.problem() if xcb_check is not None else None
    if problem:  # known before the QApplication loads the platform: Qt would abort, misleadingly
        print(problem, file=sys.stderr)
        return EXIT_UNREADABLE
    app = application()
    report = os.environ.get("LAYERLOOM_REPORT_PAINT", "")
    session = DocumentSession(doc, abs_path)
    window = MainWindow(session)
    if screenshot is not None:
        attach_keras(window, start_worker=False)
        return _screenshot(app, window, screenshot, report in ("1", "quit"))
    integration = attach_keras(window, defer_worker=True)
    from editor.recent_files import app_settings

    window._remember_state = True
    window.restore_state(app_settings())
    window.files.start_autosave()
    first_frame = _PaintWatcher(window, report in ("1", "quit"))
    first_frame.then(window.note_opening_layout)  # an unchanged layout is not saved to restore

    def started() -> None:  # documents must stay collectable: no freeze
        start_up_gc.resume(freeze=False)

    first_frame.then(started)
    if report == "quit":  # benchmarks: the start ends with the first frame
        first_frame.then(window.close)
        first_frame.then(app.quit)
    else:
        first_frame.then(integration.worker.start)  # TensorFlow loads while the user looks
        if abs_path is not None:
            first_frame.then(lambda: window.files.recent.add(abs_path))  # a settings file write
        first_frame.then(window.files.offer_recovery)
    window.show()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, _fit_current(window))
    if report != "quit":  # a window that is never painted (started minimized) still gets Keras
        QTimer.singleShot(WORKER_START_LATEST_MS, lambda: (started(), integration.worker.start()))
    code = app.exec()
    del first_frame
    return int(code or 0)


def _fit_current(window):
    def fit() -> None:
        view = window.current_view()
        fitter = getattr(view, "show_start", None)
        if callable(fitter):
            fitter()
    return fit


class _PaintWatcher:
    """Notes when a window's first frame has been painted, and runs what waits for it.

    The first paint event of the window (or its canvas viewport) starts the frame; ``painted``
    becomes True, the time is reported and the callbacks given to :meth:`then` run once that
    paint is over (the next turn of the event loop), so the whole first frame is on screen.
    """

    def __init__(self, window, report: bool = False):
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.painted = False
        self.report = report
        self._callbacks: list = []
        self._started = False
        watcher = self

        class _Filter(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint and not watcher._started:
                    watcher._started = True
                    QTimer.singleShot(0, watcher._frame_done)
                return False

        self._filter = _Filter()
        self._watched = [window]
        view = window.current_view()
        if view is not None:
            self._watched.append(view.viewport())
        for widget in self._watched:
            widget.installEventFilter(self._filter)

    def then(self, callback) -> None:
        """Call ``callback()`` once the first frame is painted (in the order given)."""
        self._callbacks.append(callback)

    def _frame_done(self) -> None:
        self.painted = True
        if self.report:
            print(f"first-paint {time.time():.6f} {time.process_time():.6f}", file=sys.stderr, flush=True)
        for widget in self._watched:
            try:
                widget.removeEventFilter(self._filter)
            except RuntimeError:  # already deleted
                pass
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()


def _screenshot(app, window, out_path: str, report: bool) -> int:
    """Show ``window``, wait (in the event loop) until it is exposed and painted, save it as PNG."""
    from PySide6.QtCore import QEventLoop, QTimer

    watcher = _PaintWatcher(window, report)
    window.resize(1280, 800)
    window.show()
    loop = QEventLoop()
    state = {"fitted": False, "rounds": 0}

    def step() -> None:
        handle = window.windowHandle()
        exposed = handle is not None and handle.isExposed()
        state["rounds"] += 1
        if exposed and not state["fitted"]:
            _fit_current(window)()
            state["fitted"] = True
        if exposed and watcher.painted:
            loop.quit()
            return
        if state["rounds"] > 2000:  # never painted: grab anyway rather than hang
            loop.quit()
            return
        QTimer.singleShot(0 if state["rounds"] < 200 else 5, step)

    QTimer.singleShot(0, step)
    loop.exec()
    app.processEvents()
    pixmap = window.grab()
    ok = pixmap.save(out_path, "PNG")
    window.setWindowModified(False)
    window.files.autosave_timer.stop()
    window.session.undo_stack.setClean()
    window.close()
    window.deleteLater()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if not ok:
        print(f"error: cannot write the screenshot {out_path}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK
