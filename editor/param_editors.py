"""Typed editors for one layer parameter, generated from a catalog :class:`~graph_core.catalog.ParamSpec`.

A spin box for ints (respecting minimum/maximum), a checked text field for floats, tuples and
shapes, combo boxes for choices, activations and dtypes, a check box for bools, and a literal
(JSON) field for anything else (:func:`make_editor` picks one). The text of values is read and
written by the Qt-free helpers of :mod:`editor.param_text` (re-exported here).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from editor.param_text import (
    ParseError,
    format_tuple,
    is_int,
    jsonable,
    parse_axes,
    parse_int_tuple,
    parse_literal,
    parse_shape,
)
from graph_core.catalog import REQUIRED, ParamSpec
from graph_core.operations import index_key

INT_LIMIT = 2**31 - 1

DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "int8", "int16",
          "uint8", "uint16", "uint32", "uint64", "bool", "string")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                "lecun_normal", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
                "uniform", "zeros", "ones", "identity", "variance_scaling")


# ------------------------------------------------------------------------------ param editors
class ParamEditor(QObject):
    """A widget editing one parameter.

    Signals:
        edited(object): the user set a value (to be applied).
        parseError(str): the text cannot become a value; nothing is applied.
    """

    edited = Signal(object)
    parseError = Signal(str)

    def __init__(self, param: ParamSpec, parent: QObject | None = None):
        super().__init__(parent)
        self.param = param
        self.widget: QWidget = QWidget()

    @staticmethod
    def can_represent(param: ParamSpec, value) -> bool:
        """Whether this editor kind can show ``value`` faithfully."""
        return True

    def set_value(self, value) -> None:  # pragma: no cover - overridden
        """Show ``value`` without emitting :attr:`edited`."""

    def value(self):  # pragma: no cover - overridden
        """The value the widget shows."""
        return

    def _commit(self, *_args) -> None:
        """Emit :attr:`edited` with the widget's value, or :attr:`parseError` when it has none."""
        try:
            value = self.value()
        except ParseError as exc:
            self.parseError.emit(str(exc))
            return
        if value is REQUIRED:
            self.parseError.emit(f"{self.param.name} is required")
            return
        self.edited.emit(value)


def _set_quietly(widget: QWidget, setter: Callable, value) -> None:
    """``setter(value)`` with ``widget``'s signals blocked (so no edit is emitted)."""
    widget.blockSignals(True)
    setter(value)
    widget.blockSignals(False)


class IntEditor(ParamEditor):
    """A spin box; None (or an unset required value) is the special value below the minimum."""

    def __init__(self, param, parent=None, low: int | None = None, high: int | None = None):
        super().__init__(param, parent)
        self.low = int(param.minimum) if param.minimum is not None else (low if low is not None else -INT_LIMIT + 1)
        self.high = int(param.maximum) if param.maximum is not None else (high if high is not None else INT_LIMIT)
        if param.exclusive_max and param.maximum is not None:
            self.high -= 1
        self.has_special = param.allow_none or param.required
        self.spin = QSpinBox()
        self.spin.setRange(self.low - 1 if self.has_special else self.low, self.high)
        if self.has_special:
            self.spin.setSpecialValueText("None" if param.allow_none else "(required)")
        self.spin.setAccelerated(True)
        self.spin.valueChanged.connect(self._commit)
        self.widget = self.spin

    @staticmethod
    def can_represent(param, value) -> bool:
        if value is None or value is REQUIRED:
            return param.allow_none or value is REQUIRED
        if not is_int(value):
            return False
        if param.minimum is not None and value < param.minimum:
            return False
        if param.maximum is not None and (value >= param.maximum if param.exclusive_max else value > param.maximum):
            return False
        return abs(value) < INT_LIMIT

    def set_value(self, value) -> None:
        target = self.low - 1 if (value is None or value is REQUIRED) and self.has_special else value
        if is_int(target):  # a value the box cannot hold is shown at its bound, never an OverflowError
            target = max(self.spin.minimum(), min(self.spin.maximum(), target))
        if is_int(target) and self.spin.value() != target:
            _set_quietly(self.spin, self.spin.setValue, target)

    def value(self):
        v = self.spin.value()
        if self.has_special and v == self.low - 1:
            return None if self.param.allow_none else REQUIRED
        return v


