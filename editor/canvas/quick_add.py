"""The quick-add popup: press Tab (or double-click empty canvas), type, Enter adds the layer there."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from editor.canvas import style as S
from graph_core import catalog
from graph_core.layer_kinds import APPLICATION_SPEC, APPLICATIONS, MODEL_SPEC
from graph_core.operations import OPERATION_SPECS

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

TYPE_ROLE = Qt.UserRole + 1
_NAVIGATION = {Qt.Key_Up, Qt.Key_Down, Qt.Key_PageUp, Qt.Key_PageDown}


def entries() -> list:
    """Everything the popup offers: ``(type, category, description)`` in palette order."""
    out = [(spec.type, spec.category, spec.description) for spec in catalog.CATALOG.values()]
    out.append((MODEL_SPEC.type, MODEL_SPEC.type,
                "A whole functional model used as a layer (double-click to edit it)."))
    out.extend((name, APPLICATION_SPEC.type, f"keras.applications.{name} as a layer (include_top=False)")
               for name in APPLICATIONS)
    out.extend((spec.type, spec.category, spec.description) for spec in OPERATION_SPECS.values())
    return out


def name_tokens(name: str) -> list:
    """The words of a CamelCase layer name, lower case: ``MaxPooling2D`` → ``max, pooling, 2d``."""
    return [t.lower() for t in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+[A-Z]*", name)]


def _subsequence(query: str, text: str) -> bool:
    it = iter(text)
    return all(ch in it for ch in query)


def rank(query: str, items: list) -> list:
    """Filter and order ``items`` (from :func:`entries`) for the typed ``query``.

    Exact names first, then prefixes, word prefixes (``pool`` → ``MaxPooling2D``), substrings,
    abbreviations (``c2d`` → ``Conv2D``) and finally matches in the description.
    """
    q = query.strip().lower()
    if not q:
        return list(items)
    scored = []
    for order, item in enumerate(items):
        name = item[0].lower()
        if name == q:
            score = 0
        elif name.startswith(q):
            score = 1
        elif any(t.startswith(q) for t in name_tokens(item[0])):
            score = 2
        elif q in name:
            score = 3
        elif _subsequence(q, name):
            score = 4
        elif q in item[2].lower() or q in item[1].lower():
            score = 5
        else:
            continue
        scored.append((score, len(name) if score <= 2 else 0, order, item))
    scored.sort(key=lambda s: s[:3])
    return [s[3] for s in scored]


def _swatch(hex_code: str) -> QIcon:
    pixmap = QPixmap(10, 10)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(hex_code))
    painter.drawRoundedRect(0, 0, 10, 10, 3, 3)
    painter.end()
    from PySide6.QtGui import QIcon  # the class is made when the popup first opens, not at start

    return QIcon(pixmap)


class QuickAddPopup(QFrame):
    """A search box over the catalog; ``chosen(type)`` fires on Enter (or a click) and it closes.

    Args:
        parent: the widget it belongs to (the canvas view).
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget):
        super().__init__(parent, Qt.Popup)
        self.setAttribute(Qt.WA_DeleteOnClose, True)
        self.setObjectName("quickAdd")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet(
            "#quickAdd { background: white; border: 1px solid #C9CFD8; border-radius: 6px; }"
            "QLineEdit { border: 1px solid #C9CFD8; border-radius: 4px; padding: 4px 6px; }"
            "QListWidget { border: none; outline: none; }"
            "QListWidget::item { padding: 3px 4px; }"
            "QListWidget::item:selected { background: #E3ECFD; color: #1E2430; }"
            "QLabel { color: #6A7280; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Add layer…  (type to search, Enter to add)")
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        self.help = QLabel(self)
        self.help.setWordWrap(True)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        layout.addWidget(self.help)
        self._all = entries()
        self._icons = {}
        self.edit.textChanged.connect(self._filter)
        self.edit.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self.accept_current())
        self.list.itemClicked.connect(lambda _item: self.accept_current())
        self.list.currentItemChanged.connect(self._show_help)
        self.resize(340, 320)
        self._filter("")

    def open_at(self, global_pos: QPoint) -> None:
        """Show the popup with its top-left corner at ``global_pos`` and focus the search box."""
        self.move(global_pos)
        self.show()
        self.edit.setFocus(Qt.PopupFocusReason)

    def current_type(self) -> str:
        """The highlighted layer type ('' when nothing matches)."""
        item = self.list.currentItem()
        return item.data(TYPE_ROLE) if item is not None else ""

    def accept_current(self) -> None:
        """Emit ``chosen`` for the highlighted entry and close."""
        layer_type = self.current_type()
        if layer_type:
            self.chosen.emit(layer_type)
        self.close()

    def _filter(self, text: str) -> None:
        self.list.clear()
        for layer_type, category, description in rank(text, self._all):
            item = QListWidgetItem(f"{layer_type}    {category}" if category != layer_type else layer_type)
            item.setData(TYPE_ROLE, layer_type)
            item.setToolTip(description)
            icon = self._icons.get(category)
            if icon is None:
                icon = self._icons[category] = _swatch(S.category_color(category))
            item.setIcon(icon)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.help.setText("no layer matches")

    def _show_help(self, current, _previous=None) -> None:
        if current is not None:
            self.help.setText(current.toolTip())

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and event.type() == QEvent.KeyPress:
            key = event.key()
            if key in _NAVIGATION:
                self.list.keyPressEvent(event)
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter):
                self.accept_current()
                return True
            if key == Qt.Key_Escape:
                self.close()
                return True
        return super().eventFilter(obj, event)
