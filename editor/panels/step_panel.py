"""The "Step through" panel: watch one sample flow through the graph, node by node.

"Run one sample" asks the Keras worker to trace the current document (a seeded synthetic
sample, seeded weights); the panel then walks the nodes in the order the forward pass computes
them (numbered in the list), selects the current node and the nodes it reads on the canvas, and
shows each output's shape, dtype, mean/std/min/max and a small picture: a bar chart for a
vector, a heat map for a matrix or sequence, a strip of the first channel maps for conv
features. Back / Next / Play move through the steps; a shared layer shows which call is active.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.qt_signals import reconnect

PLAY_INTERVAL_MS = 900


class TensorPicture(QWidget):
    """Draws a preview grid: bars for one row, a blue-white-red heat map otherwise."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("tensorPicture")
        self.setMinimumSize(220, 90)
        self.grid: list | None = None

    def set_grid(self, grid: list | None) -> None:
        """Show ``grid`` (a list of rows of floats), or nothing."""
        self.grid = grid if grid else None
        self.update()

    @property
    def kind(self) -> str:
        """``"bars"``, ``"heatmap"`` or ``"none"``: what is drawn."""
        if not self.grid:
            return "none"
        return "bars" if len(self.grid) == 1 else "heatmap"

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if not self.grid:
            painter.setPen(QColor("#6b7280"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no picture")
            return
        values = [v for row in self.grid for v in row]
        scale = max(abs(v) for v in values) or 1.0
        w, h = self.width() - 8, self.height() - 8
        if self.kind == "bars":
            row = self.grid[0]
            bar = w / len(row)
            mid = 4 + h / 2.0 if min(row) < 0 else 4 + h
            half = h / 2.0 if min(row) < 0 else h
            for i, v in enumerate(row):
                length = half * v / scale
                rect = QRectF(4 + i * bar, mid - max(length, 0), max(bar - 1, 1), abs(length))
                painter.fillRect(rect, QColor("#2563eb") if v >= 0 else QColor("#dc2626"))
            return
        rows, cols = len(self.grid), max(len(r) for r in self.grid)
        cell = min(w / cols, h / rows)  # square cells keep feature maps undistorted
        for r, row in enumerate(self.grid):
            for c, v in enumerate(row):
                painter.fillRect(QRectF(4 + c * cell, 4 + r * cell, cell + 0.5, cell + 0.5), _diverging(v / scale))


def _diverging(t: float) -> QColor:
    t = max(-1.0, min(1.0, t))
    if t >= 0:
        return QColor(int(255 - 218 * t), int(255 - 156 * t), int(255 - 20 * t))
    t = -t
    return QColor(int(255 - 35 * t), int(255 - 217 * t), int(255 - 217 * t))


class OrderLabels:
    """Step numbers drawn on the cards of the canvas (children of the node items)."""

    def __init__(self):
        self.items: list = []

    def show(self, scene, order: list, current: str | None = None) -> None:
        """Number the cards of ``scene`` in ``order``; ``current`` is highlighted."""
        self.clear()
        if scene is None or not hasattr(scene, "node_item"):
            return
        font = QFont()
        font.setPointSizeF(8.5)
        font.setBold(True)
        for k, nid in enumerate(order, 1):
            card = scene.node_item(nid)
            if card is None:
                continue
            text = QGraphicsSimpleTextItem(str(k))
            text.setFont(font)
            text.setBrush(QBrush(QColor("#ffffff")))
            box = text.boundingRect().adjusted(-4, -1, 4, 1)
            back = QGraphicsRectItem(box, card)
            back.setBrush(QBrush(QColor("#b45309" if nid == current else "#374151")))
            back.setPen(QPen(Qt.PenStyle.NoPen))
            back.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            back.setPos(4.0 - box.left(), -box.height() - 2.0)  # just above the card's left corner
            back.setZValue(10)
            text.setParentItem(back)
            text.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            self.items.append(back)

    def clear(self) -> None:
        """Remove the numbers."""
        for item in self.items:
            if shiboken6.isValid(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self.items = []


class StepPanel(QWidget):
    """Run one sample in the worker and step through the nodes.

    Args:
        worker: the :class:`editor.worker.client.KerasWorker`.
        select_nodes: ``(node ids) -> None`` selects nodes on the canvas.
        scene: ``() -> scene`` of the canvas showing the document (its cards get step numbers).

    Signals:
        stepped(str node_id): the current node changed.
    """

    stepped = Signal(str)

    def __init__(self, worker, select_nodes: Callable | None = None, parent: QWidget | None = None,
                 scene: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("stepPanel")
        self.worker = worker
        self.select_nodes = select_nodes or (lambda ids: None)
        self.scene = scene or (lambda: None)
        self.labels = OrderLabels()
        self.session = None
        self.trace: dict | None = None
        self._revision = None
        self._request = None
        self.index = -1
        self.timer = QTimer(self)
        self.timer.setInterval(PLAY_INTERVAL_MS)
        self.timer.timeout.connect(self._tick)

        self.run_button = QPushButton("Run one sample")
        self.run_button.clicked.connect(self.run)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2 ** 31 - 1)
        self.seed.setPrefix("seed ")
        self.back_button = QPushButton("◀ Back")
        self.back_button.clicked.connect(lambda: self.go(self.index - 1))
        self.next_button = QPushButton("Next ▶")
        self.next_button.clicked.connect(lambda: self.go(self.index + 1))
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._play)
        bar = QHBoxLayout()
        for widget in (self.run_button, self.seed, self.back_button, self.next_button, self.play_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.status = QLabel("Run one sample to watch it flow through the graph.")
        self.status.setObjectName("stepStatus")
        self.steps = QListWidget()
        self.steps.setObjectName("stepList")
        self.steps.setMaximumWidth(260)
        self.steps.currentRowChanged.connect(self._row_changed)
        self.details = QLabel()
        self.details.setObjectName("stepDetails")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.picture = TensorPicture()
        right = QVBoxLayout()
        right.addWidget(self.details)
        right.addWidget(self.picture, 1)
        body = QHBoxLayout()
        body.addWidget(self.steps)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addLayout(body, 1)
        worker.traced.connect(self._on_traced)
        worker.traceFailed.connect(self._on_failed)
        self._update_buttons()

    def set_session(self, session) -> None:
        """Follow ``session`` (a new document forgets the previous trace)."""
        if session is not self.session:
            self._clear()
        reconnect(self.session, session, {"checked": self._on_checked})
        self.session = session

    def run(self) -> int | None:
        """Ask the worker to trace the current document; returns the request id."""
        if self.session is None:
            return None
        result = self.session.result()
        if not result.valid:
            self.status.setText(f"The model is invalid: {html.escape(result.errors[0].message)}")
            return None
        self._revision = self.session.document.revision
        self._request = self.worker.request_trace(self.session.document, seed=self.seed.value())
        self.status.setText("Running one sample in the Keras worker…")
        self.run_button.setEnabled(False)
        return self._request

    def go(self, index: int) -> None:
        """Show step ``index`` (clamped to the steps)."""
        if not self.trace:
            return
        order = self.trace["order"]
        index = max(0, min(index, len(order) - 1))
        self.index = index
        if self.steps.currentRow() != index:
            self.steps.setCurrentRow(index)
        nid = order[index]
        item = self.trace["nodes"][nid]
        doc = self.session.document if self.session is not None else None
        read = [ref.node for ref in doc.nodes[nid].inputs] if doc is not None and nid in doc.nodes else []
        self.details.setText(_details(doc, nid, item, index, len(order)))
        previews = item.get("previews") or [None]
        self.picture.set_grid(previews[0])
        self.select_nodes([nid] + [r for r in read if r != nid])
        self.labels.show(self.scene(), order, current=nid)
        self._update_buttons()
        self.stepped.emit(nid)

    # ------------------------------------------------------------------ replies
    def _on_traced(self, message: dict) -> None:
        if message.get("id") != self._request:
            return
        self.run_button.setEnabled(True)
        self.trace = {"order": list(message.get("order") or []), "nodes": dict(message.get("nodes") or {})}
        self.steps.clear()
        doc = self.session.document if self.session is not None else None
        for k, nid in enumerate(self.trace["order"], 1):
            label = doc.node_label(nid) if doc is not None and nid in doc.nodes else nid
            self.steps.addItem(f"{k}. {label}")
        self.status.setText(f"{len(self.trace['order'])} steps, in the order the forward pass computes "
                            f"them (seed {self.seed.value()}).")
        self.go(0)

    def _on_failed(self, message: str) -> None:
        self.run_button.setEnabled(True)
        self.status.setText(f"The sample could not run: {html.escape(message)}")

    def _on_checked(self, *_args) -> None:
        if self.trace and self.session is not None and self.session.document.revision != self._revision:
            self.status.setText("The model changed since this run: run the sample again.")
            self.labels.clear()

    # ------------------------------------------------------------------ stepping
    def _row_changed(self, row: int) -> None:
        if row >= 0 and row != self.index:
            self.go(row)

    def _play(self, on: bool) -> None:
        if on and self.trace:
            if self.index >= len(self.trace["order"]) - 1:
                self.go(0)
            self.timer.start()
        else:
            self.timer.stop()
            self.play_button.setChecked(False)

    def _tick(self) -> None:
        if not self.trace or self.index >= len(self.trace["order"]) - 1:
            self._play(False)
            return
        self.go(self.index + 1)

    def _clear(self) -> None:
        self.labels.clear()
        self.trace = None
        self.index = -1
        self.steps.clear()
        self.details.setText("")
        self.picture.set_grid(None)
        self._play(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        count = len(self.trace["order"]) if self.trace else 0
        self.back_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(0 <= self.index < count - 1)
        self.play_button.setEnabled(count > 1)


def _details(doc, nid: str, item: dict, index: int, count: int) -> str:
    name = html.escape(str(item.get("layer", nid)))
    kind = html.escape(doc.layer_of(nid).type) if doc is not None and nid in doc.nodes else ""
    calls = len(doc.nodes_of(doc.nodes[nid].layer)) if doc is not None and nid in doc.nodes else 1
    shared = f" — call {item.get('call', 1)} of {calls} of the shared layer" if calls > 1 else ""
    lines = [f"<b>Step {index + 1}/{count}: {name}</b> <span style='color:#6b7280'>{kind}{shared}</span>"]
    for k, out in enumerate(item.get("outputs") or []):
        head = f"output {k}: " if len(item.get("outputs") or []) > 1 else ""
        shape = "(" + ", ".join(str(d) for d in out.get("shape", [])) + ")"
        stats = " · ".join(f"{key} {_num(out.get(key))}" for key in ("mean", "std", "min", "max"))
        lines.append(f"{head}shape <code>{html.escape(shape)}</code> · {html.escape(str(out.get('dtype')))}"
                     f"<br>{stats}")
    return "<br>".join(lines)


def _num(value) -> str:
    return "—" if value is None else f"{value:.4g}"
