"""The Summary panel: Keras's ``model.summary()`` of the current document, from the worker.

After each change (debounced: the timer restarts on every ``session.checked``), the panel asks
the Keras worker for a summary, but only when graph_core finds the document valid; otherwise it
says why without bothering Keras. A Keras build error is mapped back to its node: the message
comes with a "Show node" link that selects the node on the canvas. Application layers that
graph_core cannot measure get their shapes from the worker's reply (stored in the layer cache).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from editor.qt_signals import reconnect
from graph_core.document import Document

DEBOUNCE_MS = 600


def monospace_font() -> QFont:
    """The system's fixed-width font."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


def locate(doc: Document, node_id: str | None = None, layer_name: str | None = None) -> tuple:
    """Where an error naming ``layer_name`` and/or ``node_id`` is: ``(path, node ids)``.

    The layer name is looked up first, in ``doc`` then in its nested models (a node id from
    inside a nested model could also exist at the top level); ``path`` is the tuple of Model
    layer ids leading to the document holding the nodes (``()`` for ``doc`` itself), as the
    canvas tabs use it.

    Returns:
        ``(path, [node ids])``; ``((), [])`` when nothing matches.
    """
    if layer_name:
        layer = doc.layer_by_name(layer_name)
        if layer is not None:
            nodes = doc.nodes_of(layer.id)
            return (), ([node_id] if node_id in nodes else nodes)
        for model_layer in doc.layers.values():
            if model_layer.subgraph is not None:
                path, nodes = locate(model_layer.subgraph, node_id, layer_name)
                if nodes:
                    return (model_layer.id,) + path, nodes
    if node_id and node_id in doc.nodes:
        return (), [node_id]
    return (), []


def find_nodes(doc: Document, node_id: str | None = None, layer_name: str | None = None) -> list:
    """The top-level nodes of ``doc`` concerned by an error (a nested error maps to its Model node)."""
    path, nodes = locate(doc, node_id, layer_name)
    if not path:
        return nodes
    return doc.nodes_of(path[0])


