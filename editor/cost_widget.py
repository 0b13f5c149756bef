"""The Cost panel's widgets: colour-by, batch size and Measure time controls, the totals, and the
sortable table of the current tab's nodes (heaviest first).

They show what :class:`editor.cost_panel.CostPanel` keeps (the figures, the metric, the batch
size) and hand the user's choices back to it. The panel docks them behind the Summary with
:func:`editor.lazy_panels.add_lazy_panel`, so they are built when the Cost tab is first shown,
not before the window's first frame.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
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

from editor.cost_state import METRICS
from graph_core.cost_text import human_bytes, human_count

COLUMNS = ("Layer", "Type", "Params", "FLOPs", "Activations", "Time (ms)")
MAX_ROWS = 500


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


class CostWidget(QWidget):
    """Controls (colour by, batch size, measure), totals and the table of one :class:`CostPanel`.

    Args:
        panel: the :class:`editor.cost_panel.CostPanel` whose figures are shown.
    """

    def __init__(self, panel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("costPanel")
        self.panel = panel
        self._stale = True  # the table is filled when the widget is shown
        self.metric_box = QComboBox()
        self.metric_box.setObjectName("heatMetric")
        for key, label in METRICS.items():
            self.metric_box.addItem(label, key)
        self.metric_box.currentIndexChanged.connect(lambda _i: panel.set_metric(self.metric_box.currentData()))
        self.batch_box = QSpinBox()
        self.batch_box.setObjectName("costBatch")
        self.batch_box.setRange(1, 4096)
        self.batch_box.valueChanged.connect(panel.set_batch_size)
        self.measure_button = QPushButton("Measure time")
        self.measure_button.setObjectName("measureTime")
        self.measure_button.setToolTip("Time each layer's forward pass with Keras (in the worker)")
        self.measure_button.clicked.connect(panel.measure)
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
        self.sync()

    def sync(self) -> None:
        """Show the panel's metric, batch size and whether time can be measured now."""
        panel = self.panel
        index = self.metric_box.findData(panel.heat_metric)
        if index != self.metric_box.currentIndex():
            self.metric_box.blockSignals(True)
            self.metric_box.setCurrentIndex(index)
            self.metric_box.blockSignals(False)
        if self.batch_box.value() != panel.batch_size:
            self.batch_box.blockSignals(True)
            self.batch_box.setValue(panel.batch_size)
            self.batch_box.blockSignals(False)
        self.measure_button.setEnabled(panel.worker is not None and not panel.measuring)

    def show_figures(self, totals: str, doc, cost) -> None:
        """Show ``totals`` and, when the widget is visible, ``doc``'s nodes in the table (a hidden
        widget fills its table when shown)."""
        self.totals.setText(totals)
        self._stale = not self.isVisible()
        if not self._stale:
            self._fill_table(doc, cost)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.panel.schedule_refresh()

    def _row_clicked(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.panel.show_node(item.data(Qt.ItemDataRole.UserRole))

    def _fill_table(self, doc, cost) -> None:
        state = self.panel.state
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
