"""File commands of the main window: new, open, save, recent files, exports, autosave and recovery.

Every question the commands ask (save changes?, which file?, restore?) goes through a
:class:`editor.file_dialogs.Dialogs` object; tests pass a replacement so no modal dialog ever
opens. Saving uses :func:`graph_core.loom_format.save`, which is atomic. Unsaved work is
autosaved every 60 s to a recovery file (:mod:`editor.recovery`); it is removed when the document
is saved or closed cleanly, and offered back at the next start when the editor did not close
cleanly. Recent files are kept by :class:`editor.recent_files.RecentFiles`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from editor.file_dialogs import IMAGE_FILTER, LOOM_FILTER, PYTHON_FILTER, Dialogs
from editor.recent_files import RecentFiles
from editor.recovery import (
    RecoveryEntry,
    file_slug,
    list_recoveries,
    load_recovery,
    recovery_file,
    remove_file,
    write_recovery,
)
from graph_core import loom_format
from graph_core.document import Document
from graph_core.errors import LoomFormatError

if TYPE_CHECKING:  # pragma: no cover
    from editor.main_window import MainWindow

AUTOSAVE_INTERVAL_MS = 60_000


class FileController(QObject):
    """The File menu's commands for one main window.

    Args:
        window: the main window (its ``session`` is the document the commands act on).
        dialogs: the question-asker (a :class:`Dialogs` by default).
        settings: where recent files are kept.

    Signals:
        message(str): a short status text ("Saved mlp.loom").
    """

    message = Signal(str)

    def __init__(self, window: MainWindow, dialogs: Dialogs | None = None,
                 settings: QSettings | None = None):
        super().__init__(window)
        self.window = window
        self.dialogs = dialogs if dialogs is not None else Dialogs(window)
        self.recent = RecentFiles(settings)
        self.recovery_path: Path | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave)

    @property
    def session(self):
        return self.window.session

    def start_autosave(self) -> None:
        """Autosave unsaved changes every :data:`AUTOSAVE_INTERVAL_MS` milliseconds."""
        self.autosave_timer.start()

    # ------------------------------------------------------------------ new / open
    def maybe_save(self) -> bool:
        """Ask to save unsaved changes before they would be lost.

        Returns:
            True when it is fine to go on (saved, discarded or nothing to save), False to stop.
        """
        session = self.session
        if session is None or session.is_clean:
            return True
        answer = self.dialogs.ask_save_changes(session.title)
        if answer == Dialogs.SAVE:
            return self.save()
        return answer == Dialogs.DISCARD

    def _replace(self, session) -> None:
        self.discard_recovery()
        self.window.set_session(session)

    def new(self) -> bool:
        """Replace the document with an empty model (after asking to save changes)."""
        if not self.maybe_save():
            return False
        from editor.session import DocumentSession

        self._replace(DocumentSession(Document("model")))
        self.message.emit("New model")
        return True

    def new_from_template(self, slug: str | None = None) -> bool:
        """Replace the document with an unsaved copy of template ``slug`` (asks which when None)."""
        if not self.maybe_save():
            return False
        if slug is None:
            slug = self.dialogs.choose_template()
            if slug is None:
                return False
        from editor.session import DocumentSession
        from graph_core import templates

        try:
            doc = templates.load_template(slug)
        except (KeyError, LoomFormatError) as exc:
            self.dialogs.error("Cannot open template", str(exc.args[0] if isinstance(exc, KeyError) else exc))
            return False
        self._replace(DocumentSession(doc))
        self.message.emit(f"New model from template {slug}")
        return True

    def open(self, path: str | None = None) -> bool:
        """Open a ``.loom`` file (asks which when ``path`` is None) in place of the document."""
        if not self.maybe_save():
            return False
        if path is None:
            path = self.dialogs.open_path()
            if path is None:
                return False
        from editor.session import DocumentSession

        try:
            doc = loom_format.load(path)
        except LoomFormatError as exc:
            self.dialogs.error("Cannot open file", str(exc))
            return False
        path = os.path.abspath(path)
        self._replace(DocumentSession(doc, path))
        self.recent.add(path)
        self.message.emit(f"Opened {os.path.basename(path)}")
        return True

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        """Save to the document's file (Save As when it has none). Returns True when saved."""
        session = self.session
        if session.path is None:
            return self.save_as()
        return self._save_to(session.path)

    def save_as(self, path: str | None = None) -> bool:
        """Save to a new file (asks where when ``path`` is None). Returns True when saved."""
        session = self.session
        if path is None:
            suggested = os.path.basename(session.path) if session.path else f"{file_slug(session.document.name)}.loom"
            path = self.dialogs.save_path("Save model as", suggested, LOOM_FILTER)
            if path is None:
                return False
            if not os.path.splitext(path)[1]:
                path += ".loom"
        return self._save_to(os.path.abspath(path))

    def _save_to(self, path: str) -> bool:
        session = self.session
        try:
            loom_format.save(session.document, path)
        except OSError as exc:
            self.dialogs.error("Cannot save", f"Cannot write {path}: {exc.strerror or exc}")
            return False
        except (ValueError, RecursionError, TypeError) as exc:  # the document stays open, unsaved
            self.dialogs.error("Cannot save", f"Cannot save {path}: the model holds a value a .loom file "
                                              f"cannot store ({exc}); your work is still open — fix that "
                                              f"value and save again")
            return False
        session.mark_saved(path)
        self.recent.add(path)
        self.discard_recovery()
        self.message.emit(f"Saved {os.path.basename(path)}")
        return True

    # ------------------------------------------------------------------ exports
    def export_python(self, path: str | None = None) -> bool:
        """Write the model as idiomatic Keras Python (no TensorFlow is imported to do it)."""
        session = self.session
        if path is None:
            path = self.dialogs.save_path("Export Python", f"{file_slug(session.document.name)}.py", PYTHON_FILTER)
            if path is None:
                return False
            if not os.path.splitext(path)[1]:
                path += ".py"
        from codegen.python_export import export_python

        try:
            text = export_python(session.document, path, result=session.result())
            loom_format.write_atomic(path, text)
        except OSError as exc:
            self.dialogs.error("Cannot export", f"Cannot write {path}: {exc.strerror or exc}")
            return False
        except Exception as exc:
            self.dialogs.error("Cannot export", f"Python export failed: {exc}")
            return False
        self.message.emit(f"Exported {os.path.basename(path)}")
        return True

    def export_image(self, path: str | None = None) -> bool:
        """Draw the model's graph to a PNG or SVG file."""
        session = self.session
        if path is None:
            path = self.dialogs.save_path("Export image", f"{file_slug(session.document.name)}.png", IMAGE_FILTER)
            if path is None:
                return False
            if not os.path.splitext(path)[1]:
                path += ".png"
        from editor.render import render_document

        try:
            render_document(session.document, path)
        except OSError as exc:
            self.dialogs.error("Cannot export", f"Cannot write {path}: {exc.strerror or exc}")
            return False
        except Exception as exc:
            self.dialogs.error("Cannot export", f"Image export failed: {exc}")
            return False
        self.message.emit(f"Exported {os.path.basename(path)}")
        return True

    # ------------------------------------------------------------------ autosave / recovery
    def autosave(self) -> Path | None:
        """Write unsaved changes to this window's recovery file (removes it when clean).

        Returns:
            The recovery file written, or None when there was nothing to save.
        """
        session = self.session
        if session is None:
            return None
        if session.is_clean:
            self.discard_recovery()
            return None
        if self.recovery_path is None:
            self.recovery_path = recovery_file(session.document.name)  # a safe slug, never the name as a path
        try:
            write_recovery(session.document, self.recovery_path, session.path)
        except OSError as exc:
            self.message.emit(f"Autosave failed: {exc.strerror or exc}")
            return None
        except (ValueError, RecursionError, TypeError) as exc:  # a value no .loom file can hold
            self.message.emit(f"Autosave failed: the model holds a value a .loom file cannot store ({exc})")
            return None
        return self.recovery_path

    def discard_recovery(self) -> None:
        """Delete this window's recovery file (after a clean save or close)."""
        remove_file(self.recovery_path)
        self.recovery_path = None

    def offer_recovery(self) -> bool:
        """If earlier sessions left recovery files, ask whether to restore one.

        Restoring replaces the current document (asking to save it first); "discard" deletes the
        files; "later" keeps them for the next start.

        Returns:
            True when a document was restored.
        """
        entries = list_recoveries()
        if not entries:
            return False
        action, entry = self.dialogs.ask_restore(entries)
        if action == Dialogs.DISCARD:
            for item in entries:
                remove_file(item.path)
            return False
        if action != Dialogs.RESTORE or entry is None:
            return False
        return self.restore(entry)

    def restore(self, entry: RecoveryEntry) -> bool:
        """Open recovery file ``entry`` as unsaved work (it stays this window's recovery file)."""
        if not self.maybe_save():
            return False
        try:
            session = load_recovery(entry)
        except LoomFormatError as exc:
            self.dialogs.error("Cannot restore", str(exc))
            return False
        self._replace(session)
        self.recovery_path = Path(entry.path)
        self.message.emit("Restored autosaved work")
        return True
