"""Keyword ports on the canvas and call keywords in the inspector (issue 9.4): a wire dragged onto
an LSTM's ``initial_state[0]`` port passes that state, in one undoable step; the ports are named
on the card; ``use_causal_mask`` / ``training`` are edited in the inspector, each one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from editor.session import DocumentSession
from graph_core.builder import GraphBuilder
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]


def drag(cv, start: QPoint, end: QPoint, steps: int = 4) -> None:
    vp = cv.view.viewport()
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    for k in range(1, steps + 1):
        QTest.mouseMove(vp, start + (end - start) * k / steps)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, end)


def seq2seq_doc():
    b = GraphBuilder("s2s")
    enc_in = b.input("enc_in", shape=(None, 8))
    dec_in = b.input("dec_in", shape=(None, 6))
    enc = b.layer("LSTM", enc_in, name="encoder", units=16, return_state=True)
    dec = b.layer("LSTM", dec_in, name="decoder", units=16, return_sequences=True)
    b.output(dec)
    doc = b.document
    for nid, pos in zip(doc.nodes, [(0, 0), (0, 200), (300, 0), (650, 200)]):
        doc.nodes[nid].pos = pos
    return doc, enc.node, dec.node


def test_a_wire_dropped_on_initial_state_ports_passes_the_states(make_canvas, qtbot):
    doc, enc, dec = seq2seq_doc()
    cv = make_canvas(doc)
    cv.view.centerOn(cv.scene.items_bounding_rect().center())
    item = cv.scene.node_item(dec)
    assert item.n_in == 3 and item.port_names == {1: "initial_state[0]", 2: "mask"}
    steps = cv.session.undo_stack.count()
    with qtbot.waitSignal(cv.session.checked):
        drag(cv, cv.port(enc, "out", 1), cv.port(dec, "in", 1))
    assert doc.nodes[dec].keyword_inputs == {"initial_state": 1}
    assert cv.scene.node_item(dec).port_names == {1: "initial_state[0]", 2: "initial_state[1]", 3: "mask"}
    with qtbot.waitSignal(cv.session.checked):
        drag(cv, cv.port(enc, "out", 2), cv.port(dec, "in", 2))
    assert doc.nodes[dec].keyword_inputs == {"initial_state": 2}
    assert cv.session.result().status == "valid"
    assert cv.scene.edge_item(dec, 2) is not None
    assert cv.session.undo_stack.count() == steps + 2
    cv.session.undo_stack.undo()
    assert doc.nodes[dec].keyword_inputs == {"initial_state": 1}
    cv.session.undo_stack.undo()
    assert doc.nodes[dec].keyword_inputs == {} and len(doc.nodes[dec].inputs) == 1


def test_a_keyword_drop_closing_a_cycle_is_refused_with_a_reason(make_canvas, qtbot):
    from graph_core.call_edits import ConnectKeyword

    doc, enc, dec = seq2seq_doc()
    doc.apply(ConnectKeyword((enc, 1), dec, "initial_state"))
    cv = make_canvas(doc)
    cv.view.centerOn(cv.scene.items_bounding_rect().center())
    assert cv.scene.node_item(enc).port_names == {1: "initial_state[0]", 2: "mask"}
    messages: list = []
    cv.scene.statusMessage.connect(messages.append)
    drag(cv, cv.port(dec, "out", 0), cv.port(enc, "in", 1))
    assert doc.nodes[enc].keyword_inputs == {}
    assert messages and "cycle" in messages[-1] and "'encoder'" in messages[-1]


def test_call_keywords_are_edited_in_the_inspector(qtbot, make_window):
    b = GraphBuilder("att")
    x = b.input("tokens", shape=(6, 8))
    mha = b.layer("MultiHeadAttention", [x, x], name="mha", num_heads=2, key_dim=4)
    b.output(mha)
    window = make_window(DocumentSession(b.document))
    session, doc = window.session, window.session.document
    window.current_scene().select_nodes([mha.node])
    qtbot.waitUntil(lambda: window.inspector.layer() is not None and not window.inspector.rebuild_pending)
    section = window.inspector.body.call_section
    assert set(section.checks) == {"use_causal_mask", "return_attention_scores"}
    steps = session.undo_stack.count()
    section.checks["use_causal_mask"].click()
    assert doc.nodes[mha.node].call_kwargs == {"use_causal_mask": True}
    section.checks["return_attention_scores"].click()
    qtbot.waitUntil(lambda: len(session.result().output_specs(mha.node)) == 2)
    section.training.setCurrentIndex(2)
    section.training.activated.emit(2)
    assert doc.nodes[mha.node].call_kwargs == {"use_causal_mask": True, "return_attention_scores": True,
                                                 "training": False}
    assert session.undo_stack.count() == steps + 3
    session.undo_stack.undo()
    qtbot.waitUntil(lambda: window.inspector.body.call_section.training.currentIndex() == 0)
    assert "attention_mask" in window.inspector.body.call_section.inputs_label.text()
