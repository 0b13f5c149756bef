"""The canvas actions of :class:`editor.canvas.view.GraphView` (delete, copy, paste, layout, zoom,
shared calls, outputs, collapse), with their shortcuts and the state they show for the selection.

A mixin: ``graph_scene()``, ``_actions`` and the zoom and find slots belong to the view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence

from editor.canvas import blocks
from editor.canvas import style as S


class CanvasActions:
    """Builds the view's actions and keeps them enabled for the selection (mixed into ``GraphView``)."""

    def _make_actions(self) -> dict:
        scene = self.graph_scene()
        specs = {
            "delete": ("Delete", [QKeySequence(QKeySequence.Delete), QKeySequence(Qt.Key_Backspace)],
                       scene.delete_selected),
            "copy": ("Copy", [QKeySequence(QKeySequence.Copy)], self._copy),
            "paste": ("Paste", [QKeySequence(QKeySequence.Paste)], self._paste),
            "duplicate": ("Duplicate", [QKeySequence("Ctrl+D")], scene.duplicate_selected),
            "select_all": ("Select All", [QKeySequence(QKeySequence.SelectAll)], scene.select_all),
            "fit": ("Fit to View", [QKeySequence("Ctrl+0"), QKeySequence(Qt.Key_Home)], self.fit_to_view),
            "auto_layout": ("Auto Layout", [QKeySequence("Ctrl+L")], self._auto_layout),
            "layout_tb": ("Top to Bottom", [QKeySequence("Ctrl+Shift+L")], self._toggle_direction),
            "find": ("Find Layer…", [QKeySequence(QKeySequence.Find)], self.open_find),
            "minimap": ("Minimap", [QKeySequence("Ctrl+M")], self._toggle_minimap),
            "zoom_in": ("Zoom In", [QKeySequence(QKeySequence.ZoomIn), QKeySequence("Ctrl+=")],
                        lambda: self.zoom_by(S.ZOOM_STEP)),
            "zoom_out": ("Zoom Out", [QKeySequence(QKeySequence.ZoomOut)], lambda: self.zoom_by(1 / S.ZOOM_STEP)),
            "call_again": ("Call Again (Shared Weights)", [QKeySequence("Ctrl+Shift+D")], self._call_again),
            "make_independent": ("Make Independent", [], self._make_independent),
            "mark_output": ("Mark as Output", [QKeySequence("Ctrl+Shift+O")], self._toggle_output),
            "collapse": ("Collapse into Nested Model", [QKeySequence("Ctrl+G")],
                         lambda: blocks.collapse_selection(self.graph_scene())),
            "expand": ("Expand Nested Model", [QKeySequence("Ctrl+Shift+G")],
                       lambda: blocks.expand_selected(self.graph_scene())),
        }
        tips = {
            "call_again": "Call the selected layer once more on new inputs: both calls share one set of weights",
            "make_independent": "Give this call its own copy of the shared layer (its own weights)",
            "mark_output": "Expose the selected layer's output as a model output",
            "auto_layout": "Arrange the graph in layers from inputs to outputs (long models wrap into bands)",
            "layout_tb": "Lay the graph out top to bottom (as Netron and plot_model draw it) instead of left to right",
            "fit": "Zoom to show the whole graph",
        }
        actions = {}
        for key, (text, shortcuts, slot) in specs.items():
            act = QAction(self)  # not QAction(text, parent): PySide would build QIcon to rule out (icon, text)
            act.setText(text)
            act.setObjectName(f"canvas_{key}")
            if shortcuts:
                act.setShortcuts(shortcuts)
            act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            if key in tips:
                act.setToolTip(tips[key])
                act.setStatusTip(tips[key])
            act.triggered.connect(lambda _checked=False, f=slot: f())
            self.addAction(act)
            actions[key] = act
        actions["mark_output"].setCheckable(True)
        actions["layout_tb"].setCheckable(True)
        actions["minimap"].setCheckable(True)
        actions["minimap"].setChecked(True)
        actions["layout_tb"].setChecked(scene.orientation == "TB")
        return actions

    def _update_actions(self, _ids=None) -> None:
        scene = self.graph_scene()
        doc = scene.document
        ids = [n for n in scene.selected_node_ids() if n in doc.nodes]
        one = len(ids) == 1
        a = self._actions
        a["delete"].setEnabled(bool(ids) or bool(scene.selected_edges()))
        a["copy"].setEnabled(bool(ids))
        a["duplicate"].setEnabled(bool(ids))
        a["call_again"].setEnabled(one)
        a["make_independent"].setEnabled(one and doc.is_shared(doc.nodes[ids[0]].layer))
        a["mark_output"].setEnabled(bool(ids))
        a["collapse"].setEnabled(bool(ids))
        a["expand"].setEnabled(one and doc.layer_of(ids[0]).type == "Model")
        is_out = bool(ids) and all(scene.is_output(n) for n in ids)
        a["mark_output"].setChecked(is_out)
        a["mark_output"].setText("Unmark as Output" if is_out else "Mark as Output")

    def _copy(self) -> None:
        text = self.graph_scene().copy_selected()
        QGuiApplication.clipboard().setText(text)

    def _paste(self) -> None:
        from editor.canvas.python_paste import paste_code  # issue 15: Keras code continuing a node

        paste_code(self.graph_scene(), QGuiApplication.clipboard().text(), self._cursor_scene_pos())

    def _auto_layout(self) -> None:
        if self.graph_scene().auto_layout():
            self.show_start()  # the whole graph if legible, else its inputs at a legible zoom

    def _toggle_direction(self) -> None:
        want = "TB" if self._actions["layout_tb"].isChecked() else "LR"
        if self.graph_scene().auto_layout(want):
            self.show_start()

    def _call_again(self) -> None:
        ids = self.graph_scene().selected_node_ids()
        if ids:
            self.graph_scene().call_again(ids[0])

    def _make_independent(self) -> None:
        ids = self.graph_scene().selected_node_ids()
        if ids:
            self.graph_scene().make_independent(ids[0])

    def _toggle_output(self) -> None:
        scene = self.graph_scene()
        ids = scene.selected_node_ids()
        if not ids:
            return
        if all(scene.is_output(n) for n in ids):
            for n in ids:
                scene.unmark_output(n)
        else:
            for n in ids:
                if not scene.is_output(n):
                    scene.mark_output(n)
        self._update_actions()
