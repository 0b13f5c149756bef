"""The right side of the training panel: the curves of a fit and its summary at the end.

:class:`FitView` follows one fit: batch progress draws the live training curves (total and per
output), epoch progress adds the validation points and keeps the per-epoch history, so the
"Curve" box can switch to any metric Keras logged (``accuracy``, ``mae``, ``learning_rate``…).
When the fit ends, the curves are redrawn from Keras's own history, the best epoch is marked and
:func:`editor.panels.fit_history.fit_summary` fills the summary.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from editor.panels.fit_history import (
    TRAIN,
    VAL,
    curves,
    fit_summary,
    parse_key,
    quantities,
    series_name,
    summary_lines,
)
from editor.panels.loss_chart import LossChart


class FitView(QWidget):
    """Curve selector, chart and end-of-fit summary.

    Attributes:
        chart: the :class:`LossChart`.
        quantity: the "Curve" combo box (``loss`` and the metrics logged so far).
        summary: the summary label (rich text).
        history: the per-epoch history received (Keras key → values).
        last_summary: the :class:`editor.panels.fit_history.FitSummary` of the last finished fit.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("FitView")
        self.outputs: list = []
        self.history: dict = {}
        self.last_summary = None
        self._live: dict = {}  # series name -> [(x, y)] of batch points, for the loss view
        self.chart = LossChart()
        self.quantity = QComboBox()
        self.quantity.setObjectName("curveQuantity")
        self.quantity.addItem("loss")
        self.quantity.setToolTip("Which of the logged quantities the chart shows")
        self.quantity.currentTextChanged.connect(self._redraw)
        self.legend_note = QLabel("solid: training · dashed: validation")
        self.legend_note.setObjectName("curveNote")
        self.summary = QLabel("")
        self.summary.setObjectName("fitSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(QLabel("Curve"))
        top.addWidget(self.quantity)
        top.addWidget(self.legend_note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.chart, 1)
        self.summary_area = QScrollArea()  # a long summary scrolls; it never squeezes the chart away
        self.summary_area.setObjectName("fitSummaryArea")
        self.summary_area.setWidgetResizable(True)
        self.summary_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.summary_area.setWidget(self.summary)
        self.summary_area.setMaximumHeight(int(QFontMetrics(self.font()).lineSpacing() * 4.6) + 4)
        self.summary_area.setVisible(False)
        layout.addWidget(self.summary_area)

    # ------------------------------------------------------------------ state
    def clear(self) -> None:
        """Forget the curves, history and summary."""
        self.history = {}
        self._live = {}
        self.last_summary = None
        self.chart.clear()
        self.summary.setText("")
        self.summary_area.setVisible(False)
        self._set_quantities(["loss"])

    def start(self, outputs: list, continued_from: dict | None = None) -> None:
        """A new fit of a model with ``outputs`` begins (``continued_from``: the history it extends)."""
        self.clear()
        self.outputs = list(outputs)
        if continued_from:
            self.history = {k: list(v) for k, v in continued_from.items() if isinstance(v, list)}
            self._set_quantities(quantities(self.history, self.outputs))
            self._redraw()

    def _set_quantities(self, names: list) -> None:
        current = self.quantity.currentText() or "loss"
        if [self.quantity.itemText(k) for k in range(self.quantity.count())] == names:
            return
        self.quantity.blockSignals(True)
        self.quantity.clear()
        self.quantity.addItems(names or ["loss"])
        self.quantity.setCurrentText(current if current in names else "loss")
        self.quantity.blockSignals(False)

    # ------------------------------------------------------------------ progress
    def add_batch(self, message: dict, offset: int = 0) -> None:
        """A batch progress message: extend the live training loss curves."""
        epoch = int(message.get("epoch") or 0) + offset
        batches = int(message.get("batches") or 1)
        x = epoch + (int(message.get("batch") or 0) + 1) / batches
        single = len(self.outputs) <= 1
        points = {series_name("", TRAIN, single): message.get("loss")}
        if not single:
            for name, value in (message.get("losses") or {}).items():
                points[series_name(name, TRAIN, single)] = value
        for name, value in points.items():
            if isinstance(value, (int, float)):
                self._live.setdefault(name, []).append((x, float(value)))
        if self.quantity.currentText() == "loss":
            for name, value in points.items():
                output = "" if name.startswith("total") or single else name.split(" · ")[0]
                self.chart.add_point(name, x, value, group=output or "total")

    def add_epoch(self, message: dict) -> None:
        """An epoch progress message: keep its logs and draw its validation points."""
        logs = message.get("logs") or {}
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value if isinstance(value, (int, float)) else None)
        self._set_quantities(quantities(self.history, self.outputs))
        quantity = self.quantity.currentText()
        if quantity == "loss":
            epochs = max(len(v) for v in self.history.values()) if self.history else 0
            single = len(self.outputs) <= 1
            for key, value in logs.items():
                parsed = parse_key(key, self.outputs)
                if parsed.quantity == "loss" and parsed.split == VAL:
                    self.chart.add_point(series_name(parsed.output, VAL, single), epochs, value,
                                         group=parsed.output or "total", dashed=True)
        else:
            self._redraw()

    def _redraw(self, *_args) -> None:
        quantity = self.quantity.currentText() or "loss"
        self.chart.y_label = quantity.replace("_", " ")
        series = curves(self.history, self.outputs, quantity)
        for entry in series.values():
            if not entry["output"]:
                entry["output"] = "total"
        self.chart.set_series(series)

    # ------------------------------------------------------------------ end
    def finish(self, message: dict, epochs_asked: int | None = None, weights_path: str = "",
               previous: dict | None = None) -> None:
        """The fit ended: redraw from Keras's history, mark the best epoch, show the summary.

        Args:
            message: the worker's ``fit_done`` reply (``history``, ``seconds``, ``cancelled``,
                ``stopped_early``, ``best_epoch``, ``options``; see ``docs/training.md``).
            epochs_asked: the epochs the fit was asked for.
            weights_path: where the weights were saved ("" when not).
            previous: the history this fit continued (its epochs come first on the chart).
        """
        history = message.get("history") if isinstance(message.get("history"), dict) else {}
        merged = {k: list(v) for k, v in (previous or {}).items() if isinstance(v, list)}
        for key, values in history.items():
            if isinstance(values, list):
                merged.setdefault(key, []).extend(values)
        if merged:
            self.history = merged
        self._set_quantities(quantities(self.history, self.outputs))
        summary = fit_summary(self.history, self.outputs, epochs_asked=epochs_asked,
                              seconds=message.get("seconds"), weights_path=weights_path,
                              restored_best=bool((message.get("options") or {}).get("checkpoint_best"))
                              and message.get("best_epoch") is not None,
                              stopped_early=bool(message.get("stopped_early")))
        self.last_summary = summary
        self.chart.best_epoch = float(summary.best_epoch) if summary.best_epoch else None
        if self.history:  # no whole epoch (cancelled early): keep the live batch curves
            self._redraw()
        lines = summary_lines(summary, len(self.outputs) > 1)
        if message.get("cancelled"):
            lines[0] = "Cancelled · " + lines[0]
        head, rows = lines[0], lines[1:]
        self.summary.setText(f"<b>{html.escape(head)}</b><br>" + "<br>".join(html.escape(r) for r in rows))
        self.summary_area.setVisible(True)

    def summary_text(self) -> str:
        """The summary without markup."""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.summary.text())
        return doc.toPlainText()
