"""File commands of the main window: new, open, save, recent files, exports, autosave and recovery.

Every question the commands ask (save changes?, which file?, restore?) goes through a
:class:`Dialogs` object; tests pass a replacement so no modal dialog ever opens. Saving uses
:func:`graph_core.loom_format.save`, which is atomic. Unsaved work is autosaved every 60 s to a
recovery file (see :func:`recovery_dir`); it is removed when the document is saved or closed
cleanly, and offered back at the next start when the editor did not close cleanly.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from graph_core import loom_format
from graph_core.document import Document
from graph_core.errors import LoomFormatError

if TYPE_CHECKING:  # pragma: no cover
    from editor.main_window import MainWindow

AUTOSAVE_INTERVAL_MS = 60_000
MAX_RECENT = 10
RECOVERY_KEY = "layerloom_recovery"
LOOM_FILTER = "LayerLoom models (*.loom);;All files (*)"
PYTHON_FILTER = "Python source (*.py)"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


# ------------------------------------------------------------------------------ settings
def app_settings() -> QSettings:
    """The editor's persistent settings.

    Set the environment variable ``LAYERLOOM_SETTINGS`` to an ``.ini`` path to keep them there
    (tests do, so they never touch the user's settings).
    """
    override = os.environ.get("LAYERLOOM_SETTINGS")
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings("LayerLoom", "LayerLoom")


class RecentFiles:
    """The most recently opened or saved files, newest first (at most :data:`MAX_RECENT`).

    Args:
        settings: where the list is kept (:func:`app_settings` by default).
    """

    KEY = "recentFiles"

    def __init__(self, settings: QSettings | None = None):
        self.settings = settings if settings is not None else app_settings()

    def _read(self) -> list:
        value = self.settings.value(self.KEY, [])
        if value is None:
            return []
        if isinstance(value, str):  # one-element lists come back as a plain string
            return [value] if value else []
        return [str(v) for v in value]

    def _write(self, paths: list) -> None:
        self.settings.setValue(self.KEY, list(paths))
        self.settings.sync()

    def paths(self) -> list:
        """The existing recent files, newest first; files that disappeared are pruned.

        Returns:
            A list of absolute paths.
        """
        stored = self._read()
        alive = [p for p in stored if os.path.isfile(p)]
        if alive != stored:
            self._write(alive)
        return alive

    def add(self, path: str) -> None:
        """Put ``path`` first (it moves up if already listed)."""
        path = os.path.abspath(path)
        paths = [path] + [p for p in self._read() if p != path]
        self._write(paths[:MAX_RECENT])

    def clear(self) -> None:
        """Forget every recent file."""
        self._write([])


# ------------------------------------------------------------------------------ recovery
@dataclass(frozen=True)
class RecoveryEntry:
    """One recovery file left by an editor that did not close cleanly.

    Attributes:
        path: the recovery file.
        original: the file the work belonged to (None for a never-saved document).
        name: the model name.
        saved_at: when it was written (seconds since the epoch).
    """

    path: str
    original: str | None
    name: str
    saved_at: float

    @property
    def label(self) -> str:
        """A line for the restore dialog."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        where = self.original or "never saved"
        return f"{self.name} — {where} (autosaved {when})"


def recovery_dir() -> Path:
    """The folder of recovery files.

    ``LAYERLOOM_RECOVERY_DIR`` overrides it; otherwise it is ``recovery`` inside Qt's
    application data folder (``QStandardPaths.AppDataLocation``).
    """
    override = os.environ.get("LAYERLOOM_RECOVERY_DIR")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if not base:
        base = os.path.join(os.path.expanduser("~"), ".layerloom")
    return Path(base) / "recovery"


def write_recovery(doc: Document, target: Path, original: str | None) -> None:
    """Write ``doc`` to the recovery file ``target`` (atomically), noting where it belongs."""
    data = loom_format.document_to_dict(doc)
    data[RECOVERY_KEY] = {"original": original, "saved_at": time.time(), "pid": os.getpid()}
    target.parent.mkdir(parents=True, exist_ok=True)
    loom_format.write_atomic(target, json.dumps(data, indent=2, allow_nan=False) + "\n")


def _pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def list_recoveries(folder: Path | None = None) -> list:
    """The recovery files waiting to be restored, newest first.

    Files written by another editor that is still running are skipped; unreadable ones too.

    Returns:
        A list of :class:`RecoveryEntry`.
    """
    folder = folder or recovery_dir()
    entries = []
    if not folder.is_dir():
        return entries
    for path in folder.glob("*.loom"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            info = data.get(RECOVERY_KEY) or {}
        except (OSError, ValueError, AttributeError):
            continue
        if _pid_alive(info.get("pid")):
            continue
        saved_at = info.get("saved_at")
        if not isinstance(saved_at, (int, float)):
            saved_at = path.stat().st_mtime
        original = info.get("original") if isinstance(info.get("original"), str) else None
        entries.append(RecoveryEntry(str(path), original, str(data.get("name", path.stem)), float(saved_at)))
    entries.sort(key=lambda e: -e.saved_at)
    return entries


def load_recovery(entry: RecoveryEntry):
    """Open a recovery file as an unsaved session (its Save goes to the original file).

    Returns:
        A :class:`editor.session.DocumentSession` marked modified.

    Raises:
        LoomFormatError: the recovery file is damaged.
    """
    from editor.session import DocumentSession

    doc = loom_format.load(entry.path)
    doc.extra.pop(RECOVERY_KEY, None)
    session = DocumentSession(doc, entry.original)
    session.undo_stack.resetClean()  # restored work is unsaved work
    return session


def remove_file(path) -> None:
    """Delete a file, ignoring a file that is already gone."""
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            pass


# ------------------------------------------------------------------------------ dialogs
class Dialogs:
    """The questions file commands ask, as real Qt dialogs. Tests replace this object.

    Args:
        parent: the window the dialogs belong to.
    """

    SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
    RESTORE, LATER = "restore", "later"

    def __init__(self, parent: QWidget):
        self.parent = parent
        self.last_folder = ""

    def ask_save_changes(self, title: str) -> str:
        """Ask whether to save changes to ``title``; returns "save", "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to {title} before closing it?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.parent)
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: self.SAVE,
                QMessageBox.StandardButton.Discard: self.DISCARD}.get(
                    QMessageBox.StandardButton(answer), self.CANCEL)

    def open_path(self) -> str | None:
        """Ask for a ``.loom`` file to open."""
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open model", self.last_folder, LOOM_FILTER)
        return self._remember(path)

    def save_path(self, caption: str, suggested: str, filters: str) -> str | None:
        """Ask where to save; ``suggested`` is the proposed file name."""
        start = os.path.join(self.last_folder, suggested) if self.last_folder else suggested
        path, _ = QFileDialog.getSaveFileName(self.parent, caption, start, filters)
        return self._remember(path)

    def error(self, title: str, message: str) -> None:
        """Show an error message."""
        QMessageBox.critical(self.parent, title, message)

    def choose_template(self) -> str | None:
        """Let the user pick a template; returns its slug or None."""
        from editor.template_gallery import TemplateGallery

        return TemplateGallery.choose(self.parent)

    def ask_restore(self, entries: list) -> tuple:
        """Offer recovery files; returns ``("restore", entry)``, ``("discard", None)`` or ``("later", None)``."""
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout

        dialog = QDialog(self.parent)
        dialog.setWindowTitle("Recover unsaved work")
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("LayerLoom did not close cleanly. Restore this autosaved work?"))
        listing = QListWidget()
        for entry in entries:
            listing.addItem(entry.label)
        listing.setCurrentRow(0)
        layout.addWidget(listing)
        buttons = QDialogButtonBox()
        restore = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        discard = buttons.addButton("Discard all", QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        choice = {"action": self.LATER}
        restore.clicked.connect(lambda: (choice.update(action=self.RESTORE), dialog.accept()))
        discard.clicked.connect(lambda: (choice.update(action=self.DISCARD), dialog.accept()))
        buttons.rejected.connect(dialog.reject)
        dialog.exec()
        if choice["action"] == self.RESTORE and listing.currentRow() >= 0:
            return self.RESTORE, entries[listing.currentRow()]
        return choice["action"], None

    def _remember(self, path: str) -> str | None:
        if not path:
            return None
        self.last_folder = os.path.dirname(path)
        return path


# ------------------------------------------------------------------------------ controller
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
            suggested = os.path.basename(session.path) if session.path else f"{session.document.name}.loom"
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
            path = self.dialogs.save_path("Export Python", f"{session.document.name}.py", PYTHON_FILTER)
            if path is None:
                return False
            if not os.path.splitext(path)[1]:
                path += ".py"
        from codegen.python_export import export_python

        try:
            text = export_python(session.document)
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
            path = self.dialogs.save_path("Export image", f"{session.document.name}.png", IMAGE_FILTER)
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
            self.recovery_path = recovery_dir() / f"{session.document.name}-{uuid.uuid4().hex[:12]}.loom"
        try:
            write_recovery(session.document, self.recovery_path, session.path)
        except OSError as exc:
            self.message.emit(f"Autosave failed: {exc.strerror or exc}")
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
