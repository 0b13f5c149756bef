"""The inspector: typed editors for the selected layer, its model outputs, or the model's settings.

Editors are generated from the catalog's :class:`~graph_core.catalog.ParamSpec` list: a spin box
for ints (respecting minimum/maximum), a checked text field for floats, tuples and shapes, combo
boxes for choices, activations and dtypes, a check box for bools, and a literal (JSON) field for
anything else. Every change becomes a graph_core edit pushed on the session's undo stack
(``SetConfig``, ``Rename``, ``SetOutput``, ``SetSetting``); consecutive edits of the same field
merge into one undo step. Since config belongs to the *layer*, editing a shared layer changes
every call of it. Constraint violations (:func:`graph_core.catalog.check_params`) are shown in red
under the field; text that cannot become a value of the right kind is shown in red and not applied.
"""

from __future__ import annotations

import ast
import html
import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from graph_core import catalog
from graph_core.analysis import NAME_PATTERN
from graph_core.catalog import REQUIRED, ParamSpec
from graph_core.document import Document, Output
from graph_core.edits import (
    DELETE,
    MarkOutput,
    Rename,
    SetConfig,
    SetOutput,
    SetSetting,
    UnmarkOutput,
)
from graph_core.losses import LOSSES, METRICS
from graph_core.tensor import format_shape

ERROR_COLOR = "#c62828"
ACCENT_COLOR = "#2f6fbf"
MUTED_COLOR = "#6b7280"
INT_LIMIT = 2**31 - 1

DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "int8", "int16",
          "uint8", "uint16", "uint32", "uint64", "bool", "string")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                "lecun_normal", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
                "uniform", "zeros", "ones", "identity", "variance_scaling")
OPTIMIZERS = ("rmsprop", "adam", "adamw", "sgd", "adagrad", "adadelta", "adamax", "nadam", "ftrl",
              "lion")
APPLICATIONS = ("Xception", "VGG16", "VGG19", "ResNet50", "ResNet50V2", "ResNet101", "ResNet152",
                "InceptionV3", "InceptionResNetV2", "MobileNet", "MobileNetV2", "MobileNetV3Small",
                "MobileNetV3Large", "DenseNet121", "DenseNet169", "DenseNet201", "NASNetMobile",
                "EfficientNetB0", "EfficientNetV2B0", "ConvNeXtTiny")

#: Parameters of ``Application`` layers (not catalog layers: Keras computes their shapes).
APPLICATION_PARAMS = (
    ParamSpec("application", "str", REQUIRED, choices=APPLICATIONS, main=True,
              doc="the keras.applications model, e.g. Xception"),
    ParamSpec("include_top", "bool", True, main=True,
              doc="whether to include the fully connected classifier at the top"),
    ParamSpec("weights", "choice", "imagenet", choices=("imagenet",), allow_none=True, main=True,
              doc="None (random initialization) or 'imagenet' (pre-trained weights)"),
    ParamSpec("pooling", "choice", None, choices=("avg", "max"), allow_none=True,
              doc="pooling of the last feature map when include_top is False"),
    ParamSpec("classes", "int", 1000, minimum=1,
              doc="number of classes, only with include_top=True and no pre-trained weights"),
)
APPLICATION_DESCRIPTION = ("A keras.applications model used as a layer. LayerLoom cannot know its "
                           "internals: its output shapes and parameter count come from Keras "
                           "(open the Summary to compute them).")
MODEL_DESCRIPTION = ("A whole functional model used as a layer: its inputs are its Input layers, in "
                     "order; calling it at several nodes shares its weights.")


# ------------------------------------------------------------------------------ text helpers
def format_value(value: Any) -> str:
    """Python-style text of a config value: ``None``, ``True``, ``'relu'``, ``(3, 3)``."""
    if value is REQUIRED:
        return "required"
    if isinstance(value, list):
        value = _as_tuple(value)
    return repr(value)


def _as_tuple(value):
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuple(v) for v in value)
    return value


def format_tuple(value: Any) -> str:
    """``(3, 3)`` → ``"3, 3"``; ``3`` → ``"3"``; ``None`` → ``"None"``."""
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        parts = []
        for v in value:
            if isinstance(v, (list, tuple)):
                parts.append("(" + ", ".join(format_tuple(x) for x in v) + ")")
            else:
                parts.append(format_tuple(v))
        return ", ".join(parts)
    return str(value)


class ParseError(ValueError):
    """Text that cannot become a value of the parameter's kind (the message says why)."""


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ParseError(f"cannot read {text!r}") from None


def parse_int_tuple(text: str, param: ParamSpec):
    """Read ``"3"``, ``"3, 3"``, ``"(3, 3)"`` (or ``"(1, 1), (2, 2)"`` for nested params).

    Returns:
        An int, a list of ints (nested lists for nested params) or None.

    Raises:
        ParseError: the text is not integers.
    """
    text = text.strip()
    if text in ("", "None", "none"):
        if param.allow_none:
            return None
        raise ParseError(f"{param.name} needs a value")
    value = _literal(f"({text},)" if not text.startswith(("(", "[")) or param.nested else text)
    if isinstance(value, tuple) and len(value) == 1 and not text.endswith(","):
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)) and value:
        out = []
        for v in value:
            if isinstance(v, (tuple, list)) and param.nested:
                if not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
                    raise ParseError(f"{param.name}: every entry must be an integer")
                out.append(list(v))
            elif isinstance(v, int) and not isinstance(v, bool):
                out.append(v)
            else:
                raise ParseError(f"{param.name}: every entry must be an integer, got {v!r}")
        return out
    raise ParseError(f"{param.name} must be an integer or integers separated by commas")


