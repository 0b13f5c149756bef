"""Find a layer by name or type on the canvas (Ctrl+F): next/previous, the view centres on it.

The bar floats over the top-right corner of a :class:`editor.canvas.view.GraphView`. Typing
searches the names and Keras types of the canvas's nodes (case-insensitive, parts of words too);
Enter / F3 goes to the next match, Shift+Enter / Shift+F3 to the previous one; Escape closes it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton

from editor.canvas import style as S


def find_nodes(doc, text: str) -> list:
    """Node ids of ``doc`` whose layer name, call label or type contains ``text`` (document order).

    Exact names come first, then names starting with the text, then any other match.
    """
    needle = text.strip().lower()
    if not needle:
        return []
    ranked = []
    for order, nid in enumerate(doc.nodes):
        layer = doc.layer_of(nid)
        name = layer.name.lower()
        kind = str(layer.config.get("application") or layer.type).lower()
        if name == needle:
            rank = 0
        elif name.startswith(needle):
            rank = 1
        elif needle in name or needle in doc.node_label(nid).lower():
            rank = 2
        elif needle in kind:
            rank = 3
        else:
            continue
        ranked.append((rank, order, nid))
    ranked.sort()
    return [nid for _, _, nid in ranked]


class FindBar(QFrame):
    """The find box of one canvas view.

    Signals:
        found(str): the node id now selected and centred.
    """

    found = Signal(str)

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setObjectName("findBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Find layer by name or type…")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(220)
        self.count = QLabel("")
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(56)
        prev_button, next_button, close = QToolButton(), QToolButton(), QToolButton()
        prev_button.setText("▲")
        prev_button.setToolTip("Previous match (Shift+Enter)")
        next_button.setText("▼")
        next_button.setToolTip("Next match (Enter)")
        close.setText("×")
        close.setToolTip("Close (Escape)")
        for b in (prev_button, next_button, close):
            b.setAutoRaise(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 3, 3)
        row.setSpacing(2)
        row.addWidget(self.edit, 1)
        row.addWidget(self.count)
        row.addWidget(prev_button)
        row.addWidget(next_button)
        row.addWidget(close)
        self.matches: list = []
        self.index = -1
        self.edit.textChanged.connect(self._search)
        prev_button.clicked.connect(self.previous)
        next_button.clicked.connect(self.next)
        close.clicked.connect(self.close_bar)
        self.edit.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj, event) -> bool:
        """Escape closes; Shift+Enter and Shift+F3 go back; F3 goes on (also when the window is inactive)."""
        if obj is self.edit and event.type() == QEvent.Type.KeyPress:
            key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F3):
                self._go(-1 if shift else 1)
                return True
        return super().eventFilter(obj, event)

    def open_bar(self) -> None:
        """Show the bar with its text selected, ready to type."""
        self.place()
        self.show()
        self.raise_()
        self.edit.setFocus()
        self.edit.selectAll()
        if self.edit.text():
            self._search(self.edit.text())

    def close_bar(self) -> None:
        """Hide the bar and give the focus back to the canvas."""
        self.hide()
        self.view.setFocus()

    def place(self) -> None:
        """Keep to the top-right corner of the view."""
        self.adjustSize()
        vp = self.view.viewport().geometry()
        self.move(vp.right() - self.width() - 10, vp.top() + 10)

    def _search(self, text: str) -> None:
        self.matches = find_nodes(self.view.graph_scene().document, text)
        self.index = -1
        if self.matches:
            self.next()
        else:
            self.count.setText("no match" if text.strip() else "")

    def next(self) -> None:
        """Select and centre the next match (wrapping around)."""
        self._go(1)

    def previous(self) -> None:
        """Select and centre the previous match (wrapping around)."""
        self._go(-1)

    def _go(self, step: int) -> None:
        doc = self.view.graph_scene().document
        self.matches = [n for n in self.matches if n in doc.nodes]
        if not self.matches:
            self.count.setText("no match" if self.edit.text().strip() else "")
            return
        self.index = (self.index + step) % len(self.matches)
        nid = self.matches[self.index]
        self.count.setText(f"{self.index + 1} of {len(self.matches)}")
        self.show_node(nid)
        self.found.emit(nid)

    def show_node(self, nid: str) -> None:
        """Select node ``nid`` and centre the view on it, zoomed in far enough to read it."""
        scene = self.view.graph_scene()
        scene.select_nodes([nid])
        item = scene.node_item(nid)
        if item is None:
            return
        if self.view.zoom < S.LOD_MEDIUM:
            self.view.set_zoom(1.0)
        self.view.centerOn(item.sceneBoundingRect().center())
