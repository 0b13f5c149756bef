"""The inspector's view of one layer: its name, parameters, wrapped layer, shapes and outputs.

Parameter editors come from :func:`editor.param_editors.make_editor` (a wrapper's inner layer
from :class:`editor.wrapped_layer.WrappedLayerEditor`); every change becomes a ``SetConfig`` or
``Rename`` edit pushed through the inspector. Since config belongs to the *layer*, editing a
shared layer changes every call of it. Constraint violations
(:func:`graph_core.catalog.check_params`) are shown in red under the field; text that cannot
become a value of the right kind is shown in red and not applied.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton

from editor.inspector_call import CallSection, shows_call_section
from editor.inspector_view import InspectorView, count
from editor.inspector_widgets import (
    ACCENT_COLOR,
    ParamRow,
    add_param_row,
    error_label,
    muted_label,
    section_title,
    set_error,
)
from editor.output_settings import suggest_loss
from editor.param_editors import ParamEditor, editor_class, make_editor
from editor.param_text import jsonable
from editor.wrapped_layer import WrappedLayerEditor, can_edit_wrapped, wrapped_signature
from graph_core import catalog
from graph_core.analysis import NAME_PATTERN
from graph_core.catalog import ParamSpec
from graph_core.document import Output
from graph_core.edits import DELETE, MarkOutput, Rename, SetConfig
from graph_core.layer_kinds import kind_of, spec_for
from graph_core.mask_flow import uses_mask
from graph_core.tensor import format_shape


def params_of(layer) -> tuple:
    """The parameters the inspector edits for ``layer`` (its config keys when not in the catalog)."""
    spec = spec_for(layer)
    if spec is None:
        return tuple(ParamSpec(k, "any", None, allow_none=True, main=True, doc="(not in the catalog)")
                     for k in layer.config)
    return spec.params


def editor_kind(layer, param: ParamSpec, value):
    """What decides the widgets of ``param`` (the inspector rebuilds when it changes)."""
    if can_edit_wrapped(layer.type, param, value):
        return ("wrapped", wrapped_signature(value))
    return editor_class(param, value)[0].__name__


class LayerView(InspectorView):
    """The layer called by the selected ``node_ids`` of ``doc`` (see :class:`InspectorView`).

    Args:
        host: the :class:`editor.inspector.Inspector`; its ``advanced_open`` and
            ``inner_advanced_open`` remember whether the "More parameters" sections are open.
        doc: the inspected document.
        layer: the layer.
        node_ids: the selected calls of it.

    Attributes:
        rows: parameter name → :class:`ParamRow`.
    """

    def __init__(self, host, doc, layer, node_ids: list):
        super().__init__(host, doc)
        self.layer_id = layer.id
        self.node_ids = list(node_ids)
        self.rows: dict = {}
        self._build_head(layer)
        self._build_params(layer)
        self.call_section = CallSection(self, self.node_ids[0]) if shows_call_section(doc, self.node_ids) else None
        self._build_outputs()
        self.finish()

    @property
    def layer(self):
        """The inspected layer (None once it is gone)."""
        return self.doc.layers.get(self.layer_id)

    # ------------------------------------------------------------------ building
    def _build_head(self, layer) -> None:
        spec = spec_for(layer)
        head = QHBoxLayout()
        title = QLabel(f"<span style='font-size:12pt; font-weight:600'>{html.escape(layer.type)}</span>")
        title.setObjectName("inspectorTitle")
        head.addWidget(title, 1)
        self.help_button = QToolButton()
        self.help_button.setText("?")
        self.help_button.setObjectName("helpButton")
        self.help_button.setToolTip(f"Documentation of {layer.type}: every argument with its default")
        self.help_button.clicked.connect(lambda: self.host.show_help(layer.type))
        head.addWidget(self.help_button)
        self.body.addLayout(head)
        description = (spec.description if spec is not None else
                       "Not in LayerLoom's catalog: its config is kept and exported unchanged.")
        self.body.addWidget(muted_label(description))
        self.add_name_row(self._rename)
        self.name_edit.setToolTip("The Keras layer name (unique in the model)")
        self.shared_label = QLabel()
        self.shared_label.setWordWrap(True)
        self.shared_label.setObjectName("sharedLabel")
        self.shared_label.setStyleSheet(f"color: {ACCENT_COLOR}; font-weight: 600;")
        self.shared_label.setToolTip("A shared layer has one set of weights used at every call: edits here "
                                     "change every call. Layer › Make independent gives one call its own copy.")
        self.body.addWidget(self.shared_label)
        self.add_info_label().setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if kind_of(layer) == "model":
            sub = layer.subgraph
            if sub is not None:
                self.body.addWidget(muted_label(f"{count(len(sub.layers), 'layer')} · "
                                                f"{count(len(sub.input_nodes()), 'input')} · "
                                                f"{count(len(sub.outputs), 'output')}"))
            button = QPushButton("Open nested model")
            button.setToolTip("Open the model inside this layer in a tab (or double-click the node)")
            button.clicked.connect(lambda: self.host.openNestedRequested.emit(layer.id))
            self.body.addWidget(button)

    def _build_params(self, layer) -> None:
        params = params_of(layer)
        self._general_error = error_label()
        self.body.addWidget(self._general_error)
        main = [p for p in params if p.main or p.required]
        advanced = [p for p in params if p not in main]
        known = {p.name for p in params}
        unknown = [ParamSpec(k, "any", None, allow_none=True, doc="not a parameter of this layer")
                   for k in layer.config if k not in known]
        if main or unknown:
            self.body.addWidget(section_title("Parameters"))
            self.body.addWidget(self._param_grid(main + unknown, layer))
        if advanced:
            toggle = QToolButton()
            toggle.setObjectName("advancedToggle")
            toggle.setCheckable(True)
            toggle.setChecked(self.host.advanced_open)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setAutoRaise(True)
            toggle.setText(f"More parameters ({len(advanced)})")
            toggle.setArrowType(Qt.ArrowType.DownArrow if self.host.advanced_open else Qt.ArrowType.RightArrow)
            grid = self._param_grid(advanced, layer)
            grid.setVisible(self.host.advanced_open)

            def flip(on: bool) -> None:
                self.host.advanced_open = on
                grid.setVisible(on)
                toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

            toggle.toggled.connect(flip)
            self.body.addWidget(toggle)
            self.body.addWidget(grid)

    def _build_outputs(self) -> None:
        doc = self.doc
        self.body.addWidget(section_title("Model output"))
        indices = [k for k, o in enumerate(doc.outputs) if o.node in self.node_ids]
        for k in indices:
            out = doc.outputs[k]
            self.add_output_editor(k, f"Output {k}" + (f" (tensor {out.index})" if out.index else ""))
        if not indices:
            self.mark_output_button = QPushButton("Mark as model output")
            self.mark_output_button.setToolTip("Expose this layer's output as an output of the model")
            self.mark_output_button.clicked.connect(self._mark_output)
            self.body.addWidget(self.mark_output_button)

    def _make_editor(self, layer, p: ParamSpec, value) -> ParamEditor:
        if can_edit_wrapped(layer.type, p, value):
            def remember(on: bool) -> None:
                self.host.inner_advanced_open = on

            editor = WrappedLayerEditor(layer.type, p, value, self.host.inner_advanced_open, remember)
            editor.errorsChanged.connect(self.sync_errors)
            return editor
        return make_editor(p, value)

    def _param_grid(self, params: list, layer):
        box, grid = self.new_grid()
        row_index = 0
        for p in params:
            editor = self._make_editor(layer, p, layer.config.get(p.name, p.default))
            editor.setParent(self)
            row = add_param_row(grid, row_index, p, editor)
            row_index += 2
            if isinstance(editor, WrappedLayerEditor):  # the wrapped layer's own parameters, below
                grid.addWidget(editor.body, row_index, 0, 1, 3)
                row_index += 1
            self.rows[p.name] = row
            editor.edited.connect(lambda v, row=row: self._param_edited(row, v))
            editor.parseError.connect(lambda msg, row=row: self._param_parse_error(row, msg))
            row.reset.clicked.connect(lambda _=False, row=row: self._param_edited(row, DELETE))
        return box

    # ------------------------------------------------------------------ edits
    def _param_edited(self, row: ParamRow, value) -> None:
        row.parse_error = ""
        layer = self.layer
        if layer is None:
            return
        name = row.param.name
        if value is DELETE:
            unchanged = name not in layer.config
        elif name in layer.config:
            current = layer.config[name]
            unchanged = jsonable(current) == jsonable(value) and type(current) is type(value)
        else:  # showing the default: setting that same value explicitly changes nothing
            default = row.param.default
            unchanged = jsonable(value) == jsonable(default) and type(value) is type(default)
        if unchanged:
            self.sync()
            return
        ok, message = self.host.push_with_message(SetConfig(layer.id, name, value))
        if not ok:
            row.parse_error = message
            self.sync_errors()

    def _param_parse_error(self, row: ParamRow, message: str) -> None:
        row.parse_error = message
        self.sync_errors()

    def _rename(self) -> None:
        layer = self.layer
        if layer is None or self.name_edit is None:
            return
        name = self.name_edit.text().strip()
        if name == layer.name:
            set_error(self.name_error, "")
            return
        if not name:
            set_error(self.name_error, "a layer needs a name")
            return
        if not NAME_PATTERN.match(name):
            set_error(self.name_error, f"{name!r} is not a valid Keras layer name: use letters, digits and "
                                        f"underscores, starting with a letter")
            return
        ok, message = self.host.push_with_message(Rename(layer.id, name))
        set_error(self.name_error, "" if ok else message)
        if not ok:
            self.host.message.emit(message)

    def _mark_output(self) -> None:
        if not self.node_ids:
            return
        node_id = self.node_ids[0]
        # Losses belong to the outermost model: a nested model's outputs get none (none is shown there).
        loss = suggest_loss(self.doc, node_id, self.host.result()) if self.top_level else None
        self.host.push(MarkOutput(Output(node_id, 0, loss)))

    # ------------------------------------------------------------------ syncing
    def row(self, name: str) -> ParamRow | None:
        """The row editing parameter ``name``."""
        return self.rows.get(name)

    def wrapped_editor(self) -> WrappedLayerEditor | None:
        """The editor of a Bidirectional's or TimeDistributed's wrapped layer, when shown."""
        row = self.rows.get("layer")
        return row.editor if row is not None and isinstance(row.editor, WrappedLayerEditor) else None

    def editor(self, name: str) -> ParamEditor | None:
        row = self.rows.get(name)
        if row is not None:
            return row.editor
        if name.startswith("layer."):
            wrapped = self.wrapped_editor()
            return wrapped.editor(name[len("layer."):]) if wrapped is not None else None
        return None

    def sync(self) -> None:
        layer = self.layer
        if layer is None:
            return
        self.show_name(layer.name)
        for name, row in self.rows.items():
            row.editor.set_value(layer.config.get(name, row.param.default))
            row.reset.setVisible(name in layer.config and not row.param.required)
            font = row.label.font()
            font.setBold(name in layer.config)
            row.label.setFont(font)
        calls = len(self.doc.nodes_of(layer.id))
        self.shared_label.setText(f"shared: called {calls} times — edits apply to every call" if calls > 1 else "")
        self.shared_label.setVisible(calls > 1)
        for editor in self.output_editors:
            editor.sync()
        if self.call_section is not None:
            self.call_section.sync()
        self.sync_errors()
        self.sync_info()

    def sync_errors(self) -> None:
        """Show parse errors and the catalog's constraint violations under their fields."""
        layer = self.layer
        if layer is None or not self.rows:
            return
        if kind_of(layer) == "application":
            problems = [(p.name, f"{p.name} is required", p.doc) for p in params_of(layer)
                        if p.required and not layer.config.get(p.name)]
        elif catalog.get_spec(layer.type) is None:
            problems = []
        else:
            problems = catalog.check_params(layer.type, layer.config)
        by_param: dict = {}
        inner: dict = {}
        general = []
        wrapped = self.wrapped_editor()
        for name, message, hint in problems:
            key = name.split(".", 1)[0] if name else ""
            text = message + (f" — {hint}" if hint and len(hint) < 120 else "")
            inner_key = name.split(".")[1] if key == "layer" and "." in name else None
            if wrapped is not None and inner_key in wrapped.rows():
                inner.setdefault(inner_key, []).append(text)
            elif key in self.rows:
                by_param.setdefault(key, []).append(text)
            else:
                general.append(text)
        for name, row in self.rows.items():
            messages = ([row.parse_error] if row.parse_error else []) + by_param.get(name, [])
            set_error(row.error, "\n".join(messages))
            row.editor.widget.setProperty("invalid", bool(messages))
            row.editor.widget.style().unpolish(row.editor.widget)
            row.editor.widget.style().polish(row.editor.widget)
        if wrapped is not None:
            wrapped.show_errors(inner)
        set_error(self._general_error, "\n".join(general))

    def sync_info(self) -> None:
        layer = self.layer
        result = self.host.result()
        if layer is None:
            return
        doc = self.doc
        lines = []
        for nid in self.node_ids if result is not None else ():
            specs = result.output_specs(nid)
            shapes = ", ".join(format_shape(s.shape) for s in specs) if specs else "?"
            prefix = f"{doc.node_label(nid)}: " if len(self.node_ids) > 1 else ""
            lines.append(f"{prefix}output {shapes}")
        params = result.layer_params.get(layer.id) if result is not None else ()
        if params is None:
            lines.append("params: unknown" if layer.type != "Input" else "params: 0")
        elif params:
            trainable, frozen = params
            total = trainable + frozen
            lines.append(f"params: {total:,}" + (f" ({trainable:,} trainable)" if frozen else ""))
        if result is not None:
            lines.extend(mask_lines(doc, result, self.node_ids))
        lines.extend(self.host.provided_lines(doc, list(self.node_ids)))
        self.info_label.setText("<br>".join(html.escape(x) for x in lines))


def mask_lines(doc, result, node_ids: list) -> list:
    """The inspector's lines on Keras masks: which outputs of each call carry one (from
    Embedding(mask_zero=True), Masking…) and whether the layer uses the mask it receives."""
    lines = []
    for nid in node_ids:
        res = result.nodes.get(nid)
        node = doc.nodes.get(nid)
        if res is None or node is None:
            continue
        prefix = f"{doc.node_label(nid)}: " if len(node_ids) > 1 else ""
        given = "mask" in node.keyword_inputs or any(
            result.nodes[r.node].carries_mask(r.index) for r in node.inputs if r.node in result.nodes)
        carried = [k for k, m in enumerate(res.masks) if m]
        if given and uses_mask(doc.layers[node.layer].type):
            lines.append(f"{prefix}mask: used (masked steps are skipped)")
        if carried:
            which = "output" if len(res.masks) == 1 else "output " + ", ".join(str(k) for k in carried)
            lines.append(f"{prefix}mask: carried by its {which}")
        elif given:
            lines.append(f"{prefix}mask: not passed on")
    return lines
