"""The Step through panel: one sample traced in the real Keras worker, then walked node by node."""

from __future__ import annotations

import pytest

from editor.panels.step_panel import StepPanel
from graph_core.edits import SetConfig
from graph_core.templates import load_template
from tests.editor.worker_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import READY_MS

pytestmark = [pytest.mark.gui, pytest.mark.keras, pytest.mark.slow]


def test_step_through_a_shared_layer_model(qtbot, worker, make_canvas):
    canvas = make_canvas(load_template("siamese-lstm"), show=False)
    session, doc = canvas.session, canvas.doc
    selected = []

    def select(ids, path=()):
        selected.append(list(ids))
        canvas.scene.select_nodes(ids)

    panel = StepPanel(worker, select_nodes=select, scene=lambda: canvas.scene)
    qtbot.addWidget(panel)
    panel.set_session(session)
    assert not panel.next_button.isEnabled()
    with qtbot.waitSignal(worker.traced, timeout=READY_MS):
        assert panel.run() is not None
    qtbot.waitUntil(lambda: panel.trace is not None)
    order = panel.trace["order"]
    assert [panel.steps.item(i).text() for i in range(panel.steps.count())][:2] == ["1. left", "2. right"]
    assert panel.index == 0 and "left" in panel.details.text() and "(1, 8, 128)" in panel.details.text()
    assert panel.picture.kind == "heatmap"
    numbers = sorted(int(item.childItems()[0].text()) for item in panel.labels.items)
    assert numbers == list(range(1, len(order) + 1))  # every card shows its step number
    lstm_calls = doc.nodes_of(doc.layer_by_name("shared_lstm").id)
    panel.go(order.index(lstm_calls[1]))
    assert "call 2 of 2 of the shared layer" in panel.details.text()
    assert selected[-1][0] == lstm_calls[1] and doc.nodes[lstm_calls[1]].inputs[0].node in selected[-1]
    assert panel.picture.kind == "bars"  # a (1, 32) vector
    panel.go(len(order) - 1)
    assert not panel.next_button.isEnabled() and panel.back_button.isEnabled()
    panel.next_button.click()
    assert panel.index == len(order) - 1
    panel.back_button.click()
    assert panel.index == len(order) - 2
    session.push(SetConfig(doc.layer_by_name("predictions").id, "units", 1))
    qtbot.waitUntil(lambda: "changed" in panel.status.text())
    assert panel.labels.items == []


def test_play_walks_to_the_end(qtbot, worker, make_canvas):
    canvas = make_canvas(load_template("mlp"), show=False)
    panel = StepPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(canvas.session)
    panel.timer.setInterval(10)
    with qtbot.waitSignal(worker.traced, timeout=READY_MS):
        panel.run()
    panel.play_button.setChecked(True)
    qtbot.waitUntil(lambda: panel.index == len(panel.trace["order"]) - 1 and not panel.play_button.isChecked())
