"""Keras inside the editor: the worker, the Summary/Code/Training panels and the Keras file actions.

:func:`attach` is the one call the main window makes. It starts the Keras worker in the background
(the window does not wait for TensorFlow; the editor passes a worker it starts after the first
frame), docks the panels (those behind the Summary are built when first shown: editor/lazy_panels.py),
adds File › Import Keras model… and File › Export Keras model…, follows the window's current
session and reports worker crashes and restarts in the status bar. Nothing here imports
TensorFlow: all Keras work happens in the worker process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from editor.lazy_panels import add_lazy_panel, is_built, panel_of
from editor.panels.summary_panel import SummaryPanel
from editor.recovery import file_slug
from editor.worker.client import KerasWorker

if TYPE_CHECKING:
    from editor.panels.code_panel import CodePanel
    from editor.panels.training_panel import TrainingPanel

IMPORT_FILTER = "Keras models (*.keras *.h5 *.hdf5 *.json);;All files (*)"
EXPORT_FILTER = "Keras model (*.keras)"


def _warn(parent, title: str, text: str) -> None:
    from PySide6.QtWidgets import QMessageBox  # dialog classes: made when first needed

    QMessageBox.warning(parent, title, text)


def _open_dialog(parent, caption: str, start: str, filters: str) -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _selected = QFileDialog.getOpenFileName(parent, caption, start, filters)
    return path


def _save_dialog(parent, caption: str, suggested: str, filters: str) -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _selected = QFileDialog.getSaveFileName(parent, caption, suggested, filters)
    return path


BOTTOM_AREA_HEIGHT = 250
"""Height of the Summary / Code / Training area: room for the loss curves and the settings."""

LAZY_PANEL_MIN_HEIGHT = 176
"""Minimum height of the placeholders of the panels built when first shown (about that of the
Training and Step through panels), so the bottom area opens as tall as with the panels built."""


class KerasIntegration(QObject):
    """What :func:`attach` adds to a main window; keeps the pieces together.

    Attributes:
        worker: the :class:`KerasWorker`.
        summary_panel, code_panel, training_panel: the panels.
        docks: the QDockWidgets, by panel title.
        import_action, export_action: the File menu actions.
        message_box: ``(parent, title, text)`` shows a warning (QMessageBox by default; tests
            replace it).
        open_dialog, save_dialog: ``(parent, caption, start, filters) -> path or ""``.
        open_document: ``(document, title) -> None`` opens an imported document as a new unsaved
            document (default: a new DocumentSession set on the window).

    Signals:
        documentImported(object document, str path): an imported document was opened.
    """

    documentImported = Signal(object, str)

    def __init__(self, window, worker: KerasWorker | None = None):
        super().__init__(window)
        self.window = window
        self.worker = worker or KerasWorker(self)
        self.message_box: Callable = _warn
        self.open_dialog: Callable = _open_dialog
        self.save_dialog: Callable = _save_dialog
        self.open_document: Callable = self._default_open_document
        self._import_id: int | None = None
        self._export_id: int | None = None
        self._announced_ready = False

        from editor.project_weights import ProjectWeights  # issue 14: weights beside the project

        self.weights = ProjectWeights(self.worker, self)
        self.weights.changed.connect(self._on_weights_changed)
        self.summary_panel = SummaryPanel(self.worker, select_nodes=self.select_nodes)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        # the panels behind the Summary are built when first shown (a faster first frame)
        self.docks = {
            "Summary": window.add_panel(self.summary_panel, "Summary", bottom),
            "Code": add_lazy_panel(window, self._make_code_panel, "Code", bottom, LAZY_PANEL_MIN_HEIGHT),
            "Training": add_lazy_panel(window, self._make_training_panel, "Training", bottom,
                                       LAZY_PANEL_MIN_HEIGHT),
            "Step through": add_lazy_panel(window, self._make_step_panel, "Step through", bottom,
                                           LAZY_PANEL_MIN_HEIGHT),
            "Evaluate / Predict": add_lazy_panel(window, self._make_predict_panel, "Evaluate / Predict",
                                                 bottom, LAZY_PANEL_MIN_HEIGHT),
        }
        self.docks["Summary"].raise_()
        window.resizeDocks([self.docks["Summary"]], [BOTTOM_AREA_HEIGHT], Qt.Orientation.Vertical)
        menu = window.file_menu
        menu.addSeparator()
        self.import_action = menu.addAction("Import Keras model…")
        self.import_action.setObjectName("importKerasModel")
        self.import_action.triggered.connect(self._on_import_action)
        self.export_action = menu.addAction("Export Keras model…")
        self.export_action.setObjectName("exportKerasModel")
        self.export_action.triggered.connect(self._on_export_action)

        window.sessionChanged.connect(self.set_session)
        w = self.worker
        w.imported.connect(self._on_imported)
        w.importFailed.connect(self._on_import_failed)
        w.exported.connect(self._on_exported)
        w.exportFailed.connect(self._on_export_failed)
        w.crashed.connect(self._on_crashed)
        w.restarted.connect(self._on_restarted)
        w.ready.connect(self._on_ready)
        self.set_session(getattr(window, "session", None))

    # ------------------------------------------------------------------ session and window
    @property
    def session(self):
        """The window's current session."""
        return getattr(self.window, "session", None)

    @property
    def code_panel(self) -> CodePanel:
        """The Code panel (built now if it has not been shown yet)."""
        return panel_of(self.docks["Code"])

    @property
    def training_panel(self) -> TrainingPanel:
        """The Training panel (built now if it has not been shown yet)."""
        return panel_of(self.docks["Training"])

    @property
    def step_panel(self):
        """The Step through panel (built now if it has not been shown yet)."""
        return panel_of(self.docks["Step through"])

    def _make_code_panel(self) -> CodePanel:
        from editor.panels.code_panel import CodePanel

        panel = CodePanel(save_dialog=self._code_save_dialog)
        panel.set_session(self.session)
        return panel

    def _make_training_panel(self) -> TrainingPanel:
        from editor.panels.training_panel import TrainingPanel

        panel = TrainingPanel(self.worker, select_nodes=self.select_nodes, weights=self.weights)
        panel.set_session(self.session)
        return panel

    @property
    def predict_panel(self):
        """The Evaluate / Predict panel (built now if it has not been shown yet)."""
        return panel_of(self.docks["Evaluate / Predict"])

    def _make_predict_panel(self):
        from editor.panels.predict_panel import PredictPanel  # issue 14: evaluate / predict

        panel = PredictPanel(self.worker, self.weights)
        panel.set_session(self.session)
        return panel

    def _make_step_panel(self):
        from editor.panels.step_panel import StepPanel  # issue 15: step through the forward pass

        window = self.window
        panel = StepPanel(self.worker, select_nodes=self.select_nodes,
                          scene=lambda: getattr(window, "current_scene", lambda: None)())
        panel.set_session(self.session)
        return panel

    def set_session(self, session) -> None:
        """Point the panels at ``session`` (those not built yet get it when they are)."""
        for dock in self.docks.values():
            if is_built(dock):
                dock.panel.set_session(session)

    def _on_weights_changed(self) -> None:
        if self.weights.state == "stale":  # never dropped silently: say so where it is seen first
            self.show_status(self.weights.message, 20000)

    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        """Show ``text`` in the window's status bar."""
        show = getattr(self.window, "show_message", None)
        if callable(show):
            show(text, timeout_ms)
        elif hasattr(self.window, "statusBar"):
            self.window.statusBar().showMessage(text, timeout_ms)

    def select_nodes(self, node_ids: list, path: tuple = ()) -> None:
        """Select and reveal nodes of the document at ``path`` (nested Model layer ids) on the canvas."""
        tabs = getattr(self.window, "tabs", None)
        if tabs is not None and hasattr(tabs, "show_nodes"):
            tabs.show_nodes(tuple(path), list(node_ids))
            return
        current = getattr(self.window, "current_scene", None)
        scene = current() if callable(current) else None
        if scene is not None and hasattr(scene, "select_nodes"):
            scene.select_nodes(list(node_ids))

    def _default_open_document(self, document, title: str) -> None:
        """Show ``document`` as a new unsaved document in the window (replacing the current one)."""
        from editor.session import DocumentSession

        files = getattr(self.window, "files", None)
        if files is not None and hasattr(files, "discard_recovery"):
            files.discard_recovery()
        self.window.set_session(DocumentSession(document))

    def _code_save_dialog(self, *args) -> str:
        return self.save_dialog(*args)

    def _on_import_action(self, _checked: bool = False) -> None:
        self.import_model()

    def _on_export_action(self, _checked: bool = False) -> None:
        self.export_model()

    def _on_crashed(self, notice: str) -> None:
        self.show_status(notice, 20000)

    def _on_restarted(self) -> None:
        self.show_status("Keras worker restarted; loading TensorFlow…", 10000)

    def _on_ready(self) -> None:
        if not self._announced_ready:
            self._announced_ready = True
            keras = self.worker.versions.get("keras")
            self.show_status(f"Keras {keras} ready" if keras else "Keras worker ready", 3000)
        else:
            self.show_status("Keras worker ready again", 4000)

    # ------------------------------------------------------------------ import
    def import_model(self, path: str | None = None) -> int | None:
        """File › Import Keras model…: ask for a file (unless given) and import it in the worker.

        Unsaved changes are offered for saving first (as File › Open does); the imported model
        then replaces the current document as a new unsaved one, laid out automatically.

        Returns:
            The request id, or None when no file was chosen.
        """
        files = getattr(self.window, "files", None)
        if files is not None and hasattr(files, "maybe_save") and not files.maybe_save():
            return None
        if path is None:
            path = self.open_dialog(self.window, "Import Keras model", "", IMPORT_FILTER)
            if not path:
                return None
        self._import_id = self.worker.request_import(path)
        self.show_status(f"Importing {os.path.basename(path)}…", 0)
        return self._import_id

    def _on_imported(self, data: dict, path: str) -> None:
        from graph_core.errors import LoomFormatError
        from graph_core.layout import auto_layout_edit
        from graph_core.loom_format import document_from_dict

        self._import_id = None
        try:
            document = document_from_dict(data, default_name=os.path.splitext(os.path.basename(path))[0])
        except LoomFormatError as exc:
            self.message_box(self.window, "Import failed", f"{path}: the imported model is malformed: {exc}")
            return
        if document.nodes:
            document.apply(auto_layout_edit(document))
        self.open_document(document, os.path.basename(path))
        self.show_status(f"Imported {os.path.basename(path)} as a new unsaved document", 6000)
        self.documentImported.emit(document, path)

    def _on_import_failed(self, message: str) -> None:
        self._import_id = None
        details = self.worker.last_import_failure or {}
        title = "Import refused" if details.get("refused") else "Import failed"
        self.show_status(title, 5000)
        self.message_box(self.window, title, message)

    # ------------------------------------------------------------------ export
    def export_model(self, path: str | None = None) -> int | None:
        """File › Export Keras model…: build the current document in the worker and save a ``.keras``.

        Returns:
            The request id, or None (no document, invalid document, or no file chosen).
        """
        session = self.session
        if session is None:
            return None
        doc = session.document
        result = session.result()
        if not result.valid:
            first = result.errors[0]
            self.message_box(self.window, "Cannot export", f"The model has {len(result.errors)} "
                             f"error{'s' if len(result.errors) != 1 else ''}; first: {first.message}")
            return None
        if path is None:
            path = self.save_dialog(self.window, "Export Keras model", f"{file_slug(doc.name)}.keras", EXPORT_FILTER)
            if not path:
                return None
        if not path.endswith(".keras"):
            path += ".keras"
        self._export_id = self.worker.request_export_keras(doc, path)
        self.show_status(f"Exporting {os.path.basename(path)}…", 0)
        return self._export_id

    def _on_exported(self, path: str) -> None:
        self._export_id = None
        self.show_status(f"Exported {path}", 6000)

    def _on_export_failed(self, message: str) -> None:
        self._export_id = None
        self.show_status("Export failed", 5000)
        self.message_box(self.window, "Export failed", message)

    # ------------------------------------------------------------------ end
    def shutdown(self) -> None:
        """Stop the worker process (also done automatically when the application quits)."""
        self.worker.shutdown()


def attach(window, worker: KerasWorker | None = None) -> KerasIntegration:
    """Add Keras to a main window: worker, Summary/Code/Training panels, Import/Export actions.

    Args:
        window: the MainWindow (``add_panel``, ``file_menu``, ``session``, ``sessionChanged``,
            ``statusBar()``).
        worker: an existing worker to use (tests share one); a new one is started when None.

    Returns:
        The :class:`KerasIntegration` (keep it; it is also ``window.keras_integration``).
    """
    integration = KerasIntegration(window, worker)
    window.keras_integration = integration
    return integration
