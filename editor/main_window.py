"""LayerLoom's main window: canvas tabs in the middle, palette left, inspector and problems right.

The window shows one :class:`editor.session.DocumentSession` at a time (:attr:`MainWindow.session`);
New/Open/templates replace it and emit :attr:`MainWindow.sessionChanged`. Other panels plug in
through :meth:`MainWindow.add_panel` and menu items through :attr:`MainWindow.file_menu`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QByteArray, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QWidget,
)

from editor.file_dialogs import Dialogs
from editor.files import FileController
from editor.inspector import Inspector
from editor.nested_tabs import NestedTabs
from editor.palette import Palette
from editor.problems_panel import ProblemsPanel
from editor.window_menus import WindowMenus
from graph_core.layer_kinds import kind_of

APP_NAME = "LayerLoom"

#: Set on a QApplication this module made, which uses the Fusion style from its start.
FUSION_FROM_START = "layerloom_fusion_from_start"

SIDE_PANEL_MAX = 360
BOTTOM_PANEL_MAX = 300


def fit_for_dock(widget: QWidget, area) -> QWidget:
    """``widget``, or a scroll area holding it when its minimum size is too big for ``area``."""
    hint = widget.minimumSizeHint()
    side = area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
    too_big = hint.width() > SIDE_PANEL_MAX if side else hint.height() > BOTTOM_PANEL_MAX
    if side and hint.height() > 2 * BOTTOM_PANEL_MAX:
        too_big = True
    if not too_big:
        return widget
    scroll = QScrollArea()
    scroll.setObjectName(f"{widget.objectName() or 'panel'}Scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(widget)
    return scroll


class MainWindow(WindowMenus, QMainWindow):
    """The editor window.

    Args:
        session: the document to show (an empty model when None).
        dialogs: the file dialogs / questions (:class:`editor.file_dialogs.Dialogs`); tests pass fakes.
        settings: QSettings for recent files and window state (``app_settings()`` by default).
        scene_factory: ``(session, doc) -> (scene, view)`` for the canvas tabs.

    Signals:
        sessionChanged(object): a new or opened document replaced the session.
    """

    sessionChanged = Signal(object)

    def __init__(self, session=None, *, dialogs: Dialogs | None = None, settings=None,
                 scene_factory=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._session = None
        self._docks: list = []
        self._view_actions: dict = {}
        self._menu_slots: dict = {}
        self.undo_group = QUndoGroup(self)
        self.files = FileController(self, dialogs if dialogs is not None else Dialogs(self), settings)
        self.files.message.connect(self.show_message)

        self.tabs = NestedTabs(scene_factory, self)
        self.setCentralWidget(self.tabs)
        self.palette = Palette()
        self.inspector = Inspector()
        self.problems = ProblemsPanel()
        self.palette_dock = self.add_panel(self.palette, "Layers", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self.add_panel(self.inspector, "Inspector")
        self.problems_dock = self._add_dock(self.problems, "Problems", Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.inspector_dock, self.problems_dock, Qt.Orientation.Vertical)
        self.resizeDocks([self.palette_dock, self.inspector_dock], [200, 300], Qt.Orientation.Horizontal)
        self.resizeDocks([self.inspector_dock, self.problems_dock], [560, 200], Qt.Orientation.Vertical)
        from editor.concept_note import install as install_concept_note  # issue 15

        self.concept_note = install_concept_note(self)

        self._build_status_bar()
        self._build_menus()

        self.tabs.currentChanged.connect(self._tab_changed)
        self.tabs.selectionChanged.connect(self._selection_changed)
        self.tabs.statusMessage.connect(self.show_message)
        self.palette.layerActivated.connect(self.add_layer_at_center)
        self.inspector.openNestedRequested.connect(self.tabs.open_nested)
        self.inspector.message.connect(self.show_message)
        self.problems.problemActivated.connect(self.tabs.show_nodes)

        if session is None:
            from editor.session import DocumentSession
            from graph_core.document import Document

            session = DocumentSession(Document("model"))
        self.set_session(session)
        self.resize(1280, 800)

    # ------------------------------------------------------------------ session
    @property
    def session(self):
        """The :class:`editor.session.DocumentSession` shown."""
        return self._session

    def set_session(self, session) -> None:
        """Show ``session`` (replacing the current one, which is closed) and emit :attr:`sessionChanged`."""
        old = self._session
        if old is not None:
            for signal, slot in self._session_connections(old):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        self._session = session
        self.undo_group.addStack(session.undo_stack)
        self.undo_group.setActiveStack(session.undo_stack)
        for signal, slot in self._session_connections(session):
            signal.connect(slot)
        self.inspector.set_session(session)  # first: the new tabs report their selection to it
        self.tabs.set_session(session)
        self.problems.set_session(session)
        self._tab_changed()
        self._update_title()
        self._update_status()
        if old is not None and old is not session:
            self._retire(old)
        self.sessionChanged.emit(session)

    def _retire(self, session) -> None:
        """Drop a session no view shows any more.

        Its undo stack's signals are blocked first: destroying a QUndoStack clears it, and the
        index/clean signals of that clearing must not reach views that are being deleted too.
        """
        self.undo_group.removeStack(session.undo_stack)
        session.undo_stack.blockSignals(True)
        session.close()
        session.deleteLater()

    def _session_connections(self, session) -> list:
        return [
            (session.cleanChanged, self._update_title),
            (session.pathChanged, self._update_title),
            (session.checked, self._on_checked),
            (session.refused, self._on_refused),
            (session.changed, self._on_changed),
        ]

    def _on_checked(self, doc, _result) -> None:
        if doc is self._session.document:
            self._update_status()

    def _on_refused(self, message: str) -> None:
        self.show_message(message, 6000)

    def _on_changed(self, doc, event) -> None:
        if event.kind == "settings" and doc is self._session.document:
            self._update_title()

    # ------------------------------------------------------------------ panels
    def _add_dock(self, widget: QWidget, title: str, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self._docks.append(dock)
        if hasattr(self, "panels_menu"):
            self.panels_menu.addAction(dock.toggleViewAction())
        return dock

    def add_panel(self, widget: QWidget, title: str, area=Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        """Dock ``widget`` in ``area`` under ``title``, tabbed with the panels already there.

        Args:
            widget: the panel.
            title: its dock title (also listed in View › Panels).
            area: a ``Qt.DockWidgetArea``.

        Returns:
            The QDockWidget (``dock.panel`` is ``widget``). A panel whose minimum size would not
            fit the area (wider than :data:`SIDE_PANEL_MAX` at the side, taller than
            :data:`BOTTOM_PANEL_MAX` at the bottom) is put in a scroll area so it cannot squeeze
            the canvas and the other panels.
        """
        existing = [d for d in self._docks if self.dockWidgetArea(d) == area and not d.isFloating()]
        dock = self._add_dock(fit_for_dock(widget, area), title, area)
        dock.panel = widget
        if existing:  # a new panel joins the tab group behind the first one, which stays in front
            self.tabifyDockWidget(existing[-1], dock)
            existing[0].raise_()
        return dock

    def raise_default_panels(self) -> None:
        """Bring the editor's own panels to the front of their tab groups; size the bottom area."""
        for dock in (self.inspector_dock, self.problems_dock, self.palette_dock):
            dock.raise_()
        self.resizeDocks([self.palette_dock, self.inspector_dock], [200, 300], Qt.Orientation.Horizontal)
        self.resizeDocks([self.inspector_dock, self.problems_dock], [560, 200], Qt.Orientation.Vertical)
        bottom = [d for d in self._docks if self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        if bottom:
            self.resizeDocks([bottom[0]], [230], Qt.Orientation.Vertical)

    # ------------------------------------------------------------------ menus
    # ------------------------------------------------------------------ status bar
    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setObjectName("statusBar")
        status.setSizeGripEnabled(False)
        self.status_valid = QLabel()
        self.status_valid.setObjectName("statusValid")
        self.status_params = QLabel()
        self.status_params.setObjectName("statusParams")
        status.addPermanentWidget(self.status_valid)
        status.addPermanentWidget(self.status_params)

    def show_message(self, text: str, timeout: int = 5000) -> None:
        """A transient message in the status bar."""
        self.statusBar().showMessage(text, timeout)

    def _update_status(self) -> None:
        session = self._session
        if session is None:
            return
        result = session.result()
        entries = self.problems.entries()  # the model's and its nested models' problems, as listed
        errors = sum(1 for _path, _where, p in entries if p.is_error)
        warnings = len(entries) - errors
        counts = []
        if errors:
            counts.append(f"{errors} error{'s' if errors != 1 else ''}")
        if warnings:
            counts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        mark, colour, verdict = {"valid": ("✓", "#15803d", "Valid"), "invalid": ("✗", "#c62828", "Invalid")}.get(
            result.status, ("?", "#b45309", "Not checked"))
        if not session.document.nodes:  # nothing to build yet: not "valid"
            mark, colour, verdict = "○", "#64748b", "Empty model"
        detail = (" · " + ", ".join(counts)) if counts else ""
        self.status_valid.setText(f"<span style='color:{colour}'><b>{mark} {verdict}</b></span>{html.escape(detail)}")
        self.status_valid.setToolTip("Open the Problems panel for details" if counts else
                                     "Add layers from the palette (or press Tab on the canvas)"
                                     if not session.document.nodes else "No problems")
        known = "" if result.params_known else "+"
        self.status_params.setText(f"Params: <b>{'≥ ' if known else ''}{result.total:,}</b> "
                                   f"({result.trainable:,} trainable)")
        self.status_params.setToolTip(result.params_text() + " (a shared layer counts once)")
        if result.unchecked:
            doc = self.session.document
            names = ", ".join(sorted({doc.layer_of(n).name for n in result.unchecked if n in doc.nodes}))
            self.status_valid.setToolTip(f"LayerLoom cannot vouch for: {names}. Their shapes and parameters "
                                         f"(and everything after them) are unknown.")

    def status_text(self) -> str:
        """The permanent status texts without markup (tests)."""
        from PySide6.QtGui import QTextDocument

        parts = []
        for label in (self.status_valid, self.status_params):
            doc = QTextDocument()
            doc.setHtml(label.text())
            parts.append(doc.toPlainText())
        return "  ".join(parts)

    def _update_title(self, *_args) -> None:
        session = self._session
        if session is None:
            return
        self.setWindowTitle(f"{session.title}[*] — {APP_NAME}")
        self.setWindowModified(not session.is_clean)

    # ------------------------------------------------------------------ canvas glue
    def current_scene(self):
        """The scene of the current canvas tab."""
        return self.tabs.current_scene()

    def current_view(self):
        """The view of the current canvas tab."""
        return self.tabs.current_view()

    def graph_scene(self):
        """The main model's scene, with its tab made current (for panels selecting top-level nodes)."""
        self.tabs.tabs.setCurrentIndex(0)
        return self.tabs.scene_for(())

    def show_nodes(self, path: tuple, node_ids: list, fit: bool = False) -> None:
        """Select ``node_ids`` of the (nested) document at ``path`` on its canvas tab."""
        self.tabs.show_nodes(tuple(path), list(node_ids), fit)

    def open_document(self, document, title: str | None = None) -> bool:
        """Show ``document`` as a new unsaved model (after asking to save the current one).

        Returns:
            False when the user cancelled.
        """
        from editor.session import DocumentSession

        if not self.files.maybe_save():
            return False
        self.files.discard_recovery()
        self.set_session(DocumentSession(document))
        if title:
            self.show_message(f"Opened {title}")
        return True

    def _tab_changed(self) -> None:
        self._install_view_actions(self.tabs.current_view())
        doc = self.tabs.current_document()
        scene = self.tabs.current_scene()
        if doc is not None and scene is not None:
            self.inspector.show_selection(doc, list(scene.selected_node_ids()))
        self._update_layer_actions()

    def _selection_changed(self, doc, node_ids: list) -> None:
        self.inspector.show_selection(doc, node_ids)
        self._update_layer_actions()

    def _update_layer_actions(self) -> None:
        layer = self.inspector.layer()
        self.open_nested_action.setEnabled(layer is not None and kind_of(layer) == "model")
        self.help_action.setEnabled(layer is not None)

    def _open_selected_nested(self) -> None:
        layer = self.inspector.layer()
        if layer is not None and kind_of(layer) == "model":
            self.tabs.open_nested(layer.id)

    def _layer_help(self) -> None:
        self.inspector.show_help()

    def add_layer_at_center(self, layer_type: str) -> None:
        """Add a new ``layer_type`` layer at the centre of the current view (palette double-click)."""
        scene = self.tabs.current_scene()
        if scene is None:
            return
        center = self.tabs.view_center()
        scene.add_layer_at(layer_type, QPointF(center))

    # ------------------------------------------------------------------ window state
    def restore_state(self, settings) -> None:
        """Restore the geometry and dock layout saved by :meth:`save_state`.

        A window closed with the dock layout it opened with saves none (see
        :meth:`note_opening_layout`): there is nothing to restore then, and restoring a layout costs
        Qt ~10 ms before the first frame.
        """
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
            self._layout_restored = True

    def note_opening_layout(self) -> None:
        """Remember the dock layout the window shows (call it once it is on screen), unless one was
        restored: while the layout stays so, :meth:`save_state` saves none."""
        if not getattr(self, "_layout_restored", False):
            self._opening_layout = self.saveState()

    def save_state(self, settings) -> None:
        """Remember the geometry and dock layout (no layout while it is the one the window opened with)."""
        settings.setValue("window/geometry", self.saveGeometry())
        state = self.saveState()
        opening = getattr(self, "_opening_layout", None)
        if opening is not None and state == opening:
            settings.remove("window/state")
        else:
            settings.setValue("window/state", state)

    def quit_application(self) -> bool:
        """Close the window (asking to save changes) and end the application with every window.

        Returns:
            False when the user cancelled.
        """
        if not self.close():
            return False
        app = QApplication.instance()
        if app is not None:
            for widget in app.topLevelWidgets():
                if widget is not self and widget.isVisible():
                    widget.close()
            app.quit()  # aboutToQuit stops the Keras worker
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.files.autosave_timer.stop()
        self.files.discard_recovery()
        self._session.undo_stack.blockSignals(True)  # see _retire
        if getattr(self, "_remember_state", False):
            self.save_state(self.files.recent.settings)
        event.accept()
        super().closeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(1280, 800)


def application() -> QApplication:
    """The running QApplication (created when missing)."""
    import sys

    app = QApplication.instance()
    if app is None:
        # Fusion from the start rather than ``setStyle("Fusion")`` later: the style that call
        # returns would make PySide build QStyle's Python types (~6 ms) before the first frame
        app = QApplication((sys.argv[:1] or ["layerloom"]) + ["-style", "Fusion"])
        app.setProperty(FUSION_FROM_START, True)
    return app
