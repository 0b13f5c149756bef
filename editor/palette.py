"""The layer palette: every catalog layer by category, with a search box.

Dragging an entry starts a QDrag carrying :data:`MIME_LAYER` (the layer type, UTF-8) that the
canvas accepts; double-clicking (or Enter) emits :attr:`Palette.layerActivated` and the main
window adds the layer at the centre of the view.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.canvas.quick_add import name_tokens
from editor.canvas.style import category_color
from graph_core import catalog
from graph_core.layer_kinds import APPLICATION_SPEC, MODEL_SPEC
from graph_core.operations import CATEGORY as OPERATIONS_CATEGORY
from graph_core.operations import OPERATION_SPECS, get_operation

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

MIME_LAYER = "application/x-layerloom-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def search_words(layer_type: str, description: str, category: str) -> tuple:
    """The words a palette search matches the start of: the name, its parts, description, category."""
    words = [layer_type.lower(), layer_type.lower().rsplit(".", 1)[-1],  # ops.not_equal: "not_equal"
             *name_tokens(layer_type), category.lower()]
    words.extend(re.findall(r"[a-z0-9]+", description.lower()))
    return tuple(dict.fromkeys(words))

def palette_label(layer_type: str) -> str:
    """The entry's text: the layer type, or an operation's function with its operator
    (``add  x + y``, ``mean``)."""
    op = get_operation(layer_type)
    if op is None:
        return layer_type
    if op.symbol and len(op.operands) == 2:
        return f"{op.function}   x {op.symbol} y"
    if op.symbol:
        return f"{op.function}   {op.symbol}x"
    return "get_item   x[…]" if op.function == "get_item" else op.function


#: Extra entries that are not catalog layers: whole models used as layers.
MODEL_ENTRIES = (
    (MODEL_SPEC.type, ("A whole functional model used as a layer (shared like any layer). Double-click its "
                       "node on the canvas to draw the model inside.")),
    (APPLICATION_SPEC.type, ("A keras.applications model such as Xception (include_top=False) used as a "
                             "layer; its shapes and parameters come from Keras.")),
)
#: Entries drawn in their own colour rather than their category's.
_OWN_COLOUR = ("Input", MODEL_SPEC.type, APPLICATION_SPEC.type)
#: The categories shown open when the window opens.
_OPEN_AT_START = ("Core", "Convolution", "Merge")


def category_hex(category: str) -> str:
    """The category's colour: the canvas's, so palette entries and nodes match."""
    return category_color(MODEL_SPEC.type if category == MODEL_SPEC.category else category)


def category_icon(category: str, size: int = 12, layer_type: str = "") -> QIcon:
    """A small rounded swatch in the colour of the category (or of ``Input``/``Application``)."""
    from PySide6.QtGui import QIcon  # made when first needed: the palette shows its swatches as pixmaps

    return QIcon(category_swatch(category, size, layer_type))


def category_swatch(category: str, size: int = 12, layer_type: str = "") -> QPixmap:
    """The pixmap of :func:`category_icon`. The palette's entries show it as their decoration:
    their views make the same icon of it, and the editor's first frame then needs no QIcon class
    (PySide builds it, with its enums, in ~4 ms)."""
    if layer_type in _OWN_COLOUR:
        category = layer_type
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(category_hex(category))
    painter.setPen(colour.darker(130))
    painter.setBrush(colour)
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return pixmap


class _SearchField(QLineEdit):
    """The search box. Its clear button shows only while there is text, and the button's icon comes
    from the desktop's icon theme (~12 ms on X11), so it is added when the field first takes the
    focus (it then fades in with the first text typed, as always) or gets a text otherwise."""

    def __init__(self):
        super().__init__()
        self.textChanged.connect(self._text_changed)

    def focusInEvent(self, event) -> None:
        self._add_clear_button()
        super().focusInEvent(event)

    def _text_changed(self, text: str) -> None:
        if text:
            self._add_clear_button()

    def _add_clear_button(self) -> None:
        if not self.isClearButtonEnabled():
            self.textChanged.disconnect(self._text_changed)
            self.setClearButtonEnabled(True)


class _PaletteTree(QTreeWidget):
    """The tree of layers; its drags carry the layer type as :data:`MIME_LAYER`."""

    def mimeTypes(self) -> list:
        return [MIME_LAYER]

    def mimeData(self, items) -> QMimeData | None:
        types = [it.data(0, TYPE_ROLE) for it in items if it.data(0, TYPE_ROLE)]
        if not types:
            return None
        return layer_mime_data(types[0])

    def supportedDropActions(self):
        return Qt.DropAction.CopyAction


def layer_mime_data(layer_type: str) -> QMimeData:
    """The drag payload for ``layer_type`` (what the canvas accepts on drop)."""
    data = QMimeData()
    data.setData(MIME_LAYER, layer_type.encode("utf-8"))
    data.setText(layer_type)
    return data


class Palette(QWidget):
    """Layers by category with a search box.

    Signals:
        layerActivated(str): the user double-clicked (or pressed Enter on) a layer type.
    """

    layerActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("palette")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        self.search = _SearchField()
        self.search.setPlaceholderText("Search layers…")
        self.search.textChanged.connect(self.filter)
        layout.addWidget(self.search)
        self.tree = _PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(12)
        self.tree.setIconSize(QSize(12, 12))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemActivated.connect(self._activated)
        layout.addWidget(self.tree)
        self._populate()

    def _populate(self) -> None:
        groups = [(name, [(s.type, s.description) for s in specs]) for name, specs in catalog.categories()]
        groups.append(("Models", list(MODEL_ENTRIES)))
        groups.append((OPERATIONS_CATEGORY, [(s.type, s.description) for s in OPERATION_SPECS.values()]))
        self._entries = [(t, d, category) for category, entries in groups for t, d in entries]
        self._search_index: dict | None = None  # built by the first search, not at start-up
        # the entries of a collapsed category are made when it is first expanded (or searched):
        # the window opens with three categories open, so most entries are not seen yet
        self._unfilled: dict = {}
        for category, entries in groups:
            top = QTreeWidgetItem([category])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            if category in _OPEN_AT_START:
                self._fill(top, category, entries)
                top.setExpanded(True)
            else:
                top.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
                self._unfilled[id(top)] = (top, category, entries)
        self.tree.itemExpanded.connect(self._expanded)

    def _fill(self, top: QTreeWidgetItem, category: str, entries: list) -> None:
        """Add the entries of ``category`` under its item ``top``."""
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        swatch = category_swatch(category)
        decoration = Qt.ItemDataRole.DecorationRole
        items = []
        for layer_type, description in entries:
            item = QTreeWidgetItem([palette_label(layer_type)])
            item.setData(0, TYPE_ROLE, layer_type)
            item.setData(0, decoration, category_swatch(category, layer_type=layer_type)
                         if layer_type in _OWN_COLOUR else swatch)
            item.setToolTip(0, f"<b>{layer_type}</b><br>{description}<br><i>Drag onto the canvas, "
                               f"or double-click to add it.</i>")
            item.setFlags(flags)
            items.append(item)
        top.addChildren(items)
        top.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicatorWhenChildless)

    def _expanded(self, top: QTreeWidgetItem) -> None:
        pending = self._unfilled.pop(id(top), None)
        if pending is not None:
            self._fill(*pending)

    def _fill_all(self) -> None:
        """Make the entries of every category (searches and lookups see them all)."""
        while self._unfilled:
            _key, pending = self._unfilled.popitem()
            self._fill(*pending)

    def layer_items(self) -> list:
        """Every layer entry (QTreeWidgetItem), in palette order."""
        self._fill_all()
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out.extend(top.child(k) for k in range(top.childCount()))
        return out

    def item_for(self, layer_type: str) -> QTreeWidgetItem | None:
        """The entry of ``layer_type``, or None."""
        for item in self.layer_items():
            if item.data(0, TYPE_ROLE) == layer_type:
                return item
        return None

    def visible_types(self) -> list:
        """The layer types the current search shows."""
        return [it.data(0, TYPE_ROLE) for it in self.layer_items() if not it.isHidden()]

    def filter(self, text: str) -> None:
        """Show only layers matching every word of ``text``: each query word must start a word of
        the layer's type, description or category (case-insensitive), so "add" finds ``Add`` but
        not every layer whose help says "double-click to add", and "random image" or "vocabulary"
        narrow by what layers do.
        """
        needle = text.strip().lower()
        words = needle.split()
        index = self.search_index()
        self._fill_all()
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            shown = 0
            for k in range(top.childCount()):
                item = top.child(k)
                item_words = index.get((item.data(0, TYPE_ROLE), top.text(0)), ())
                hide = bool(words) and not all(any(w.startswith(q) for w in item_words) for q in words)
                item.setHidden(hide)
                shown += not hide
            top.setHidden(shown == 0)
            if needle:
                top.setExpanded(True)

    def search_index(self) -> dict:
        """``(layer type, category) -> the words a search matches`` (:func:`search_words`), built
        on first use."""
        if self._search_index is None:
            self._search_index = {(t, category): search_words(t, description, category)
                                  for t, description, category in self._entries}
        return self._search_index

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        layer_type = item.data(0, TYPE_ROLE)
        if layer_type:
            self.layerActivated.emit(layer_type)