class FloatEditor(ParamEditor):
    """A text field for a number (``0.5``, ``1e-3``), applied when editing finishes."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.line = QLineEdit()
        self.line.setPlaceholderText("None" if param.allow_none else ("required" if param.required else ""))
        self.line.editingFinished.connect(self._commit)
        self.widget = self.line

    @staticmethod
    def can_represent(param, value) -> bool:
        return value is None or value is REQUIRED or (isinstance(value, (int, float)) and not isinstance(value, bool))

    def set_value(self, value) -> None:
        text = "" if value is None or value is REQUIRED else repr(value)
        if self.line.text() != text:
            try:
                if self.value() == value:
                    return
            except ParseError:
                pass
            self.line.setText(text)

    def value(self):
        text = self.line.text().strip()
        if text in ("", "None"):
            if self.param.allow_none:
                return None
            if self.param.required:
                return REQUIRED
            raise ParseError(f"{self.param.name} needs a number")
        try:
            return float(text)
        except ValueError:
            raise ParseError(f"{self.param.name} must be a number, got {text!r}") from None


class BoolEditor(ParamEditor):
    """A check box."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.box = QCheckBox()
        self.box.toggled.connect(lambda on: self.edited.emit(bool(on)))
        self.widget = self.box

    @staticmethod
    def can_represent(param, value) -> bool:
        return isinstance(value, bool) or value is REQUIRED

    def set_value(self, value) -> None:
        if isinstance(value, bool) and self.box.isChecked() != value:
            _set_quietly(self.box, self.box.setChecked, value)

    def value(self):
        return self.box.isChecked()


