"""The editor of a wrapper's inner layer (``Bidirectional``/``TimeDistributed`` config key ``"layer"``).

The value is ``{"type": "LSTM", "config": {...}}``. :class:`WrappedLayerEditor` shows a combo of
the types the wrapper can take and, below it, the inner layer's own typed parameter editors
(:func:`editor.param_editors.make_editor` on the inner :class:`~graph_core.catalog.LayerSpec`'s
params: main ones shown, the others under a collapsible "More"). Every change emits the whole new
dict through :attr:`ParamEditor.edited`, so the inspector pushes one ``SetConfig(layer, "layer", …)``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.inspector_widgets import ParamRow, add_param_row, align_label_columns, new_param_grid, set_error
from editor.param_editors import ParamEditor, editor_class, make_editor, shrinkable
from editor.param_text import jsonable
from graph_core import catalog
from graph_core.catalog import CATALOG, REQUIRED, ParamSpec
from graph_core.edits import DELETE

#: Inner types offered first (in this order); TimeDistributed then lists every other one-input type.
_FIRST = {
    "Bidirectional": ("LSTM", "GRU", "SimpleRNN"),
    "TimeDistributed": ("Dense", "Conv2D", "Conv1D", "MaxPooling2D", "Flatten", "Dropout"),
}


def wrapped_choices(wrapper_type: str) -> tuple:
    """The inner layer types offered for ``wrapper_type``: sensible ones first."""
    first = tuple(t for t in _FIRST.get(wrapper_type, ()) if t in CATALOG)
    if wrapper_type == "Bidirectional":
        return first
    rest = tuple(t for t, spec in CATALOG.items()
                 if t not in first and not spec.is_wrapper and spec.min_inputs == 1 and spec.max_inputs == 1)
    return first + rest


def can_edit_wrapped(wrapper_type: str, param: ParamSpec, value) -> bool:
    """Whether ``value`` of ``param`` gets a :class:`WrappedLayerEditor` (else a literal field)."""
    spec = catalog.get_spec(wrapper_type)
    if spec is None or not spec.is_wrapper or param.kind != "layer":
        return False
    if value is REQUIRED or value is None:
        return True
    return (isinstance(value, dict) and set(value) <= {"type", "config"} and value.get("type") in CATALOG
            and isinstance(value.get("config", {}), dict))


def _inner_params(value) -> tuple:
    """(main params, advanced params, params for unknown keys) of an inner layer value."""
    if not isinstance(value, dict) or value.get("type") not in CATALOG:
        return [], [], []
    params = catalog.get_spec(value["type"]).params
    config = value.get("config") or {}
    main = [p for p in params if p.main or p.required]
    advanced = [p for p in params if p not in main]
    known = {p.name for p in params}
    unknown = [ParamSpec(k, "any", None, allow_none=True, doc="not a parameter of this layer")
               for k in config if k not in known]
    return main, advanced, unknown


def wrapped_signature(value) -> tuple:
    """What decides the editor's widgets: inner type, editor kinds and unknown keys (rebuild when it changes)."""
    if not isinstance(value, dict):
        return ("unset",)
    config = value.get("config") or {}
    main, advanced, unknown = _inner_params(value)
    kinds = tuple(editor_class(p, config.get(p.name, p.default))[0].__name__ for p in main + advanced)
    return (value.get("type"), kinds, tuple(p.name for p in unknown))