def parse_shape(text: str) -> list:
    """Read an Input shape without the batch axis: ``"None, 128"``, ``"(28, 28, 1)"``, ``"64"``.

    Raises:
        ParseError: an entry is not a positive integer or None.
    """
    body = text.strip()
    if body.startswith(("(", "[")) and body.endswith((")", "]")):
        body = body[1:-1]
    parts = [p.strip() for p in body.split(",")]
    if parts and parts[-1] == "":
        parts.pop()
    shape = []
    for part in parts:
        if part.lower() == "none":
            shape.append(None)
            continue
        try:
            size = int(part)
        except ValueError:
            raise ParseError(f"shape entries must be positive integers or None, got {part!r}") from None
        if size <= 0:
            raise ParseError(f"shape entries must be positive integers or None, got {size}")
        shape.append(size)
    return shape


def parse_axes(text: str, param: ParamSpec):
    """Read ``"-1"`` or ``"1, 2"`` (an axis or a list of axes)."""
    text = text.strip()
    if text in ("", "None") and param.allow_none:
        return None
    value = _literal(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)) and value and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return list(value)
    raise ParseError(f"{param.name} must be an integer axis or axes separated by commas")


def parse_literal(text: str, param: ParamSpec):
    """Read a JSON or Python literal (``{"type": "LSTM", "config": {"units": 32}}``, ``0.5``…)."""
    text = text.strip()
    if text in ("", "None", "null"):
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    value = _literal(text)
    return _jsonable(value)


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


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
        if not _is_int(value):
            return False
        if param.minimum is not None and value < param.minimum:
            return False
        if param.maximum is not None and (value >= param.maximum if param.exclusive_max else value > param.maximum):
            return False
        return abs(value) < INT_LIMIT

    def set_value(self, value) -> None:
        target = self.low - 1 if (value is None or value is REQUIRED) and self.has_special else value
        if _is_int(target) and self.spin.value() != target:
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
            if self._parse(self.line.text()) == _jsonable(value):
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
        if value is None or value is REQUIRED or _is_int(value):
            return True
        if isinstance(value, (list, tuple)):
            return all(_is_int(v) or (param.nested and isinstance(v, (list, tuple))
                                      and all(_is_int(x) for x in v)) for v in value)
        return False


class ShapeEditor(TextEditor):
    """An Input shape without the batch axis, e.g. ``None, 128`` or ``28, 28, 1``."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent, parse_shape, format_tuple, "e.g. 28, 28, 1 or None, 128")

    @staticmethod
    def can_represent(param, value) -> bool:
        return value is REQUIRED or (isinstance(value, (list, tuple))
                                     and all(v is None or (_is_int(v) and v > 0) for v in value))

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
        return value is None or value is REQUIRED or _is_int(value) or (
            isinstance(value, (list, tuple)) and all(_is_int(v) for v in value))


class LiteralEditor(TextEditor):
    """Any JSON value (regularizers, a wrapped layer's config, values other editors cannot show)."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent, lambda t: parse_literal(t, param),
                         lambda v: "None" if v is None else json.dumps(_jsonable(v)),
                         "None" if param.allow_none else "a JSON value")


def editor_class(param: ParamSpec, value) -> tuple:
    """The editor class (and its extra arguments) that edits ``param`` and can show ``value``."""
    kind = param.kind
    if kind == "str" and param.choices:
        cls, kwargs = EditableComboEditor, {"suggestions": param.choices}
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


# ------------------------------------------------------------------------------ help text
def _signature(layer_type: str, params: tuple) -> str:
    parts = []
    for p in params:
        parts.append(p.name if p.required else f"{p.name}={format_value(p.default)}")
    return f"keras.layers.{layer_type}(" + ", ".join(parts) + ")"


