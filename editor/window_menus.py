"""The menus of :class:`editor.main_window.MainWindow`: File, Edit, View and Layer, with the current
canvas view's actions (``GraphView.actions()``) slotted into Edit, View and Layer.

A mixin: the window's ``files``, ``undo_group``, docks and slots (``quit_application``,
``_open_selected_nested``, ``_layer_help``) are its own.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

#: Canvas action keys (GraphView.actions()) shown in each menu, in order; None = separator.
EDIT_KEYS = ("copy", "paste", "duplicate", "delete", None, "select_all", "find")
VIEW_KEYS = ("fit", "zoom_in", "zoom_out", "auto_layout", "layout_tb", "minimap")
LAYER_KEYS = ("call_again", "make_independent", "mark_output", None, "collapse", "expand")


class WindowMenus:
    """Builds the window's menus and keeps the canvas actions in them (mixed into ``MainWindow``).

    The actions' icons (the style's standard pixmaps, named by ``QStyle.StandardPixmap`` member
    names) are only seen in an open menu, so they are set when a menu is first about to show:
    the style's Python type and its icons are not made before the window's first frame.
    """

    def _icon_later(self, action: QAction, kind: str) -> None:
        self._pending_icons.append((action, kind))

    def _set_icons(self) -> None:
        """Give the actions their icons (once, before a menu first shows)."""
        from PySide6.QtWidgets import QStyle

        pending, self._pending_icons = self._pending_icons, []
        for action, kind in pending:
            action.setIcon(self.style().standardIcon(getattr(QStyle.StandardPixmap, kind)))

    def _action(self, text: str, slot, shortcut=None, icon=None, tip: str = "") -> QAction:
        action = QAction(self)  # not QAction(text, parent): PySide would build QIcon to rule out (icon, text)
        action.setText(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            self._icon_later(action, icon)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _import_python_source(self, _checked: bool = False) -> bool:
        from editor.source_import_action import import_python_source

        return import_python_source(self)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self._pending_icons: list = []
        files = self.files
        self.file_menu: QMenu = bar.addMenu("&File")
        self.new_action = self._action("&New", files.new, QKeySequence.StandardKey.New, "SP_FileIcon",
                                       "Start an empty model")
        self.new_template_action = self._action("New from &template…", files.new_from_template, "Ctrl+Shift+N",
                                                tip="Start from one of the Functional-API patterns")
        self.open_action = self._action("&Open…", files.open, QKeySequence.StandardKey.Open,
                                        "SP_DialogOpenButton", "Open a .loom file")
        self.import_source_action = self._action(  # issue 15: Keras code in, graph out
            "Import Python &source…", self._import_python_source,
            tip="Read a Keras Functional-API .py file (never run) as a new model")
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.save_action = self._action("&Save", files.save, QKeySequence.StandardKey.Save,
                                        "SP_DialogSaveButton", "Save the model")
        self.save_as_action = self._action("Save &As…", files.save_as, QKeySequence.StandardKey.SaveAs)
        self.export_python_action = self._action("Export &Python…", files.export_python, "Ctrl+E",
                                                 tip="Write the model as Keras Functional-API Python")
        self.export_image_action = self._action("Export &Image…", files.export_image,
                                                tip="Draw the graph to a PNG or SVG file")
        self.quit_action = self._action("&Quit", self.quit_application, QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        for item in (self.new_action, self.new_template_action, None, self.open_action, self.recent_menu,
                     self.import_source_action, None,
                     self.save_action, self.save_as_action, None, self.export_python_action,
                     self.export_image_action, None, self.quit_action):
            if item is None:
                self.file_menu.addSeparator()
            elif isinstance(item, QMenu):
                self.file_menu.addMenu(item)
            else:
                self.file_menu.addAction(item)

        self.edit_menu: QMenu = bar.addMenu("&Edit")
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self._icon_later(self.undo_action, "SP_ArrowBack")
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self._icon_later(self.redo_action, "SP_ArrowForward")
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        self.edit_menu.addSeparator()
        self._menu_slots["edit"] = (self.edit_menu, EDIT_KEYS, self.edit_menu.addSeparator())

        self.view_menu: QMenu = bar.addMenu("&View")
        self._menu_slots["view"] = (self.view_menu, VIEW_KEYS, self.view_menu.addSeparator())
        self.panels_menu = self.view_menu.addMenu("&Panels")
        for dock in self._docks:
            self.panels_menu.addAction(dock.toggleViewAction())

        self.layer_menu: QMenu = bar.addMenu("&Layer")
        self._menu_slots["layer"] = (self.layer_menu, LAYER_KEYS, self.layer_menu.addSeparator())
        self.open_nested_action = self._action("&Open nested model", self._open_selected_nested,
                                               tip="Open the selected Model layer in a tab")
        self.help_action = self._action("Layer &help", self._layer_help, QKeySequence.StandardKey.HelpContents,
                                        "SP_DialogHelpButton", "Documentation of the selected layer")
        self.layer_menu.addAction(self.open_nested_action)
        self.layer_menu.addAction(self.help_action)
        for menu in (self.file_menu, self.edit_menu, self.view_menu, self.layer_menu):
            menu.aboutToShow.connect(self._set_icons)

    def fill_recent_menu(self) -> None:
        """Rebuild File › Open Recent from the recent-files list."""
        self.recent_menu.clear()
        paths = self.files.recent.paths()
        for i, path in enumerate(paths):
            action = self.recent_menu.addAction(f"&{(i + 1) % 10}  {path}")
            action.triggered.connect(lambda _c=False, p=path: self.files.open(p))
        if not paths:
            empty = self.recent_menu.addAction("No recent files")
            empty.setEnabled(False)
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("Clear list")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self.files.recent.clear)

    def canvas_actions(self) -> dict:
        """The current view's actions (``GraphView.actions()``), as shown in the menus."""
        return dict(self._view_actions)

    def _install_view_actions(self, view) -> None:
        for menu, _keys, _marker in self._menu_slots.values():
            for action in self._view_actions.values():
                menu.removeAction(action)
        actions = {}
        if view is not None and callable(getattr(view, "actions", None)):
            try:
                actions = dict(view.actions())
            except TypeError:
                actions = {}
        self._view_actions = actions
        for menu, keys, marker in self._menu_slots.values():
            for key in keys:
                if key is None:
                    continue
                action = actions.get(key)
                if action is not None:
                    menu.insertAction(marker, action)
