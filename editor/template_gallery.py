"""File › New from template: a dialog listing the shipped templates with a drawn preview of each."""

from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.canvas.style import category_color
from graph_core import catalog, templates
from graph_core.document import Document
from graph_core.errors import LoomFormatError
from graph_core.layout import layered_positions

THUMB_SIZE = QSize(168, 104)
SLUG_ROLE = Qt.ItemDataRole.UserRole + 1

def _layer_color(layer_type: str) -> QColor:
    spec = catalog.get_spec(layer_type)
    category = "Input" if layer_type == "Input" else (spec.category if spec else layer_type)
    return QColor(category_color(category))


def template_thumbnail(doc: Document, size: QSize = THUMB_SIZE) -> QPixmap:
    """A small drawing of a document's graph: one rounded box per node, one line per edge.

    Cheap (no scene is built): positions come from the file (or the auto-layout when unset).
    """
    pixmap = QPixmap(size)
    pixmap.fill(QColor("#F5F6F8"))
    positions = {nid: node.pos for nid, node in doc.nodes.items()}
    if positions and len({tuple(p) for p in positions.values()}) <= 1 < len(positions):
        positions = layered_positions(doc)
    if not positions:
        return pixmap
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    box_w, box_h = 188.0, 80.0
    left, top = min(xs), min(ys)
    width = max(xs) - left + box_w
    height = max(ys) - top + box_h
    margin = 8.0
    scale = min((size.width() - 2 * margin) / width, (size.height() - 2 * margin) / height)
    off_x = (size.width() - width * scale) / 2
    off_y = (size.height() - height * scale) / 2

    def rect(nid: str) -> QRectF:
        x, y = positions[nid]
        return QRectF(off_x + (x - left) * scale, off_y + (y - top) * scale, box_w * scale, box_h * scale)

    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#9AA3B1"), 1.2))
    for nid, node in doc.nodes.items():
        target = rect(nid)
        for ref in node.inputs:
            if ref.node in positions:
                source = rect(ref.node)
                painter.drawLine(QPointF(source.right(), source.center().y()),
                                 QPointF(target.left(), target.center().y()))
    for nid in doc.nodes:
        r = rect(nid)
        colour = _layer_color(doc.layer_of(nid).type)
        painter.setPen(QPen(QColor("#C9CFD8"), 1))
        painter.setBrush(QColor("#FFFFFF"))
        radius = max(1.5, 6 * scale)
        painter.drawRoundedRect(r, radius, radius)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRect(QRectF(r.left(), r.top(), max(2.0, 4 * scale), r.height()))
    if any(out.node in positions for out in doc.outputs):
        painter.setPen(QPen(QColor("#1E2430"), 1.4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for out in doc.outputs:
            if out.node in positions:
                painter.drawRoundedRect(rect(out.node).adjusted(-1, -1, 1, 1), 3, 3)
    painter.end()
    return pixmap


class TemplateGallery(QDialog):
    """Lists every template (title, note, preview); :meth:`choose` returns the picked slug."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New from template")
        self.resize(720, 560)
        layout = QVBoxLayout(self)
        intro = QLabel("Start from one of the Functional-API patterns: several inputs or outputs, "
                       "branches, residual connections, shared layers, models used as layers.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setObjectName("templateList")
        self.list.setSpacing(2)
        self.list.setStyleSheet("QListWidget#templateList::item:selected { background: #dbe7fd; }"
                                "QListWidget#templateList::item:hover:!selected { background: #f1f5fb; }")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.list, 1)
        for info in templates.list_templates():
            item = QListWidgetItem()
            item.setData(SLUG_ROLE, info.slug)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, info.title)
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(6, 6, 6, 6)
            row_layout.setSpacing(12)
            thumb = QLabel()
            thumb.setFixedSize(THUMB_SIZE)
            try:
                thumb.setPixmap(template_thumbnail(templates.load_template(info.slug)))
            except (LoomFormatError, KeyError):
                pass
            row_layout.addWidget(thumb)
            text = QLabel(f"<b style='font-size:10pt'>{html.escape(info.title)}</b><br>"
                          f"<span style='color:#4b5563'>{html.escape(info.note)}</span>")
            text.setWordWrap(True)
            text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            row_layout.addWidget(text, 1)
            item.setSizeHint(QSize(0, THUMB_SIZE.height() + 12))
            self.list.addItem(item)
            self.list.setItemWidget(item, row)
        if self.list.count():
            self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def selected_slug(self) -> str | None:
        """The slug of the highlighted template."""
        item = self.list.currentItem()
        return item.data(SLUG_ROLE) if item is not None else None

    @classmethod
    def choose(cls, parent: QWidget | None = None) -> str | None:
        """Show the gallery modally; returns the chosen slug, or None when cancelled."""
        dialog = cls(parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.selected_slug()
            return None
        finally:
            dialog.deleteLater()
