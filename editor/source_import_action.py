"""File › Import Python source…: a Keras Functional-API ``.py`` file becomes a new document.

The file is read with :mod:`graph_core.source_import` (``ast`` only: nothing in it runs), in
the editor process, without the Keras worker.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QMessageBox

SOURCE_FILTER = "Python source (*.py);;All files (*)"


def import_python_source(window, path: str | None = None, model: str | None = None) -> bool:
    """Ask for a ``.py`` file (unless given), import its model and show it as a new document.

    Unsaved changes are offered for saving first, as File › Open does.

    Args:
        window: the :class:`editor.main_window.MainWindow`.
        path: the file; None asks with a dialog.
        model: the model to import when the file defines several (default: the last).

    Returns:
        True when a document was imported.
    """
    from codegen.source_command import read_source
    from editor.session import DocumentSession
    from graph_core.source_import import SourceImportError, import_source

    files = getattr(window, "files", None)
    if files is not None and not files.maybe_save():
        return False
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import Python source", "", SOURCE_FILTER)
        if not path:
            return False
    stem = os.path.splitext(os.path.basename(path))[0]
    try:
        result = import_source(read_source(path), model=model, filename=os.path.basename(path),
                               default_name=stem.replace("-", "_") or "model")
    except (OSError, ValueError, SourceImportError) as exc:
        _error(window, "Cannot import Python source", str(getattr(exc, "strerror", None) or exc))
        return False
    if files is not None:
        files.discard_recovery()
    window.set_session(DocumentSession(result.document))
    which = f"model '{result.model}'" if result.model else "a fragment"
    others = [m for m in result.models if m != result.model]
    more = f" (also defines {', '.join(others)})" if others else ""
    window.show_message(f"Imported {which} from {os.path.basename(path)}{more}", 8000)
    return True


def _error(window, title: str, message: str) -> None:
    dialogs = getattr(getattr(window, "files", None), "dialogs", None)
    if dialogs is not None:
        dialogs.error(title, message)
    else:
        QMessageBox.warning(window, title, message)
