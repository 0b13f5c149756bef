"""The questions the File commands ask (save changes?, which file?, restore?), as Qt dialogs.

:class:`editor.files.FileController` asks them through a :class:`Dialogs` object; tests pass a
replacement so no modal dialog ever opens.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the dialog classes are imported where a dialog opens, not at start-up
    from PySide6.QtWidgets import QWidget

LOOM_FILTER = "LayerLoom models (*.loom);;All files (*)"
PYTHON_FILTER = "Python source (*.py)"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


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
        from PySide6.QtWidgets import QMessageBox

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
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self.parent, "Open model", self.last_folder, LOOM_FILTER)
        return self._remember(path)

    def save_path(self, caption: str, suggested: str, filters: str) -> str | None:
        """Ask where to save; ``suggested`` is the proposed file name."""
        from PySide6.QtWidgets import QFileDialog

        start = os.path.join(self.last_folder, suggested) if self.last_folder else suggested
        path, _ = QFileDialog.getSaveFileName(self.parent, caption, start, filters)
        return self._remember(path)

    def error(self, title: str, message: str) -> None:
        """Show an error message."""
        from PySide6.QtWidgets import QMessageBox

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
