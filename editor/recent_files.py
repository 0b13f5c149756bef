"""The editor's persistent settings and its list of recently opened or saved files."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

MAX_RECENT = 10
"""How many recent files the File menu lists."""


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
