"""The inspector: edits the selected layer, its model outputs, or the model's settings.

The inspector follows the selection of the current canvas tab and shows one view of it: a
:class:`editor.inspector_layer.LayerView` for a layer, an :class:`editor.inspector_model.MultiView`
for several nodes, or an :class:`editor.inspector_model.ModelView` (name, training settings,
outputs) when nothing is selected. Every change becomes a graph_core edit pushed on the
session's undo stack (``SetConfig``, ``Rename``, ``SetOutput``, ``SetSetting``); consecutive edits
of the same field merge into one undo step. A view is rebuilt only when what it shows changes
shape (another layer, other parameter editors, outputs added…); otherwise it is synced in place,
so the focus stays in the field being edited. Layer documentation comes from
:mod:`editor.layer_help`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton, QScrollArea, QToolButton, QVBoxLayout, QWidget

from editor.inspector_model import ModelView, MultiView
from editor.inspector_view import InspectorView
from editor.qt_signals import reconnect
from graph_core.document import Document

if TYPE_CHECKING:
    from editor.inspector_widgets import ParamRow
    from editor.layer_help import HelpDialog
    from editor.param_editors import ParamEditor
    from editor.wrapped_layer import WrappedLayerEditor


def _layer_view():
    """:mod:`editor.inspector_layer`, imported when a layer is first inspected: the window opens
    with nothing selected, so its first frame needs only the model's view."""
    from editor import inspector_layer

    return inspector_layer


