"""Small shared widgets of the inspector: red error labels, muted text, section titles, parameter rows."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QToolButton, QWidget

from editor.param_editors import ParamEditor
from editor.param_text import format_value
from graph_core.catalog import ParamSpec

ERROR_COLOR = "#c62828"
ACCENT_COLOR = "#2f6fbf"
MUTED_COLOR = "#6b7280"


#: The ``tone`` property of the labels below, which the application style sheet colours
#: (``QLabel[tone="error"]`` … in editor/app.py) rather than a style sheet of each label's own:
#: a widget's own sheet is parsed and matched for that widget alone, for dozens of labels at start.
TONE = "tone"


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorLabel")
    label.setWordWrap(True)
    label.setProperty(TONE, "error")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def set_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def muted_label(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setProperty(TONE, "muted")
    return label


def section_title(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setObjectName("sectionTitle")
    label.setProperty(TONE, "section")
    return label


class ParamRow:
    """The widgets of one parameter: label, editor, reset button, red message."""

    def __init__(self, param: ParamSpec, editor: ParamEditor, label: QLabel, reset: QToolButton,
                 error: QLabel):
        self.param = param
        self.editor = editor
        self.label = label
        self.reset = reset
        self.error = error
        self.parse_error = ""


def new_param_grid() -> tuple:
    """An empty widget with the compact three-column grid (name, editor, reset) of parameter rows."""
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(6)
    grid.setVerticalSpacing(3)
    grid.setColumnStretch(1, 1)
    return box, grid


def add_param_row(grid, row: int, param: ParamSpec, editor: ParamEditor) -> ParamRow:
    """Place one parameter on two grid rows: name (with its doc as tooltip), editor, reset, message."""
    label = QLabel(param.name)
    label.setToolTip(f"<b>{html.escape(param.name)}</b> ({html.escape(param.kind)}): {html.escape(param.doc)}<br>"
                     f"default: <code>{html.escape(format_value(param.default))}</code>")
    editor.widget.setToolTip(label.toolTip())
    reset = QToolButton()
    reset.setObjectName("resetButton")
    reset.setText("↺")
    reset.setAutoRaise(True)
    reset.setToolTip(f"Back to the Keras default ({format_value(param.default)})")
    error = error_label()
    grid.addWidget(label, row, 0)
    grid.addWidget(editor.widget, row, 1)
    grid.addWidget(reset, row, 2)
    grid.addWidget(error, row + 1, 0, 1, 3)
    return ParamRow(param, editor, label, reset, error)


def align_label_columns(grids, max_width: int) -> None:
    """Give every grid the same label column (bold label width, capped), so editors line up."""
    width = 0
    for grid in grids:
        for r in range(grid.rowCount()):
            item = grid.itemAtPosition(r, 0)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel) and widget.objectName() != "errorLabel":
                font = widget.font()
                font.setBold(True)
                width = max(width, QFontMetrics(font).horizontalAdvance(widget.text()) + 4)
    for grid in grids:
        grid.setColumnMinimumWidth(0, min(width, max_width))
