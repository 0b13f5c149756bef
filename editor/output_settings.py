"""The loss, loss weight and metrics of one model output (:class:`OutputEditor`), and :func:`suggest_loss`."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
)

from editor.inspector_widgets import error_label, set_error
from editor.param_editors import shrinkable
from graph_core.document import Document
from graph_core.edits import SetOutput, UnmarkOutput
from graph_core.losses import LOSSES, METRICS

if TYPE_CHECKING:
    from editor.inspector import Inspector


class OutputEditor(QFrame):
    """Loss, loss weight and metrics of one model output (``SetOutput`` edits)."""

    def __init__(self, inspector: Inspector, doc: Document, index: int, title: str,
                 training: bool = True, removable: bool = True):
        super().__init__()
        self.setObjectName("outputBox")
        self.inspector = inspector
        self.doc = doc
        self.index = index
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(f"<b>{html.escape(title)}</b>")
        head.addWidget(self.title, 1)
        self.remove = QToolButton()
        self.remove.setText("Remove")
        self.remove.setToolTip("Stop using this tensor as a model output")
        self.remove.setAutoRaise(True)
        self.remove.clicked.connect(self._remove)
        self.remove.setVisible(removable)
        head.addWidget(self.remove)
        grid.addLayout(head, 0, 0, 1, 2)
        self.loss = QComboBox()
        self.loss.addItem("(none)", None)
        for name in LOSSES:
            self.loss.addItem(name, name)
        self.loss.activated.connect(self._loss_chosen)
        self.weight = QDoubleSpinBox()
        self.weight.setRange(0.0, 1_000_000.0)
        self.weight.setDecimals(3)
        self.weight.setSingleStep(0.1)
        self.weight.valueChanged.connect(self._weight_changed)
        self.metrics = QLineEdit()
        self.metrics.setPlaceholderText("e.g. accuracy, mae")
        self.metrics.setToolTip("Comma-separated metric names. Known: " + ", ".join(METRICS))
        self.metrics.editingFinished.connect(self._metrics_finished)
        for w in (self.loss, self.weight, self.metrics):
            shrinkable(w)
        self.error = error_label()
        self.error.setParent(self)  # never a window of its own, even where it is not laid out
        self.error.hide()
        self.training = training
        if training:
            grid.addWidget(QLabel("loss"), 1, 0)
            grid.addWidget(self.loss, 1, 1)
            grid.addWidget(QLabel("loss weight"), 2, 0)
            grid.addWidget(self.weight, 2, 1)
            grid.addWidget(QLabel("metrics"), 3, 0)
            grid.addWidget(self.metrics, 3, 1)
            grid.addWidget(self.error, 4, 0, 1, 2)
        else:
            for w in (self.loss, self.weight, self.metrics):
                w.hide()
        grid.setColumnStretch(1, 1)
        self.sync()

    def sync(self) -> None:
        """Show the output's current settings."""
        if self.index >= len(self.doc.outputs):
            return
        out = self.doc.outputs[self.index]
        index = self.loss.findData(out.loss)
        if index < 0:
            self.loss.addItem(str(out.loss), out.loss)
            index = self.loss.count() - 1
        if self.loss.currentIndex() != index:
            self.loss.blockSignals(True)
            self.loss.setCurrentIndex(index)
            self.loss.blockSignals(False)
        weight = out.loss_weight if isinstance(out.loss_weight, (int, float)) else 1.0
        if abs(self.weight.value() - weight) > 1e-12:
            self.weight.blockSignals(True)
            self.weight.setValue(weight)
            self.weight.blockSignals(False)
        text = ", ".join(out.metrics)
        if [m.strip() for m in self.metrics.text().split(",") if m.strip()] != list(out.metrics):
            self.metrics.setText(text)
        result = self.inspector.result()
        messages = []
        if result is not None:
            for p in result.problems:
                if p.output_index == self.index and p.code.startswith(("loss.", "metric.")):
                    messages.append(p.text)
        set_error(self.error, "\n".join(messages) if self.training else "")

    def _loss_chosen(self, index: int) -> None:
        value = self.loss.itemData(index)
        if self.doc.outputs[self.index].loss != value:
            self.inspector.push(SetOutput(self.index, "loss", value))

    def _weight_changed(self, value: float) -> None:
        if self.doc.outputs[self.index].loss_weight != value:
            self.inspector.push(SetOutput(self.index, "loss_weight", float(value)))

    def _metrics_finished(self) -> None:
        metrics = [m.strip() for m in self.metrics.text().split(",") if m.strip()]
        if metrics != list(self.doc.outputs[self.index].metrics):
            self.inspector.push(SetOutput(self.index, "metrics", metrics))

    def _remove(self) -> None:
        self.inspector.push(UnmarkOutput(self.index))




def suggest_loss(doc: Document, node_id: str, result=None) -> str:
    """A sensible first loss for a new output: from the layer's activation and unit count."""
    layer = doc.layer_of(node_id)
    activation = layer.config.get("activation")
    units = None
    if result is not None:
        specs = result.output_specs(node_id)
        if specs and specs[0].shape:
            units = specs[0].shape[-1]
    if activation == "softmax" or layer.type == "Softmax":
        return "categorical_crossentropy"
    if activation == "sigmoid":
        return "binary_crossentropy"
    if units == 1 or activation in (None, "linear"):
        return "mse"
    return "mse"

