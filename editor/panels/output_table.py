"""The training panel's table of model outputs: loss, loss weight and metrics of each output.

Edits go through ``push`` as ``SetOutput`` edits (undoable, shared with the inspector).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
)

from graph_core.edits import SetOutput
from graph_core.losses import LOSSES

NO_LOSS = "(none)"


class OutputTable(QTableWidget):
    """One row per model output: name, loss (editable combo), weight, metrics.

    Args:
        push: ``(edit) -> bool`` applying an edit (the session's undo stack); not called while
            the table shows the document (:meth:`sync`).

    Attributes:
        rows: per output, its ``(loss combo, weight spin box, metrics line edit)``.
    """

    def __init__(self, push: Callable, parent=None):
        super().__init__(0, 4, parent)
        self._push = push
        self._doc = None
        self._syncing = False
        self.rows: list = []
        self.setObjectName("outputTable")
        self.setHorizontalHeaderLabels(["Output", "Loss", "Weight", "Metrics"])
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def sync(self, doc) -> None:
        """Show the outputs of ``doc`` (pushes nothing); later edits apply to ``doc``."""
        self._doc = doc
        self._syncing = True
        try:
            if doc is None:
                self.setRowCount(0)
                self.rows = []
                return
            labels = [doc.node_label(out.node) + (f"[{out.index}]" if out.index else "") for out in doc.outputs]
            current = [self.item(r, 0).text() if self.item(r, 0) else "" for r in range(self.rowCount())]
            if labels != current or len(self.rows) != len(labels):
                self._build_rows(labels)
            for row, out in enumerate(doc.outputs):
                loss, weight, metrics = self.rows[row]
                text = out.loss or NO_LOSS
                if loss.currentText() != text:
                    loss.setCurrentText(text)
                if isinstance(out.loss_weight, (int, float)) and weight.value() != out.loss_weight:
                    weight.setValue(float(out.loss_weight))
                shown = ", ".join(out.metrics)
                if metrics.text() != shown:
                    metrics.setText(shown)
        finally:
            self._syncing = False

    def _build_rows(self, labels: list) -> None:
        self.setRowCount(len(labels))
        self.rows = []
        for row, label in enumerate(labels):
            item = QTableWidgetItem(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(row, 0, item)
            loss = QComboBox()
            loss.setEditable(True)
            loss.addItems((NO_LOSS,) + tuple(LOSSES))
            loss.activated.connect(lambda *_a, r=row: self._edited(r, "loss"))
            loss.lineEdit().editingFinished.connect(lambda r=row: self._edited(r, "loss"))
            weight = QDoubleSpinBox()
            weight.setRange(0.0, 1000.0)
            weight.setDecimals(3)
            weight.setSingleStep(0.1)
            weight.setKeyboardTracking(False)
            weight.valueChanged.connect(lambda *_a, r=row: self._edited(r, "loss_weight"))
            metrics = QLineEdit()
            metrics.setPlaceholderText("accuracy, mae…")
            metrics.editingFinished.connect(lambda r=row: self._edited(r, "metrics"))
            self.setCellWidget(row, 1, loss)
            self.setCellWidget(row, 2, weight)
            self.setCellWidget(row, 3, metrics)
            self.rows.append((loss, weight, metrics))

    def _edited(self, row: int, field: str) -> None:
        doc = self._doc
        if self._syncing or doc is None or not 0 <= row < min(len(self.rows), len(doc.outputs)):
            return
        loss, weight, metrics = self.rows[row]
        out = doc.outputs[row]
        if field == "loss":
            text = loss.currentText().strip()
            value = None if text in ("", NO_LOSS) else text
        elif field == "loss_weight":
            value = float(weight.value())
        else:
            value = [m.strip() for m in metrics.text().split(",") if m.strip()]
        current = list(out.metrics) if field == "metrics" else getattr(out, field)
        if value != current:
            self._push(SetOutput(row, field, value))