def layer_help_html(layer_type: str) -> str:
    """The documentation of a layer type, like ``?layers.Dense``: signature, description, every
    parameter with its kind, default and doc (catalog data; Keras is not imported)."""
    esc = html.escape
    if layer_type == "Application":
        params, description, inputs = APPLICATION_PARAMS, APPLICATION_DESCRIPTION, "1 image tensor"
        signature = "keras.applications.<Application>(include_top=True, weights='imagenet', pooling=None, ...)"
        category = "Models"
    elif layer_type == "Model":
        return (f"<h3>Model <span style='color:{MUTED_COLOR}'>(Models)</span></h3>"
                f"<p><code>y = model(x)</code> — <code>y1, y2 = model([x1, x2])</code></p>"
                f"<p>{esc(MODEL_DESCRIPTION)}</p><p>Double-click the node to open the nested model in a "
                f"tab and edit it; every call of it changes with it.</p>")
    else:
        spec = catalog.get_spec(layer_type)
        if spec is None:
            return (f"<h3>{esc(layer_type)}</h3><p>This layer type is not in LayerLoom's catalog. Its config "
                    f"is kept and exported unchanged; its shapes and parameters are unknown.</p>")
        params, description, category = spec.params, spec.description, spec.category
        low, high = spec.min_inputs, spec.max_inputs
        if high is None:
            inputs = f"at least {low} tensors"
        elif low == high:
            inputs = f"{low} tensor{'s' if low != 1 else ''}"
        else:
            inputs = f"{low} to {high} tensors"
        signature = _signature(layer_type, params)
    rows = []
    for p in params:
        default = "<b>required</b>" if p.required else f"<code>{esc(format_value(p.default))}</code>"
        kind = p.kind
        if p.kind == "int_tuple" and p.length:
            kind = f"int or tuple of {p.length}"
        extra = []
        if p.minimum is not None or p.maximum is not None:
            lo = "" if p.minimum is None else f"{p.minimum:g} ≤ "
            hi = "" if p.maximum is None else f" {'<' if p.exclusive_max else '≤'} {p.maximum:g}"
            extra.append(f"{lo}value{hi}")
        if p.choices and p.kind in ("choice", "activation", "str"):
            shown = ", ".join(str(c) for c in p.choices[:12]) + (", …" if len(p.choices) > 12 else "")
            extra.append(("one of: " if p.kind == "choice" else "e.g. ") + shown)
        if p.allow_none and p.default is not None:
            extra.append("None allowed")
        details = esc(p.doc) + ("".join(f"<br><span style='color:{MUTED_COLOR}'>{esc(e)}</span>" for e in extra))
        rows.append(f"<tr><td valign='top'><code><b>{esc(p.name)}</b></code></td>"
                    f"<td valign='top'><i>{esc(kind)}</i></td><td valign='top'>{default}</td>"
                    f"<td valign='top'>{details}</td></tr>")
    table = ("<table cellspacing='0' cellpadding='4' width='100%'>"
             "<tr><th align='left'>Argument</th><th align='left'>Kind</th><th align='left'>Default</th>"
             "<th align='left'>Description</th></tr>" + "".join(rows) + "</table>") if rows else \
        "<p>No arguments.</p>"
    return (f"<h3>{esc(layer_type)} <span style='color:{MUTED_COLOR}'>({esc(category)})</span></h3>"
            f"<p><code>{esc(signature)}</code></p><p>{esc(description)}</p>"
            f"<p><b>Inputs:</b> {esc(inputs)}</p><h4>Arguments</h4>{table}")


class HelpDialog(QDialog):
    """A non-modal window showing :func:`layer_help_html`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Layer help")
        self.resize(640, 520)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        layout.addWidget(self.browser)

    def show_layer(self, layer_type: str) -> None:
        """Show the help of ``layer_type`` and raise the window."""
        self.setWindowTitle(f"{layer_type} — help")
        self.browser.setHtml(layer_help_html(layer_type))
        self.show()
        self.raise_()


# ------------------------------------------------------------------------------ small widgets
def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorLabel")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _set_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def _muted(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setStyleSheet(f"color: {MUTED_COLOR};")
    return label


def _section(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setObjectName("sectionTitle")
    label.setStyleSheet(f"color: {MUTED_COLOR}; font-weight: 600; font-size: 8pt; "
                        f"letter-spacing: 0.5px; padding-top: 6px;")
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


class OutputEditor(QFrame):
    """Loss, loss weight and metrics of one model output (``SetOutput`` edits)."""

    def __init__(self, inspector: Inspector, doc: Document, index: int, title: str,
                 training: bool = True, removable: bool = True):
        super().__init__()
        self.setObjectName("outputBox")
        self.inspector = inspector
        self.doc = doc
        self.index = index
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(f"<b>{html.escape(title)}</b>")
        head.addWidget(self.title, 1)
        self.remove = QToolButton()
        self.remove.setText("Remove")
        self.remove.setToolTip("Stop using this tensor as a model output")
        self.remove.setAutoRaise(True)
        self.remove.clicked.connect(self._remove)
        self.remove.setVisible(removable)
        head.addWidget(self.remove)
        grid.addLayout(head, 0, 0, 1, 2)
        self.loss = QComboBox()
        self.loss.addItem("(none)", None)
        for name in LOSSES:
            self.loss.addItem(name, name)
        self.loss.activated.connect(self._loss_chosen)
        self.weight = QDoubleSpinBox()
        self.weight.setRange(0.0, 1_000_000.0)
        self.weight.setDecimals(3)
        self.weight.setSingleStep(0.1)
        self.weight.valueChanged.connect(self._weight_changed)
        self.metrics = QLineEdit()
        self.metrics.setPlaceholderText("e.g. accuracy, mae")
        self.metrics.setToolTip("Comma-separated metric names. Known: " + ", ".join(METRICS))
        self.metrics.editingFinished.connect(self._metrics_finished)
        for w in (self.loss, self.weight, self.metrics):
            shrinkable(w)
        self.error = _error_label()
        if training:
            grid.addWidget(QLabel("loss"), 1, 0)
            grid.addWidget(self.loss, 1, 1)
            grid.addWidget(QLabel("loss weight"), 2, 0)
            grid.addWidget(self.weight, 2, 1)
            grid.addWidget(QLabel("metrics"), 3, 0)
            grid.addWidget(self.metrics, 3, 1)
            grid.addWidget(self.error, 4, 0, 1, 2)
        else:
            for w in (self.loss, self.weight, self.metrics):
                w.hide()
        grid.setColumnStretch(1, 1)
        self.sync()

    def sync(self) -> None:
        """Show the output's current settings."""
        if self.index >= len(self.doc.outputs):
            return
        out = self.doc.outputs[self.index]
        index = self.loss.findData(out.loss)
        if index < 0:
            self.loss.addItem(str(out.loss), out.loss)
            index = self.loss.count() - 1
        if self.loss.currentIndex() != index:
            self.loss.blockSignals(True)
            self.loss.setCurrentIndex(index)
            self.loss.blockSignals(False)
        weight = out.loss_weight if isinstance(out.loss_weight, (int, float)) else 1.0
        if abs(self.weight.value() - weight) > 1e-12:
            self.weight.blockSignals(True)
            self.weight.setValue(weight)
            self.weight.blockSignals(False)
        text = ", ".join(out.metrics)
        if [m.strip() for m in self.metrics.text().split(",") if m.strip()] != list(out.metrics):
            self.metrics.setText(text)
        result = self.inspector.result()
        messages = []
        if result is not None:
            for p in result.problems:
                if out.node in p.node_ids and p.code.startswith(("loss.", "metric.")) \
                        and p.message.startswith(f"output {self.index} "):
                    messages.append(p.message.split(": ", 1)[-1])
        _set_error(self.error, "\n".join(messages))

    def _loss_chosen(self, index: int) -> None:
        value = self.loss.itemData(index)
        if self.doc.outputs[self.index].loss != value:
            self.inspector.push(SetOutput(self.index, "loss", value))

    def _weight_changed(self, value: float) -> None:
        if self.doc.outputs[self.index].loss_weight != value:
            self.inspector.push(SetOutput(self.index, "loss_weight", float(value)))

    def _metrics_finished(self) -> None:
        metrics = [m.strip() for m in self.metrics.text().split(",") if m.strip()]
        if metrics != list(self.doc.outputs[self.index].metrics):
            self.inspector.push(SetOutput(self.index, "metrics", metrics))

    def _remove(self) -> None:
        self.inspector.push(UnmarkOutput(self.index))


