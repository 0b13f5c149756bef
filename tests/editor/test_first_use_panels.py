"""First-use defects in the panels and the status bar (issue 13): each test fails before its fix."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from editor.panels.code_panel import CodePanel
from editor.panels.loss_chart import LossChart
from editor.panels.training_panel import TrainingPanel
from editor.session import DocumentSession
from graph_core import templates
from graph_core.builder import GraphBuilder
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = pytest.mark.gui


class _Worker(QObject):
    """The worker signals the training panel listens to; replies are emitted by the test."""

    ready = Signal()
    fitProgress = Signal(object)
    fitCancelling = Signal(object)
    fitFinished = Signal(object)
    fitFailed = Signal(str)
    crashed = Signal(str)

    def __init__(self):
        super().__init__()
        self.requests: list = []
        self.is_ready = True
        self.last_fit_failure: dict = {}

    def request_fit(self, doc, revision=None, **params) -> int:
        self.requests.append("fit")
        return len(self.requests)

    def cancel_fit(self, request_id=None) -> int:
        self.requests.append(("cancel", request_id))
        return len(self.requests)


def test_training_results_are_cleared_when_another_document_is_shown(qtbot):
    worker = _Worker()
    panel = TrainingPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(DocumentSession(templates.load_template("mlp")))
    fit = panel.run()
    assert fit is not None
    worker.fitProgress.emit({"id": fit, "phase": "batch", "epoch": 0, "epochs": 1, "batch": 0, "batches": 1,
                             "loss": 0.7})
    worker.fitFinished.emit({"id": fit, "final": {"loss": 0.7}})
    assert panel.chart.series() and panel.results.text()
    panel.set_session(DocumentSession(templates.load_template("residual")))
    assert not any(panel.chart.series().values()) and panel.results.text() == ""


def test_switching_documents_during_a_fit_stops_following_it(qtbot):
    worker = _Worker()
    panel = TrainingPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(DocumentSession(templates.load_template("mlp")))
    fit = panel.run()
    panel.set_session(DocumentSession(templates.load_template("residual")))
    assert ("cancel", fit) in worker.requests
    worker.fitProgress.emit({"id": fit, "phase": "batch", "epoch": 0, "epochs": 1, "batch": 0, "batches": 1,
                             "loss": 0.7})
    assert not any(panel.chart.series().values())


def test_chart_axis_titles_clear_the_tick_labels(qtbot):
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.resize(420, 200)
    metrics = QFontMetrics(chart.font())
    plot, x_title, y_title = chart.plot_rects(metrics)
    assert x_title.top() >= plot.bottom() + metrics.height()  # below the epoch tick labels
    assert x_title.bottom() <= chart.height()
    chart.add_point("train", 1.0, 0.12345)
    chart.add_point("train", 2.0, 1234.5)  # long tick labels widen the margin
    plot, x_title, y_title = chart.plot_rects(metrics)
    label_w = max(metrics.horizontalAdvance(label) for label in chart.y_axis()[4]) + 4  # the widest y tick label
    assert y_title.right() <= plot.left() - 6 - label_w + 1  # left of the y tick labels


def test_code_panel_says_which_layers_it_leaves_out(qtbot):
    b = GraphBuilder("dangling")
    x = b.input("x", shape=(4,))
    b.output(b.layer("Dense", x, units=2, name="head"), loss="mse")
    b.layer("Dense", x, units=3, name="forgotten")
    panel = CodePanel()
    qtbot.addWidget(panel)
    panel.set_session(DocumentSession(b.document))
    panel.refresh()
    assert "forgotten" not in panel.code
    assert "forgotten" in panel.status.text() and "no model output" in panel.status.text()


def test_empty_model_is_not_called_valid(make_window):
    window = make_window("mlp")
    assert window.files.new()
    QApplication.processEvents()
    assert "Valid" not in window.status_text() and "Empty model" in window.status_text()


def test_palette_search_for_add_finds_add_not_every_layer(make_window):
    window = make_window("mlp")
    palette = window.palette
    palette.filter("Add")
    shown = palette.visible_types()
    assert "Add" in shown and "ops.add" in shown and len(shown) <= 6  # the layer and the operation x + y


def test_quick_add_never_puts_a_card_on_another(make_window, qtbot):
    window = make_window("mlp")
    view = window.current_view()
    scene = view.graph_scene()
    doc = scene.document
    first = next(n for n in doc.nodes if doc.layer_of(n).type == "Input")
    scene.select_nodes([first])
    item = scene.node_item(first)
    on_top = item.card_rect().translated(item.scenePos()).center()
    for _ in range(3):
        scene.select_nodes([first])
        new = view.quick_add("Dense", on_top)
        assert new is not None
    rects = [(n, it.card_rect().translated(it.scenePos())) for n, it in ((n, scene.node_item(n)) for n in doc.nodes)]
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            assert not ra.intersects(rb), f"{a} and {b} overlap"


def test_summary_header_does_not_name_a_package(qtbot):
    from editor.panels.summary_panel import SummaryPanel

    class _Summary(QObject):
        ready = Signal()
        summaryReady = Signal(int, object)
        buildFailed = Signal(int, object)
        crashed = Signal(str)
        is_ready = True

        def request_summary(self, doc, revision=None, *, expand_nested=False) -> int:
            return 1

    b = GraphBuilder("broken")
    x = b.input("x", shape=(4,))
    b.layer("Conv2D", x, filters=2, kernel_size=3)  # needs a 4-D input: the model has an error
    panel = SummaryPanel(_Summary())
    qtbot.addWidget(panel)
    panel.set_session(DocumentSession(b.document))
    assert "graph_core" not in panel.params_label.text()
