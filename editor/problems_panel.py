"""The Problems panel: every problem of the model and its nested models, with what to do about it.

Each entry shows a severity icon, the message and the hint. Clicking an entry asks the main
window to select its nodes in the right canvas tab (opening a nested model's tab if needed);
double-clicking also fits the view to them.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from editor.qt_signals import disconnect_quietly
from graph_core.document import Document

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2
WHERE_ROLE = Qt.ItemDataRole.UserRole + 3
ICON_SIZE = 16
PAD = 6
HINT_COLOR = "#6b7280"


def nested_documents(doc: Document, path: tuple = (), names: tuple = ()) -> list:
    """Every document inside ``doc`` (itself included) as ``(path of layer ids, names, document)``."""
    found = [(path, names, doc)]
    for layer in doc.layers.values():
        if layer.subgraph is not None:
            found.extend(nested_documents(layer.subgraph, path + (layer.id,), names + (layer.name,)))
    return found


class _ProblemDelegate(QStyledItemDelegate):
    """Draws icon, message (wrapped) and, under it, the hint in grey."""

    def _fonts(self, option) -> tuple:
        message = QFont(option.font)
        hint = QFont(option.font)
        hint.setPointSizeF(max(7.0, option.font.pointSizeF() - 0.5))
        return message, hint

    def _texts(self, index) -> tuple:
        problem = index.data(PROBLEM_ROLE)
        where = index.data(WHERE_ROLE) or ""
        message = (f"{where} › " if where else "") + problem.message
        hint = f"→ {problem.hint}" if problem.hint else ""
        return message, hint

    def _text_width(self, option) -> int:
        view = self.parent()
        width = view.viewport().width() if view is not None else option.rect.width()
        return max(80, width - ICON_SIZE - 3 * PAD)

    def sizeHint(self, option, index) -> QSize:
        message, hint = self._texts(index)
        font_m, font_h = self._fonts(option)
        width = self._text_width(option)
        flags = int(Qt.TextFlag.TextWordWrap)
        h = QFontMetrics(font_m).boundingRect(QRect(0, 0, width, 10_000), flags, message).height()
        if hint:
            h += 2 + QFontMetrics(font_h).boundingRect(QRect(0, 0, width, 10_000), flags, hint).height()
        return QSize(width + ICON_SIZE + 3 * PAD, max(ICON_SIZE, h) + 2 * PAD)

    def paint(self, painter, option, index) -> None:
        from PySide6.QtWidgets import QStyle, QStyleOptionViewItem  # made when a problem is first drawn

        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else None
        problem = index.data(PROBLEM_ROLE)
        painter.save()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(opt.rect, opt.palette.color(QPalette.ColorRole.Highlight).lighter(185))
        elif opt.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(opt.rect, opt.palette.color(QPalette.ColorRole.AlternateBase))
        icon_kind = (QStyle.StandardPixmap.SP_MessageBoxCritical if problem.is_error
                     else QStyle.StandardPixmap.SP_MessageBoxWarning)
        if style is not None:
            icon = style.standardIcon(icon_kind)
            icon.paint(painter, QRect(opt.rect.left() + PAD, opt.rect.top() + PAD + 1, ICON_SIZE, ICON_SIZE))
        message, hint = self._texts(index)
        font_m, font_h = self._fonts(opt)
        width = self._text_width(opt)
        flags = int(Qt.TextFlag.TextWordWrap)
        x = opt.rect.left() + ICON_SIZE + 2 * PAD
        y = opt.rect.top() + PAD
        painter.setFont(font_m)
        painter.setPen(opt.palette.color(QPalette.ColorRole.Text))
        rect_m = QFontMetrics(font_m).boundingRect(QRect(0, 0, width, 10_000), flags, message)
        painter.drawText(QRect(x, y, width, rect_m.height()), flags, message)
        if hint:
            painter.setFont(font_h)
            painter.setPen(QColor(HINT_COLOR))
            rect_h = QFontMetrics(font_h).boundingRect(QRect(0, 0, width, 10_000), flags, hint)
            painter.drawText(QRect(x, y + rect_m.height() + 2, width, rect_h.height()), flags, hint)
        painter.setPen(opt.palette.color(QPalette.ColorRole.Midlight))
        painter.drawLine(opt.rect.left() + PAD, opt.rect.bottom(), opt.rect.right() - PAD, opt.rect.bottom())
        painter.restore()


class ProblemsPanel(QWidget):
    """Every problem of the session's model and nested models.

    Signals:
        problemActivated(object path, list node_ids, bool fit): select these nodes of the document
            at ``path`` (a tuple of nested Model layer ids; empty for the top level); ``fit`` asks
            to also fit the view to them (double-click).
    """

    problemActivated = Signal(object, list, bool)

    def __init__(self, session=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("problemsPanel")
        self.session = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        head = QHBoxLayout()
        head.setContentsMargins(8, 4, 8, 4)
        self.summary = QLabel()
        self.summary.setObjectName("problemsSummary")
        head.addWidget(self.summary, 1)
        from editor.problem_fixes import FixButton  # issue 15: one-click fixes

        self.fix_button = FixButton(self)
        layout.addLayout(head)
        layout.addWidget(self.fix_button)
        self.list = QListWidget()
        self.list.setObjectName("problemsList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMouseTracking(True)
        self.list.setItemDelegate(_ProblemDelegate(self.list))
        self.list.itemClicked.connect(lambda item: self._activate(item, False))
        self.list.itemDoubleClicked.connect(lambda item: self._activate(item, True))
        self.list.itemActivated.connect(lambda item: self._activate(item, False))
        self.list.currentItemChanged.connect(lambda item, _old: self._offer_fix(item))
        layout.addWidget(self.list, 1)
        self._pending = False
        if session is not None:
            self.set_session(session)

    def set_session(self, session) -> None:
        """Follow ``session``'s check results."""
        if self.session is not None:
            disconnect_quietly(self.session.checked, self._schedule)
        self.session = session
        session.checked.connect(self._schedule)
        self.refresh()

    def _schedule(self, *_args) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self.refresh)

    def entries(self) -> list:
        """What the panel lists: ``(path, where, problem)`` for the model and each nested model."""
        if self.session is None:
            return []
        found = []
        for path, names, doc in nested_documents(self.session.document):
            result = self.session.result(doc)
            where = " › ".join(names)
            found.extend((path, where, p) for p in result.problems)
        found.sort(key=lambda e: not e[2].is_error)
        return found

    def refresh(self) -> None:
        """Rebuild the list from the current check results."""
        self._pending = False
        if self.session is None:
            return
        entries = self.entries()
        self.list.clear()
        for path, where, problem in entries:
            item = QListWidgetItem()
            item.setData(PROBLEM_ROLE, problem)
            item.setData(PATH_ROLE, path)
            item.setData(WHERE_ROLE, where)
            item.setData(Qt.ItemDataRole.DisplayRole, problem.message)
            item.setToolTip(f"{problem.code}: {problem.message}" + (f"\nhint: {problem.hint}" if problem.hint else ""))
            self.list.addItem(item)
        errors = sum(1 for e in entries if e[2].is_error)
        warnings = len(entries) - errors
        if not entries:
            self.summary.setText("<span style='color:#15803d'>✓</span> No problems: the model can be built.")
        else:
            parts = []
            if errors:
                parts.append(f"<span style='color:#c62828'><b>{errors}</b> error{'s' if errors != 1 else ''}</span>")
            if warnings:
                parts.append(f"<span style='color:#b45309'><b>{warnings}</b> warning"
                             f"{'s' if warnings != 1 else ''}</span>")
            if not errors and self.session.result().unchecked:
                parts.insert(0, "<span style='color:#b45309'><b>Not checked</b>: LayerLoom cannot vouch for every "
                                "layer</span>")
            self.summary.setText(" · ".join(parts) + "  <span style='color:#6b7280'>(click to select)</span>")

    def _activate(self, item: QListWidgetItem, fit: bool) -> None:
        problem = item.data(PROBLEM_ROLE)
        if problem is None:
            return
        self.problemActivated.emit(item.data(PATH_ROLE), list(problem.node_ids), fit)

    def _offer_fix(self, item) -> None:
        problem = item.data(PROBLEM_ROLE) if item is not None else None
        path = item.data(PATH_ROLE) if item is not None else None
        doc = next((d for p, _n, d in nested_documents(self.session.document)
                    if tuple(p) == tuple(path or ())), None) \
            if self.session is not None and problem is not None else None
        self.fix_button.show_for(self.session, doc, problem)

    def activate_row(self, row: int, fit: bool = False) -> None:
        """Act as if entry ``row`` were clicked (double-clicked when ``fit``)."""
        item = self.list.item(row)
        if item is not None:
            self.list.setCurrentItem(item)
            self._activate(item, fit)
