"""The form editing one section of the model's training settings (compile or fit).

Used by the inspector (model settings when nothing is selected) and by the training panel, so
both show the same widgets and refuse the same values: the fields come from the
:class:`~graph_core.catalog.ParamSpec` tuples of :mod:`graph_core.training_settings`, the editors
from :func:`editor.param_editors.make_editor`, and a value is checked by
:func:`graph_core.training_settings.setting_problem` before a ``SetSetting`` edit is pushed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from editor.inspector_widgets import error_label, new_param_grid, set_error
from editor.param_editors import ParamEditor, make_editor
from graph_core.document import Document
from graph_core.edits import SetSetting
from graph_core.training_settings import SETTINGS, setting_problem


class SettingsForm(QWidget):
    """Label, editor and red message for every setting of ``section``; edits go through ``push``.

    Args:
        section: ``"compile"`` or ``"fit"``.
        push: ``(edit) -> bool`` that applies a ``SetSetting`` edit (the session's undo stack).
        columns: how many settings share a row of the form.
        params: the settings shown (default: every setting of ``section`` in
            :data:`graph_core.training_settings.SETTINGS`), e.g. the fit options.

    Attributes:
        grid: the form's grid layout (labels in column 0), e.g. to align it with other grids.

    Signals:
        problem(str): a value was refused (the message is also shown under its field).
    """

    problem = Signal(str)

    def __init__(self, section: str, push: Callable, columns: int = 1, parent: QWidget | None = None, *,
                 params: tuple | None = None):
        super().__init__(parent)
        self.section = section
        self._push = push
        self._doc: Document | None = None
        self._editors: dict[str, ParamEditor] = {}
        # a red message label is made when its setting is first refused (most never are): its
        # grid cell (row, column) until then
        self._errors: dict[str, QLabel | tuple] = {}
        box, self.grid = new_param_grid()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(box)
        for i, param in enumerate(SETTINGS[section] if params is None else params):
            row, column = 2 * (i // columns), 3 * (i % columns)
            editor = make_editor(param, param.default)
            editor.setParent(self)
            label = QLabel(param.name.replace("_", " "))
            label.setToolTip(param.doc)
            editor.widget.setToolTip(param.doc)
            self.grid.addWidget(label, row, column)
            self.grid.addWidget(editor.widget, row, column + 1)
            if column:
                self.grid.setColumnStretch(column + 1, 1)
            self._editors[param.name] = editor
            self._errors[param.name] = (row + 1, column)
            editor.edited.connect(lambda value, name=param.name: self._edited(name, value))
            editor.parseError.connect(lambda message, name=param.name: self._refuse(name, message))

    def editor(self, name: str) -> ParamEditor | None:
        """The editor of setting ``name`` (None when this section has no such setting)."""
        return self._editors.get(name)

    def error_label(self, name: str) -> QLabel:
        """The red message label under setting ``name`` (made now if it has not been needed yet)."""
        error = self._errors[name]
        if isinstance(error, tuple):
            row, column = error
            error = error_label()
            self.grid.addWidget(error, row, column, 1, 2)
            self._errors[name] = error
        return error

    def _show_error(self, name: str, message: str) -> None:
        if message or not isinstance(self._errors[name], tuple):
            set_error(self.error_label(name), message)

    def sync(self, doc: Document) -> None:
        """Show the settings of ``doc`` (pushes nothing); later edits apply to ``doc``."""
        self._doc = doc
        values = getattr(doc, self.section)
        for name, editor in self._editors.items():
            editor.set_value(values.get(name, editor.param.default))

    def _edited(self, name: str, value) -> None:
        message = setting_problem(self.section, name, value)
        if message:
            self._refuse(name, message)
            return
        self._show_error(name, "")
        if self._doc is not None and getattr(self._doc, self.section).get(name) != value:
            self._push(SetSetting(self.section, name, value))

    def _refuse(self, name: str, message: str) -> None:
        self._show_error(name, message)
        self.problem.emit(message)
