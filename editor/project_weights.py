"""Trained weights kept beside the project: ``NAME.weights.h5`` next to ``NAME.loom``.

:class:`ProjectWeights` follows the editor's session. When a project with a weights file beside
it is opened (or its architecture is edited), it asks the Keras worker whether the file still
fits the model (``weights_check``): matching weights are used by *Continue*, *Evaluate* and
*Predict*; weights that no longer fit are reported as stale, with the worker's reason, and are
never used or dropped silently (the next fit replaces them). A fit of a project that was never
saved writes its weights to a temporary file, which is copied beside the project when it is
saved. Nothing here reads the weights: the worker does (Keras's own ``.weights.h5`` format).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from codegen.weights import WEIGHTS_SUFFIX, weights_path_for
from editor.qt_signals import reconnect

RECHECK_MS = 800
"""Quiet time after an architecture edit before the weights are checked again."""

_ARCHITECTURE_EVENTS = ("structure", "config", "name", "reset")


def weights_beside(project_file: str | os.PathLike) -> str:
    """The weights file of a project: ``NAME.weights.h5`` in the folder of ``NAME.loom``."""
    return str(weights_path_for(os.path.abspath(project_file)))


def _unsaved_weights(doc_name: str) -> str:
    folder = Path(tempfile.gettempdir()) / "layerloom-weights"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{doc_name or 'model'}-{os.getpid()}{WEIGHTS_SUFFIX}")


class ProjectWeights(QObject):
    """The state of the session's weights file.

    Attributes:
        state: ``"none"`` (no session), ``"missing"`` (no weights yet), ``"checking"``,
            ``"ok"`` (the file fits the model), ``"stale"`` (it does not: see ``message``),
            ``"unsaved"`` (trained weights of a project not saved yet, in a temporary file),
            ``"unchecked"`` (the worker could not answer; checked again when it is ready).
        path: the weights file the state is about ("" when none).
        message: one sentence for the training panel.

    Signals:
        changed(): the state, path or message changed.
    """

    changed = Signal()

    def __init__(self, worker, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = worker
        self.session = None
        self.state = "none"
        self.path = ""
        self.message = ""
        self._check_id: int | None = None
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.setInterval(RECHECK_MS)
        self._recheck.timeout.connect(self.check)
        signal = getattr(worker, "weightsChecked", None)
        if signal is not None:
            signal.connect(self._on_checked)
        worker.ready.connect(self._on_worker_ready)

    @property
    def usable(self) -> bool:
        """True when the weights file fits the model (Continue/Evaluate/Predict may use it)."""
        return self.state in ("ok", "unsaved") and bool(self.path) and os.path.exists(self.path)

    def _set(self, state: str, path: str, message: str) -> None:
        if (state, path, message) != (self.state, self.path, self.message):
            self.state, self.path, self.message = state, path, message
            self.changed.emit()

    # ------------------------------------------------------------------ session
    def set_session(self, session) -> None:
        """Follow ``session``: look for its weights file and check it against the model."""
        if session is self.session:
            return
        reconnect(self.session, session, {"changed": self._on_changed, "pathChanged": self._on_path_changed})
        self.session = session
        self._check_id = None
        self._recheck.stop()
        if session is None:
            self._set("none", "", "")
            return
        self.check()

    def target_path(self) -> str:
        """Where the next fit saves its weights (beside the project, or a temporary file)."""
        if self.session is None:
            return ""
        if self.session.path:
            return weights_beside(self.session.path)
        return _unsaved_weights(self.session.document.name)

    def check(self) -> int | None:
        """Ask the worker whether the weights file fits the model; returns the request id."""
        session = self.session
        if session is None:
            return None
        path = weights_beside(session.path) if session.path else (self.path if self.state == "unsaved" else "")
        if not path or not os.path.exists(path):
            self._set("missing", "", "No trained weights yet: a fit saves them beside the project"
                      + (" once it is saved." if not session.path else f" as {os.path.basename(self.target_path())}."))
            return None
        self._check_id = self.worker.request_weights_check(session.document, path)
        self._set("checking", path, f"Checking {os.path.basename(path)} against the model…")
        return self._check_id

    def saved(self, path: str) -> None:
        """A fit just saved its weights to ``path`` (they fit the model it trained)."""
        self._check_id = None
        name = os.path.basename(path)
        if self.session is not None and not self.session.path:
            self._set("unsaved", path, f"Trained weights are kept in {name} until the project is saved "
                                       f"(then beside it).")
        else:
            self._set("ok", path, f"Weights: {name} (saved by the last fit).")

    def _on_checked(self, reply: dict) -> None:
        if reply.get("id") != self._check_id or self._check_id is None:
            return
        self._check_id = None
        name = os.path.basename(self.path)
        status = reply.get("status")
        if status == "match":
            self._set("ok", self.path, f"Weights: {name} (they match the model and were loaded).")
        elif status == "missing":
            self._set("missing", "", f"No trained weights: {name} is gone; a fit saves new ones.")
        elif status == "unchecked":  # the worker died or failed: check again when it is back
            self._set("unchecked", self.path, f"{name} could not be checked yet "
                                              f"({reply.get('reason') or 'the Keras worker is not answering'}).")
        else:
            reason = str(reply.get("reason") or reply.get("message") or "they do not match the model")
            self._set("stale", self.path, f"Stale weights: {name} no longer fits the model ({reason}). "
                                          f"They are not used; the next fit replaces them.")

    def _on_worker_ready(self) -> None:
        if self.state == "unchecked":
            self.check()

    def _on_changed(self, doc, event) -> None:
        session = self.session
        if session is None or doc is not session.document or event.kind not in _ARCHITECTURE_EVENTS:
            return
        if self.state in ("ok", "stale", "checking", "unsaved", "unchecked") and self.path:
            self._recheck.start()

    def _on_path_changed(self, path: str) -> None:
        """Save As: take the weights along beside the new project file."""
        if not path or not self.path or not os.path.exists(self.path):
            self.check()
            return
        target = weights_beside(path)
        if os.path.abspath(target) != os.path.abspath(self.path):
            try:
                shutil.copyfile(self.path, target)
            except OSError as exc:
                self._set("missing", "", f"The weights could not be copied beside {os.path.basename(path)}: "
                                         f"{exc.strerror or exc}.")
                return
        self.check()
