"""The Cost panel, the canvas heat map, cost in the status bar and inspector; measured time via the worker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from editor.canvas.heat_map import UNKNOWN, HeatHalo, colour_at
from editor.cost_panel import attach_cost
from editor.cost_widget import COLUMNS
from graph_core.cost import model_cost
from graph_core.edits import SetConfig
from tests.editor.window_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import READY_MS

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]


def _halo(scene, nid):
    halos = [c for c in scene.node_item(nid).childItems() if isinstance(c, HeatHalo)]
    assert len(halos) == 1
    return halos[0]


def _flops_column(panel) -> list:
    column = COLUMNS.index("FLOPs")
    return [panel.table.item(r, column).key for r in range(panel.table.rowCount())]


def test_heat_map_table_status_and_inspector(qtbot, make_window):
    window = make_window("inception")
    panel = attach_cost(window)
    doc = window.session.document
    expected = model_cost(doc, window.session.result(), 1)
    panel.set_metric("flops")
    scene = window.current_scene()
    heaviest = max(doc.nodes, key=lambda n: expected.nodes[n].flops)
    lightest = min(doc.nodes, key=lambda n: expected.nodes[n].flops or 0)
    assert _halo(scene, heaviest).colour == colour_at(1.0)
    assert _halo(scene, lightest).colour == colour_at(0.0)
    assert "MFLOPs" in _halo(scene, heaviest).text
    legend = panel.heat_legend(scene)
    assert legend.isVisible() and legend.title.startswith("FLOPs") and legend.high.endswith("MFLOPs")

    qtbot.waitUntil(lambda: panel.table.rowCount() == len(doc.nodes), timeout=3000)  # filled once shown
    flops = _flops_column(panel)
    assert flops == sorted(flops, reverse=True)
    assert panel.table.item(0, 0).data(Qt.ItemDataRole.UserRole) == heaviest
    panel.table.sortItems(0, Qt.SortOrder.AscendingOrder)  # sortable by any column
    names = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert names == sorted(names)
    row = names.index(doc.node_label(heaviest))
    panel.table.cellClicked.emit(row, 0)
    assert scene.selected_node_ids() == [heaviest]
    assert "FLOPs" in window.inspector.info_label.text()

    assert "FLOPs" in window.cost_status.text() and "604 M" in window.cost_status.text()

    layer = doc.layer_of(heaviest)
    window.session.push(SetConfig(layer.id, "filters", layer.config["filters"] * 2))
    qtbot.waitUntil(lambda: max(_flops_column(panel)) == 2 * expected.nodes[heaviest].flops, timeout=3000)

    panel.batch_box.setValue(4)
    assert "batch 4" in panel.totals.text() and "batch 4" in legend.title
    panel.set_metric("params")
    assert "params" in _halo(scene, heaviest).text
    panel.set_metric("off")
    assert not legend.isVisible()
    assert not [c for c in scene.node_item(heaviest).childItems() if isinstance(c, HeatHalo)]


def test_unknown_costs_are_grey(qtbot, make_window):
    window = make_window("siamese-lstm")  # variable-length sequences: activation sizes are unknown
    panel = attach_cost(window)
    panel.set_metric("activation")
    scene = window.current_scene()
    doc = window.session.document
    sequence = doc.input_nodes()[0]  # (batch, None, 128): the length has no size
    assert _halo(scene, sequence).colour.name() == UNKNOWN.lower() and _halo(scene, sequence).text == "?"
    lstm = next(n for n in doc.nodes if doc.layer_of(n).type == "LSTM")
    assert _halo(scene, lstm).text.endswith("B")  # its output (batch, units) has a size
    assert "?" in panel.totals.text()


@pytest.mark.keras
@pytest.mark.slow
def test_measured_time_comes_from_the_worker(qtbot, make_window, worker):
    window = make_window("residual")
    panel = attach_cost(window, worker)
    if not worker.is_ready:
        with qtbot.waitSignal(worker.ready, timeout=READY_MS):
            pass
    with qtbot.waitSignal(worker.profiled, timeout=READY_MS):
        panel.set_metric("time")  # nothing measured yet: choosing the metric measures
    column = COLUMNS.index("Time (ms)")
    qtbot.waitUntil(lambda: panel.table.rowCount() > 0 and panel.table.item(0, column).text() != "—",
                    timeout=3000)
    doc = window.session.document
    assert set(panel.state.times) == {n for n in doc.nodes if doc.layer_of(n).type != "Input"}
    shown = [panel.table.item(r, column).text() for r in range(panel.table.rowCount())]
    assert sum(1 for text in shown if text != "—") == len(panel.state.times)
    scene = window.current_scene()
    conv = next(n for n in doc.nodes if doc.layer_of(n).type == "Conv2D")
    assert _halo(scene, conv).text.endswith("ms")
    assert "measured" in panel.totals.text()
    layer = doc.layer_of(conv)
    window.session.push(SetConfig(layer.id, "filters", 8))  # another model: the times are dropped
    assert not panel.state.times