class Inspector(QWidget):
    """Edits the selection of the current canvas tab, or the model's settings when nothing is selected.

    Args:
        session: the :class:`editor.session.DocumentSession` being edited.

    Attributes:
        advanced_open: whether a layer's "More parameters" section is open (kept across layers).
        inner_advanced_open: the same for a wrapped layer's parameters.

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
        self._help: HelpDialog | None = None
        self._rebuild_pending = False
        self.advanced_open = False
        self.inner_advanced_open = False
        self.info_providers: list = []  # (doc, node_ids) -> extra info lines (e.g. the Cost panel's)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll)
        self.body: InspectorView | None = None
        if session is not None:
            self.set_session(session)

    # ------------------------------------------------------------------ wiring
    @property
    def rebuild_pending(self) -> bool:
        """True while a rebuild of the inspector's widgets is scheduled but not done."""
        return self._rebuild_pending

    @property
    def help_dialog(self):
        """The layer help window, once it has been opened (else None)."""
        return self._help

    def set_session(self, session, doc: Document | None = None) -> None:
        """Follow ``session``; shows the model settings of ``doc`` (its top-level document by default)."""
        reconnect(self.session, session, {"changed": self._on_changed, "checked": self._on_checked})
        self.session = session
        self._doc = None  # another session: what is top level changed, so build the view anew
        self.show_selection(doc or session.document, [])

    def show_selection(self, doc: Document, node_ids) -> None:
        """Inspect ``node_ids`` of ``doc`` (the model's settings when empty)."""
        wanted = set(node_ids)
        ids = [n for n in doc.nodes if n in wanted]
        if doc is self._doc and ids == self._node_ids and self.body is not None \
                and not self._rebuild_pending and self._compute_signature() == self._signature:
            self.body.sync()  # same selection again: keep the widgets (and the focus in them)
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
        ok, _message = self.push_with_message(edit)
        return ok

    def push_with_message(self, edit, doc: Document | None = None) -> tuple:
        """Push ``edit`` for ``doc`` (the inspected document by default).

        Returns:
            ``(ok, message)``: the session's refusal message when not ``ok``, else "".
        """
        messages: list = []

        def collect(text: str) -> None:
            messages.append(text)

        self.session.refused.connect(collect)
        try:
            ok = self.session.push(edit, doc or self._doc)
        finally:
            self.session.refused.disconnect(collect)
        return ok, (messages[0] if messages else "")

    # ------------------------------------------------------------------ the view's widgets
    def _view_attr(self, name: str):
        return getattr(self.body, name, None) if self.body is not None else None

    name_edit: QLineEdit | None = property(lambda self: self._view_attr("name_edit"))
    name_error: QLabel | None = property(lambda self: self._view_attr("name_error"))
    shared_label: QLabel | None = property(lambda self: self._view_attr("shared_label"))
    info_label: QLabel | None = property(lambda self: self._view_attr("info_label"))
    help_button: QToolButton | None = property(lambda self: self._view_attr("help_button"))
    mark_output_button: QPushButton | None = property(lambda self: self._view_attr("mark_output_button"))

    def row(self, name: str) -> ParamRow | None:
        """The row editing parameter ``name`` (tests and the canvas use it)."""
        return self.body.row(name) if self._shows_layer() else None

    def editor(self, name: str) -> ParamEditor | None:
        """The editor of parameter (or setting) ``name``; ``"layer.units"`` is a wrapped layer's ``units``."""
        return self.body.editor(name) if self.body is not None else None

    def wrapped_editor(self) -> WrappedLayerEditor | None:
        """The editor of a Bidirectional's or TimeDistributed's wrapped layer, when shown."""
        return self.body.wrapped_editor() if self._shows_layer() else None

    def _shows_layer(self) -> bool:
        """True when the view shown is a layer's (:class:`editor.inspector_layer.LayerView`)."""
        module = sys.modules.get("editor.inspector_layer")  # a LayerView exists only once it is imported
        return module is not None and isinstance(self.body, module.LayerView)

    def output_editors(self) -> list:
        """The :class:`editor.output_settings.OutputEditor` boxes shown."""
        return list(self.body.output_editors) if self.body is not None else []

    def show_help(self, layer_type: str | None = None) -> HelpDialog | None:
        """Open the help window for ``layer_type`` (the inspected layer's type by default)."""
        if layer_type is None:
            layer = self.layer()
            if layer is None:
                return None
            layer_type = layer.type
        if self._help is None:
            from editor.layer_help import HelpDialog  # its dialog classes: made when help is first asked

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
            return ("multi", doc, tuple(self._node_ids))
        if layer is None:
            return ("model", doc, tuple((o.node, o.index) for o in doc.outputs))
        outputs = tuple(k for k, o in enumerate(doc.outputs) if o.node in self._node_ids)
        layer_view = _layer_view()
        params = layer_view.params_of(layer)
        config = layer.config
        kinds = tuple(layer_view.editor_kind(layer, p, config.get(p.name, p.default)) for p in params)
        extra_keys = tuple(k for k in config if k not in {p.name for p in params})
        return ("layer", doc, tuple(self._node_ids), layer.id, layer.type, outputs, kinds, extra_keys,
                len(doc.nodes_of(layer.id)) > 1)

    def _on_changed(self, doc, event) -> None:
        if doc is not self._doc or event.kind == "position":
            return
        self._node_ids = [n for n in self._node_ids if n in doc.nodes]
        if self._compute_signature() != self._signature:
            self._schedule_rebuild()
        elif self.body is not None:
            self.body.sync()

    def _on_checked(self, doc, _result) -> None:
        if doc is self._doc and not self._rebuild_pending and self.body is not None:
            self.body.checked()

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
        old_scroll = self.scroll.verticalScrollBar().value() if self.body is not None else None
        layer = self.layer()
        if layer is not None:
            body = _layer_view().LayerView(self, self._doc, layer, self._node_ids)
        elif self._node_ids:
            body = MultiView(self, self._doc, self._node_ids)
        else:
            body = ModelView(self, self._doc)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(body)
        self.body = body
        if old is not None:
            old.deleteLater()
        self._signature = self._compute_signature()
        body.sync()
        if old_scroll is not None:  # the first view opens at the top
            self.scroll.verticalScrollBar().setValue(old_scroll)

    def provided_lines(self, doc, node_ids: list) -> list:
        """The extra info lines the :attr:`info_providers` give for ``doc`` and a selection."""
        lines = []
        for provider in self.info_providers:
            try:
                lines.extend(provider(doc, node_ids))
            except Exception as exc:  # a panel's bug must not break the inspector
                lines.append(f"({type(exc).__name__}: {exc})")
        return lines
