"""Recovery files: unsaved work autosaved by an editor, offered back after it did not close cleanly.

A recovery file is a ``.loom`` file with an extra ``layerloom_recovery`` object (the file the work
belongs to, when it was written, the writing editor's process id) in :func:`recovery_dir`.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import NamedTuple

from graph_core import loom_format
from graph_core.document import Document

RECOVERY_KEY = "layerloom_recovery"
"""The top-level key of a recovery file's extra information."""


class RecoveryEntry(NamedTuple):
    """One recovery file left by an editor that did not close cleanly (immutable; a NamedTuple
    rather than a dataclass, so that opening the editor does not import ``dataclasses``).

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
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if not base:
        base = os.path.join(os.path.expanduser("~"), ".layerloom")
    return Path(base) / "recovery"


def recovery_file(name: str, folder: Path | None = None) -> Path:
    """A new recovery file for a model called ``name``: always directly inside the recovery folder.

    The model name only contributes a short slug (:func:`file_slug`) of letters, digits, ``_`` and ``-`` (a name
    such as ``../../x`` or ``/etc/x`` cannot leave the folder, and NUL or control characters
    never reach the file system); a random suffix keeps two windows apart.

    Args:
        name: the document's name (any text).
        folder: the recovery folder (:func:`recovery_dir` by default).

    Returns:
        The path to write.
    """
    import uuid  # imports platform: only when a recovery file is first written

    folder = folder or recovery_dir()
    return folder / f"{file_slug(name, 40)}-{uuid.uuid4().hex[:12]}.loom"


def file_slug(name: str, length: int = 60) -> str:
    """A file name stem made from any model name: letters, digits, ``_`` and ``-`` only (no
    separators, dots, NUL or control characters), at most ``length`` characters, never empty."""
    return re.sub(r"[^\w-]+", "_", name, flags=re.ASCII).strip("_-")[:length] or "model"


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
