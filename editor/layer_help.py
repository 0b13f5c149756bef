"""Layer documentation from the catalog (like ``?layers.Dense``): :func:`layer_help_html` and :class:`HelpDialog`.

Model and Application layers get their help from their kinds' specs (:mod:`graph_core.layer_kinds`).
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from editor.inspector_widgets import MUTED_COLOR
from editor.param_text import format_value
from graph_core.layer_kinds import spec_for_type
from graph_core.operations import get_operation


def _signature(layer_type: str, params: tuple) -> str:
    parts = []
    operation = get_operation(layer_type)
    if operation is not None:  # keras.ops.mean(x, axis=None, keepdims=False): operands first
        params = tuple(p for p in params if p.name not in operation.constant_operands)
        parts = list(operation.operands)
        if operation.variadic == "star":  # einsum(subscripts, *operands)
            parts = [p.name for p in params] + ["*" + parts[0]]
            params = ()
    for p in params:
        parts.append(p.name if p.required else f"{p.name}={format_value(p.default)}")
    if operation is not None:
        return f"keras.ops.{operation.function}(" + ", ".join(parts) + ")"
    return f"keras.layers.{layer_type}(" + ", ".join(parts) + ")"


def layer_help_html(layer_type: str) -> str:
    """The documentation of a layer type, like ``?layers.Dense``: signature, description, every
    parameter with its kind, default and doc (catalog data; Keras is not imported)."""
    esc = html.escape
    spec = spec_for_type(layer_type)
    kind = spec.kind if spec is not None else None
    if kind == "application":
        params, description, inputs = spec.params, spec.description, "1 image tensor"
        signature = "keras.applications.<Application>(include_top=True, weights='imagenet', pooling=None, ...)"
        category = spec.category
    elif kind == "model":
        return (f"<h3>Model <span style='color:{MUTED_COLOR}'>(Models)</span></h3>"
                f"<p><code>y = model(x)</code> — <code>y1, y2 = model([x1, x2])</code></p>"
                f"<p>{esc(spec.description)}</p><p>Double-click the node to open the nested model in a "
                f"tab and edit it; every call of it changes with it.</p>")
    else:
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

