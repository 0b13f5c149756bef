"""The Cost panel: heaviest layers in a sortable table, the canvas heat map, measured time.

:func:`attach_cost` is the one call the application makes: it docks the panel, adds the cost to
the status bar and to the inspector's information lines, colours the cards of every canvas tab
when a metric is chosen (with a legend over the view) and asks the Keras worker to measure time.
Clicking a row selects its node on the canvas. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from editor.canvas.heat_map import HeatLegend, HeatMap
from editor.cost_state import METRICS, CostState
from graph_core.cost import human_bytes, human_count, summary_line

COLUMNS = ("Layer", "Type", "Params", "FLOPs", "Activations", "Time (ms)")
MAX_ROWS = 500
REFRESH_MS = 60


def _text(metric: str, value) -> str:
    if value is None:
        return "?"
    if metric == "params":
        return human_count(value, "params") if value else "0 params"
    if metric == "flops":
        return human_count(value, "FLOPs")
    if metric == "activation":
        return human_bytes(value)
    return f"{value:.3g} ms"


class _SortItem(QTableWidgetItem):
    """A cell sorted by a number (unknown below every number), shown as text."""

    def __init__(self, text: str, key):
        super().__init__(text)
        self.key = (-1.0 if key is None else float(key)) if not isinstance(key, str) else key
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other) -> bool:
        if isinstance(other, _SortItem) and type(self.key) is type(other.key):
            return self.key < other.key
        return super().__lt__(other)


class CostPanel(QWidget):
    """Controls (colour by, batch size, measure) and the table of the current tab's nodes.

    Args:
        window: the main window (``tabs``, ``session``, ``show_nodes``).
        worker: the :class:`~editor.worker.client.KerasWorker` used to measure time (None: no measuring).
    """

    def __init__(self, window, worker=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("costPanel")
        self.window = window
        self.worker = worker
        self.state: CostState | None = None
        self._profile_id: int | None = None
        self._heat: dict = {}  # id(scene) -> (scene, HeatMap, HeatLegend)
        self._row_nodes: list = []
        self.heat_metric = "off"
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

        self.metric_box = QComboBox()
        self.metric_box.setObjectName("heatMetric")
        for key, label in METRICS.items():
            self.metric_box.addItem(label, key)
        self.metric_box.currentIndexChanged.connect(lambda _i: self.set_metric(self.metric_box.currentData()))
        self.batch_box = QSpinBox()
        self.batch_box.setObjectName("costBatch")
        self.batch_box.setRange(1, 4096)
        self.batch_box.valueChanged.connect(self._batch_changed)
        self.measure_button = QPushButton("Measure time")
        self.measure_button.setObjectName("measureTime")
        self.measure_button.setToolTip("Time each layer's forward pass with Keras (in the worker)")
        self.measure_button.clicked.connect(self.measure)
        self.measure_button.setEnabled(worker is not None)
        self.totals = QLabel()
        self.totals.setObjectName("costTotals")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        for widget in (QLabel("Colour cards by"), self.metric_box, QLabel("batch"), self.batch_box,
                       self.measure_button):
            top.addWidget(widget)
        top.addStretch(1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("costTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(True)
        self.table.sortItems(COLUMNS.index("FLOPs"), Qt.SortOrder.DescendingOrder)  # heaviest first
        self.table.cellClicked.connect(self._row_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.totals)
        layout.addWidget(self.table, 1)
        if worker is not None:
            worker.profiled.connect(self._on_profiled)
            worker.profileFailed.connect(self._on_profile_failed)

    # ------------------------------------------------------------------ following the window
    def heat_legend(self, scene):
        """The heat-map legend drawn over ``scene``'s view (None when there is none)."""
        entry = self._heat.get(id(scene))
        return entry[2] if entry else None

    def set_session(self, session) -> None:
        """Follow ``session`` (its documents' costs, its measured times)."""
        if self.state is not None:
            self.state.close()
        for _scene, heat, legend in self._heat.values():
            heat.clear()
            legend.hide()
        self._heat.clear()
        self.state = CostState(session, self) if session is not None else None
        if self.state is not None:
            self.state.set_batch_size(self.batch_box.value())
            self.state.timesChanged.connect(self.schedule_refresh)
            session.checked.connect(lambda _doc, _result: self.schedule_refresh())
        self._profile_id = None
        self.refresh()

    def schedule_refresh(self) -> None:
        """Refresh soon (edits arriving together are shown once)."""
        self._timer.start()

    def current(self) -> tuple:
        """(path, document) of the window's current canvas tab."""
        tabs = self.window.tabs
        doc = tabs.current_document() or (self.state.session.document if self.state else None)
        return tabs.current_path(), doc

    # ------------------------------------------------------------------ actions
    def set_metric(self, metric: str) -> None:
        """Colour the cards by ``metric`` (a key of :data:`METRICS`; ``"off"`` removes the colours)."""
        self.heat_metric = metric if metric in METRICS else "off"
        index = self.metric_box.findData(self.heat_metric)
        if index != self.metric_box.currentIndex():
            self.metric_box.blockSignals(True)
            self.metric_box.setCurrentIndex(index)
            self.metric_box.blockSignals(False)
        if self.heat_metric == "time" and self.state is not None and not self.state.times \
                and self._profile_id is None:
            self.measure()
        self.refresh()

    def _batch_changed(self, value: int) -> None:
        if self.state is not None:
            self.state.set_batch_size(value)
        self.refresh()

    def measure(self) -> int | None:
        """Ask the worker to time every layer of the top-level model at the batch size."""
        if self.worker is None or self.state is None:
            return None
        session = self.state.session
        if not session.result().valid:
            self._say("Fix the model's errors before measuring time")
            return None
        self._profile_id = self.worker.request_profile(session.document, batch_size=self.state.batch_size)
        self.measure_button.setEnabled(False)
        self._say("Measuring each layer's forward time in the Keras worker…", 0)
        return self._profile_id

    def _on_profiled(self, reply: dict) -> None:
        if reply.get("id") != self._profile_id or self.state is None:
            return
        self._profile_id = None
        self.measure_button.setEnabled(True)
        if not self.state.set_times(reply):
            self._say("The model changed while it was measured; measure again")
            return
        self._say(f"Measured: layers {reply.get('total_ms', 0):.2f} ms, whole model "
                  f"{reply.get('model_ms', 0):.2f} ms at batch {reply.get('batch_size')}")

    def _on_profile_failed(self, message: str) -> None:
        self._profile_id = None
        self.measure_button.setEnabled(True)
        self._say(f"Measuring failed: {message}", 8000)

    def _say(self, text: str, timeout: int = 6000) -> None:
        show = getattr(self.window, "show_message", None)
        if callable(show):
            show(text, timeout)

    def _row_clicked(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is None:
            return
        path, _doc = self.current()
        self.window.show_nodes(path, [item.data(Qt.ItemDataRole.UserRole)])

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        """Recompute what is shown: totals, table, heat map of the open tabs, status bar."""
        self._timer.stop()
        if self.state is None:
            return
        path, doc = self.current()
        if doc is None:
            return
        cost = self.state.cost(doc)
        timed = f" · measured {self.state.total_ms:.2f} ms (model {self.state.model_ms:.2f} ms)" \
            if self.state.times and doc is self.state.session.document else ""
        training = human_bytes(cost.training_bytes)
        self.totals.setText(html.escape(f"{summary_line(cost)} · training ≈ {training}{timed}"))
        self._table_stale = not self.isVisible()
        if not self._table_stale:  # a panel hidden behind another tab fills its table when shown
            self._fill_table(doc, cost)
        self._paint_heat()
        hook = getattr(self.window, "cost_status", None)
        if hook is not None:  # the status bar shows the whole model, whatever tab is open
            top = self.state.cost()
            hook.setText(f"FLOPs: <b>{human_count(top.flops)}</b> · peak act. {human_bytes(top.peak_activation_bytes)}")
            hook.setToolTip(summary_line(top))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if getattr(self, "_table_stale", False):
            self.schedule_refresh()

    def _fill_table(self, doc, cost) -> None:
        state = self.state
        params = state.session.result(doc).layer_params
        times = state.times if doc is state.session.document else {}
        ranked = sorted(doc.nodes, key=lambda n: -(cost.nodes[n].flops or 0) if n in cost.nodes else 1)[:MAX_ROWS]
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(ranked))
        for row, nid in enumerate(ranked):
            layer = doc.layer_of(nid)
            node_cost = cost.nodes.get(nid)
            count = params.get(layer.id)
            count = None if count is None else count[0] + count[1]
            flops = node_cost.flops if node_cost else None
            act = node_cost.activation_bytes if node_cost else None
            ms = times.get(nid)
            cells = (_SortItem(doc.node_label(nid), doc.node_label(nid)), _SortItem(layer.type, layer.type),
                     _SortItem(f"{count:,}" if count is not None else "?", count),
                     _SortItem(human_count(flops), flops), _SortItem(human_bytes(act), act),
                     _SortItem(f"{ms:.3f}" if ms is not None else "—", ms))
            cells[0].setData(Qt.ItemDataRole.UserRole, nid)
            for column, cell in enumerate(cells):
                if column >= 2:
                    cell.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
                self.table.setItem(row, column, cell)
        self.table.setSortingEnabled(True)

    def _paint_heat(self) -> None:
        tabs = self.window.tabs
        for path in tabs.paths():
            scene, view = tabs.scene_for(path), None
            if scene is None:
                continue
            entry = self._heat.get(id(scene))
            if entry is None or entry[0] is not scene:
                view = next(iter(scene.views()), None)
                if view is None:
                    continue
                entry = self._heat[id(scene)] = (scene, HeatMap(scene), HeatLegend(view))
            _scene, heat, legend = entry
            if self.heat_metric == "off":
                heat.clear()
                legend.hide()
                continue
            values = self.state.node_values(scene.document, self.heat_metric)
            heat.apply(values, lambda v: _text(self.heat_metric, v))
            known = [v for v in values.values() if v is not None]
            low, high = (min(known), max(known)) if known else (None, None)
            title = METRICS[self.heat_metric]
            if self.heat_metric != "params":
                title += f" (batch {self.state.batch_size})"
            if self.heat_metric == "time" and not known:
                title += " — not measured"
            legend.set(title, _text(self.heat_metric, low), _text(self.heat_metric, high))

    def inspector_lines(self, doc, node_ids: list) -> list:
        """The cost lines the inspector shows for a selection (the model's totals when empty)."""
        if self.state is None or doc is None:
            return []
        cost = self.state.cost(doc)
        if not node_ids:
            return [summary_line(cost)]
        lines = []
        for nid in node_ids:
            node_cost = cost.nodes.get(nid)
            if node_cost is None:
                continue
            prefix = f"{doc.node_label(nid)}: " if len(node_ids) > 1 else ""
            ms = self.state.times.get(nid) if doc is self.state.session.document else None
            timed = f" · {ms:.3f} ms measured" if ms is not None else ""
            lines.append(f"{prefix}{human_count(node_cost.flops, 'FLOPs')} · activations "
                         f"{human_bytes(node_cost.activation_bytes)} (batch {cost.batch_size}){timed}")
        return lines


def attach_cost(window, worker=None) -> CostPanel:
    """Dock the Cost panel on ``window`` and hook it into the status bar, inspector and canvas.

    Args:
        window: the :class:`editor.main_window.MainWindow`.
        worker: the Keras worker used to measure time (None: time cannot be measured).

    Returns:
        The panel (also ``window.cost_panel``).
    """
    panel = CostPanel(window, worker)
    window.cost_panel = panel
    window.cost_dock = window.add_panel(panel, "Cost", Qt.DockWidgetArea.BottomDockWidgetArea)
    window.cost_status = QLabel()
    window.cost_status.setObjectName("statusCost")
    window.statusBar().addPermanentWidget(window.cost_status)
    window.inspector.info_providers.append(panel.inspector_lines)
    window.sessionChanged.connect(panel.set_session)
    window.tabs.currentChanged.connect(panel.schedule_refresh)
    window.tabs.sceneCreated.connect(lambda _scene, _view: panel.schedule_refresh())
    panel.set_session(window.session)
    return panel
