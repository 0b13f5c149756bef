"""Drive a :class:`editor.main_window.MainWindow` the way a person does: palette drops, port drags,
clicks and double-clicks on cards, the Layer menu's actions, the inspector's fields, the tab bar.

Nothing here edits a document directly: every change goes through a widget or a canvas gesture.
Programmatic shortcuts are limited to what a widget itself receives from a user (``setValue`` of a
spin box, ``setText`` + ``editingFinished`` of a line edit, ``activated`` of a combo box).

The driver never sleeps: it waits on conditions (``qtbot.waitUntil``).
"""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton

from editor.canvas import style as S
from editor.param_editors import (
    BoolEditor,
    ComboEditor,
    EditableComboEditor,
    FloatEditor,
    IntEditor,
    LiteralEditor,
    TextEditor,
)
from editor.param_text import format_tuple
from editor.wrapped_layer import WrappedLayerEditor

#: Room kept between a gesture's points and the viewport's border (pixels).
MARGIN = 40


class GuiDriver:
    """User gestures on one main window.

    Args:
        window: the MainWindow (shown).
        qtbot: pytest-qt's bot (for waiting).
    """

    def __init__(self, window, qtbot):
        self.window = window
        self.qtbot = qtbot

    # ------------------------------------------------------------------ what is on screen
    @property
    def view(self):
        return self.window.current_view()

    @property
    def scene(self):
        return self.window.current_scene()

    @property
    def doc(self):
        return self.window.tabs.current_document()

    @property
    def inspector(self):
        return self.window.inspector

    def settle(self) -> None:
        """Wait until the inspector shows the current state (its rebuilds are deferred)."""
        self.qtbot.waitUntil(lambda: not self.inspector.rebuild_pending, timeout=2000)

    def _vp(self):
        return self.view.viewport()

    def _usable(self) -> QRectF:
        r = QRectF(self._vp().rect())
        return r.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)

    def to_view(self, scene_point: QPointF) -> QPoint:
        return self.view.mapFromScene(scene_point)

    def on_screen(self, scene_point: QPointF) -> QPoint:
        """The viewport pixel of ``scene_point``, which must be visible (a user only acts on what they see)."""
        p = self.to_view(scene_point)
        assert self._vp().rect().contains(p), f"{scene_point} is off screen ({p} not in {self._vp().rect()})"
        return p

    def port_point(self, node_id: str, kind: str, index: int) -> QPointF:
        item = self.scene.node_item(node_id)
        assert item is not None, f"no card for node {node_id}"
        return item.scenePos() + item.port_pos(kind, index)

    def card_center(self, node_id: str) -> QPointF:
        item = self.scene.node_item(node_id)
        assert item is not None, f"no card for node {node_id}"
        return item.mapToScene(item.card_rect().center())

    # ------------------------------------------------------------------ panning and zooming
    def pan(self, delta: QPoint) -> None:
        """Middle-button drags moving the canvas by ``delta`` viewport pixels (in steps on screen)."""
        vp = self._vp()
        centre = vp.rect().center()
        step_x, step_y = vp.width() // 3, vp.height() // 3
        remaining = QPoint(delta)
        while remaining.x() or remaining.y():
            dx = max(-step_x, min(step_x, remaining.x()))
            dy = max(-step_y, min(step_y, remaining.y()))
            QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, centre)
            QTest.mouseMove(vp, centre + QPoint(dx, dy))
            QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                               centre + QPoint(dx, dy))
            remaining -= QPoint(dx, dy)

    def _fits(self, rect: QRectF, zoom: float) -> bool:
        usable = self._usable()
        return rect.width() * zoom <= usable.width() and rect.height() * zoom <= usable.height()

    def show_scene_rect(self, rect: QRectF) -> None:
        """Zoom (View › Zoom In/Out) and pan (middle drag) until ``rect`` is on screen, at most 100 %."""
        actions = self.window.canvas_actions()
        view = self.view
        for _ in range(60):  # the largest zoom step ≤ 100 % at which the rect fits
            if not self._fits(rect, view.zoom):
                actions["zoom_out"].trigger()
            elif view.zoom * S.ZOOM_STEP <= 1.0 + 1e-6 and self._fits(rect, view.zoom * S.ZOOM_STEP):
                actions["zoom_in"].trigger()
            else:
                break
        for _ in range(3):  # panning may be clamped by the scene rect; then try again
            if self._usable().contains(QRectF(self.view.mapFromScene(rect).boundingRect())):
                break  # already in view: no need to pan
            target = self.to_view(rect.center())
            delta = self._vp().rect().center() - target
            if abs(delta.x()) <= 2 and abs(delta.y()) <= 2:
                break
            self.pan(delta)
        mapped = self.view.mapFromScene(rect).boundingRect()
        assert QRectF(self._vp().rect()).contains(QRectF(mapped)), \
            f"cannot bring {rect} on screen (viewport {self._vp().rect()}, got {mapped})"

    def show_points(self, *points: QPointF) -> None:
        xs, ys = [p.x() for p in points], [p.y() for p in points]
        rect = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))  # united() skips empty rects
        self.show_scene_rect(rect.adjusted(-20, -20, 20, 20))

    # ------------------------------------------------------------------ palette
    def drop_from_palette(self, entry: str, scene_center: QPointF) -> str:
        """Drag palette entry ``entry`` onto the canvas so the card is centred at ``scene_center``.

        Returns:
            The new node id (the canvas selects what it adds).
        """
        palette = self.window.palette
        item = palette.item_for(entry)
        assert item is not None, f"the palette has no entry {entry!r}"
        mime = palette.tree.mimeData([item])
        self.show_points(scene_center)
        pos = QPointF(self.on_screen(scene_center))
        vp = self._vp()
        actions, buttons, mods = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        enter = QDragEnterEvent(pos.toPoint(), actions, mime, buttons, mods)
        QApplication.sendEvent(vp, enter)
        assert enter.isAccepted(), f"the canvas refuses a drag of {entry!r}"
        QApplication.sendEvent(vp, QDragMoveEvent(pos.toPoint(), actions, mime, buttons, mods))
        before = set(self.doc.nodes)
        drop = QDropEvent(pos, actions, mime, buttons, mods)
        QApplication.sendEvent(vp, drop)
        new = [n for n in self.doc.nodes if n not in before]
        assert len(new) == 1, f"dropping {entry!r} added {len(new)} nodes ({self.window.statusBar().currentMessage()})"
        assert self.scene.selected_node_ids() == new
        self.settle()
        return new[0]

    # ------------------------------------------------------------------ canvas gestures
    def drag(self, start: QPoint, end: QPoint, steps: int = 4) -> None:
        vp = self._vp()
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for k in range(1, steps + 1):
            QTest.mouseMove(vp, start + (end - start) * k / steps)
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)

    def connect(self, source: str, out_index: int, target: str, in_port: int) -> None:
        """Drag from output port ``out_index`` of ``source`` to input port ``in_port`` of ``target``."""
        start_scene = self.port_point(source, "out", out_index)
        end_scene = self.port_point(target, "in", in_port)
        self.show_points(start_scene, end_scene)
        before = list(self.doc.nodes[target].inputs)
        self.drag(self.on_screen(start_scene), self.on_screen(end_scene))
        after = list(self.doc.nodes[target].inputs)
        assert len(after) == len(before) + 1, \
            f"the wire was not connected: {self.window.statusBar().currentMessage()!r}"
        self.settle()

    def click_node(self, node_id: str) -> None:
        """Click a card (selects it; the inspector shows its layer)."""
        self.show_points(self.card_center(node_id))
        QTest.mouseClick(self._vp(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         self.on_screen(self.card_center(node_id)))
        assert self.scene.selected_node_ids() == [node_id], \
            f"clicking {self.doc.node_label(node_id)} selected {self.scene.selected_node_ids()}"
        self.settle()
        assert self.inspector.node_ids == [node_id]

    def move_node(self, node_id: str, scene_center: QPointF) -> None:
        """Drag a card by its body so that its centre lands at ``scene_center``."""
        start = self.card_center(node_id)
        self.show_points(start, scene_center)
        self.drag(self.on_screen(start), self.on_screen(scene_center), steps=5)
        self.settle()

    def click_empty_canvas(self) -> None:
        """Click where there is no item (clears the selection: the inspector shows the model)."""
        vp = self._vp()
        rect = vp.rect()
        spot = None
        for y in range(MARGIN, rect.height() - MARGIN, 23):
            for x in range(MARGIN, rect.width() - MARGIN, 23):
                p = QPoint(x, y)
                if not [it for it in self.scene.items(self.view.mapToScene(p)) if it.isVisible()]:
                    spot = p
                    break
            if spot is not None:
                break
        assert spot is not None, "no empty spot on the canvas"
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, spot)
        assert self.scene.selected_node_ids() == []
        self.settle()
        assert self.inspector.node_ids == [] and self.inspector.document is self.doc

    def double_click_node(self, node_id: str) -> None:
        self.show_points(self.card_center(node_id))
        QTest.mouseDClick(self._vp(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                          self.on_screen(self.card_center(node_id)))

    def trigger(self, key: str) -> None:
        """A canvas action, as in the Edit/View/Layer menus (``call_again``, ``mark_output``…)."""
        action = self.window.canvas_actions()[key]
        assert action.isEnabled(), f"{action.text()} is disabled"
        action.trigger()
        self.settle()

    def call_again(self, node_id: str) -> str:
        """Select ``node_id`` and use Layer › Call Again; returns the new node (selected)."""
        self.click_node(node_id)
        before = set(self.doc.nodes)
        self.trigger("call_again")
        new = [n for n in self.doc.nodes if n not in before]
        assert len(new) == 1 and self.scene.selected_node_ids() == new
        return new[0]

    # ------------------------------------------------------------------ nested models (tabs)
    def open_nested(self, node_id: str) -> None:
        """Double-click a Model card: its graph opens in a tab that becomes current."""
        layer_id = self.doc.nodes[node_id].layer
        path = self.window.tabs.current_path() + (layer_id,)
        self.double_click_node(node_id)
        self.qtbot.waitUntil(lambda: self.window.tabs.current_path() == path and self.view.isVisible(),
                             timeout=2000)
        self.settle()

    def click_tab(self, index: int) -> None:
        """Click a canvas tab in the tab bar."""
        bar = self.window.tabs.tabs.tabBar()
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         bar.tabRect(index).center())
        self.qtbot.waitUntil(lambda: self.window.tabs.tabs.currentIndex() == index and self.view.isVisible(),
                             timeout=2000)
        self.settle()

    # ------------------------------------------------------------------ inspector
    def rename(self, name: str) -> None:
        """Type a name in the inspector's name field (layer, or model when nothing is selected)."""
        edit = self.inspector.name_edit
        assert edit is not None
        edit.setText(name)
        edit.editingFinished.emit()
        error = self.inspector.name_error
        assert error is None or error.isHidden(), f"rename to {name!r} refused: {error.text()}"
        self.settle()

    def open_more_parameters(self) -> None:
        toggle = self.inspector.body.findChild(QToolButton, "advancedToggle")
        assert toggle is not None
        if not toggle.isChecked():
            toggle.click()

    def set_param(self, name: str, value) -> None:
        """Enter ``value`` in the inspector's editor of parameter ``name`` (opening *More parameters*)."""
        editor = self.inspector.editor(name)
        assert editor is not None, f"the inspector has no editor for {name!r}"
        if isinstance(editor, WrappedLayerEditor):  # a Bidirectional's or TimeDistributed's layer
            self.set_wrapped_layer(value)
            return
        if not editor.widget.isVisibleTo(self.inspector.body):
            self.open_more_parameters()
        enter_value(editor, value)
        self.settle()
        row = self.inspector.row(name)
        if row is not None:
            assert not row.parse_error, f"{name} = {value!r} refused: {row.parse_error}"

    def set_wrapped_layer(self, value: dict) -> None:
        """Choose the wrapped layer's type in its combo, then enter each of its parameters."""
        wrapped = self.inspector.wrapped_editor()
        assert wrapped is not None, "the inspector has no wrapped-layer editor"
        index = wrapped.combo.findData(value["type"])
        assert index >= 0, f"{value['type']!r} is not offered as the wrapped layer"
        wrapped.combo.setCurrentIndex(index)
        wrapped.combo.activated.emit(index)
        self.settle()
        for key, inner_value in (value.get("config") or {}).items():
            wrapped = self.inspector.wrapped_editor()
            editor = wrapped.editor(key)
            assert editor is not None, f"the wrapped {value['type']} has no editor for {key!r}"
            if not editor.widget.isVisibleTo(self.inspector.body) and wrapped.advanced_toggle is not None \
                    and not wrapped.advanced_toggle.isChecked():
                wrapped.advanced_toggle.click()
            enter_value(editor, inner_value)
            self.settle()
            row = self.inspector.wrapped_editor().row(key)
            assert not row.parse_error, f"layer.{key} = {inner_value!r} refused: {row.parse_error}"

    def mark_output(self) -> None:
        """The inspector's *Mark as model output* button for the selected node."""
        button = self.inspector.mark_output_button
        assert button is not None, "no 'Mark as model output' button"
        button.click()
        self.settle()

    def set_output(self, loss, loss_weight: float, metrics: list, box: int = 0) -> None:
        """Choose the loss, loss weight and metrics in the inspector's output box."""
        out = self.inspector.output_editors()[box]
        index = out.loss.findData(loss)
        assert index >= 0, f"{loss!r} is not in the loss list"
        out.loss.setCurrentIndex(index)
        out.loss.activated.emit(index)
        out.weight.setValue(loss_weight)
        out.metrics.setText(", ".join(metrics))
        out.metrics.editingFinished.emit()
        self.settle()

    def set_setting(self, name: str, value) -> None:
        """A model setting (nothing selected): optimizer, learning_rate, epochs…"""
        editor = self.inspector.editor(name)
        assert editor is not None, f"no setting {name!r} in the inspector"
        enter_value(editor, value)
        self.settle()


