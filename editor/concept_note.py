"""The concept note beside the canvas: what the open model teaches about the Functional API.

A template's own note comes first; then short notes on the concepts the graph uses, in the
project's words: a shared layer (one set of weights, several calls), several inputs or
outputs, loss weights, a model used as a layer, and why the graph must be acyclic wherever it
branches or merges. The note follows the document as it is edited.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from editor.qt_signals import reconnect
from graph_core.document import Document


def concept_notes(doc: Document) -> list:
    """``[(title, text)]``: the notes for ``doc``, the template's own first."""
    notes = []
    if isinstance(doc.extra.get("note"), str) and doc.extra["note"].strip():
        notes.append((str(doc.extra.get("title") or doc.name), doc.extra["note"].strip()))
    shared = [layer for layer in doc.layers.values() if layer.type != "Input" and doc.is_shared(layer.id)]
    if shared:
        names = ", ".join(f"'{layer.name}' (×{len(doc.nodes_of(layer.id))})" for layer in shared[:3])
        notes.append(("Shared layer", f"{names}: one layer called on several tensors. Every call uses "
                      "the same weights, so the branches learn one representation together — the "
                      "Siamese pattern, for inputs that are interchangeable."))
    if len(doc.input_nodes()) > 1:
        notes.append(("Several inputs", f"{len(doc.input_nodes())} inputs are read jointly: one model "
                      "sees every modality at once, which a Sequential stack cannot express."))
    if len(doc.outputs) > 1:
        weighted = any(out.loss_weight != 1.0 for out in doc.outputs)
        text = (f"{len(doc.outputs)} outputs, each with its own loss; the model minimises their "
                "weighted sum.")
        if weighted:
            text += (" Loss weights balance losses of different sizes (an mse of 3–5 would otherwise "
                     "drown a crossentropy of 0.1).")
        notes.append(("Several outputs", text))
    if any(layer.type in ("Model", "Application") for layer in doc.layers.values()):
        notes.append(("A model as a layer", "A whole model is called like a layer: y = model(x). "
                      "Called twice, it shares its weights like any layer."))
    if any(len(doc.consumers(nid)) > 1 for nid in doc.nodes) or \
            any(len(node.inputs) > 1 for node in doc.nodes.values()):
        notes.append(("A directed acyclic graph", "Tensors branch and merge but always flow forward: "
                      "a layer can never read a tensor it helps to produce. Loops exist only inside "
                      "layers (an LSTM's carry), never between them."))
    return notes


class ConceptNote(QWidget):
    """Shows :func:`concept_notes` of the session's document."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conceptNote")
        self.session = None
        self.label = QLabel()
        self.label.setObjectName("conceptText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setContentsMargins(8, 6, 8, 6)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.notes: list = []

    def set_session(self, session) -> None:
        """Follow ``session``'s document."""
        reconnect(self.session, session, {"checked": self._schedule})
        self.session = session
        self.refresh()

    def _schedule(self, *_args) -> None:
        QTimer.singleShot(0, self.refresh)

    def refresh(self) -> None:
        """Rebuild the text from the document."""
        self.notes = concept_notes(self.session.document) if self.session is not None else []
        self.label.setText("<br>".join(
            f"<b>{html.escape(title)}</b><br><span style='color:#374151'>{html.escape(text)}</span><br>"
            for title, text in self.notes))


def install(window) -> QWidget:
    """Dock a :class:`ConceptNote` under the layer palette of ``window``; it follows the session
    and is shown whenever the document has something to say."""
    note = ConceptNote()
    dock = window._add_dock(note, "Concept", Qt.DockWidgetArea.LeftDockWidgetArea)
    window.splitDockWidget(window.palette_dock, dock, Qt.Orientation.Vertical)
    window.resizeDocks([window.palette_dock, dock], [420, 220], Qt.Orientation.Vertical)
    window.concept_dock = dock

    def follow(session) -> None:
        note.set_session(session)
        if note.notes:
            dock.show()

    window.sessionChanged.connect(follow)
    if getattr(window, "session", None) is not None:
        follow(window.session)
    return note
