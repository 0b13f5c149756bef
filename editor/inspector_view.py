"""What every view of the inspector has: the body widget of one selection (a layer, several
nodes, or the model) with its name field, info line and output editors.

The :class:`editor.inspector.Inspector` builds one view per selection (``LayerView``,
``MultiView`` or ``ModelView``) and calls :meth:`InspectorView.sync` when the document changes
and :meth:`InspectorView.sync_info` when a check result arrives.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from editor.inspector_widgets import align_label_columns, error_label, muted_label, new_param_grid, set_error
from editor.output_settings import OutputEditor
from editor.param_editors import ParamEditor
from graph_core.document import Document

LABEL_COLUMN_MAX = 150
"""Widest label column of a parameter grid (pixels)."""


class InspectorView(QWidget):
    """The body of the inspector for one selection of ``doc``.

    Args:
        host: the :class:`editor.inspector.Inspector` (its session, ``push``, signals, help).
        doc: the inspected document (top level or nested).

    Attributes:
        name_edit, name_error: the name field and its red message (None when there is none).
        info_label: the muted line of counts, shapes and parameters (None when there is none).
        shared_label, help_button, mark_output_button: only a layer view has them.
        output_editors: the :class:`OutputEditor` boxes shown.
    """

    def __init__(self, host, doc: Document):
        super().__init__()
        self.setObjectName("inspectorBody")
        self.host = host
        self.doc = doc
        self.name_edit: QLineEdit | None = None
        self.name_error: QLabel | None = None
        self.info_label: QLabel | None = None
        self.shared_label: QLabel | None = None
        self.help_button = None
        self.mark_output_button = None
        self.output_editors: list = []
        self._grids: list = []
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(10, 8, 10, 10)
        self.body.setSpacing(6)

    @property
    def top_level(self) -> bool:
        """True when the inspected document is the session's outermost model (losses live there)."""
        return self.doc is self.host.session.document

    def finish(self) -> None:
        """End the layout: stretch below, label columns of every grid aligned."""
        self.body.addStretch(1)
        align_label_columns(self._grids, LABEL_COLUMN_MAX)

    def new_grid(self) -> tuple[QWidget, QGridLayout]:
        """An empty widget with its grid of editor rows (aligned with the view's other grids)."""
        box, grid = new_param_grid()
        self._grids.append(grid)
        return box, grid

    def add_grid(self, grid: QGridLayout) -> None:
        """Align ``grid`` (built elsewhere) with the view's other grids."""
        self._grids.append(grid)

    def add_name_row(self, rename: Callable) -> None:
        """Add the "name" field (:attr:`name_edit`, applied by ``rename``) and its :attr:`name_error`."""
        row = QHBoxLayout()
        row.addWidget(QLabel("name"))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.editingFinished.connect(rename)
        row.addWidget(self.name_edit, 1)
        self.body.addLayout(row)
        self.name_error = error_label()
        self.body.addWidget(self.name_error)

    def add_info_label(self) -> QLabel:
        """Add the muted info line (:attr:`info_label`)."""
        self.info_label = muted_label()
        self.info_label.setObjectName("infoLabel")
        self.body.addWidget(self.info_label)
        return self.info_label

    def add_output_editor(self, index: int, title: str) -> OutputEditor:
        """Add the editor of model output ``index`` (losses only for the outermost model)."""
        editor = OutputEditor(self.host, self.doc, index, title, training=self.top_level)
        self.output_editors.append(editor)
        self.body.addWidget(editor)
        return editor

    def show_name(self, name: str) -> None:
        """Show ``name`` in the name field, unless the user is typing there."""
        if self.name_edit is not None and not self.name_edit.hasFocus() and self.name_edit.text() != name:
            self.name_edit.setText(name)
            set_error(self.name_error, "")

    def editor(self, name: str) -> ParamEditor | None:
        """The editor of parameter or setting ``name`` shown in this view (None by default)."""
        return None

    def sync(self) -> None:
        """Show the document's current values in the widgets."""
        for editor in self.output_editors:
            editor.sync()
        self.sync_info()

    def sync_info(self) -> None:
        """Show the latest check result (shapes, parameter counts)."""

    def checked(self) -> None:
        """A new check result arrived."""
        self.sync_info()
        for editor in self.output_editors:
            editor.sync()


def count(n: int, word: str) -> str:
    """``"1 layer"``, ``"3 layers"``."""
    return f"{n} {word}{'s' if n != 1 else ''}"
