"""Canvas tabs: the main model plus one tab per opened nested ``Model`` layer, with a breadcrumb.

Double-clicking a Model node (the scene's ``openNestedRequested``) opens its sub-document in a
new tab with its own :class:`GraphScene`; edits there go through the same session (one undo
stack) and show up in the parent as a change of that layer. ``Application`` layers are single
nodes and have no tab. A tab is addressed by its *path*: the tuple of Model layer ids from the
top-level document down to it (``()`` is the main tab).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QToolButton, QVBoxLayout, QWidget

from editor.qt_signals import disconnect_quietly
from graph_core.document import Document


def default_scene_factory(session, doc: Document) -> tuple:
    """Build the canvas for ``doc``: ``(GraphScene, GraphView)``."""
    from editor.canvas import GraphScene, GraphView

    scene = GraphScene(session, doc)
    view = GraphView(scene)
    view.open_fitted = True  # every tab opens showing its graph
    return scene, view


def resolve_path(doc: Document, path: tuple) -> tuple:
    """Follow ``path`` (Model layer ids) from ``doc``.

    Returns:
        ``(document, names)``: the nested document and the layer names along the way, or
        ``(None, names so far)`` when a layer of the path no longer exists.
    """
    names = []
    for layer_id in path:
        layer = doc.layers.get(layer_id)
        if layer is None or layer.subgraph is None:
            return None, names
        names.append(layer.name)
        doc = layer.subgraph
    return doc, names


class _Tab:
    """One canvas tab: its path, document, scene and view."""

    def __init__(self, path: tuple, doc: Document, scene, view):
        self.path = path
        self.doc = doc
        self.scene = scene
        self.view = view


class NestedTabs(QWidget):
    """A tab per open (nested) model, each with its scene and view, and a breadcrumb bar.

    Args:
        scene_factory: ``(session, doc) -> (scene, view)``; the editor's canvas by default.

    Signals:
        currentChanged(): another tab became current (menus and the inspector follow it).
        selectionChanged(object doc, list node_ids): the current tab's selection changed.
        statusMessage(str): a scene's transient message.
        sceneCreated(object scene, object view): a tab was created (to connect extra signals).
    """

    currentChanged = Signal()
    selectionChanged = Signal(object, list)
    statusMessage = Signal(str)
    sceneCreated = Signal(object, object)

    def __init__(self, scene_factory: Callable | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("nestedTabs")
        self.scene_factory = scene_factory or default_scene_factory
        self.session = None
        self._tabs: list = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.breadcrumb = QLabel()
        self.breadcrumb.setObjectName("breadcrumb")
        self.breadcrumb.setTextFormat(Qt.TextFormat.RichText)
        self.breadcrumb.linkActivated.connect(self.open_crumb)
        layout.addWidget(self.breadcrumb)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("canvasTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setMovable(False)
        self.tabs.setTabBarAutoHide(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._current_changed)
        layout.addWidget(self.tabs, 1)

    # ------------------------------------------------------------------ session
    def set_session(self, session) -> None:
        """Show ``session``'s model in a single main tab (closing every other tab)."""
        if self.session is not None:
            disconnect_quietly(self.session.changed, self._on_changed)
        while self._tabs:
            self._remove(len(self._tabs) - 1)
        self.session = session
        session.changed.connect(self._on_changed)
        self._add_tab((), session.document)
        self._update_chrome()

    def _add_tab(self, path: tuple, doc: Document) -> int:
        scene, view = self.scene_factory(self.session, doc)
        tab = _Tab(path, doc, scene, view)
        self._tabs.append(tab)
        scene.nodeSelectionChanged.connect(lambda ids, tab=tab: self._selection(tab, ids))
        scene.openNestedRequested.connect(lambda layer_id, tab=tab: self.open_nested(tab.path + (layer_id,)))
        scene.statusMessage.connect(self.statusMessage)
        self.sceneCreated.emit(scene, view)
        index = self.tabs.addTab(view, self._title(path))
        bar = self.tabs.tabBar()
        if path:
            close = QToolButton()
            close.setObjectName("tabCloseButton")
            close.setText("×")
            close.setAutoRaise(True)
            close.setToolTip("Close this nested model's tab")
            close.clicked.connect(lambda _c=False, v=view: self.close_tab(self.tabs.indexOf(v)))
            bar.setTabButton(index, bar.ButtonPosition.RightSide, close)
        else:
            bar.setTabButton(index, bar.ButtonPosition.RightSide, None)
        return index

    def _remove(self, index: int) -> None:
        tab = self._tabs.pop(index)
        tab.scene.blockSignals(True)
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.blockSignals(False)
        closer = getattr(tab.scene, "close", None)  # GraphScene.close: stop following the session
        if callable(closer):
            try:
                closer()
            except RuntimeError:
                pass
        tab.view.setParent(None)
        tab.view.deleteLater()
        tab.scene.deleteLater()

    # ------------------------------------------------------------------ tabs
    def open_nested(self, path) -> int:
        """Show the nested model at ``path`` (a layer id or a tuple of them), opening its tab if needed.

        Returns:
            The tab index, or -1 when the path does not lead to a nested model.
        """
        if isinstance(path, str):
            path = self.current_path() + (path,)
        path = tuple(path)
        for i, tab in enumerate(self._tabs):
            if tab.path == path:
                self.tabs.setCurrentIndex(i)
                return i
        doc, _names = resolve_path(self.session.document, path)
        if doc is None:
            return -1
        index = self._add_tab(path, doc)
        self.tabs.setCurrentIndex(index)
        return index

    def close_tab(self, index: int) -> None:
        """Close tab ``index`` (the main tab stays)."""
        if 0 < index < len(self._tabs):
            was_current = index == self.tabs.currentIndex()
            self._remove(index)
            if was_current:
                self._current_changed(self.tabs.currentIndex())

    def count(self) -> int:
        """Number of tabs."""
        return len(self._tabs)

    def paths(self) -> list:
        """The path of every tab, in tab order."""
        return [t.path for t in self._tabs]

    def _current(self) -> _Tab | None:
        index = self.tabs.currentIndex()
        return self._tabs[index] if 0 <= index < len(self._tabs) else None

    def current_scene(self):
        """The current tab's GraphScene."""
        tab = self._current()
        return tab.scene if tab else None

    def current_view(self):
        """The current tab's GraphView."""
        tab = self._current()
        return tab.view if tab else None

    def current_document(self) -> Document | None:
        """The document shown in the current tab."""
        tab = self._current()
        return tab.doc if tab else None

    def current_path(self) -> tuple:
        """The path of the current tab (``()`` for the main tab)."""
        tab = self._current()
        return tab.path if tab else ()

    def scene_for(self, path: tuple):
        """The scene of the tab at ``path``, or None when it is not open."""
        for tab in self._tabs:
            if tab.path == tuple(path):
                return tab.scene
        return None

    def show_nodes(self, path: tuple, node_ids: list, fit: bool = False) -> None:
        """Select ``node_ids`` in the tab of ``path`` (opened and made current); fit the view when asked."""
        index = self.open_nested(tuple(path)) if path else 0
        if index < 0:
            return
        self.tabs.setCurrentIndex(index)
        tab = self._tabs[index]
        ids = [n for n in node_ids if n in tab.doc.nodes]
        tab.scene.select_nodes(ids)
        if ids:
            if fit:
                fitter = getattr(tab.view, "fit_to_nodes", None)
                if callable(fitter):
                    fitter(ids)
                else:
                    self._fit_items(tab, ids)
            else:
                self._ensure_visible(tab, ids)

    def _node_rect(self, tab: _Tab, ids: list):
        rect = None
        for item in tab.scene.selectedItems():
            r = item.sceneBoundingRect()
            rect = r if rect is None else rect.united(r)
        if rect is None:
            for nid in ids:
                x, y = tab.doc.nodes[nid].pos
                r = QRectF(x, y, 188, 80)
                rect = r if rect is None else rect.united(r)
        return rect

    def _fit_items(self, tab: _Tab, ids: list) -> None:
        rect = self._node_rect(tab, ids)
        if rect is None:
            return
        rect = rect.adjusted(-60, -60, 60, 60)
        view = tab.view
        set_zoom = getattr(view, "set_zoom", None)
        if callable(set_zoom):  # the canvas keeps its zoom bookkeeping through set_zoom
            port = view.viewport().rect()
            set_zoom(min(port.width() / max(rect.width(), 1.0), port.height() / max(rect.height(), 1.0), 1.0))
            view.centerOn(rect.center())
        else:
            view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def _ensure_visible(self, tab: _Tab, ids: list) -> None:
        rect = self._node_rect(tab, ids)
        if rect is None:
            return
        reveal = getattr(tab.view, "reveal", None)
        if callable(reveal):
            reveal(rect)
        else:
            tab.view.ensureVisible(rect, 40, 40)

    def view_center(self) -> QPointF:
        """The scene point at the centre of the current view."""
        view = self.current_view()
        if view is None:
            return QPointF()
        return view.mapToScene(view.viewport().rect().center())

    # ------------------------------------------------------------------ chrome
    def _title(self, path: tuple) -> str:
        doc, names = resolve_path(self.session.document, path)
        return names[-1] if names else self.session.document.name

    def _update_chrome(self) -> None:
        if self.session is None:
            return
        for i, tab in enumerate(self._tabs):
            self.tabs.setTabText(i, self._title(tab.path))
            self.tabs.setTabToolTip(i, " › ".join([self.session.document.name]
                                                 + resolve_path(self.session.document, tab.path)[1]))
        path = self.current_path()
        _doc, names = resolve_path(self.session.document, path)
        parts = [self.session.document.name] + names
        crumbs = []
        for depth, name in enumerate(parts):
            text = html.escape(name)
            if depth == len(parts) - 1:
                crumbs.append(f"<b>{text}</b>")
            else:
                crumbs.append(f"<a href='{depth}' style='color:#2563eb; text-decoration:none'>{text}</a>")
        self.breadcrumb.setText(" <span style='color:#9aa3b1'>›</span> ".join(crumbs))
        self.breadcrumb.setToolTip("Click a model to go back to it" if len(parts) > 1 else "")

    def breadcrumb_names(self) -> list:
        """The names shown in the breadcrumb (``["model", "encoder"]``)."""
        _doc, names = resolve_path(self.session.document, self.current_path())
        return [self.session.document.name] + names

    def open_crumb(self, href: str) -> None:
        """Go to the breadcrumb at depth ``href`` (``"0"`` is the top-level model)."""
        depth = int(href)
        path = self.current_path()[:depth]
        if path:
            self.open_nested(path)
        else:
            self.tabs.setCurrentIndex(0)

    def _current_changed(self, _index: int) -> None:
        self._update_chrome()
        self.currentChanged.emit()
        tab = self._current()
        if tab is not None:
            self.selectionChanged.emit(tab.doc, list(tab.scene.selected_node_ids()))

    def _selection(self, tab: _Tab, ids) -> None:
        if tab is self._current():
            self.selectionChanged.emit(tab.doc, list(ids))

    def _on_changed(self, doc, event) -> None:
        """Close tabs whose nested model was deleted; follow renames."""
        if event.kind not in ("structure", "name", "settings", "config", "reset"):
            return
        for i in range(len(self._tabs) - 1, 0, -1):
            tab = self._tabs[i]
            resolved, _names = resolve_path(self.session.document, tab.path)
            if resolved is not tab.doc:
                self.close_tab(i)
        self._update_chrome()
