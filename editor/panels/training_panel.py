"""The Training panel: compile and fit settings, Run/Cancel, progress and live loss curves.

The compile settings (optimizer, learning rate, per-output loss, loss weight and metrics) and the
fit settings (epochs, batch size, samples, seed) are the document's own: editing them pushes
``SetSetting``/``SetOutput`` edits through the session, so they are undoable and stay in sync
with the inspector. "Run" sends a snapshot of the document to the Keras worker, which fits it on
synthetic data in its own process; progress arrives per batch (throttled by the worker) and the
loss curves are drawn by :class:`LossChart`, a small QPainter widget whose repaints are
coalesced. "Cancel" stops the fit after its current batch.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen, QPolygonF
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
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from editor.panels.summary_panel import locate
from editor.qt_signals import reconnect
from graph_core.edits import SetOutput, SetSetting
from graph_core.losses import LOSSES

OPTIMIZERS = ("rmsprop", "adam", "adamw", "sgd", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "lion")
NO_LOSS = "(none)"
TOTAL = "loss"


class LossChart(QWidget):
    """Loss curves: one polyline per series over fractional epochs, with axes and a legend.

    Points are appended as batches finish; the widget repaints at most once per
    ``repaint_ms`` however many points arrive (coalesced with a single-shot timer).

    Attributes:
        points_received: points accepted since the last :meth:`clear`.
        paints: how many times the chart was painted.
    """

    COLORS = ("#202020", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
              "#17becf", "#bcbd22")

    def __init__(self, parent: QWidget | None = None, repaint_ms: int = 100):
        super().__init__(parent)
        self.setObjectName("LossChart")
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._series: dict[str, list] = {}
        self._colors: dict[str, QColor] = {}
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(repaint_ms)
        self._repaint.timeout.connect(self.update)
        self.points_received = 0
        self.paints = 0
        self.x_label = "epoch"

    def sizeHint(self) -> QSize:
        return QSize(360, 200)

    def clear(self) -> None:
        """Remove every series."""
        self._series.clear()
        self._colors.clear()
        self.points_received = 0
        self.update()

    def series(self) -> dict:
        """``{name: [(x, y), …]}`` (copies)."""
        return {name: list(points) for name, points in self._series.items()}

    def add_point(self, name: str, x: float, y) -> bool:
        """Append a point to series ``name`` (created on first use); non-finite y is skipped."""
        if y is None:
            return False
        try:
            x, y = float(x), float(y)
        except (TypeError, ValueError):
            return False
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        points = self._series.get(name)
        if points is None:
            points = self._series[name] = []
            self._colors[name] = QColor(self.COLORS[(len(self._colors)) % len(self.COLORS)])
        if points and x < points[-1][0]:
            return False
        points.append((x, y))
        self.points_received += 1
        if not self._repaint.isActive():
            self._repaint.start()
        return True

    def plot_rects(self, metrics: QFontMetrics | None = None) -> tuple:
        """``(plot area, x-axis title rect)``: the title sits right of the plot, clear of the last
        tick label (which is centred on the plot's right edge)."""
        metrics = metrics or QFontMetrics(self.font())
        left = metrics.horizontalAdvance("0.0000") + 12
        bottom = metrics.height() + 10
        title_w = metrics.horizontalAdvance(self.x_label) + 4
        right = 20 + 4 + title_w + 4  # half a tick label, a gap, the title, a margin
        plot = QRectF(left, 8, max(10.0, self.width() - left - right), max(10.0, self.height() - bottom - 8))
        return plot, QRectF(plot.right() + 24, plot.bottom() + 3, title_w, metrics.height())

    def paintEvent(self, _event) -> None:
        self.paints += 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = QFontMetrics(self.font())
        text_color = self.palette().text().color()
        if not any(self._series.values()):
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loss curves appear here during a fit")
            painter.end()
            return
        xs = [x for pts in self._series.values() for x, _ in pts]
        ys = [y for pts in self._series.values() for _, y in pts]
        x_max = max(1.0, math.ceil(max(xs)))
        y_min, y_max = min(0.0, min(ys)), max(ys)
        if y_max <= y_min:
            y_max = y_min + 1.0
        y_max += (y_max - y_min) * 0.05
        left = metrics.horizontalAdvance("0.0000") + 12
        plot, x_label_rect = self.plot_rects(metrics)

        def to_screen(x: float, y: float) -> QPointF:
            return QPointF(plot.left() + x / x_max * plot.width(),
                           plot.bottom() - (y - y_min) / (y_max - y_min) * plot.height())

        axis_pen = QPen(text_color)
        axis_pen.setWidthF(1.0)
        grid_pen = QPen(QColor(text_color.red(), text_color.green(), text_color.blue(), 40))
        painter.setPen(axis_pen)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        for k in range(5):
            value = y_min + (y_max - y_min) * k / 4
            point = to_screen(0, value)
            painter.setPen(grid_pen)
            painter.drawLine(QPointF(plot.left(), point.y()), QPointF(plot.right(), point.y()))
            painter.setPen(axis_pen)
            label = f"{value:.3g}"
            painter.drawText(QRectF(0, point.y() - metrics.height() / 2, left - 6, metrics.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        step = max(1, int(math.ceil(x_max / 10)))
        for epoch in range(0, int(x_max) + 1, step):
            point = to_screen(epoch, y_min)
            painter.drawLine(point, QPointF(point.x(), point.y() + 3))
            painter.drawText(QRectF(point.x() - 20, point.y() + 3, 40, metrics.height()),
                             Qt.AlignmentFlag.AlignHCenter, str(epoch))
        painter.drawText(x_label_rect, Qt.AlignmentFlag.AlignLeft, self.x_label)
        width = max(1, int(plot.width()))
        for name, points in self._series.items():
            stride = max(1, len(points) // (2 * width))
            shown = points[::stride]
            if shown[-1] is not points[-1]:
                shown.append(points[-1])
            pen = QPen(self._colors[name])
            pen.setWidthF(2.0 if name == TOTAL else 1.4)
            painter.setPen(pen)
            if len(shown) == 1:
                painter.drawEllipse(to_screen(*shown[0]), 2, 2)
            else:
                painter.drawPolyline(QPolygonF([to_screen(x, y) for x, y in shown]))
        # legend, top right
        names = list(self._series)
        legend_w = max(metrics.horizontalAdvance(n) for n in names) + 30
        y = plot.top() + 4
        box = QRectF(plot.right() - legend_w - 4, y - 2, legend_w + 2, len(names) * metrics.height() + 4)
        painter.fillRect(box, QColor(self.palette().base().color().red(), self.palette().base().color().green(),
                                     self.palette().base().color().blue(), 210))
        for name in names:
            pen = QPen(self._colors[name])
            pen.setWidthF(2.0)
            painter.setPen(pen)
            x0 = box.left() + 4
            mid = y + metrics.height() / 2
            painter.drawLine(QPointF(x0, mid), QPointF(x0 + 16, mid))
            painter.setPen(text_color)
            painter.drawText(QPointF(x0 + 22, y + metrics.ascent()), name)
            y += metrics.height()
        painter.end()


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
        self.optimizer = QComboBox()
        self.optimizer.setEditable(True)
        self.optimizer.addItems(OPTIMIZERS)
        self.optimizer.activated.connect(self._push_optimizer)
        self.optimizer.lineEdit().editingFinished.connect(self._push_optimizer)
        self.learning_rate = QLineEdit()
        self.learning_rate.setPlaceholderText("0.001")
        self.learning_rate.editingFinished.connect(self._push_learning_rate)
        self.outputs = QTableWidget(0, 4)
        self.outputs.setHorizontalHeaderLabels(["Output", "Loss", "Weight", "Metrics"])
        self.outputs.verticalHeader().setVisible(False)
        self.outputs.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.outputs.horizontalHeader().setStretchLastSection(True)
        self.outputs.setMaximumHeight(130)
        compile_box = QGroupBox("Compile")
        compile_box.setMinimumWidth(440)
        form = QFormLayout(compile_box)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow(self.outputs)

        # fit settings
        self.epochs = self._spin(1, 100_000, "epochs")
        self.batch_size = self._spin(1, 1_000_000, "batch_size")
        self.samples = self._spin(1, 100_000_000, "samples")
        self.seed = self._spin(0, 2**31 - 1, "seed")
        self.tensorboard_dir = QLineEdit()
        self.tensorboard_dir.setPlaceholderText("optional: a folder for TensorBoard logs")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_tensorboard)
        board_row = QHBoxLayout()
        board_row.addWidget(self.tensorboard_dir, 1)
        board_row.addWidget(browse)
        fit_box = QGroupBox("Fit on synthetic data")
        fit_form = QFormLayout(fit_box)
        numbers = QHBoxLayout()
        for label, spin in (("Epochs", self.epochs), ("Batch", self.batch_size), ("Samples", self.samples),
                            ("Seed", self.seed)):
            numbers.addWidget(QLabel(label))
            numbers.addWidget(spin, 1)
        fit_form.addRow(numbers)
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
        self.status.linkActivated.connect(self.show_error_node)
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

    def _spin(self, low: int, high: int, key: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setKeyboardTracking(False)
        spin.setProperty("fit_key", key)
        spin.valueChanged.connect(self._on_fit_spin)
        return spin

    # ------------------------------------------------------------------ session
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
            for widget in (self.optimizer, self.learning_rate, self.outputs, self.epochs, self.batch_size,
                           self.samples, self.seed):
                widget.setEnabled(enabled)
            if session is None:
                self.outputs.setRowCount(0)
                self._output_rows = []
                return
            doc = session.document
            optimizer = str(doc.compile.get("optimizer", "rmsprop"))
            if self.optimizer.currentText() != optimizer:
                self.optimizer.setCurrentText(optimizer)
            rate = doc.compile.get("learning_rate", 0.001)
            if self._parse_rate(self.learning_rate.text()) != rate:
                self.learning_rate.setText(f"{rate:g}" if isinstance(rate, (int, float)) else str(rate))
            for key, spin in (("epochs", self.epochs), ("batch_size", self.batch_size), ("samples", self.samples),
                              ("seed", self.seed)):
                value = doc.fit.get(key)
                if isinstance(value, int) and spin.value() != value:
                    spin.setValue(value)
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

    def _push_optimizer(self, *_args) -> None:
        if self.session is None:
            return
        name = self.optimizer.currentText().strip()
        if name and name != self.session.document.compile.get("optimizer"):
            self._push(SetSetting("compile", "optimizer", name))

    @staticmethod
    def _parse_rate(text: str) -> float | None:
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) and value > 0 else None

    def _push_learning_rate(self) -> None:
        if self.session is None or self._syncing:
            return
        value = self._parse_rate(self.learning_rate.text().strip())
        if value is None:
            self._set_status("The learning rate must be a number greater than 0.", error=True)
            self.sync_from_document()
            return
        if value != self.session.document.compile.get("learning_rate"):
            self._push(SetSetting("compile", "learning_rate", value))

    def _on_fit_spin(self, value: int) -> None:
        key = self.sender().property("fit_key") if self.sender() is not None else None
        if key:
            self._push_fit(str(key), value)

    def _push_fit(self, key: str, value: int) -> None:
        if self.session is not None and self.session.document.fit.get(key) != value:
            self._push(SetSetting("fit", key, int(value)))

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
        self._error_nodes = []
        self.chart.clear()
        self.results.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        board = self.tensorboard_dir.text().strip() or None
        self._fit_id = self.worker.request_fit(doc, doc.revision, tensorboard_dir=board)
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
    def _set_status(self, message: str, error: bool = False, link: bool = False) -> None:
        body = html.escape(message)
        if link:
            body += ' &nbsp;<a href="node:show">Show node</a>'
        self.status.setText(f'<span style="color:#b00020">{body}</span>' if error else body)

    def show_error_node(self, *_args) -> None:
        """Select the node of the last error on the canvas."""
        if self._error_nodes and self.select_nodes is not None:
            self.select_nodes(list(self._error_nodes), tuple(self._error_path))


def _default_dir_dialog(parent, caption: str, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, caption, start)