class ComboEditor(ParamEditor):
    """A fixed list of choices (plus None when allowed)."""

    def __init__(self, param, parent=None, choices: tuple | None = None):
        super().__init__(param, parent)
        self.choices = list(choices if choices is not None else param.choices)
        if param.allow_none:
            self.choices = [None] + self.choices
        self.combo = QComboBox()
        for c in self.choices:
            self.combo.addItem("None" if c is None else str(c))
        if param.required:
            self.combo.setPlaceholderText("(required)")
        self.combo.activated.connect(self._activated)
        self.widget = self.combo

    @staticmethod
    def can_represent(param, value) -> bool:
        return value in param.choices or (value is None and param.allow_none) or value is REQUIRED

    def set_value(self, value) -> None:
        index = self.choices.index(value) if value in self.choices else -1
        if self.combo.currentIndex() != index:
            _set_quietly(self.combo, self.combo.setCurrentIndex, index)

    def value(self):
        index = self.combo.currentIndex()
        return self.choices[index] if index >= 0 else REQUIRED

    def _activated(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.edited.emit(self.choices[index])


class DtypeEditor(ComboEditor):
    """The dtypes Keras inputs can have."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent, choices=DTYPES)

    @staticmethod
    def can_represent(param, value) -> bool:
        return value in DTYPES or (value is None and param.allow_none) or value is REQUIRED


class EditableComboEditor(ParamEditor):
    """Suggestions in a combo box whose text can also be typed (activations, initializers)."""

    def __init__(self, param, parent=None, suggestions: tuple = ()):
        super().__init__(param, parent)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        if param.allow_none:
            self.combo.addItem("None")
        for s in suggestions or param.choices:
            self.combo.addItem(str(s))
        self.combo.lineEdit().setPlaceholderText("(required)" if param.required else "None")
        self.combo.activated.connect(self._commit)
        self.combo.lineEdit().editingFinished.connect(self._commit)
        self.widget = self.combo

    @staticmethod
    def can_represent(param, value) -> bool:
        return value is None or value is REQUIRED or isinstance(value, str)

    def set_value(self, value) -> None:
        text = "" if value is REQUIRED else ("None" if value is None else str(value))
        if self.combo.currentText() != text:
            _set_quietly(self.combo, self.combo.setCurrentText, text)

    def value(self):
        text = self.combo.currentText().strip()
        if text in ("", "None"):
            return None if self.param.allow_none else REQUIRED
        return text


class TextEditor(ParamEditor):
    """A text field read by ``parse(text)`` and written by ``show(value)``; applied on Enter/focus-out."""

    def __init__(self, param, parent=None, parse: Callable | None = None, show: Callable | None = None,
                 placeholder: str = ""):
        super().__init__(param, parent)
        self._parse = parse
        self._show = show
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        self.line.editingFinished.connect(self._commit)
        self.widget = self.line

    def set_value(self, value) -> None:
        text = "" if value is REQUIRED else self._show(value)
        if self.line.text() == text:
            return
        try:
            if self._parse(self.line.text()) == jsonable(value):
                return  # same value written differently: keep the user's text
        except ParseError:
            pass
        self.line.setText(text)

    def value(self):
        return self._parse(self.line.text())


class IntTupleEditor(TextEditor):
    """``3`` or ``3, 3`` (a single int means the same size on every axis)."""

    def __init__(self, param, parent=None):
        example = ", ".join(["3"] * (param.length or 2)) if not param.nested else "(1, 1), (1, 1)"
        super().__init__(param, parent, lambda t: parse_int_tuple(t, param), format_tuple,
                         "None" if param.allow_none else f"e.g. 3 or {example}")

    @staticmethod
    def can_represent(param, value) -> bool:
        if value is None or value is REQUIRED or is_int(value):
            return True
        if isinstance(value, (list, tuple)):
            return all(is_int(v) or (param.nested and isinstance(v, (list, tuple))
                                      and all(is_int(x) for x in v)) for v in value)
        return False


class ShapeEditor(TextEditor):
    """An Input shape without the batch axis, e.g. ``None, 128`` or ``28, 28, 1``."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent, parse_shape, format_tuple, "e.g. 28, 28, 1 or None, 128")

    @staticmethod
    def can_represent(param, value) -> bool:
        return value is REQUIRED or (isinstance(value, (list, tuple))
                                     and all(v is None or (is_int(v) and v > 0) for v in value))

    def set_value(self, value) -> None:
        if isinstance(value, (list, tuple)) and len(value) == 1:
            text = format_tuple(value[0])
            if self.line.text() != text:
                self.line.setText(text)
            return
        super().set_value(value)


class AxesEditor(TextEditor):
    """An axis or several: ``-1`` or ``1, 2``."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent, lambda t: parse_axes(t, param), format_tuple,
                         "None" if param.allow_none else "e.g. -1 or 1, 2")

    @staticmethod
    def can_represent(param, value) -> bool:
        return value is None or value is REQUIRED or is_int(value) or (
            isinstance(value, (list, tuple)) and all(is_int(v) for v in value))


class LiteralEditor(TextEditor):
    """Any JSON value (regularizers, a wrapped layer's config, values other editors cannot show)."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent, lambda t: parse_literal(t, param),
                         lambda v: "None" if v is None else json.dumps(jsonable(v)),
                         "None" if param.allow_none else "a JSON value")


class IndexEditor(TextEditor):
    """The index of a ``get_item`` operation as typed between the brackets: ``:, :4``."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent, parse_index, index_key.to_text, "e.g. :, :4 or ..., None, 0")

    @staticmethod
    def can_represent(param, value) -> bool:
        return value is REQUIRED or index_key.problem(value) is None


def parse_index(text: str) -> list:
    """Read an index (``:, :4``) as a document key, or raise :class:`ParseError`."""
    try:
        return index_key.parse_text(text)
    except index_key.IndexKeyError as exc:
        raise ParseError(str(exc)) from None


def editor_class(param: ParamSpec, value) -> tuple:
    """The editor class (and its extra arguments) that edits ``param`` and can show ``value``."""
    kind = param.kind
    if kind == "str" and param.choices:
        cls, kwargs = EditableComboEditor, {"suggestions": param.choices}
    elif kind == "vocabulary":  # issue 10: lookup vocabularies, one token a line
        from editor.vocabulary_editor import VocabularyEditor
        cls, kwargs = VocabularyEditor, {}
    else:
        cls, kwargs = {
            "int": (IntEditor, {}),
            "axis": (IntEditor, {"low": -64, "high": 64}),
            "float": (FloatEditor, {}),
            "bool": (BoolEditor, {}),
            "choice": (ComboEditor, {}),
            "dtype": (DtypeEditor, {}),
            "activation": (EditableComboEditor, {}),
            "initializer": (EditableComboEditor, {"suggestions": INITIALIZERS}),
            "str": (EditableComboEditor, {"suggestions": ()}),
            "int_tuple": (IntTupleEditor, {}),
            "shape": (ShapeEditor, {}),
            "axes": (AxesEditor, {}),
            "index": (IndexEditor, {}),
        }.get(kind, (LiteralEditor, {}))
    if not cls.can_represent(param, value):
        cls, kwargs = LiteralEditor, {}
    return cls, kwargs


def make_editor(param: ParamSpec, value) -> ParamEditor:
    """The editor for ``param`` able to show ``value`` (a literal field when the typed one cannot)."""
    cls, kwargs = editor_class(param, value)
    editor = cls(param, **kwargs)
    shrinkable(editor.widget)
    return editor


def shrinkable(widget: QWidget, minimum: int = 64) -> QWidget:
    """Let ``widget`` shrink to a narrow dock (spin boxes and combos otherwise ask for their
    longest value) while still taking the width it is given."""
    widget.setMinimumWidth(minimum)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    if isinstance(widget, QComboBox):
        widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        widget.setMinimumContentsLength(6)
    return widget

