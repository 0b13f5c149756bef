"""The Training panel: compile and fit settings, Run/Cancel, progress and live loss curves.

The compile settings (optimizer, learning rate, per-output loss, loss weight and metrics) and the
fit settings (epochs, batch size, samples, seed) are the document's own: editing them pushes
``SetSetting``/``SetOutput`` edits through the session, so they are undoable and stay in sync
with the inspector, which shows the same :class:`editor.settings_form.SettingsForm`. "Run" sends
a snapshot of the document to the Keras worker, which fits it on synthetic data in its own
process; progress arrives per batch (throttled by the worker) and the loss curves are drawn by
:class:`editor.panels.loss_chart.LossChart`, whose repaints are coalesced. "Cancel" stops the fit
after its current batch.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from editor.panels.loss_chart import TOTAL, LossChart
from editor.panels.summary_panel import locate
from editor.qt_signals import reconnect
from editor.settings_form import SettingsForm
from graph_core.edits import SetOutput
from graph_core.file_limits import LARGE_MODEL_PARAMS
from graph_core.losses import LOSSES

NO_LOSS = "(none)"


class TrainingPanel(QWidget):
    """Compile/fit settings of the session's document, Run/Cancel, progress, loss curves, results.

    Args:
        worker: the :class:`editor.worker.client.KerasWorker`.
        dir_dialog: ``(parent, caption, start) -> folder or ""`` for the TensorBoard folder
            (default ``QFileDialog.getExistingDirectory``); injectable for tests.
        select_nodes: ``(node_ids, path)`` called by the "Show node" link of a failed fit
            (see :class:`editor.panels.summary_panel.SummaryPanel`).

    Signals:
        fitStarted(int): the request id of a fit just started.
        fitEnded(object): the worker's ``fit_done`` reply, or ``{"failed": message}``.
    """

    fitStarted = Signal(int)
    fitEnded = Signal(object)

    def __init__(self, worker, parent: QWidget | None = None, *, dir_dialog: Callable | None = None,
                 select_nodes: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.worker = worker
        self.session = None
        self.dir_dialog = dir_dialog or _default_dir_dialog
        self.select_nodes = select_nodes
        self._syncing = False
        self._fit_id: int | None = None
        self._error_nodes: list = []
        self._error_path: tuple = ()
        self._output_rows: list = []  # per output: (loss combo, weight spin, metrics edit)

        # compile settings
        self.compile_form = SettingsForm("compile", self._push)
        self.compile_form.problem.connect(lambda message: self._set_status(message, error=True))
        self.optimizer = self.compile_form.editor("optimizer").widget
        self.learning_rate = self.compile_form.editor("learning_rate").widget
        self.outputs = QTableWidget(0, 4)
        self.outputs.setHorizontalHeaderLabels(["Output", "Loss", "Weight", "Metrics"])
        self.outputs.verticalHeader().setVisible(False)
        self.outputs.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.outputs.horizontalHeader().setStretchLastSection(True)
        self.outputs.setMaximumHeight(130)
        compile_box = QGroupBox("Compile")
        compile_box.setMinimumWidth(440)
        form = QFormLayout(compile_box)
        form.addRow(self.compile_form)
        form.addRow(self.outputs)

        # fit settings
        self.fit_form = SettingsForm("fit", self._push, columns=2)
        self.fit_form.problem.connect(lambda message: self._set_status(message, error=True))
        self.epochs, self.batch_size, self.samples, self.seed = (
            self.fit_form.editor(name).widget for name in ("epochs", "batch_size", "samples", "seed"))
        self.tensorboard_dir = QLineEdit()
        self.tensorboard_dir.setPlaceholderText("optional: a folder for TensorBoard logs")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_tensorboard)
        board_row = QHBoxLayout()
        board_row.addWidget(self.tensorboard_dir, 1)
        board_row.addWidget(browse)
        fit_box = QGroupBox("Fit on synthetic data")
        fit_form = QFormLayout(fit_box)
        fit_form.addRow(self.fit_form)
        fit_form.addRow("TensorBoard", board_row)

        # run
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runFit")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelFit")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.progress.setTextVisible(True)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress, 1)
        self.status = QLabel("")
        self.status.setObjectName("trainingStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.linkActivated.connect(self._on_status_link)
        self._allow_large = None  # the document the user agreed to train above the size threshold
        self.chart = LossChart()
        self.results = QLabel("")
        self.results.setObjectName("trainingResults")
        self.results.setWordWrap(True)
        self.results.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # settings on the left, the live curves on the right: the panel lives in the wide bottom area
        fit_column = QVBoxLayout()
        fit_column.addWidget(fit_box)
        fit_column.addLayout(run_row)
        fit_column.addWidget(self.status)
        fit_column.addStretch(1)
        curves = QVBoxLayout()
        curves.addWidget(self.chart, 1)
        curves.addWidget(self.results)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(compile_box, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(fit_column, 0)
        layout.addLayout(curves, 1)

        worker.fitProgress.connect(self._on_progress)
        worker.fitFinished.connect(self._on_finished)
        worker.fitFailed.connect(self._on_failed)
        worker.fitCancelling.connect(self._on_cancelling)
        self._set_running(False)

    # ------------------------------------------------------------------ session
    @property
    def output_rows(self) -> list:
        """Per model output, its ``(loss, weight, metrics)`` widgets."""
        return self._output_rows

    def set_session(self, session) -> None:
        """Follow ``session`` (a DocumentSession, or None)."""
        reconnect(self.session, session, {"changed": self._on_changed})
        if session is not self.session:
            self._forget_results()  # another document: the last fit's curves are not its own
        self.session = session
        self.sync_from_document()
        self._set_running(self._fit_id is not None)

    def _forget_results(self) -> None:
        """Stop following a running fit and clear its curves, results and status."""
        if self._fit_id is not None:
            self.worker.cancel_fit(self._fit_id)
            self._fit_id = None
        self.chart.clear()
        self.results.setText("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._error_path, self._error_nodes = (), []
        self.status.setText("")

    def _on_changed(self, doc, event) -> None:
        if self.session is not None and doc is self.session.document and event.kind != "position":
            self.sync_from_document()

    def sync_from_document(self) -> None:
        """Show the document's compile/fit settings and outputs (no edit is pushed)."""
        self._syncing = True
        try:
            session = self.session
            enabled = session is not None
            for widget in (self.compile_form, self.outputs, self.fit_form):
                widget.setEnabled(enabled)
            if session is None:
                self.outputs.setRowCount(0)
                self._output_rows = []
                return
            doc = session.document
            self.compile_form.sync(doc)
            self.fit_form.sync(doc)
            self._sync_outputs(doc)
        finally:
            self._syncing = False

    def _sync_outputs(self, doc) -> None:
        labels = [doc.node_label(out.node) + (f"[{out.index}]" if out.index else "") for out in doc.outputs]
        current = [self.outputs.item(r, 0).text() if self.outputs.item(r, 0) else "" for r in
                   range(self.outputs.rowCount())]
        if labels != current or len(self._output_rows) != len(labels):
            self._build_output_rows(labels)
        for row, out in enumerate(doc.outputs):
            loss, weight, metrics = self._output_rows[row]
            text = out.loss or NO_LOSS
            if loss.currentText() != text:
                loss.setCurrentText(text)
            if isinstance(out.loss_weight, (int, float)) and weight.value() != out.loss_weight:
                weight.setValue(float(out.loss_weight))
            shown = ", ".join(out.metrics)
            if metrics.text() != shown:
                metrics.setText(shown)

    def _build_output_rows(self, labels: list) -> None:
        from PySide6.QtWidgets import QTableWidgetItem

        self.outputs.setRowCount(len(labels))
        self._output_rows = []
        for row, label in enumerate(labels):
            item = QTableWidgetItem(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.outputs.setItem(row, 0, item)
            loss = QComboBox()
            loss.setEditable(True)
            loss.addItems((NO_LOSS,) + tuple(LOSSES))
            loss.setProperty("output_row", row)
            loss.lineEdit().setProperty("output_row", row)
            loss.activated.connect(self._on_loss_edited)
            loss.lineEdit().editingFinished.connect(self._on_loss_edited)
            weight = QDoubleSpinBox()
            weight.setRange(0.0, 1000.0)
            weight.setDecimals(3)
            weight.setSingleStep(0.1)
            weight.setKeyboardTracking(False)
            weight.setProperty("output_row", row)
            weight.valueChanged.connect(self._on_weight_edited)
            metrics = QLineEdit()
            metrics.setPlaceholderText("accuracy, mae…")
            metrics.setProperty("output_row", row)
            metrics.editingFinished.connect(self._on_metrics_edited)
            self.outputs.setCellWidget(row, 1, loss)
            self.outputs.setCellWidget(row, 2, weight)
            self.outputs.setCellWidget(row, 3, metrics)
            self._output_rows.append((loss, weight, metrics))

    # ------------------------------------------------------------------ edits
    def _push(self, edit) -> bool:
        if self._syncing or self.session is None:
            return False
        return self.session.push(edit)

    def _sender_row(self) -> int:
        sender = self.sender()
        row = sender.property("output_row") if sender is not None else None
        return int(row) if isinstance(row, int) else -1

    def _on_loss_edited(self, *_args) -> None:
        self._push_output(self._sender_row(), "loss")

    def _on_weight_edited(self, *_args) -> None:
        self._push_output(self._sender_row(), "loss_weight")

    def _on_metrics_edited(self, *_args) -> None:
        self._push_output(self._sender_row(), "metrics")

    def _push_output(self, row: int, field: str) -> None:
        if self._syncing or self.session is None or not 0 <= row < len(self._output_rows):
            return
        doc = self.session.document
        if row >= len(doc.outputs):
            return
        loss, weight, metrics = self._output_rows[row]
        out = doc.outputs[row]
        if field == "loss":
            text = loss.currentText().strip()
            value = None if text in ("", NO_LOSS) else text
            if value != out.loss:
                self._push(SetOutput(row, "loss", value))
        elif field == "loss_weight":
            value = float(weight.value())
            if value != out.loss_weight:
                self._push(SetOutput(row, "loss_weight", value))
        else:
            value = [m.strip() for m in metrics.text().split(",") if m.strip()]
            if value != list(out.metrics):
                self._push(SetOutput(row, "metrics", value))

    def _browse_tensorboard(self) -> None:
        folder = self.dir_dialog(self, "TensorBoard log folder", self.tensorboard_dir.text())
        if folder:
            self.tensorboard_dir.setText(folder)

    # ------------------------------------------------------------------ run
    @property
    def running(self) -> bool:
        """True while a fit started here runs."""
        return self._fit_id is not None

    def run(self) -> int | None:
        """Start a fit of the current document; returns the request id (None when refused)."""
        if self.session is None or self._fit_id is not None:
            return None
        doc = self.session.document
        result = self.session.result()
        if not result.valid:
            first = result.errors[0]
            self._error_path, self._error_nodes = (), [n for n in first.node_ids[:1] if n in doc.nodes]
            self._set_status(f"Cannot train: {first.message}", error=True, link=bool(self._error_nodes))
            return None
        if not any(out.loss for out in doc.outputs):
            self._error_nodes = []
            self._set_status("Choose a loss for at least one output first.", error=True)
            return None
        large = {"allow_large": True} if self._allow_large is doc else {}
        if not large and result.total > LARGE_MODEL_PARAMS:  # issue 12: ask before Keras allocates
            self._error_nodes = []
            self._set_status(f"The model has {result.total:,} parameters (about {result.total * 4 / 1024 ** 3:.1f} "
                             f"GB of weights).", error=True, ask_large=True)
            return None
        self._error_nodes = []
        self.chart.clear()
        self.results.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        board = self.tensorboard_dir.text().strip() or None
        self._fit_id = self.worker.request_fit(doc, doc.revision, tensorboard_dir=board, **large)
        self._names = [doc.layer_of(out.node).name for out in doc.outputs]
        self._set_running(True)
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

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and self.session is not None)
        self.cancel_button.setEnabled(running)

    def _on_progress(self, message: dict) -> None:
        if message.get("id") != self._fit_id:
            return
        epoch, epochs = int(message.get("epoch") or 0), int(message.get("epochs") or 1)
        batches = int(message.get("batches") or 1)
        if message.get("phase") == "batch":
            batch = int(message.get("batch") or 0)
            x = epoch + (batch + 1) / batches
            self.progress.setRange(0, epochs * batches)
            self.progress.setValue(min(epochs * batches, epoch * batches + batch + 1))
            self.progress.setFormat(f"epoch {epoch + 1}/{epochs} · batch {batch + 1}/{batches}")
            self.chart.add_point(TOTAL, x, message.get("loss"))
            losses = message.get("losses") or {}
            if len(losses) > 1:
                for name, value in losses.items():
                    self.chart.add_point(f"{name} loss", x, value)
        elif self.status.text().startswith("Waiting") or self.status.text() == "":
            self._set_status("Training…")

    def _on_cancelling(self, message: dict) -> None:
        if message.get("target") == self._fit_id and message.get("running"):
            self._set_status("Cancelling after the current batch…")

    def _on_finished(self, message: dict) -> None:
        if message.get("id") != self._fit_id:
            return
        self._fit_id = None
        self._set_running(False)
        final = message.get("final") or {}
        parts = [f"{key} {value:.4g}" for key, value in sorted(final.items(), key=lambda kv: (kv[0] != TOTAL, kv[0]))
                 if isinstance(value, (int, float))]
        self.results.setText("Final: " + ", ".join(parts) if parts else "")
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
        self._set_running(False)
        self.progress.setFormat("failed")
        details = getattr(self.worker, "last_fit_failure", {}) or {}
        self._error_path, self._error_nodes = (), []
        if self.session is not None:
            self._error_path, self._error_nodes = locate(self.session.document, details.get("node_id"),
                                                         details.get("layer_name"))
        self._set_status(f"Training failed: {text}", error=True, link=bool(self._error_nodes))
        self.fitEnded.emit({"failed": text})

    # ------------------------------------------------------------------ status
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
