"""The inspector: edits the selected layer, its model outputs, or the model's settings.

Parameter editors come from :func:`editor.param_editors.make_editor` (typed widgets generated
from the catalog's :class:`~graph_core.catalog.ParamSpec` list), a wrapper's inner layer from
:class:`editor.wrapped_layer.WrappedLayerEditor`, output losses from
:class:`editor.output_settings.OutputEditor`, and layer documentation from
:mod:`editor.layer_help`. Every change becomes a graph_core edit pushed on the session's undo
stack (``SetConfig``, ``Rename``, ``SetOutput``, ``SetSetting``); consecutive edits of the same
field merge into one undo step. Since config belongs to the *layer*, editing a shared layer changes
every call of it. Constraint violations (:func:`graph_core.catalog.check_params`) are shown in red
under the field; text that cannot become a value of the right kind is shown in red and not applied.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.inspector_widgets import (
    ACCENT_COLOR,
    ParamRow,
    add_param_row,
    align_label_columns,
    error_label,
    muted_label,
    new_param_grid,
    section_title,
    set_error,
)
from editor.layer_help import (
    APPLICATION_DESCRIPTION,
    APPLICATION_PARAMS,
    MODEL_DESCRIPTION,
    HelpDialog,
)
from editor.output_settings import OutputEditor, suggest_loss
from editor.param_editors import ParamEditor, editor_class, jsonable, make_editor
from editor.wrapped_layer import WrappedLayerEditor, can_edit_wrapped, wrapped_signature
from graph_core import catalog
from graph_core.analysis import NAME_PATTERN
from graph_core.catalog import ParamSpec
from graph_core.document import Document, Output
from graph_core.edits import DELETE, MarkOutput, Rename, SetConfig, SetSetting
from graph_core.tensor import format_shape

OPTIMIZERS = ("rmsprop", "adam", "adamw", "sgd", "adagrad", "adadelta", "adamax", "nadam", "ftrl",
              "lion")


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
        self._inner_advanced_open = False
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
        self._doc = None  # another session: what is top level changed, so build the view anew
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
        """The editor of parameter (or setting) ``name``; ``"layer.units"`` is a wrapped layer's ``units``."""
        row = self._rows.get(name)
        if row is not None:
            return row.editor
        if name.startswith("layer."):
            wrapped = self.wrapped_editor()
            return wrapped.editor(name[len("layer."):]) if wrapped is not None else None
        return self._settings_editors.get(name)

    def wrapped_editor(self) -> WrappedLayerEditor | None:
        """The editor of a Bidirectional's or TimeDistributed's wrapped layer, when shown."""
        row = self._rows.get("layer")
        return row.editor if row is not None and isinstance(row.editor, WrappedLayerEditor) else None

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
        kinds = tuple(self._editor_kind(layer, p, config.get(p.name, p.default)) for p in params)
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
        self.name_error = error_label()
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
        layout.addWidget(muted_label(description))

        self._add_name_row(layout, self._rename)
        self.name_edit.setToolTip("The Keras layer name (unique in the model)")

        self.shared_label = QLabel()
        self.shared_label.setWordWrap(True)
        self.shared_label.setObjectName("sharedLabel")
        self.shared_label.setStyleSheet(f"color: {ACCENT_COLOR}; font-weight: 600;")
        self.shared_label.setToolTip("A shared layer has one set of weights used at every call: edits here "
                                     "change every call. Layer › Make independent gives one call its own copy.")
        layout.addWidget(self.shared_label)
        self.info_label = muted_label()
        self.info_label.setObjectName("infoLabel")
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info_label)

        if layer.type == "Model":
            sub = layer.subgraph
            if sub is not None:
                layout.addWidget(muted_label(f"{_count(len(sub.layers), 'layer')} · "
                                        f"{_count(len(sub.input_nodes()), 'input')} · "
                                        f"{_count(len(sub.outputs), 'output')}"))
            button = QPushButton("Open nested model")
            button.setToolTip("Open the model inside this layer in a tab (or double-click the node)")
            button.clicked.connect(lambda: self.openNestedRequested.emit(layer.id))
            layout.addWidget(button)

        params = self._params_of(layer)
        self._general_error = error_label()
        layout.addWidget(self._general_error)
        main = [p for p in params if p.main or p.required]
        advanced = [p for p in params if p not in main]
        known = {p.name for p in params}
        unknown = [ParamSpec(k, "any", None, allow_none=True, doc="not a parameter of this layer")
                   for k in layer.config if k not in known]
        if main or unknown:
            layout.addWidget(section_title("Parameters"))
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

        layout.addWidget(section_title("Model output"))
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
        box, grid = new_param_grid()
        self._grids.append(grid)
        return box, grid

    @staticmethod
    def _editor_kind(layer, p: ParamSpec, value):
        """What decides the widgets of parameter ``p`` (the inspector rebuilds when it changes)."""
        if can_edit_wrapped(layer.type, p, value):
            return ("wrapped", wrapped_signature(value))
        return editor_class(p, value)[0].__name__

    def _make_editor(self, layer, p: ParamSpec, value) -> ParamEditor:
        if can_edit_wrapped(layer.type, p, value):
            def remember(on: bool) -> None:
                self._inner_advanced_open = on

            editor = WrappedLayerEditor(layer.type, p, value, self._inner_advanced_open, remember)
            editor.errorsChanged.connect(self._sync_errors)
            return editor
        return make_editor(p, value)

    def _param_grid(self, params: list, layer) -> QWidget:
        box, grid = self._new_grid()
        row_index = 0
        for p in params:
            value = layer.config.get(p.name, p.default)
            editor = self._make_editor(layer, p, value)
            editor.setParent(self)
            row = add_param_row(grid, row_index, p, editor)
            row_index += 2
            if isinstance(editor, WrappedLayerEditor):  # the wrapped layer's own parameters, below
                grid.addWidget(editor.body, row_index, 0, 1, 3)
                row_index += 1
            self._rows[p.name] = row
            editor.edited.connect(lambda v, lid=layer.id, row=row: self._param_edited(lid, row, v))
            editor.parseError.connect(lambda msg, row=row: self._param_parse_error(row, msg))
            row.reset.clicked.connect(lambda _=False, lid=layer.id, row=row: self._param_edited(lid, row, DELETE))
        return box

    def _align_grids(self) -> None:
        """Give every parameter grid the same label column, so editors line up across sections."""
        align_label_columns(self._grids, 150)

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
            unchanged = jsonable(current) == jsonable(value) and type(current) is type(value)
        else:  # showing the default: setting that same value explicitly changes nothing
            default = row.param.default
            unchanged = jsonable(value) == jsonable(default) and type(value) is type(default)
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
            set_error(self.name_error, "")
            return
        if not name:
            set_error(self.name_error, "a layer needs a name")
            return
        if not NAME_PATTERN.match(name):
            set_error(self.name_error, f"{name!r} is not a valid Keras layer name: use letters, digits and "
                                        f"underscores, starting with a letter")
            return
        ok, message = self._push(Rename(layer.id, name))
        set_error(self.name_error, "" if ok else message)
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
        layout.addWidget(muted_label(names))
        layout.addWidget(muted_label("Select a single node to edit its layer."))

    def _build_model(self, layout: QVBoxLayout) -> None:
        doc = self._doc
        top_level = doc is self.session.document
        layout.addWidget(QLabel("<span style='font-size:12pt; font-weight:600'>"
                                + ("Model" if top_level else "Nested model") + "</span>"))
        self._add_name_row(layout, self._rename_model)
        self.info_label = muted_label()
        self.info_label.setObjectName("infoLabel")
        layout.addWidget(self.info_label)
        if top_level:
            layout.addWidget(section_title("Compile"))
            layout.addWidget(self._settings_grid([
                ("compile", ParamSpec("optimizer", "str", "rmsprop", choices=OPTIMIZERS,
                                      doc="the optimizer passed to model.compile")),
                ("compile", ParamSpec("learning_rate", "float", 0.001, minimum=0.0,
                                      doc="the optimizer's learning rate")),
            ]))
            layout.addWidget(section_title("Quick fit (synthetic data)"))
            layout.addWidget(self._settings_grid([
                ("fit", ParamSpec("epochs", "int", 1, minimum=1, doc="passes over the synthetic data")),
                ("fit", ParamSpec("batch_size", "int", 32, minimum=1, doc="samples per gradient step")),
                ("fit", ParamSpec("samples", "int", 256, minimum=1, doc="number of synthetic samples")),
                ("fit", ParamSpec("seed", "int", 0, minimum=0, doc="random seed of the synthetic data")),
            ]))
        layout.addWidget(section_title("Outputs"))
        if not doc.outputs:
            layout.addWidget(muted_label("No output yet: select the last layer and mark it as a model output."))
        for k, out in enumerate(doc.outputs):
            title = f"{k}. {doc.node_label(out.node)}" if out.node in doc.nodes else f"{k}. {out.node}"
            editor = OutputEditor(self, doc, k, title, training=top_level)
            self._output_editors.append(editor)
            layout.addWidget(editor)
        if not top_level:
            layout.addWidget(muted_label("Losses and training settings belong to the outermost model."))

    def _settings_grid(self, entries: list) -> QWidget:
        box, grid = self._new_grid()
        for i, (section, p) in enumerate(entries):
            value = getattr(self._doc, section).get(p.name, p.default)
            editor = make_editor(p, value)
            editor.setParent(self)
            label = QLabel(p.name.replace("_", " "))
            label.setToolTip(p.doc)
            editor.widget.setToolTip(p.doc)
            error = error_label()
            grid.addWidget(label, 2 * i, 0)
            grid.addWidget(editor.widget, 2 * i + 1 - 1, 1)
            grid.addWidget(error, 2 * i + 1, 0, 1, 2)
            self._settings_editors[p.name] = editor
            editor.edited.connect(lambda v, s=section, p=p, e=error: self._setting_edited(s, p, v, e))
            editor.parseError.connect(lambda msg, e=error: set_error(e, msg))
        return box

    def _setting_edited(self, section: str, p: ParamSpec, value, error: QLabel) -> None:
        if value is None or (p.kind == "float" and (value <= 0 if p.name == "learning_rate" else value < 0)):
            set_error(error, f"{p.name.replace('_', ' ')} must be a positive number")
            return
        if p.kind == "str" and not str(value).strip():
            set_error(error, f"{p.name} needs a value")
            return
        set_error(error, "")
        if getattr(self._doc, section).get(p.name) != value:
            self.push(SetSetting(section, p.name, value))

    def _rename_model(self) -> None:
        name = self.name_edit.text().strip()
        if name == self._doc.name:
            set_error(self.name_error, "")
            return
        if not NAME_PATTERN.match(name):
            set_error(self.name_error, f"{name!r} is not a valid model name: use letters, digits and "
                                        f"underscores, starting with a letter")
            return
        link = self._doc.parent_link
        if link is not None:  # a nested model is named by its Model layer in the parent graph
            parent, layer_id = link
            ok, message = self._push(Rename(layer_id, name), parent)
        else:
            ok, message = self._push(SetSetting("model", "name", name))
        set_error(self.name_error, "" if ok else message)

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
                set_error(self.name_error, "")
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
        inner: dict = {}
        general = []
        wrapped = self.wrapped_editor()
        for name, message, hint in problems:
            key = name.split(".", 1)[0] if name else ""
            text = message + (f" — {hint}" if hint and len(hint) < 120 else "")
            inner_key = name.split(".")[1] if key == "layer" and "." in name else None
            if wrapped is not None and inner_key in wrapped.rows():
                inner.setdefault(inner_key, []).append(text)
            elif key in self._rows:
                by_param.setdefault(key, []).append(text)
            else:
                general.append(text)
        for name, row in self._rows.items():
            messages = ([row.parse_error] if row.parse_error else []) + by_param.get(name, [])
            set_error(row.error, "\n".join(messages))
            row.editor.widget.setProperty("invalid", bool(messages))
            row.editor.widget.style().unpolish(row.editor.widget)
            row.editor.widget.style().polish(row.editor.widget)
        if wrapped is not None:
            wrapped.show_errors(inner)
        if self._general_error is not None:
            set_error(self._general_error, "\n".join(general))

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