class WrappedLayerEditor(ParamEditor):
    """A wrapper's inner layer: a type combo (:attr:`widget`) and the inner parameter rows (:attr:`body`).

    Args:
        wrapper_type: ``Bidirectional`` or ``TimeDistributed``.
        param: the wrapper's ``layer`` ParamSpec.
        value: the current value (``REQUIRED`` when unset).
        advanced_open: whether the inner "More parameters" section starts open.
        on_advanced: called with the new state when the user opens or closes it.

    Signals:
        edited(object): the new whole ``{"type", "config"}`` value (from :class:`ParamEditor`).
        errorsChanged(): inner parse errors changed; the inspector re-shows every error.
    """

    #: The inner rows' errors changed without an edit (a parse error, an edit that changed nothing).
    errorsChanged = Signal()

    def __init__(self, wrapper_type: str, param: ParamSpec, value, advanced_open: bool = False,
                 on_advanced: Callable | None = None, parent=None):
        super().__init__(param, parent)
        self.wrapper_type = wrapper_type
        self._value = copy.deepcopy(value) if isinstance(value, dict) else None
        self._rows: dict = {}
        self.grids: list = []
        self.combo = QComboBox()
        self.combo.setObjectName("wrappedTypeCombo")
        self.combo.setPlaceholderText("(choose a layer)")
        choices = wrapped_choices(wrapper_type)
        current = self._value.get("type") if self._value else None
        if current is not None and current not in choices:
            choices = (current, *choices)  # e.g. an imported Bidirectional(Dense): shown, flagged by the checks
        first = _FIRST.get(wrapper_type, ())
        for i, t in enumerate(choices):
            if i and t not in first and choices[i - 1] in first:
                self.combo.insertSeparator(self.combo.count())
            self.combo.addItem(t, t)
        self.combo.setToolTip(f"The layer {wrapper_type} wraps")
        self.combo.activated.connect(self._type_chosen)
        shrinkable(self.combo)
        self.widget = self.combo

        self.body = QFrame()
        self.body.setObjectName("wrappedLayerBody")
        self.body.setStyleSheet("QFrame#wrappedLayerBody { border-left: 2px solid #d1d5db; }")
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(10, 2, 0, 2)
        layout.setSpacing(3)
        main, advanced, unknown = _inner_params(self._value)
        if main or unknown:
            layout.addWidget(self._grid(main + unknown))
        if advanced:
            self.advanced_toggle = toggle = QToolButton()
            toggle.setObjectName("innerAdvancedToggle")
            toggle.setCheckable(True)
            toggle.setChecked(advanced_open)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setAutoRaise(True)
            toggle.setStyleSheet("color: #374151; font-weight: 600; padding: 2px 0; border: none; "
                                 "background: transparent;")
            toggle.setText(f"More {current} parameters ({len(advanced)})")
            toggle.setArrowType(Qt.ArrowType.DownArrow if advanced_open else Qt.ArrowType.RightArrow)
            grid = self._grid(advanced)
            grid.setVisible(advanced_open)

            def flip(on: bool) -> None:
                grid.setVisible(on)
                toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
                if on_advanced is not None:
                    on_advanced(on)

            toggle.toggled.connect(flip)
            layout.addWidget(toggle)
            layout.addWidget(grid)
        else:
            self.advanced_toggle = None
        self.body.setVisible(bool(main or advanced or unknown))
        self._align()
        self.set_value(value)

    # ------------------------------------------------------------------ building
    def _grid(self, params: list) -> QWidget:
        box, grid = new_param_grid()
        self.grids.append(grid)
        config = (self._value or {}).get("config") or {}
        for i, p in enumerate(params):
            editor = make_editor(p, config.get(p.name, p.default))
            editor.setParent(self)
            row = add_param_row(grid, 2 * i, p, editor)
            self._rows[p.name] = row
            editor.edited.connect(lambda v, row=row: self._inner_edited(row, v))
            editor.parseError.connect(lambda msg, row=row: self._inner_parse_error(row, msg))
            row.reset.clicked.connect(lambda _=False, row=row: self._inner_edited(row, DELETE))
        return box

    def _align(self) -> None:
        align_label_columns(self.grids, 140)

    # ------------------------------------------------------------------ access
    def inner_type(self) -> str | None:
        """The wrapped layer's type (None while unset)."""
        return self._value.get("type") if self._value else None

    def row(self, name: str) -> ParamRow | None:
        """The row editing inner parameter ``name``."""
        return self._rows.get(name)

    def editor(self, name: str) -> ParamEditor | None:
        """The editor of inner parameter ``name``."""
        row = self._rows.get(name)
        return row.editor if row is not None else None

    def rows(self) -> dict:
        """Inner parameter name → :class:`ParamRow`."""
        return dict(self._rows)

    # ------------------------------------------------------------------ ParamEditor
    @staticmethod
    def can_represent(param, value) -> bool:
        return value is REQUIRED or value is None or isinstance(value, dict)

    def value(self):
        return copy.deepcopy(self._value) if self._value is not None else REQUIRED

    def set_value(self, value) -> None:
        """Show ``value`` (same inner type: the inspector rebuilds the editor when the type changes)."""
        self._value = copy.deepcopy(value) if isinstance(value, dict) else None
        current = self.inner_type()
        index = self.combo.findData(current) if current is not None else -1
        if self.combo.currentIndex() != index:
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(index)
            self.combo.blockSignals(False)
        config = (self._value or {}).get("config") or {}
        for name, row in self._rows.items():
            row.editor.set_value(config.get(name, row.param.default))
            row.reset.setVisible(name in config and not row.param.required)
            font = row.label.font()
            font.setBold(name in config)
            row.label.setFont(font)

    def show_errors(self, by_param: dict) -> None:
        """Show the inner problems (inner param name → messages) and parse errors in red under the rows."""
        for name, row in self._rows.items():
            messages = ([row.parse_error] if row.parse_error else []) + by_param.get(name, [])
            set_error(row.error, "\n".join(messages))
            row.editor.widget.setProperty("invalid", bool(messages))
            row.editor.widget.style().unpolish(row.editor.widget)
            row.editor.widget.style().polish(row.editor.widget)

    # ------------------------------------------------------------------ user actions
    def _type_chosen(self, index: int) -> None:
        new_type = self.combo.itemData(index)
        if not new_type or new_type == self.inner_type():
            return
        spec = catalog.get_spec(new_type)
        old = (self._value or {}).get("config") or {}
        names = {p.name for p in spec.params}
        # keep what the new type also takes (LSTM → GRU keeps units, return_sequences…)
        config = {k: copy.deepcopy(v) for k, v in old.items() if k in names}
        self.edited.emit({"type": new_type, "config": config})

    def _inner_edited(self, row: ParamRow, value) -> None:
        row.parse_error = ""
        if self._value is None:
            return
        config = dict(self._value.get("config") or {})
        name = row.param.name
        if value is DELETE:
            unchanged = name not in config
        elif name in config:
            current = config[name]
            unchanged = jsonable(current) == jsonable(value) and type(current) is type(value)
        else:  # showing the default: setting that same value explicitly changes nothing
            default = row.param.default
            unchanged = jsonable(value) == jsonable(default) and type(value) is type(default)
        if unchanged:
            self.set_value(self._value)
            self.errorsChanged.emit()
            return
        if value is DELETE:
            config.pop(name, None)
        else:
            config[name] = value
        self.edited.emit({"type": self._value["type"], "config": config})

    def _inner_parse_error(self, row: ParamRow, message: str) -> None:
        row.parse_error = message
        self.errorsChanged.emit()
