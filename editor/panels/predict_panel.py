"""The Evaluate / Predict panel: the trained model on a data source, in the Keras worker.

*Evaluate* runs ``model.evaluate`` with the weights saved beside the project on the chosen data
(the project's training data, its validation source, or another file or folder) and shows the
loss and metrics of every output. *Predict* runs the model on the first few samples and shows a
table: each input (a picture for images, the values otherwise) and each output (its values, or
the top classes with their probabilities for a classifier). Both run in the worker process, so
the window stays responsive; a second request waits for the first to end.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.panels.sample_view import image_pixmap, input_text, output_text
from editor.qt_signals import reconnect
from graph_core.data_sources import data_section

THUMBNAIL = 44
"""Side of an input picture in the prediction table (pixels)."""

TRAINING, VALIDATION, OTHER = "train", "validation", "other"


def _default_path_dialog(parent, caption: str, start: str) -> str:
    path, _selected = QFileDialog.getOpenFileName(parent, caption, start,
                                                  "Data (*.npz *.npy *.csv);;All files (*)")
    return path


class PredictPanel(QWidget):
    """Evaluate and Predict with the project's trained weights.

    Args:
        worker: the Keras worker (``request_evaluate``/``request_predict`` and their signals).
        weights: the :class:`editor.project_weights.ProjectWeights` shared with the training panel.
        path_dialog: ``(parent, caption, start) -> path or ""`` for "another file…"; injectable.

    Signals:
        finished(object): the ``evaluated``/``predicted`` reply, or ``{"failed": message}``.
    """

    finished = Signal(object)

    def __init__(self, worker, weights, parent: QWidget | None = None, *, path_dialog: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("PredictPanel")
        self.worker = worker
        self.weights = weights
        self.path_dialog = path_dialog or _default_path_dialog
        self.session = None
        self.other_path = ""
        self._request: tuple | None = None  # (kind, id)
        self.last_reply: dict = {}

        self.source = QComboBox()
        self.source.setObjectName("predictSource")
        self.source.activated.connect(self._on_source)
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.clicked.connect(lambda: self.evaluate())
        self.predict_button = QPushButton("Predict")
        self.predict_button.setObjectName("predictButton")
        self.predict_button.clicked.connect(lambda: self.predict())
        self.count = QSpinBox()
        self.count.setRange(1, 64)
        self.count.setValue(8)
        self.count.setSuffix(" samples")
        top = QHBoxLayout()
        top.addWidget(QLabel("Data"))
        top.addWidget(self.source, 1)
        top.addWidget(self.evaluate_button)
        top.addWidget(self.predict_button)
        top.addWidget(self.count)
        self.status = QLabel("")
        self.status.setObjectName("predictStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("predictTable")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)

        worker.evaluated.connect(self._on_evaluated)
        worker.evaluateFailed.connect(self._on_failed)
        worker.predicted.connect(self._on_predicted)
        worker.predictFailed.connect(self._on_failed)
        weights.changed.connect(self._update)
        self._update()

    # ------------------------------------------------------------------ session
    def set_session(self, session) -> None:
        """Follow ``session``."""
        reconnect(self.session, session, {"changed": self._on_changed})
        if session is not self.session:
            self._request = None
            self.other_path = ""
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            self.last_reply = {}
        self.session = session
        self._fill_sources()
        self._update()

    def _on_changed(self, doc, event) -> None:
        if self.session is not None and doc is self.session.document and event.kind == "settings":
            self._fill_sources()

    def _fill_sources(self) -> None:
        current = self.source.currentData()
        self.source.clear()
        doc = self.session.document if self.session is not None else None
        section = data_section(doc) if doc is not None else None
        self.source.addItem("the project's training data" if section else "synthetic data (no data section)",
                            TRAINING)
        if section is not None and section.validation:
            self.source.addItem("the validation source", VALIDATION)
        self.source.addItem(f"file: {os.path.basename(self.other_path)}" if self.other_path else "another file…",
                            OTHER)
        index = self.source.findData(current)
        self.source.setCurrentIndex(index if index >= 0 else 0)

    def _on_source(self, index: int) -> None:
        if self.source.itemData(index) == OTHER:
            start = os.path.dirname(self.session.path) if self.session is not None and self.session.path else ""
            path = self.path_dialog(self, "Data to evaluate or predict on", start)
            if path:
                self.other_path = path
            self._fill_sources()
            if not self.other_path:
                self.source.setCurrentIndex(0)

    def _update(self) -> None:
        busy = self._request is not None
        ready = self.session is not None and self.weights.usable and not busy
        for button in (self.evaluate_button, self.predict_button):
            button.setEnabled(ready)
            button.setToolTip("" if self.weights.usable else (self.weights.message or "Train the model first"))
        if not busy and not self.weights.usable and self.session is not None:
            self._set_status(self.weights.message or "Train the model first: no weights are saved beside the project.",
                             error=self.weights.state == "stale")

    # ------------------------------------------------------------------ requests
    def _paths(self) -> dict | None:
        choice = self.source.currentData()
        if choice == OTHER and self.other_path:
            return {None: self.other_path}
        if choice == VALIDATION:
            section = data_section(self.session.document)
            return {train: _resolved(section.source(val).path, self.session.path)
                    for train, val in section.validation.items()}
        return None

    def evaluate(self) -> int | None:
        """Evaluate the trained model on the chosen data; returns the request id (None when refused)."""
        return self._send("evaluate")

    def predict(self) -> int | None:
        """Predict the first samples of the chosen data; returns the request id (None when refused)."""
        return self._send("predict")

    def _send(self, kind: str) -> int | None:
        if self.session is None or self._request is not None or not self.weights.usable:
            return None
        doc = self.session.document
        common = dict(project_file=self.session.path, weights=self.weights.path, paths=self._paths())
        if kind == "evaluate":
            request_id = self.worker.request_evaluate(doc, **common)
        else:
            request_id = self.worker.request_predict(doc, preview=self.count.value(), **common)
        self._request = (kind, request_id)
        self._set_status(("Evaluating" if kind == "evaluate" else "Predicting") + " in the Keras worker…")
        self._update()
        return request_id

    def _take(self, message: dict | None, kind: str) -> bool:
        if self._request is None or self._request[0] != kind or (
                message is not None and message.get("id") != self._request[1]):
            return False
        self._request = None
        self._update()
        return True

    # ------------------------------------------------------------------ replies
    def _on_evaluated(self, message: dict) -> None:
        if not self._take(message, "evaluate"):
            return
        self.last_reply = message
        outputs = message.get("outputs") or {}
        metrics = sorted({m for values in outputs.values() for m in values}, key=lambda m: m != "loss")
        rows = list(outputs.items())
        total = (message.get("model") or {}).get("loss")
        if len(rows) > 1 and total is not None:
            rows.insert(0, ("total", {"loss": total}))
        self.table.clear()
        self.table.setColumnCount(1 + len(metrics))
        self.table.setHorizontalHeaderLabels(["Output"] + metrics)
        self.table.setRowCount(len(rows))
        for r, (name, values) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            for c, metric in enumerate(metrics, start=1):
                value = values.get(metric)
                self.table.setItem(r, c, QTableWidgetItem("–" if value is None else f"{value:.4g}"))
        self._set_status(f"Evaluated on {message.get('samples', 0):,} samples ({message.get('data') or 'the data'}).")
        self.finished.emit(message)

    def _on_predicted(self, message: dict) -> None:
        if not self._take(message, "predict"):
            return
        self.last_reply = message
        samples = message.get("samples") or []
        inputs = list(samples[0]["inputs"]) if samples else []
        outputs = list(samples[0]["outputs"]) if samples else []
        self.table.clear()
        self.table.setColumnCount(1 + len(inputs) + len(outputs))
        self.table.setHorizontalHeaderLabels(["#"] + inputs + [f"→ {n}" for n in outputs])
        self.table.setRowCount(len(samples))
        tall = False
        for r, sample in enumerate(samples):
            self.table.setItem(r, 0, QTableWidgetItem(str(r)))
            for c, name in enumerate(inputs, start=1):
                value = sample["inputs"].get(name)
                pixmap = image_pixmap(value, THUMBNAIL)
                item = QTableWidgetItem("" if pixmap is not None else input_text(value))
                if pixmap is not None:
                    item.setData(Qt.ItemDataRole.DecorationRole, pixmap)
                    tall = True
                self.table.setItem(r, c, item)
            for c, name in enumerate(outputs, start=1 + len(inputs)):
                top = (sample.get("top") or {}).get(name)
                self.table.setItem(r, c, QTableWidgetItem(output_text(sample["outputs"].get(name), top)))
            if tall:
                self.table.setRowHeight(r, THUMBNAIL + 6)
        count = message.get("count") or len(samples)
        self._set_status(f"Predicted {len(samples)} of {count:,} samples ({message.get('data') or 'the data'}).")
        self.finished.emit(message)

    def _on_failed(self, text: str) -> None:
        if self._request is None:
            return
        kind = self._request[0]
        self._request = None
        self._update()
        self._set_status(f"{'Evaluation' if kind == 'evaluate' else 'Prediction'} failed: {text}", error=True)
        self.finished.emit({"failed": text})

    def _set_status(self, text: str, error: bool = False) -> None:
        body = html.escape(text)
        self.status.setText(f'<span style="color:#b00020">{body}</span>' if error else body)


def _resolved(stored: str | None, project_file: str | None) -> str:
    from graph_core.data_sources import DataSource, resolve_path

    return str(resolve_path(DataSource("v", "npz", stored), project_file))