def enter_value(editor, value) -> None:
    """Put ``value`` in a parameter editor as a person would with that widget."""
    if isinstance(editor, IntEditor):
        editor.spin.setValue(editor.low - 1 if value is None else int(value))
    elif isinstance(editor, BoolEditor):
        editor.box.setChecked(bool(value))
    elif isinstance(editor, ComboEditor):  # includes DtypeEditor
        text = "None" if value is None else str(value)
        index = editor.combo.findText(text)
        assert index >= 0, f"{text!r} is not a choice of {editor.param.name}"
        editor.combo.setCurrentIndex(index)
        editor.combo.activated.emit(index)
    elif isinstance(editor, EditableComboEditor):
        text = "None" if value is None else str(value)
        index = editor.combo.findText(text)
        if index >= 0:  # picked from the list
            editor.combo.setCurrentIndex(index)
            editor.combo.activated.emit(index)
        else:  # typed
            editor.combo.setCurrentText(text)
            editor.combo.lineEdit().editingFinished.emit()
    elif isinstance(editor, FloatEditor):
        editor.line.setText("" if value is None else repr(float(value)))
        editor.line.editingFinished.emit()
    elif isinstance(editor, LiteralEditor):
        editor.line.setText("None" if value is None else json.dumps(value))
        editor.line.editingFinished.emit()
    elif isinstance(editor, TextEditor):  # int tuples, shapes, axes
        editor.line.setText(format_tuple(value))
        editor.line.editingFinished.emit()
    else:  # pragma: no cover - a new editor kind
        raise AssertionError(f"no way to enter a value in {type(editor).__name__}")