# ------------------------------------------------------------------------------ the inspector
class Inspector(QWidget):
    """Edits the selection of the current canvas tab, or the model's settings when nothing is selected.

    Args:
        session: the :class:`editor.session.DocumentSession` being edited.

    Signals:
        openNestedRequested(str): the user asked to open a nested Model layer (its layer id).
        message(str): a short status text for the status bar.
    """

    openNestedRequested = Signal(str)
    message = Signal(str)

    def __init__(self, session=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inspector")
        self.session = None
        self._doc: Document | None = None
        self._node_ids: list = []
        self._signature = None
        self._rows: dict = {}
        self._grids: list = []
        self._general_error: QLabel | None = None
        self._output_editors: list = []
        self._settings_editors: dict = {}
        self._advanced_open = False
        self._help: HelpDialog | None = None
        self._rebuild_pending = False
        self.name_edit: QLineEdit | None = None
        self.name_error: QLabel | None = None
        self.shared_label: QLabel | None = None
        self.info_label: QLabel | None = None
        self.help_button: QToolButton | None = None
        self.mark_output_button: QPushButton | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll)
        self.body: QWidget | None = None
        if session is not None:
            self.set_session(session)

    # ------------------------------------------------------------------ wiring
    def set_session(self, session, doc: Document | None = None) -> None:
        """Follow ``session``; shows the model settings of ``doc`` (its top-level document by default)."""
        if self.session is not None:
            try:
                self.session.changed.disconnect(self._on_changed)
                self.session.checked.disconnect(self._on_checked)
            except (RuntimeError, TypeError):
                pass
        self.session = session
        session.changed.connect(self._on_changed)
        session.checked.connect(self._on_checked)
        self.show_selection(doc or session.document, [])

    def show_selection(self, doc: Document, node_ids) -> None:
        """Inspect ``node_ids`` of ``doc`` (the model's settings when empty)."""
        wanted = set(node_ids)
        ids = [n for n in doc.nodes if n in wanted]
        if doc is self._doc and ids == self._node_ids and self.body is not None \
                and not self._rebuild_pending and self._compute_signature() == self._signature:
            self._sync()  # same selection again: keep the widgets (and the focus in them)
            return
        self._doc = doc
        self._node_ids = ids
        self._rebuild()

    @property
    def document(self) -> Document | None:
        """The document (top level or nested) being inspected."""
        return self._doc

    @property
    def node_ids(self) -> list:
        """The inspected nodes."""
        return list(self._node_ids)

    def layer(self):
        """The inspected layer (when the selection calls one layer), else None."""
        if not self._node_ids or self._doc is None:
            return None
        layers = {self._doc.nodes[n].layer for n in self._node_ids if n in self._doc.nodes}
        if len(layers) != 1:
            return None
        return self._doc.layers.get(layers.pop())

    def result(self):
        """The current check result of the inspected document."""
        if self.session is None or self._doc is None:
            return None
        return self.session.result(self._doc)

    def push(self, edit) -> bool:
        """Push ``edit`` on the session for the inspected document; False (and a message) when refused."""
        ok, _message = self._push(edit)
        return ok

    def _push(self, edit, doc=None) -> tuple:
        messages: list = []

        def collect(text: str) -> None:
            messages.append(text)

        self.session.refused.connect(collect)
        try:
            ok = self.session.push(edit, doc or self._doc)
        finally:
            self.session.refused.disconnect(collect)
        return ok, (messages[0] if messages else "")

    def row(self, name: str) -> ParamRow | None:
        """The row editing parameter ``name`` (tests and the canvas use it)."""
        return self._rows.get(name)

    def editor(self, name: str) -> ParamEditor | None:
        """The editor of parameter (or setting) ``name``."""
        row = self._rows.get(name)
        if row is not None:
            return row.editor
        return self._settings_editors.get(name)

    def output_editors(self) -> list:
        """The :class:`OutputEditor` boxes shown."""
        return list(self._output_editors)

    def show_help(self, layer_type: str | None = None) -> HelpDialog | None:
        """Open the help window for ``layer_type`` (the inspected layer's type by default)."""
        if layer_type is None:
            layer = self.layer()
            if layer is None:
                return None
            layer_type = layer.type
        if self._help is None:
            self._help = HelpDialog(self.window())
        self._help.show_layer(layer_type)
        return self._help

    # ------------------------------------------------------------------ updates
    def _compute_signature(self):
        doc = self._doc
        if doc is None:
            return None
        layer = self.layer()
        if self._node_ids and layer is None:
            return ("multi", id(doc), tuple(self._node_ids))
        if layer is None:
            return ("model", id(doc), tuple((o.node, o.index) for o in doc.outputs))
        outputs = tuple(k for k, o in enumerate(doc.outputs) if o.node in self._node_ids)
        params = self._params_of(layer)
        config = layer.config
        kinds = tuple(editor_class(p, config.get(p.name, p.default))[0].__name__ for p in params)
        extra_keys = tuple(k for k in config if k not in {p.name for p in params})
        return ("layer", id(doc), tuple(self._node_ids), layer.id, layer.type, outputs, kinds, extra_keys,
                len(doc.nodes_of(layer.id)) > 1)

    def _on_changed(self, doc, event) -> None:
        if doc is not self._doc or event.kind == "position":
            return
        alive = [n for n in self._node_ids if n in doc.nodes]
        if alive != self._node_ids:
            self._node_ids = alive
        if self._compute_signature() != self._signature:
            self._schedule_rebuild()
        else:
            self._sync()

    def _on_checked(self, doc, _result) -> None:
        if doc is self._doc and not self._rebuild_pending:
            self._sync_info()
            for editor in self._output_editors:
                editor.sync()

    def _schedule_rebuild(self) -> None:
        # Deferred: the edit may come from one of our own widgets, which must not be deleted
        # inside its own signal.
        if not self._rebuild_pending:
            self._rebuild_pending = True
            QTimer.singleShot(0, self._rebuild)

    def flush(self) -> None:
        """Perform a pending rebuild now (tests)."""
        if self._rebuild_pending:
            self._rebuild()

    def _rebuild(self) -> None:
        self._rebuild_pending = False
        if self.session is None or self._doc is None:
            return
        self._node_ids = [n for n in self._node_ids if n in self._doc.nodes]
        old_scroll = self.scroll.verticalScrollBar().value()
        self._rows = {}
        self._output_editors = []
        self._settings_editors = {}
        self._general_error = None
        self._grids = []
        self.name_edit = self.name_error = self.shared_label = self.info_label = None
        self.help_button = self.mark_output_button = None
        body = QWidget()
        body.setObjectName("inspectorBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        layer = self.layer()
        if layer is not None:
            self._build_layer(layout, layer)
        elif self._node_ids:
            self._build_multi(layout)
        else:
            self._build_model(layout)
        layout.addStretch(1)
        self._align_grids()
        old = self.scroll.takeWidget()
        self.scroll.setWidget(body)
        self.body = body
        if old is not None:
            old.deleteLater()
        self._signature = self._compute_signature()
        self._sync()
        self.scroll.verticalScrollBar().setValue(old_scroll)

    # ------------------------------------------------------------------ layer view
    def _params_of(self, layer) -> tuple:
        if layer.type == "Application":
            return APPLICATION_PARAMS
        if layer.type == "Model":
            return ()
        spec = catalog.get_spec(layer.type)
        if spec is None:
            return tuple(ParamSpec(k, "any", None, allow_none=True, main=True, doc="(not in the catalog)")
                         for k in layer.config)
        return spec.params

    def _add_name_row(self, layout: QVBoxLayout, rename: Callable) -> None:
        """Add the "name" field (:attr:`name_edit`, applied by ``rename``) and its :attr:`name_error`."""
        name_row = QHBoxLayout()
        name_row.addWidget(QLabel("name"))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.editingFinished.connect(rename)
        name_row.addWidget(self.name_edit, 1)
        layout.addLayout(name_row)
        self.name_error = _error_label()
        layout.addWidget(self.name_error)

    def _build_layer(self, layout: QVBoxLayout, layer) -> None:
        doc = self._doc
        spec = catalog.get_spec(layer.type)
        head = QHBoxLayout()
        title = QLabel(f"<span style='font-size:12pt; font-weight:600'>{html.escape(layer.type)}</span>")
        title.setObjectName("inspectorTitle")
        head.addWidget(title, 1)
        self.help_button = QToolButton()
        self.help_button.setText("?")
        self.help_button.setObjectName("helpButton")
        self.help_button.setToolTip(f"Documentation of {layer.type}: every argument with its default")
        self.help_button.clicked.connect(lambda: self.show_help(layer.type))
        head.addWidget(self.help_button)
        layout.addLayout(head)
        description = (spec.description if spec is not None else
                       APPLICATION_DESCRIPTION if layer.type == "Application" else
                       MODEL_DESCRIPTION if layer.type == "Model" else
                       "Not in LayerLoom's catalog: its config is kept and exported unchanged.")
        layout.addWidget(_muted(description))

        self._add_name_row(layout, self._rename)
        self.name_edit.setToolTip("The Keras layer name (unique in the model)")

        self.shared_label = QLabel()
        self.shared_label.setWordWrap(True)
        self.shared_label.setObjectName("sharedLabel")
        self.shared_label.setStyleSheet(f"color: {ACCENT_COLOR}; font-weight: 600;")
        self.shared_label.setToolTip("A shared layer has one set of weights used at every call: edits here "
                                     "change every call. Layer › Make independent gives one call its own copy.")
        layout.addWidget(self.shared_label)
        self.info_label = _muted()
        self.info_label.setObjectName("infoLabel")
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info_label)

        if layer.type == "Model":
            sub = layer.subgraph
            if sub is not None:
                layout.addWidget(_muted(f"{_count(len(sub.layers), 'layer')} · "
                                        f"{_count(len(sub.input_nodes()), 'input')} · "
                                        f"{_count(len(sub.outputs), 'output')}"))
            button = QPushButton("Open nested model")
            button.setToolTip("Open the model inside this layer in a tab (or double-click the node)")
            button.clicked.connect(lambda: self.openNestedRequested.emit(layer.id))
            layout.addWidget(button)

        params = self._params_of(layer)
        self._general_error = _error_label()
        layout.addWidget(self._general_error)
        main = [p for p in params if p.main or p.required]
        advanced = [p for p in params if p not in main]
        known = {p.name for p in params}
        unknown = [ParamSpec(k, "any", None, allow_none=True, doc="not a parameter of this layer")
                   for k in layer.config if k not in known]
        if main or unknown:
            layout.addWidget(_section("Parameters"))
            layout.addWidget(self._param_grid(main + unknown, layer))
        if advanced:
            toggle = QToolButton()
            toggle.setObjectName("advancedToggle")
            toggle.setCheckable(True)
            toggle.setChecked(self._advanced_open)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setAutoRaise(True)
            toggle.setText(f"More parameters ({len(advanced)})")
            toggle.setArrowType(Qt.ArrowType.DownArrow if self._advanced_open else Qt.ArrowType.RightArrow)
            grid = self._param_grid(advanced, layer)
            grid.setVisible(self._advanced_open)

            def flip(on: bool, grid=grid, toggle=toggle) -> None:
                self._advanced_open = on
                grid.setVisible(on)
                toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

            toggle.toggled.connect(flip)
            layout.addWidget(toggle)
            layout.addWidget(grid)

        layout.addWidget(_section("Model output"))
        indices = [k for k, o in enumerate(doc.outputs) if o.node in self._node_ids]
        top_level = doc is self.session.document
        for k in indices:
            out = doc.outputs[k]
            title = f"Output {k}" + (f" (tensor {out.index})" if out.index else "")
            editor = OutputEditor(self, doc, k, title, training=top_level)
            self._output_editors.append(editor)
            layout.addWidget(editor)
        if not indices:
            self.mark_output_button = QPushButton("Mark as model output")
            self.mark_output_button.setToolTip("Expose this layer's output as an output of the model")
            self.mark_output_button.clicked.connect(self._mark_output)
            layout.addWidget(self.mark_output_button)

    def _new_grid(self) -> tuple[QWidget, QGridLayout]:
        """An empty widget and its compact grid of editor rows (kept in ``self._grids``)."""
        box = QWidget()
        grid = QGridLayout(box)
        self._grids.append(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(1, 1)
        return box, grid

    def _param_grid(self, params: list, layer) -> QWidget:
        box, grid = self._new_grid()
        row_index = 0
        for p in params:
            value = layer.config.get(p.name, p.default)
            editor = make_editor(p, value)
            editor.setParent(self)
            label = QLabel(p.name)
            label.setToolTip(f"<b>{html.escape(p.name)}</b> ({html.escape(p.kind)}): {html.escape(p.doc)}<br>"
                             f"default: <code>{html.escape(format_value(p.default))}</code>")
            editor.widget.setToolTip(label.toolTip())
            reset = QToolButton()
            reset.setObjectName("resetButton")
            reset.setText("↺")
            reset.setAutoRaise(True)
            reset.setToolTip(f"Back to the Keras default ({format_value(p.default)})")
            error = _error_label()
            grid.addWidget(label, row_index, 0)
            grid.addWidget(editor.widget, row_index, 1)
            grid.addWidget(reset, row_index, 2)
            grid.addWidget(error, row_index + 1, 0, 1, 3)
            row_index += 2
            row = ParamRow(p, editor, label, reset, error)
            self._rows[p.name] = row
            editor.edited.connect(lambda v, lid=layer.id, row=row: self._param_edited(lid, row, v))
            editor.parseError.connect(lambda msg, row=row: self._param_parse_error(row, msg))
            reset.clicked.connect(lambda _=False, lid=layer.id, row=row: self._param_edited(lid, row, DELETE))
        return box

    def _align_grids(self) -> None:
        """Give every parameter grid the same label column, so editors line up across sections."""
        width = 0
        for grid in self._grids:
            for r in range(grid.rowCount()):
                item = grid.itemAtPosition(r, 0)
                widget = item.widget() if item is not None else None
                if isinstance(widget, QLabel) and widget.objectName() != "errorLabel":
                    font = widget.font()
                    font.setBold(True)
                    width = max(width, QFontMetrics(font).horizontalAdvance(widget.text()) + 4)
        for grid in self._grids:
            grid.setColumnMinimumWidth(0, min(width, 150))

    def _param_edited(self, layer_id: str, row: ParamRow, value) -> None:
        row.parse_error = ""
        layer = self._doc.layers.get(layer_id) if self._doc is not None else None
        if layer is None:
            return
        name = row.param.name
        if value is DELETE:
            unchanged = name not in layer.config
        elif name in layer.config:
            current = layer.config[name]
            unchanged = _jsonable(current) == _jsonable(value) and type(current) is type(value)
        else:  # showing the default: setting that same value explicitly changes nothing
            default = row.param.default
            unchanged = _jsonable(value) == _jsonable(default) and type(value) is type(default)
        if unchanged:
            self._sync()
            return
        ok, message = self._push(SetConfig(layer_id, name, value))
        if not ok:
            row.parse_error = message
            self._sync_errors()

    def _param_parse_error(self, row: ParamRow, message: str) -> None:
        row.parse_error = message
        self._sync_errors()

    def _rename(self) -> None:
        layer = self.layer()
        if layer is None or self.name_edit is None:
            return
        name = self.name_edit.text().strip()
        if name == layer.name:
            _set_error(self.name_error, "")
            return
        if not name:
            _set_error(self.name_error, "a layer needs a name")
            return
        if not NAME_PATTERN.match(name):
            _set_error(self.name_error, f"{name!r} is not a valid Keras layer name: use letters, digits and "
                                        f"underscores, starting with a letter")
            return
        ok, message = self._push(Rename(layer.id, name))
        _set_error(self.name_error, "" if ok else message)
        if not ok:
            self.message.emit(message)

    def _mark_output(self) -> None:
        if not self._node_ids:
            return
        node_id = self._node_ids[0]
        # Losses belong to the outermost model: a nested model's outputs get none (none is shown there).
        top_level = self._doc is self.session.document
        loss = suggest_loss(self._doc, node_id, self.result()) if top_level else None
        self.push(MarkOutput(Output(node_id, 0, loss)))

    # ------------------------------------------------------------------ other views
    def _build_multi(self, layout: QVBoxLayout) -> None:
        doc = self._doc
        layout.addWidget(QLabel(f"<span style='font-size:12pt; font-weight:600'>{len(self._node_ids)} "
                                f"nodes selected</span>"))
        names = ", ".join(doc.node_label(n) for n in self._node_ids[:12])
        if len(self._node_ids) > 12:
            names += ", …"
        layout.addWidget(_muted(names))
        layout.addWidget(_muted("Select a single node to edit its layer."))

    def _build_model(self, layout: QVBoxLayout) -> None:
        doc = self._doc
        top_level = doc is self.session.document
        layout.addWidget(QLabel("<span style='font-size:12pt; font-weight:600'>"
                                + ("Model" if top_level else "Nested model") + "</span>"))
        self._add_name_row(layout, self._rename_model)
        self.info_label = _muted()
        self.info_label.setObjectName("infoLabel")
        layout.addWidget(self.info_label)
        if top_level:
            layout.addWidget(_section("Compile"))
            layout.addWidget(self._settings_grid([
                ("compile", ParamSpec("optimizer", "str", "rmsprop", choices=OPTIMIZERS,
                                      doc="the optimizer passed to model.compile")),
                ("compile", ParamSpec("learning_rate", "float", 0.001, minimum=0.0,
                                      doc="the optimizer's learning rate")),
            ]))
            layout.addWidget(_section("Quick fit (synthetic data)"))
            layout.addWidget(self._settings_grid([
                ("fit", ParamSpec("epochs", "int", 1, minimum=1, doc="passes over the synthetic data")),
                ("fit", ParamSpec("batch_size", "int", 32, minimum=1, doc="samples per gradient step")),
                ("fit", ParamSpec("samples", "int", 256, minimum=1, doc="number of synthetic samples")),
                ("fit", ParamSpec("seed", "int", 0, minimum=0, doc="random seed of the synthetic data")),
            ]))
        layout.addWidget(_section("Outputs"))
        if not doc.outputs:
            layout.addWidget(_muted("No output yet: select the last layer and mark it as a model output."))
        for k, out in enumerate(doc.outputs):
            title = f"{k}. {doc.node_label(out.node)}" if out.node in doc.nodes else f"{k}. {out.node}"
            editor = OutputEditor(self, doc, k, title, training=top_level)
            self._output_editors.append(editor)
            layout.addWidget(editor)
        if not top_level:
            layout.addWidget(_muted("Losses and training settings belong to the outermost model."))

    def _settings_grid(self, entries: list) -> QWidget:
        box, grid = self._new_grid()
        for i, (section, p) in enumerate(entries):
            value = getattr(self._doc, section).get(p.name, p.default)
            editor = make_editor(p, value)
            editor.setParent(self)
            label = QLabel(p.name.replace("_", " "))
            label.setToolTip(p.doc)
            editor.widget.setToolTip(p.doc)
            error = _error_label()
            grid.addWidget(label, 2 * i, 0)
            grid.addWidget(editor.widget, 2 * i + 1 - 1, 1)
            grid.addWidget(error, 2 * i + 1, 0, 1, 2)
            self._settings_editors[p.name] = editor
            editor.edited.connect(lambda v, s=section, p=p, e=error: self._setting_edited(s, p, v, e))
            editor.parseError.connect(lambda msg, e=error: _set_error(e, msg))
        return box

    def _setting_edited(self, section: str, p: ParamSpec, value, error: QLabel) -> None:
        if value is None or (p.kind == "float" and (value <= 0 if p.name == "learning_rate" else value < 0)):
            _set_error(error, f"{p.name.replace('_', ' ')} must be a positive number")
            return
        if p.kind == "str" and not str(value).strip():
            _set_error(error, f"{p.name} needs a value")
            return
        _set_error(error, "")
        if getattr(self._doc, section).get(p.name) != value:
            self.push(SetSetting(section, p.name, value))

    def _rename_model(self) -> None:
        name = self.name_edit.text().strip()
        if name == self._doc.name:
            _set_error(self.name_error, "")
            return
        if not NAME_PATTERN.match(name):
            _set_error(self.name_error, f"{name!r} is not a valid model name: use letters, digits and "
                                        f"underscores, starting with a letter")
            return
        link = self._doc.parent_link
        if link is not None:  # a nested model is named by its Model layer in the parent graph
            parent, layer_id = link
            ok, message = self._push(Rename(layer_id, name), parent)
        else:
            ok, message = self._push(SetSetting("model", "name", name))
        _set_error(self.name_error, "" if ok else message)

    # ------------------------------------------------------------------ syncing values
    def _sync(self) -> None:
        """Show the document's current values in the existing widgets."""
        doc = self._doc
        if doc is None:
            return
        layer = self.layer()
        if self.name_edit is not None and not self.name_edit.hasFocus():
            name = layer.name if layer is not None else doc.name
            if self.name_edit.text() != name and (layer is not None or not self._node_ids):
                self.name_edit.setText(name)
                _set_error(self.name_error, "")
        if layer is not None:
            for name, row in self._rows.items():
                row.editor.set_value(layer.config.get(name, row.param.default))
                row.reset.setVisible(name in layer.config and not row.param.required)
                font = row.label.font()
                font.setBold(name in layer.config)
                row.label.setFont(font)
            if self.shared_label is not None:
                calls = len(doc.nodes_of(layer.id))
                self.shared_label.setText(f"shared: called {calls} times — edits apply to every call"
                                          if calls > 1 else "")
                self.shared_label.setVisible(calls > 1)
        else:
            for name, editor in self._settings_editors.items():
                section = "compile" if name in ("optimizer", "learning_rate") else "fit"
                editor.set_value(getattr(doc, section).get(name, editor.param.default))
        for editor in self._output_editors:
            editor.sync()
        self._sync_errors()
        self._sync_info()

    def _sync_errors(self) -> None:
        layer = self.layer()
        if layer is None or not self._rows:
            return
        if layer.type == "Application":
            problems = [(p.name, f"{p.name} is required", p.doc) for p in APPLICATION_PARAMS
                        if p.required and not layer.config.get(p.name)]
        elif catalog.get_spec(layer.type) is None:
            problems = []
        else:
            problems = catalog.check_params(layer.type, layer.config)
        by_param: dict = {}
        general = []
        for name, message, hint in problems:
            key = name.split(".", 1)[0] if name else ""
            text = message + (f" — {hint}" if hint and len(hint) < 120 else "")
            if key in self._rows:
                by_param.setdefault(key, []).append(text)
            else:
                general.append(text)
        for name, row in self._rows.items():
            messages = ([row.parse_error] if row.parse_error else []) + by_param.get(name, [])
            _set_error(row.error, "\n".join(messages))
            row.editor.widget.setProperty("invalid", bool(messages))
            row.editor.widget.style().unpolish(row.editor.widget)
            row.editor.widget.style().polish(row.editor.widget)
        if self._general_error is not None:
            _set_error(self._general_error, "\n".join(general))

    def _sync_info(self) -> None:
        if self.info_label is None or self._doc is None:
            return
        doc = self._doc
        result = self.result()
        layer = self.layer()
        if layer is None:
            if self._node_ids:
                return
            text = " · ".join(_count(n, word) for n, word in (
                (len(doc.layers), "layer"), (len(doc.nodes), "node"), (len(doc.input_nodes()), "input"),
                (len(doc.outputs), "output")))
            if result is not None:
                known = "" if result.params_known else "+"
                text += f"<br>{result.total:,}{known} params ({result.trainable:,} trainable)"
            self.info_label.setText(text)
            return
        lines = []
        if result is not None:
            for nid in self._node_ids:
                specs = result.output_specs(nid)
                shapes = ", ".join(format_shape(s.shape) for s in specs) if specs else "?"
                prefix = f"{doc.node_label(nid)}: " if len(self._node_ids) > 1 else ""
                lines.append(f"{prefix}output {shapes}")
            params = result.layer_params.get(layer.id)
            if params is None:
                lines.append("params: unknown" if layer.type != "Input" else "params: 0")
            else:
                trainable, frozen = params
                total = trainable + frozen
                lines.append(f"params: {total:,}" + (f" ({trainable:,} trainable)" if frozen else ""))
        self.info_label.setText("<br>".join(html.escape(x) for x in lines))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def suggest_loss(doc: Document, node_id: str, result=None) -> str:
    """A sensible first loss for a new output: from the layer's activation and unit count."""
    layer = doc.layer_of(node_id)
    activation = layer.config.get("activation")
    units = None
    if result is not None:
        specs = result.output_specs(node_id)
        if specs and specs[0].shape:
            units = specs[0].shape[-1]
    if activation == "softmax" or layer.type == "Softmax":
        return "categorical_crossentropy"
    if activation == "sigmoid":
        return "binary_crossentropy"
    if units == 1 or activation in (None, "linear"):
        return "mse"
    return "mse"

