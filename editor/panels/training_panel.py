"""The Training panel: compile settings, training data, fit options, Fit/Continue/Cancel, curves.

Settings are the document's own: editing them pushes ``SetSetting``/``SetOutput``/
``SetDataSection`` edits through the session, so they are undoable and stay in sync with the
inspector. The left side has three tabs: *Compile* (optimizer, learning rate, per-output loss,
weight and metrics), *Data* (:class:`editor.panels.data_source_form.DataSourceForm`: the sources,
the mapping of every model input and output, and its check against the files) and *Fit* (epochs,
batch size, validation split, early stopping, learning-rate schedule, best-weights checkpoint,
TensorBoard). "Fit" sends a snapshot of the document to the Keras worker, which trains it in its
own process on the mapped data (synthetic data when the document has no data section) and saves
the weights beside the project (:class:`editor.project_weights.ProjectWeights`); "Continue"
starts from those weights. Progress arrives per batch and epoch and is drawn by
:class:`editor.panels.fit_view.FitView` (train and validation curves per output), which shows the
summary at the end. "Cancel" stops the fit after its current batch.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from editor.panels.data_source_form import DataSourceForm
from editor.panels.fit_view import FitView
from editor.panels.output_table import NO_LOSS, OutputTable
from editor.panels.summary_panel import locate
from editor.project_weights import ProjectWeights
from editor.qt_signals import reconnect
from editor.settings_form import SettingsForm
from graph_core.file_limits import LARGE_MODEL_PARAMS
from graph_core.training_settings import FIT_OPTION_PARAMS

__all__ = ["NO_LOSS", "TrainingPanel"]


def _scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(widget)
    return scroll


class TrainingPanel(QWidget):
    """Training settings of the session's document, Fit/Continue/Cancel, progress, curves, summary.

    Args:
        worker: the :class:`editor.worker.client.KerasWorker`.
        dir_dialog: ``(parent, caption, start) -> folder or ""`` for the TensorBoard folder
            (default ``QFileDialog.getExistingDirectory``); injectable for tests.
        select_nodes: ``(node_ids, path)`` called by the "Show node" link of a failed fit.
        weights: the :class:`ProjectWeights` to use (one is made when None).
        file_dialog: ``(parent, caption, start, filters, folder) -> path or ""`` for the data
            form (see :class:`DataSourceForm`).

    Signals:
        fitStarted(int): the request id of a fit just started.
        fitEnded(object): the worker's ``fit_done`` reply, or ``{"failed": message}``.
    """

    fitStarted = Signal(int)
    fitEnded = Signal(object)

    def __init__(self, worker, parent: QWidget | None = None, *, dir_dialog: Callable | None = None,
                 select_nodes: Callable | None = None, weights: ProjectWeights | None = None,
                 file_dialog: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.worker = worker
        self.session = None
        self.dir_dialog = dir_dialog or _default_dir_dialog
        self.select_nodes = select_nodes
        self.weights = weights or ProjectWeights(worker, self)
        self._fit_id: int | None = None
        self._fit_request: dict = {}
        self._error_nodes: list = []
        self._error_path: tuple = ()
        self._allow_large = None  # the document the user agreed to train above the size threshold
        self._names: list = []

        # compile
        self.compile_form = SettingsForm("compile", self._push)
        self.compile_form.problem.connect(lambda message: self._set_status(message, error=True))
        self.optimizer = self.compile_form.editor("optimizer").widget
        self.learning_rate = self.compile_form.editor("learning_rate").widget
        self.outputs = OutputTable(self._push)
        compile_page = QWidget()
        compile_layout = QVBoxLayout(compile_page)
        compile_layout.addWidget(self.compile_form)
        compile_layout.addWidget(self.outputs, 1)

        # data
        self.data_form = DataSourceForm(worker, self._push, file_dialog=file_dialog)
        self.data_form.checkChanged.connect(self._update_buttons)

        # fit
        self.fit_form = SettingsForm("fit", self._push, columns=2)
        self.fit_form.problem.connect(lambda message: self._set_status(message, error=True))
        self.epochs, self.batch_size, self.samples, self.seed = (
            self.fit_form.editor(name).widget for name in ("epochs", "batch_size", "samples", "seed"))
        self.options_form = SettingsForm("fit", self._push, columns=2, params=FIT_OPTION_PARAMS)
        self.options_form.problem.connect(lambda message: self._set_status(message, error=True))
        self.tensorboard_dir = QLineEdit()
        self.tensorboard_dir.setPlaceholderText("optional: a folder for TensorBoard logs")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_tensorboard)
        board_row = QHBoxLayout()
        board_row.addWidget(self.tensorboard_dir, 1)
        board_row.addWidget(browse)
        fit_page = QWidget()
        fit_layout = QFormLayout(fit_page)
        fit_layout.addRow(self.fit_form)
        fit_layout.addRow(self.options_form)
        fit_layout.addRow("TensorBoard", board_row)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("trainingTabs")
        self.tabs.addTab(_scrolled(compile_page), "Compile")
        self.tabs.addTab(_scrolled(self.data_form), "Data")
        self.tabs.addTab(_scrolled(fit_page), "Fit")
        self.tabs.setMinimumWidth(540)

        # run
        self.run_button = QPushButton("Fit")
        self.run_button.setObjectName("runFit")
        self.run_button.setToolTip("Train from a fresh initialisation")
        self.run_button.clicked.connect(lambda: self.run())
        self.continue_button = QPushButton("Continue")
        self.continue_button.setObjectName("continueFit")
        self.continue_button.setToolTip("Train further, starting from the weights saved beside the project")
        self.continue_button.clicked.connect(lambda: self.run(continue_training=True))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelFit")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.progress.setTextVisible(True)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.continue_button, self.cancel_button):
            buttons.addWidget(button)
        self.status = QLabel("")
        self.status.setObjectName("trainingStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.linkActivated.connect(self._on_status_link)
        self.weights_label = QLabel("")
        self.weights_label.setObjectName("weightsStatus")
        self.weights_label.setWordWrap(True)
        self.weights_label.setTextFormat(Qt.TextFormat.RichText)
        run_column = QVBoxLayout()
        run_column.addLayout(buttons)
        run_column.addWidget(self.progress)
        run_column.addWidget(self.status)
        run_column.addWidget(self.weights_label)
        run_column.addStretch(1)
        run_box = QWidget()
        run_box.setLayout(run_column)
        run_box.setFixedWidth(210)

        self.fit_view = FitView()
        self.chart = self.fit_view.chart
        self.results = self.fit_view.summary
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 0)
        layout.addWidget(run_box, 0)
        layout.addWidget(self.fit_view, 1)

        worker.fitProgress.connect(self._on_progress)
        worker.fitFinished.connect(self._on_finished)
        worker.fitFailed.connect(self._on_failed)
        worker.fitCancelling.connect(self._on_cancelling)
        self.weights.changed.connect(self._show_weights)
        self._update_buttons()

    # ------------------------------------------------------------------ session
    @property
    def output_rows(self) -> list:
        """Per model output, its ``(loss, weight, metrics)`` widgets."""
        return self.outputs.rows

    def set_session(self, session) -> None:
        """Follow ``session`` (a DocumentSession, or None)."""
        reconnect(self.session, session, {"changed": self._on_changed})
        if session is not self.session:
            self._forget_results()  # another document: the last fit's curves are not its own
        self.session = session
        self.weights.set_session(session)
        self.data_form.set_session(session)
        self.sync_from_document()
        self._update_buttons()

    def _forget_results(self) -> None:
        """Stop following a running fit and clear its curves, results and status."""
        if self._fit_id is not None:
            self.worker.cancel_fit(self._fit_id)
            self._fit_id = None
        self.fit_view.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._error_path, self._error_nodes = (), []
        self.status.setText("")

    def _on_changed(self, doc, event) -> None:
        if self.session is not None and doc is self.session.document and event.kind != "position":
            self.sync_from_document()

    def sync_from_document(self) -> None:
        """Show the document's settings and outputs (no edit is pushed)."""
        session = self.session
        for widget in (self.compile_form, self.outputs, self.fit_form, self.options_form):
            widget.setEnabled(session is not None)
        doc = session.document if session is not None else None
        self.outputs.sync(doc)
        if doc is not None:
            self.compile_form.sync(doc)
            self.fit_form.sync(doc)
            self.options_form.sync(doc)
        self._update_buttons()

    # ------------------------------------------------------------------ edits
    def _push(self, edit) -> bool:
        if self.session is None:
            return False
        return self.session.push(edit)

    def _browse_tensorboard(self) -> None:
        folder = self.dir_dialog(self, "TensorBoard log folder", self.tensorboard_dir.text())
        if folder:
            self.tensorboard_dir.setText(folder)

    # ------------------------------------------------------------------ run
    @property
    def running(self) -> bool:
        """True while a fit started here runs."""
        return self._fit_id is not None

    def run(self, continue_training: bool = False) -> int | None:
        """Start a fit of the current document; returns the request id (None when refused).

        Args:
            continue_training: start from the weights saved beside the project (they must match
                the model) instead of a fresh initialisation.
        """
        if self.session is None or self._fit_id is not None:
            return None
        doc = self.session.document
        result = self.session.result()
        self._error_nodes = []
        if not result.valid:
            first = result.errors[0]
            self._error_path, self._error_nodes = (), [n for n in first.node_ids[:1] if n in doc.nodes]
            self._set_status(f"Cannot train: {first.message}", error=True, link=bool(self._error_nodes))
            return None
        if not any(out.loss for out in doc.outputs):
            self._set_status("Choose a loss for at least one output first.", error=True)
            return None
        blocked = self.data_form.blocking_problem()
        if blocked:
            self.tabs.setCurrentIndex(1)
            self._set_status(f"Cannot train yet: {blocked}", error=True)
            return None
        if continue_training and not self.weights.usable:
            self._set_status(f"Cannot continue: {self.weights.message or 'no saved weights'}", error=True)
            return None
        # the document's "continue training" option: start from the saved weights when they fit
        continue_training = continue_training or (bool(doc.fit.get("continue_training")) and self.weights.usable)
        large = {"allow_large": True} if self._allow_large is doc else {}
        if not large and result.total > LARGE_MODEL_PARAMS:  # issue 12: ask before Keras allocates
            self._set_status(f"The model has {result.total:,} parameters (about {result.total * 4 / 1024 ** 3:.1f} "
                             f"GB of weights).", error=True, ask_large=True)
            return None
        previous = (self.fit_view.history if continue_training else None) or None
        self.fit_view.start([doc.layer_of(out.node).name for out in doc.outputs], previous)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        board = self.tensorboard_dir.text().strip() or None
        weights_out = self.weights.target_path()
        initial = self.weights.path if continue_training else None
        self._fit_id = self.worker.request_fit(
            doc, doc.revision, tensorboard_dir=board, project_file=self.session.path, weights_out=weights_out,
            initial_weights=initial, **large)
        self._fit_request = {"weights_out": weights_out, "previous": previous,
                             "epochs": int(doc.fit.get("epochs") or 1),
                             "offset": max((len(v) for v in (previous or {}).values()), default=0)}
        self._names = [doc.layer_of(out.node).name for out in doc.outputs]
        self._update_buttons()
        self._set_status("Training…" if self.worker.is_ready else "Waiting for the Keras worker to start…")
        self.fitStarted.emit(self._fit_id)
        return self._fit_id

    def cancel(self) -> None:
        """Ask the running fit to stop after its current batch."""
        if self._fit_id is None:
            return
        self.worker.cancel_fit(self._fit_id)
        self.cancel_button.setEnabled(False)
        self._set_status("Cancelling after the current batch…")

    def _update_buttons(self, *_args) -> None:
        running = self._fit_id is not None
        idle = not running and self.session is not None
        blocked = self.data_form.blocking_problem() if self.session is not None else ""
        self.run_button.setEnabled(idle and not blocked)
        self.run_button.setToolTip(blocked or "Train from a fresh initialisation")
        self.continue_button.setEnabled(idle and not blocked and self.weights.usable)
        self.continue_button.setToolTip(
            "Train further, starting from the weights saved beside the project" if self.weights.usable
            else (self.weights.message or "No saved weights to continue from"))
        self.cancel_button.setEnabled(running)

    def _on_progress(self, message: dict) -> None:
        if message.get("id") != self._fit_id:
            return
        offset = self._fit_request.get("offset", 0)
        epoch, epochs = int(message.get("epoch") or 0), int(message.get("epochs") or 1)
        batches = int(message.get("batches") or 1)
        if message.get("phase") == "batch":
            batch = int(message.get("batch") or 0)
            self.progress.setRange(0, epochs * batches)
            self.progress.setValue(min(epochs * batches, epoch * batches + batch + 1))
            self.progress.setFormat(f"epoch {epoch + 1}/{epochs} · batch {batch + 1}/{batches}")
            self.fit_view.add_batch(message, offset)
        else:
            self.fit_view.add_epoch(message)
            if self.status.text().startswith("Waiting") or self.status.text() == "":
                self._set_status("Training…")

    def _on_cancelling(self, message: dict) -> None:
        if message.get("target") == self._fit_id and message.get("running"):
            self._set_status("Cancelling after the current batch…")

    def _on_finished(self, message: dict) -> None:
        if message.get("id") != self._fit_id:
            return
        self._fit_id = None
        saved = str(message.get("weights") or "")
        if saved:
            self.weights.saved(saved)
        self.fit_view.finish(message, epochs_asked=self._fit_request.get("epochs"), weights_path=saved,
                             previous=self._fit_request.get("previous"))
        self._update_buttons()
        seconds = message.get("seconds")
        took = f" in {seconds:.1f} s" if isinstance(seconds, (int, float)) else ""
        if message.get("cancelled"):
            where = ""
            if message.get("last_batch") is not None:
                batch, epoch = int(message["last_batch"]) + 1, int(message.get("last_epoch") or 0) + 1
                where = f" after batch {batch} of epoch {epoch}"
            self._set_status(f"Cancelled{where}{took}.")
        else:
            self.progress.setValue(self.progress.maximum())
            board = f" TensorBoard logs: {message['tensorboard_dir']}" if message.get("tensorboard_dir") else ""
            notes = "".join(f" Note: {note}." for note in message.get("notes") or ())
            self._set_status(f"Finished{took}.{board}{notes}")
        self.fitEnded.emit(message)

    def _on_failed(self, text: str) -> None:
        if self._fit_id is None:
            return
        self._fit_id = None
        self._update_buttons()
        self.progress.setFormat("failed")
        details = getattr(self.worker, "last_fit_failure", {}) or {}
        self._error_path, self._error_nodes = (), []
        if self.session is not None:
            self._error_path, self._error_nodes = locate(self.session.document, details.get("node_id"),
                                                         details.get("layer_name"))
        self._set_status(f"Training failed: {text}", error=True, link=bool(self._error_nodes))
        self.fitEnded.emit({"failed": text})

    # ------------------------------------------------------------------ status
    def _show_weights(self) -> None:
        text = html.escape(self.weights.message)
        colour = {"stale": "#b00020", "missing": "#64748b", "checking": "#64748b", "unchecked": "#b45309"}.get(
            self.weights.state, "#15803d")
        self.weights_label.setText(f'<span style="color:{colour}">{text}</span>' if text else "")
        self._update_buttons()

    def _set_status(self, message: str, error: bool = False, link: bool = False, ask_large: bool = False) -> None:
        body = html.escape(message)
        if link:
            body += ' &nbsp;<a href="node:show">Show node</a>'
        if ask_large:
            body += ' &nbsp;<a href="size:allow">Train it anyway</a>'
        self.status.setText(f'<span style="color:#b00020">{body}</span>' if error else body)

    def _on_status_link(self, href: str) -> None:
        if href == "size:allow" and self.session is not None:
            self._allow_large = self.session.document  # agreed for this document only
            self.run()
            return
        self.show_error_node()

    def show_error_node(self, *_args) -> None:
        """Select the node of the last error on the canvas."""
        if self._error_nodes and self.select_nodes is not None:
            self.select_nodes(list(self._error_nodes), tuple(self._error_path))


def _default_dir_dialog(parent, caption: str, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, caption, start)
