"""One open project in the editor: its document, undo stack, live check results and file state.

The session is the editor's single entry point for changing a document: views call
:meth:`DocumentSession.push` with a graph_core edit; it goes on the QUndoStack (one gesture = one
step) and is applied to the document (the top-level one or a nested model's), whose change events
then update every view. The session watches every document of the project explicitly: the top
level and each nested model's graph (:meth:`graph_core.document.Document.iter_documents`), each
with its own incremental Analyzer; the set is brought up to date whenever the layers of a watched
document change, never as a side effect of asking for a result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from graph_core.analysis import Analyzer, CheckResult, check
from graph_core.document import ChangeEvent, Document
from graph_core.edits import Edit
from graph_core.errors import EditError

_MERGE_ID = 4242


class EditCommand(QUndoCommand):
    """A graph_core edit on the undo stack; redo applies it, undo reverts it.

    Args:
        doc: the document (top-level or nested) the edit belongs to.
        edit: the edit; it is applied when the command is first pushed.
    """

    def __init__(self, doc: Document, edit: Edit, already_applied: bool = False):
        super().__init__(edit.label)
        self.doc = doc
        self.edit = edit
        self._skip_redo = already_applied

    def redo(self) -> None:
        if self._skip_redo:  # applied before pushing, so a refusal never reaches the stack
            self._skip_redo = False
            return
        self.doc.apply(self.edit)

    def undo(self) -> None:
        self.doc.revert(self.edit)

    def id(self) -> int:
        return _MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.doc is not self.doc:
            return False
        return self.edit.merge(other.edit)


class DocumentSession(QObject):
    """Document + undo stack + analyzers + file path of one open project.

    Signals:
        changed(object doc, object event): a document (top-level or nested) changed.
        checked(object doc, object result): fresh :class:`CheckResult` for ``doc`` after a change.
        refused(str): an edit was refused; the text says why.
        cleanChanged(bool): the saved/unsaved state changed.
        pathChanged(str): the file path changed (Save As, Open).
    """

    changed = Signal(object, object)
    checked = Signal(object, object)
    refused = Signal(str)
    cleanChanged = Signal(bool)
    pathChanged = Signal(str)

    def __init__(self, document: Document, path: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.path = path
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self.cleanChanged)
        self._analyzers: dict[Document, Analyzer] = {}  # documents hash by identity
        self._unsubscribers: dict[Document, Callable] = {}
        self._watch_documents()

    # ------------------------------------------------------------------ documents
    def watched_documents(self) -> list:
        """The documents the session follows: the top level, then every nested model's, depth first."""
        return list(self._analyzers)

    def _watch_documents(self) -> None:
        """Follow exactly the documents of the project (nested models come and go with their layers)."""
        wanted = list(self.document.iter_documents())
        keep = set(wanted)
        for doc in [d for d in self._analyzers if d not in keep]:
            self._unsubscribers.pop(doc)()
            self._analyzers.pop(doc).close()
        for doc in wanted:
            if doc not in self._analyzers:
                self._analyzers[doc] = Analyzer(doc)  # subscribed first: it is fresh when we emit
                self._unsubscribers[doc] = doc.subscribe(self._on_change)

    def analyzer(self, doc: Document | None = None) -> Analyzer:
        """The incremental analyzer of ``doc`` (the top-level document by default).

        Raises:
            KeyError: ``doc`` is not a document of this session.
        """
        doc = doc or self.document
        analyzer = self._analyzers.get(doc)
        if analyzer is None:
            raise KeyError(f"model {doc.name!r} is not a document of this session")
        return analyzer

    def result(self, doc: Document | None = None) -> CheckResult:
        """The current check result of ``doc`` (recomputed incrementally when needed).

        A document outside the session (e.g. a nested model whose layer was just deleted) gets a
        one-off :func:`graph_core.analysis.check`; the session does not start following it.
        """
        doc = doc or self.document
        analyzer = self._analyzers.get(doc)
        return analyzer.result() if analyzer is not None else check(doc)

    def _on_change(self, doc: Document, event: ChangeEvent) -> None:
        if event.kind in ("structure", "reset"):
            self._watch_documents()
        self.changed.emit(doc, event)
        if event.affects_analysis:
            self.checked.emit(doc, self.result(doc))

    # ------------------------------------------------------------------ editing
    def push(self, edit: Edit, doc: Document | None = None) -> bool:
        """Apply ``edit`` to ``doc`` (default: top level) as one undo step.

        Returns:
            True when applied; False when refused (``refused`` carries the reason).
        """
        doc = doc or self.document
        try:
            doc.apply(edit)
        except EditError as exc:
            self.refused.emit(str(exc))
            return False
        self.undo_stack.push(EditCommand(doc, edit, already_applied=True))
        return True

    # ------------------------------------------------------------------ file state
    @property
    def is_clean(self) -> bool:
        """True when the document equals what was last saved (or opened)."""
        return self.undo_stack.isClean()

    def mark_saved(self, path: str) -> None:
        """Record a successful save to ``path``."""
        self.undo_stack.setClean()
        if path != self.path:
            self.path = path
            self.pathChanged.emit(path)

    @property
    def title(self) -> str:
        """File name (or model name when unsaved) for the window title."""
        return Path(self.path).name if self.path else f"{self.document.name} (unsaved)"

    def close(self) -> None:
        """Stop following the documents."""
        for unsubscribe in self._unsubscribers.values():
            unsubscribe()
        for analyzer in self._analyzers.values():
            analyzer.close()
        self._unsubscribers.clear()
        self._analyzers.clear()
