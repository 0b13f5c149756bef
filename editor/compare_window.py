"""File › Compare with…: two models side by side, their differences coloured and listed.

The current model (A) and a chosen ``.loom`` file (B) are drawn on two read-only canvases, side by
side (one above the other when the graphs run left to right, so both stay readable).
:func:`graph_core.diff.diff` matches their layers (by name, then by structure) and each card is
framed by what happened to it: added (only in B), removed (only in A), changed (config keys
differ; they are written above the card) or rewired. The list below names every difference with
the params / FLOPs / memory delta; clicking an entry shows that layer on both canvases.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from editor.canvas.heat_map import HeatMap
from graph_core.cost_text import human_bytes, human_count
from graph_core.diff import ADDED, CHANGED, REMOVED, REWIRED, diff
from graph_core.document import Document

STATUS_COLOURS = {ADDED: "#2E9E55", REMOVED: "#D64545", CHANGED: "#E8A317", REWIRED: "#3B7DD8"}


def _signed(value, fmt) -> str:
    if value is None:
        return "?"
    return ("+" if value >= 0 else "−") + fmt(abs(value))


class CompareWindow(QWidget):
    """Two documents side by side with their differences.

    Args:
        doc_a: the left model (a copy is shown; it is not edited).
        doc_b: the right model.
        title_a, title_b: what to call them.
    """

    def __init__(self, doc_a: Document, doc_b: Document, title_a: str = "A", title_b: str = "B",
                 parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("compareWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.docs = [doc_a.clone(), doc_b.clone()]
        self.titles = [title_a, title_b]
        self.sessions: list = []
        self.scenes: list = []
        self.views: list = []
        self.headers: list = []
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.entries = QListWidget()
        self.entries.setObjectName("compareEntries")
        self.entries.itemClicked.connect(self._entry_clicked)
        self.entries.setMaximumHeight(170)
        self.summary = QLabel()
        self.summary.setObjectName("compareSummary")
        self.summary.setWordWrap(True)
        swap = QPushButton("Swap sides")
        swap.clicked.connect(self.swap)
        legend = QLabel("  ".join(f"<span style='color:{c}'>■</span> {k}" for k, c in STATUS_COLOURS.items()))
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(legend)
        row.addWidget(swap)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 3)
        layout.addLayout(row)
        layout.addWidget(self.entries, 1)
        self.resize(1400, 800)
        self._build()

    def _build(self) -> None:
        from editor.nested_tabs import default_scene_factory
        from editor.session import DocumentSession

        for widget in [self.splitter.widget(i) for i in range(self.splitter.count())]:
            widget.setParent(None)
            widget.deleteLater()
        for session in self.sessions:
            session.close()
        self.sessions, self.scenes, self.views = [], [], []
        self.headers = [QLabel(), QLabel()]
        for side, doc in enumerate(self.docs):
            session = DocumentSession(doc, parent=self)
            scene, view = default_scene_factory(session, doc)
            view.setInteractive(False)  # a comparison is read-only
            pane = QWidget()
            box = QVBoxLayout(pane)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(self.headers[side])
            box.addWidget(view, 1)
            self.splitter.addWidget(pane)
            self.sessions.append(session)
            self.scenes.append(scene)
            self.views.append(view)
        wide = all(r.width() > r.height() for r in (scene.items_bounding_rect() for scene in self.scenes))
        # left-to-right graphs are compared one above the other, so each keeps a readable zoom
        self.splitter.setOrientation(Qt.Orientation.Vertical if wide else Qt.Orientation.Horizontal)
        self.result = diff(self.docs[0], self.docs[1])
        self._colour()
        self._list()
        self.setWindowTitle(f"Compare {self.titles[0]} ↔ {self.titles[1]} — LayerLoom")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        for view in self.views:
            view.fit_to_view()

    def swap(self) -> None:
        """Exchange the two sides (what was added becomes removed)."""
        self.docs.reverse()
        self.titles.reverse()
        self._build()
        if self.isVisible():
            for view in self.views:
                view.fit_to_view()

    def _colour(self) -> None:
        changed_keys = dict(self.result.changed)
        name_in_b = {a: b for a, b in self.result.renamed.items()}
        for side, (doc, status) in enumerate(zip(self.docs, (self.result.status_a, self.result.status_b))):
            def colour(nid: str, doc=doc, status=status):
                kind = status.get(doc.nodes[nid].layer)
                return QColor(STATUS_COLOURS[kind]) if kind else None

            def text(nid: str, doc=doc, status=status, side=side):
                layer = doc.layer_of(nid)
                kind = status.get(layer.id)
                name = layer.name if side == 1 else name_in_b.get(layer.name, layer.name)
                keys = changed_keys.get(name) if kind == CHANGED else None
                return f"{kind}: {', '.join(keys)}" if keys else (kind or "")

            HeatMap(self.scenes[side]).paint(colour, text)
            differences = sum(1 for _ in status)
            self.headers[side].setText(f"<b>{'AB'[side]}: {self.titles[side]}</b> — {len(doc.layers)} layers, "
                                       f"{differences} differing")

    def _list(self) -> None:
        self.entries.clear()
        r = self.result
        renamed_back = {b: a for a, b in r.renamed.items()}
        rows = ([(ADDED, None, name, f"added: {name}") for name in r.added]
                + [(REMOVED, name, None, f"removed: {name}") for name in r.removed]
                + [(CHANGED, renamed_back.get(name, name), name, f"changed: {name} ({', '.join(keys)})")
                   for name, keys in r.changed]
                + [(REWIRED, renamed_back.get(name, name), name, f"rewired: {name}") for name in r.rewired])
        for kind, name_a, name_b, text in rows:
            item = QListWidgetItem(f"■ {text}")
            item.setForeground(QColor(STATUS_COLOURS[kind]))
            item.setData(Qt.ItemDataRole.UserRole, (name_a, name_b))
            self.entries.addItem(item)
        if not rows:
            self.entries.addItem("The two models have the same layers, settings and wiring.")
        d = r.delta
        self.summary.setText(
            f"{len(r.added)} added, {len(r.removed)} removed, {len(r.changed)} changed, {len(r.rewired)} rewired · "
            f"Δ params {_signed(d['params'], lambda v: f'{v:,}')} · Δ FLOPs {_signed(d['flops'], human_count)} · "
            f"Δ weights {_signed(d['weight_bytes'], human_bytes)} · "
            f"Δ activations {_signed(d['activation_bytes'], human_bytes)} (batch {d['batch_size']})")

    def _entry_clicked(self, item: QListWidgetItem) -> None:
        names = item.data(Qt.ItemDataRole.UserRole)
        if not names:
            return
        for side, name in enumerate(names):
            doc = self.docs[side]
            layer = doc.layer_by_name(name) if name else None
            self.scenes[side].select_nodes(doc.nodes_of(layer.id) if layer else [])

    def closeEvent(self, event) -> None:
        for session in self.sessions:
            session.close()
        super().closeEvent(event)


def compare_with_file(window, path: str | None = None) -> CompareWindow | None:
    """File › Compare with…: compare the window's model with a ``.loom`` file (asked for when None).

    Returns:
        The shown :class:`CompareWindow`, or None (no file chosen, or it cannot be read: the
        reason is shown as the open command shows it).
    """
    from graph_core import loom_format
    from graph_core.errors import LoomFormatError

    if path is None:
        path = window.files.dialogs.open_path()
        if path is None:
            return None
    try:
        other = loom_format.load(path)
    except LoomFormatError as exc:
        window.files.dialogs.error("Cannot compare", str(exc))
        return None
    compare = CompareWindow(window.session.document, other, window.session.title, os.path.basename(path), window)
    window.compare_window = compare
    compare.show()
    return compare
