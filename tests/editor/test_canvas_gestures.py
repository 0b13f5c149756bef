"""Canvas gestures with simulated mouse and keyboard: drop, wire, refuse, detach, move, delete, quick-add."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.canvas import MIME_LAYER
from graph_core.builder import GraphBuilder

pytestmark = pytest.mark.gui


def drag(cv, start: QPoint, end: QPoint, steps: int = 4, modifiers=Qt.NoModifier) -> None:
    """Press at ``start``, move in a few steps, release at ``end`` (viewport coordinates)."""
    vp = cv.view.viewport()
    QTest.mousePress(vp, Qt.LeftButton, modifiers, start)
    for k in range(1, steps + 1):
        QTest.mouseMove(vp, start + (end - start) * k / steps)
    QTest.mouseRelease(vp, Qt.LeftButton, modifiers, end)


def two_apart():
    """An Input and an unconnected Dense, far enough apart for a labelled edge."""
    b = GraphBuilder("m")
    x = b.input("x", shape=(32,))
    d = b.layer("Dense", [], name="dense", units=8)
    doc = b.document
    doc.nodes[d.node].pos = (420.0, 0.0)
    return doc, x.node, d.node


def chain():
    b = GraphBuilder("chain")
    x = b.input("x", shape=(8,))
    d1 = b.layer("Dense", x, name="d1", units=4)
    d2 = b.layer("Dense", d1, name="d2", units=4)
    b.output(d2, loss="mse")
    doc = b.document
    for k, nid in enumerate(doc.nodes):
        doc.nodes[nid].pos = (300.0 * k, 0.0)
    return doc, x.node, d1.node, d2.node


def centre(cv):
    cv.view.centerOn(cv.scene.items_bounding_rect().center())


def activate(cv, qtbot):
    cv.view.activateWindow()
    qtbot.waitActive(cv.view)
    cv.view.setFocus()


def test_drop_palette_item_creates_node(make_canvas, qtbot):
    cv = make_canvas()
    mime = QMimeData()
    mime.setData(MIME_LAYER, b"Dense")
    pos = QPointF(300, 200)
    vp = cv.view.viewport()
    enter = QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(vp, QDragMoveEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    with qtbot.waitSignal(cv.session.changed):
        QApplication.sendEvent(vp, QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    (nid,) = cv.doc.nodes
    assert cv.doc.layer_of(nid).type == "Dense"
    item = cv.scene.node_item(nid)
    assert item.sceneBoundingRect().contains(cv.view.mapToScene(pos.toPoint()))
    assert cv.scene.selected_node_ids() == [nid]
    cv.session.undo_stack.undo()
    assert not cv.doc.nodes and cv.scene.node_item(nid) is None
    cv.session.undo_stack.redo()
    assert cv.scene.node_item(nid) is not None


def test_connect_ports_by_mouse_drag_shows_shape_label(make_canvas, qtbot):
    doc, src, dst = two_apart()
    cv = make_canvas(doc)
    centre(cv)
    with qtbot.waitSignal(cv.session.checked):
        drag(cv, cv.port(src, "out"), cv.port(dst, "in"))
    assert [r.node for r in doc.nodes[dst].inputs] == [src]
    edge = cv.scene.edge_item(dst, 0)
    assert edge is not None and edge.label == "(None, 32)" and edge.label_shown()
    assert cv.scene.node_item(dst).shape_line == "(None, 8)"
    assert not cv.scene.wire_drag_active()
    cv.session.undo_stack.undo()
    assert doc.nodes[dst].inputs == [] and cv.scene.edge_item(dst, 0) is None
    cv.session.undo_stack.redo()
    assert cv.scene.edge_item(dst, 0) is not None


def test_drop_on_node_body_connects_to_first_free_port(make_canvas):
    doc, src, dst = two_apart()
    cv = make_canvas(doc)
    centre(cv)
    drag(cv, cv.port(src, "out"), cv.center_of(dst))
    assert [r.node for r in doc.nodes[dst].inputs] == [src]


def test_cycle_is_refused_with_reason(make_canvas, qtbot):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    vp = cv.view.viewport()
    start, end = cv.port(d2, "out"), cv.port(d1, "in")
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(vp, (start + end) / 2)
    QTest.mouseMove(vp, end)
    assert cv.scene.port_state(d1, 0) == "refused-hover"
    hint = cv.scene.drag_hint
    assert hint.isVisible() and "cycle" in hint.text
    with qtbot.waitSignal(cv.scene.statusMessage) as blocker:
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, end)
    assert "cycle" in blocker.args[0]
    assert [r.node for r in doc.nodes[d1].inputs] == [x]
    assert cv.session.undo_stack.count() == 0
    assert not hint.isVisible()


def test_ports_are_marked_while_dragging(make_canvas):
    b = GraphBuilder("m")
    x = b.input("x", shape=(8,))
    d = b.layer("Dense", x, name="taken", units=4)
    free = b.layer("Dense", [], name="free", units=4)
    cat = b.layer("Concatenate", [x, d], name="cat")
    doc = b.document
    for k, nid in enumerate(doc.nodes):
        doc.nodes[nid].pos = (260.0 * k, 0.0)
    cv = make_canvas(doc, size=(1300, 400))
    centre(cv)
    vp = cv.view.viewport()
    start = cv.port(x.node, "out")
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(vp, start + QPoint(30, 60))
    assert cv.scene.port_state(free.node, 0) == "ok"
    assert cv.scene.port_state(d.node, 0) == "refused"
    assert "occupied" in cv.scene.refusal_reason(d.node, 0)
    assert cv.scene.port_state(cat.node, 2) == "ok"  # the free extra port of a merge
    QTest.keyClick(vp, Qt.Key_Escape)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, start + QPoint(30, 60))
    assert not cv.scene.wire_drag_active()
    assert doc.nodes[free.node].inputs == []


def test_merge_grows_a_port_when_connected(make_canvas):
    b = GraphBuilder("m")
    x = b.input("x", shape=(8,))
    y = b.input("y", shape=(8,))
    z = b.input("z", shape=(8,))
    add = b.layer("Add", [x, y], name="add")
    doc = b.document
    doc.nodes[z.node].pos = (0.0, 300.0)
    doc.nodes[add.node].pos = (400.0, 100.0)
    cv = make_canvas(doc)
    centre(cv)
    assert cv.scene.node_item(add.node).n_in == 3
    drag(cv, cv.port(z.node, "out"), cv.port(add.node, "in", 2))
    assert [r.node for r in doc.nodes[add.node].inputs] == [x.node, y.node, z.node]
    assert cv.scene.node_item(add.node).n_in == 4


def test_detach_edge_to_empty_disconnects(make_canvas):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    drag(cv, cv.port(d1, "in"), cv.port(d1, "in") + QPoint(-40, 150))
    assert doc.nodes[d1].inputs == []
    assert cv.scene.edge_item(d1, 0) is None
    cv.session.undo_stack.undo()
    assert [r.node for r in doc.nodes[d1].inputs] == [x]
    assert cv.scene.edge_item(d1, 0).isVisible()


def test_detach_and_reconnect_is_one_undo_step(make_canvas):
    b = GraphBuilder("m")
    x = b.input("x", shape=(8,))
    d1 = b.layer("Dense", x, name="d1", units=4)
    d2 = b.layer("Dense", [], name="d2", units=4)
    doc = b.document
    doc.nodes[d1.node].pos = (350.0, 0.0)
    doc.nodes[d2.node].pos = (350.0, 200.0)
    cv = make_canvas(doc)
    centre(cv)
    drag(cv, cv.port(d1.node, "in"), cv.port(d2.node, "in"))
    assert doc.nodes[d1.node].inputs == []
    assert [r.node for r in doc.nodes[d2.node].inputs] == [x.node]
    assert cv.session.undo_stack.count() == 1
    cv.session.undo_stack.undo()
    assert [r.node for r in doc.nodes[d1.node].inputs] == [x.node]
    assert doc.nodes[d2.node].inputs == []


def test_detach_dropped_back_in_place_changes_nothing(make_canvas):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    port = cv.port(d1, "in")
    drag(cv, port, port)
    assert [r.node for r in doc.nodes[d1].inputs] == [x]
    assert cv.session.undo_stack.count() == 0
    assert cv.scene.edge_item(d1, 0).isVisible()


def test_moving_many_nodes_is_one_undo_step(make_canvas):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    before = {nid: n.pos for nid, n in doc.nodes.items()}
    cv.scene.select_nodes([x, d1])
    drag(cv, cv.center_of(d1), cv.center_of(d1) + QPoint(40, 80), steps=5)
    assert cv.session.undo_stack.count() == 1
    for nid in (x, d1):
        bx, by = before[nid]
        nx, ny = doc.nodes[nid].pos
        assert (nx - bx, ny - by) == (40.0, 80.0)
        assert (cv.scene.node_item(nid).x(), cv.scene.node_item(nid).y()) == (nx, ny)
    assert doc.nodes[d2].pos == before[d2]
    edge = cv.scene.edge_item(d1, 0)
    p1, p2 = edge.endpoints()
    item = cv.scene.node_item(x)
    assert p1 == item.scenePos() + item.port_pos("out", 0)
    cv.session.undo_stack.undo()
    assert {nid: n.pos for nid, n in doc.nodes.items()} == before
    assert (cv.scene.node_item(d1).x(), cv.scene.node_item(d1).y()) == before[d1]
    cv.session.undo_stack.redo()
    assert doc.nodes[x].pos == (before[x][0] + 40.0, before[x][1] + 80.0)


def test_delete_key_removes_selection_and_undo_restores(make_canvas, qtbot):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    cv.scene.select_nodes([d1])
    activate(cv, qtbot)
    QTest.keyClick(cv.view, Qt.Key_Delete)
    assert d1 not in doc.nodes and cv.scene.node_item(d1) is None
    assert doc.nodes[d2].inputs == []
    cv.session.undo_stack.undo()
    assert d1 in doc.nodes and cv.scene.edge_item(d2, 0) is not None


def test_selected_edge_and_backspace_disconnects(make_canvas, qtbot):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    edge = cv.scene.edge_item(d2, 0)
    p1, p2 = edge.endpoints()
    QTest.mouseClick(cv.view.viewport(), Qt.LeftButton, Qt.NoModifier, cv.to_view((p1 + p2) / 2))
    assert edge.isSelected()
    activate(cv, qtbot)
    QTest.keyClick(cv.view, Qt.Key_Backspace)
    assert doc.nodes[d2].inputs == []
    assert cv.session.undo_stack.count() == 1


def test_rubber_band_selects_nodes(make_canvas, qtbot):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    rect = cv.scene.node_item(x).sceneBoundingRect().united(cv.scene.node_item(d1).sceneBoundingRect())
    start = cv.to_view(rect.topLeft() + QPointF(-30, -30))
    end = cv.to_view(rect.bottomRight() + QPointF(10, 30))
    with qtbot.waitSignal(cv.scene.nodeSelectionChanged):
        drag(cv, start, end)
    assert cv.scene.selected_node_ids() == [x, d1]


def test_tab_opens_quick_add_and_enter_adds_connected_layer(make_canvas, qtbot):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    cv.scene.select_nodes([d2])
    cv.view.setFocus()
    QTest.mouseMove(cv.view.viewport(), cv.center_of(d2) + QPoint(150, 100))
    QTest.keyClick(cv.view, Qt.Key_Tab)
    popup = cv.view.quick_add_popup
    assert popup is not None and popup.isVisible()
    QTest.keyClicks(popup.edit, "dropo")
    assert popup.current_type() == "Dropout"
    with qtbot.waitSignal(cv.session.changed):
        QTest.keyClick(popup.edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: cv.view.quick_add_popup is None)
    new = cv.scene.selected_node_ids()[0]
    assert cv.doc.layer_of(new).type == "Dropout"
    assert [r.node for r in doc.nodes[new].inputs] == [d2]


def test_double_click_on_empty_canvas_opens_quick_add(make_canvas, qtbot):
    cv = make_canvas()
    QTest.mouseDClick(cv.view.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(200, 200))
    popup = cv.view.quick_add_popup
    assert popup is not None and popup.isVisible()
    QTest.keyClick(popup.edit, Qt.Key_Escape)
    qtbot.waitUntil(lambda: cv.view.quick_add_popup is None)
    assert not cv.doc.nodes


def test_quick_add_ranking():
    from editor.canvas.quick_add import entries, rank

    items = entries()
    assert rank("conv2d", items)[0][0] == "Conv2D"
    assert rank("dense", items)[0][0] == "Dense"
    assert any(e[0] == "MaxPooling2D" for e in rank("pool", items)[:8])
    assert rank("xcep", items)[0][0] == "Xception"
    assert rank("zzzz", items) == []


def test_double_click_model_node_requests_open(make_canvas, qtbot):
    inner = GraphBuilder("encoder")
    i = inner.input("img", shape=(4,))
    inner.output(inner.layer("Dense", i, units=2))
    b = GraphBuilder("outer")
    x = b.input("x", shape=(4,))
    m = b.model_layer(inner.document, x, name="encoder")
    doc = b.document
    doc.nodes[m.node].pos = (300.0, 0.0)
    cv = make_canvas(doc)
    centre(cv)
    with qtbot.waitSignal(cv.scene.openNestedRequested) as blocker:
        QTest.mouseDClick(cv.view.viewport(), Qt.LeftButton, Qt.NoModifier, cv.center_of(m.node))
    assert blocker.args == [doc.nodes[m.node].layer]


def test_middle_drag_pans(make_canvas):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(800, 500))
    centre(cv)
    before = cv.view.mapToScene(QPoint(400, 250))
    vp = cv.view.viewport()
    QTest.mousePress(vp, Qt.MiddleButton, Qt.NoModifier, QPoint(400, 250))
    QTest.mouseMove(vp, QPoint(350, 230))
    QTest.mouseRelease(vp, Qt.MiddleButton, Qt.NoModifier, QPoint(350, 230))
    after = cv.view.mapToScene(QPoint(400, 250))
    assert after.x() == pytest.approx(before.x() + 50, abs=1)
    assert after.y() == pytest.approx(before.y() + 20, abs=1)
    assert cv.session.undo_stack.count() == 0


def test_wire_released_on_empty_offers_connected_quick_add(make_canvas, qtbot):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    start = cv.port(d2, "out")
    with qtbot.waitSignal(cv.scene.wireDroppedOnEmpty):
        drag(cv, start, start + QPoint(60, 120))
    popup = cv.view.quick_add_popup
    assert popup is not None and popup.isVisible()
    QTest.keyClicks(popup.edit, "Dense")
    QTest.keyClick(popup.edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: cv.view.quick_add_popup is None)
    new = cv.scene.selected_node_ids()[0]
    assert cv.doc.layer_of(new).type == "Dense"
    assert [r.node for r in doc.nodes[new].inputs] == [d2]
    assert cv.session.undo_stack.count() == 1


def test_port_tooltips(make_canvas):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, show=False)
    assert "(None, 4)" in cv.scene.port_tooltip(d1, "out", 0)
    assert "from 'x'" in cv.scene.port_tooltip(d1, "in", 0)


@pytest.mark.parametrize("how", ["space", "alt"])
def test_space_or_alt_drag_pans_without_moving_nodes(make_canvas, how):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(800, 500))
    centre(cv)
    before = cv.view.mapToScene(QPoint(400, 250))
    vp = cv.view.viewport()
    start = QPoint(400, 450)  # empty canvas below the chain
    if how == "space":
        QTest.keyPress(cv.view, Qt.Key_Space)
        drag(cv, start, start + QPoint(-60, -30))
        QTest.keyRelease(cv.view, Qt.Key_Space)
    else:
        drag(cv, start, start + QPoint(-60, -30), modifiers=Qt.AltModifier)
    after = cv.view.mapToScene(QPoint(400, 250))
    assert after.x() == pytest.approx(before.x() + 60, abs=1)
    assert after.y() == pytest.approx(before.y() + 30, abs=1)
    assert cv.session.undo_stack.count() == 0
    assert not cv.scene.selected_node_ids()
    assert vp is cv.view.viewport()


def test_a_refused_cycle_is_drawn_by_selecting_its_nodes(make_canvas, qtbot):
    doc, x, d1, d2 = chain()
    cv = make_canvas(doc, size=(1200, 500))
    centre(cv)
    vp = cv.view.viewport()
    start, end = cv.port(d2, "out"), cv.port(d1, "in")
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(vp, (start + end) / 2)
    QTest.mouseMove(vp, end)
    with qtbot.waitSignal(cv.scene.statusMessage) as blocker:
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, end)
    assert "a tensor can never feed the layers that compute it" in blocker.args[0]
    assert cv.scene.selected_node_ids() == [d1, d2]  # the path d1 → d2 the wire would close