class SummaryPanel(QWidget):
    """Keras's summary of the session's document, with parameter totals and mapped build errors.

    Args:
        worker: the :class:`editor.worker.client.KerasWorker`.
        select_nodes: ``(node_ids, path)`` called by "Show node": select and reveal those nodes
            of the document at ``path`` (``()`` = top level; else Model layer ids, as the canvas
            tabs use). :attr:`showNodeRequested` is emitted too.

    Signals:
        showNodeRequested(object path, list node_ids): the nodes to select and reveal.
    """

    showNodeRequested = Signal(object, list)

    def __init__(self, worker, parent: QWidget | None = None,
                 select_nodes: Callable | None = None, debounce_ms: int = DEBOUNCE_MS):
        super().__init__(parent)
        self.setObjectName("SummaryPanel")
        self.worker = worker
        self.select_nodes = select_nodes
        self.session = None
        self._request_id: int | None = None
        self._error_nodes: list = []
        self._error_path: tuple = ()
        self._allow_large = False  # the user agreed to build a model above the parameter threshold
        self.state = "idle"  # idle | invalid | waiting | ok | build_error | crashed

        self.params_label = QLabel("")
        self.params_label.setObjectName("summaryParams")
        self.params_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.expand_nested = QCheckBox("Expand nested models")
        self.expand_nested.toggled.connect(self._on_expand_toggled)
        self.status = QLabel("")
        self.status.setObjectName("summaryStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                            | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.linkActivated.connect(self._on_link)
        self.text = QPlainTextEdit()
        self.text.setObjectName("summaryText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(monospace_font())

        top = QHBoxLayout()
        top.addWidget(self.params_label, 1)
        top.addWidget(self.expand_nested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.text, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.refresh)

        worker.summaryReady.connect(self._on_summary)
        worker.buildFailed.connect(self._on_build_failed)
        worker.crashed.connect(self._on_crashed)
        worker.ready.connect(self._on_worker_ready)

    # ------------------------------------------------------------------ session
    @property
    def pending_request(self) -> int | None:
        """The id of the summary request waiting for the worker's reply, or None."""
        return self._request_id

    def set_session(self, session) -> None:
        """Follow ``session`` (a DocumentSession, or None)."""
        reconnect(self.session, session, {"checked": self._on_checked})
        self.session = session
        self._request_id = None
        self._allow_large = False  # asked again for every document
        self.text.clear()
        self.params_label.clear()
        if session is not None:
            self.refresh()
        else:
            self._set_status("idle", "No model open.")

    def _on_expand_toggled(self, _on: bool) -> None:
        self.refresh()

    def _on_checked(self, doc, _result) -> None:
        if self.session is not None and doc is self.session.document:
            self._timer.start()

    def _on_worker_ready(self) -> None:
        if self.session is not None and self.state == "crashed":
            self.refresh()

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        """Ask for a fresh summary now (or say why the document cannot be built)."""
        self._timer.stop()
        session = self.session
        if session is None:
            return
        doc = session.document
        result = session.result()
        if not result.valid:
            self._request_id = None
            errors = result.errors
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self._error_path, self._error_nodes = (), [n for n in first.node_ids[:1] if n in doc.nodes]
            self.text.clear()
            self.params_label.setText(f"LayerLoom's count: {result.params_text()}")
            self._set_status("invalid", f"Not built — the model has {len(errors)} error"
                             f"{'s' if len(errors) != 1 else ''}: {first.message}{more}",
                             link=bool(self._error_nodes))
            return
        extra = {"allow_large": True} if self._allow_large else {}
        self._request_id = self.worker.request_summary(doc, doc.revision,
                                                       expand_nested=self.expand_nested.isChecked(), **extra)
        waiting = "Building the model with Keras…" if self.worker.is_ready else \
            "Waiting for the Keras worker to start…"
        self._set_status("waiting", waiting)

    def _on_summary(self, revision: int, reply: dict) -> None:
        if self.session is None or reply.get("id") != self._request_id:
            return
        doc = self.session.document
        if revision != doc.revision:  # the document changed since; a newer request follows
            return
        self._request_id = None
        self._error_path, self._error_nodes = (), []
        self._show_text(reply.get("text", ""))
        total, trainable, non_trainable = (int(reply.get(k, 0)) for k in ("total", "trainable", "non_trainable"))
        self.params_label.setText(f"Total params: {total:,}  ·  trainable: {trainable:,}  ·  "
                                  f"non-trainable: {non_trainable:,}")
        note = ""
        result = self.session.result()
        if result.params_known and result.total != total:
            note = f" (graph_core counted {result.total:,}; Keras is right — please report this)"
        self._set_status("ok", "Keras summary of the current model" + note)
        caches = reply.get("caches")
        if caches:
            self._store_caches(doc, caches)

    def _on_build_failed(self, revision: int, reply: dict) -> None:
        if self.session is None or reply.get("id") != self._request_id:
            return
        doc = self.session.document
        if revision != doc.revision:
            return
        self._request_id = None
        self.text.clear()
        self.params_label.setText("")
        self._error_path, self._error_nodes = locate(doc, reply.get("node_id"), reply.get("layer_name"))
        if reply.get("stage") == "size":  # too large to build without asking: ask
            self._set_status("build_error", f"Not built: {reply.get('message', '')}.", ask_large=True)
            return
        self._set_status("build_error", f"Keras cannot build this model: {reply.get('message', '')}",
                         link=bool(self._error_nodes))

    def _on_crashed(self, notice: str) -> None:
        if self._request_id is not None:
            self._request_id = None
            self._set_status("crashed", "The Keras worker stopped; the summary will refresh when it is back.")

    # ------------------------------------------------------------------ helpers
    def _show_text(self, text: str) -> None:
        if self.text.toPlainText() == text:
            return
        bar = self.text.verticalScrollBar()
        position = bar.value()
        self.text.setPlainText(text)
        bar.setValue(min(position, bar.maximum()))

    def _set_status(self, state: str, message: str, link: bool = False, ask_large: bool = False) -> None:
        self.state = state
        body = html.escape(message)
        if link:
            body += ' &nbsp;<a href="node:show">Show node</a>'
        if ask_large:
            body += ' &nbsp;<a href="size:allow">Build it anyway</a>'
        color = {"invalid": "#b35900", "build_error": "#b00020", "crashed": "#b00020"}.get(state)
        self.status.setText(f'<span style="color:{color}">{body}</span>' if color else body)

    @property
    def error_nodes(self) -> list:
        """The nodes the current error concerns ("Show node" selects them)."""
        return list(self._error_nodes)

    @property
    def error_path(self) -> tuple:
        """The nested-model path of :attr:`error_nodes` (``()`` for the top level)."""
        return tuple(self._error_path)

    def _on_link(self, href: str) -> None:
        if href == "size:allow":
            self.build_large_anyway()
            return
        self.show_error_node()

    def build_large_anyway(self) -> None:
        """The user agreed: ask for the summary of this (large) document without the size limit."""
        self._allow_large = True
        self.refresh()

    def show_error_node(self) -> None:
        """Select the node(s) of the current error on the canvas."""
        if not self._error_nodes:
            return
        nodes, path = list(self._error_nodes), tuple(self._error_path)
        if self.select_nodes is not None:
            self.select_nodes(nodes, path)
        self.showNodeRequested.emit(path, nodes)

    def _store_caches(self, doc: Document, caches: list) -> None:
        """Store Keras-measured Application shapes in their layers (not an undo step)."""
        from graph_core.edits import SetLayerCache

        for entry in caches:
            target = doc
            for layer_id in entry.get("path") or []:
                layer = target.layers.get(layer_id)
                target = layer.subgraph if layer is not None else None
                if target is None:
                    break
            if target is None or entry.get("layer_id") not in target.layers:
                continue
            if target.layers[entry["layer_id"]].cache != entry.get("cache"):
                target.apply(SetLayerCache(entry["layer_id"], entry.get("cache")))
