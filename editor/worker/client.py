"""The editor's side of the Keras worker: a QObject that runs ``python -m editor.worker.server``.

:class:`KerasWorker` starts the worker with :class:`QProcess` in the background (the editor never
waits for TensorFlow to load), sends requests as JSON lines and turns the replies into Qt signals.
It never blocks: replies arrive through the event loop. Results answering anything but the latest
summary/build request are dropped (they describe a document revision that no longer exists).

If the worker dies (a TensorFlow crash, an out-of-memory kill, ``kill -9``) the client emits
:attr:`KerasWorker.crashed` with a clear notice, fails the requests that were in flight (a running
fit gets :attr:`fitFailed`), starts a new worker and emits :attr:`KerasWorker.restarted`, then
:attr:`KerasWorker.ready` once it has loaded Keras. Nothing is re-sent automatically: documents
live in the editor, so no edit is lost; views simply ask again (the summary panel does so on
``ready``). :meth:`KerasWorker.shutdown` (also connected to ``QCoreApplication.aboutToQuit``)
asks the worker to exit, waits, then terminates and finally kills it: closing the editor leaves
no process behind.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal

from editor.worker import protocol
from editor.worker.replies import ReplyRouting
from editor.worker.training_requests import TRAINING_REQUESTS, TrainingRequests

if TYPE_CHECKING:  # imported where used: making QProcess's Python type (its enums) costs the
    # editor's first frame ~10 ms, and the process starts only after that frame
    from PySide6.QtCore import QProcess

_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])




class KerasWorker(ReplyRouting, TrainingRequests, QObject):
    """The Keras worker process, seen from the editor.

    Args:
        parent: Qt parent.
        autostart: start the process now (in the background).
        max_restarts: automatic restarts allowed within ``restart_window`` seconds; after that a
            crashing worker is left stopped (call :meth:`restart`) instead of looping.
        restart_window: see ``max_restarts``.

    Signals:
        ready(): the worker has loaded Keras and answers requests (after each (re)start).
        summaryReady(int revision, object reply): ``text``, ``total``, ``trainable``,
            ``non_trainable`` (and ``caches`` for measured Application layers).
        buildFailed(int revision, object reply): ``message``, ``layer_name``, ``node_id``.
        built(int revision, object reply): a build request succeeded (``params``).
        fitProgress(object): ``phase`` (``batch``/``epoch``), ``epoch``, ``epochs``, ``batch``,
            ``batches``, ``loss`` and the per-output losses codegen reports.
        fitCancelling(object): the worker acknowledged a cancel (``batch`` at that moment).
        fitFinished(object): ``cancelled``, ``history``, ``final`` (last value of each log),
            ``last_batch``, ``last_epoch``, ``batches_done``, ``seconds``.
        fitFailed(str): why the fit failed (details in :attr:`last_fit_failure`).
        imported(object doc_dict, str path): a model file became a document (``document_to_dict``).
        importFailed(str): why (refused files name the layer; details in :attr:`last_import_failure`).
        exported(str path): the ``.keras`` file is written.
        exportFailed(str): why not.
        layerDocsReady(str layer_type, object reply): ``signature`` and ``text`` of a Keras layer.
        traced(object reply): every node's output statistics for one sample (``order``, ``nodes``).
        traceFailed(str message): the trace could not run.
        dataChecked(object reply): the data mapping check (``ok``, ``message``, ``rows``, ``summary``).
        weightsChecked(object reply): ``path``, ``status``, ``matches``, ``message``.
        evaluated(object reply) / evaluateFailed(str): an evaluation's results (``outputs``, ``model``…).
        predicted(object reply) / predictFailed(str): a prediction's preview (``samples``, ``count``…).
        pong(object): answer to :meth:`ping`.
        crashed(str): the worker died; the text is a notice for the status bar.
        restarted(): a new worker process was started after a crash.
    """

    ready = Signal()
    summaryReady = Signal(int, object)
    buildFailed = Signal(int, object)
    built = Signal(int, object)
    fitProgress = Signal(object)
    fitCancelling = Signal(object)
    fitFinished = Signal(object)
    fitFailed = Signal(str)
    imported = Signal(object, str)
    importFailed = Signal(str)
    exported = Signal(str)
    exportFailed = Signal(str)
    layerDocsReady = Signal(str, object)
    traced = Signal(object)
    traceFailed = Signal(str)
    profiled = Signal(object)
    profileFailed = Signal(str)
    dataChecked = Signal(object)
    weightsChecked = Signal(object)
    evaluated = Signal(object)
    evaluateFailed = Signal(str)
    predicted = Signal(object)
    predictFailed = Signal(str)
    pong = Signal(object)
    crashed = Signal(str)
    restarted = Signal()

    def __init__(self, parent: QObject | None = None, *, autostart: bool = True, max_restarts: int = 3,
                 restart_window: float = 60.0):
        super().__init__(parent)
        self._proc: QProcess | None = None
        self._buffer = protocol.LineBuffer()
        self._ids = itertools.count(1)
        self._pending: dict[int, str] = {}
        self._latest: dict[str, int] = {}
        self._fit_id: int | None = None
        self._ready = False
        self._shutting_down = False
        self._outbox: list[bytes] = []
        self._deferred = False  # requests wait for start() instead of starting the process
        self._crash_times: deque = deque()
        self._stderr_tail: deque = deque(maxlen=60)
        self._stderr_partial = b""
        self.max_restarts = max_restarts
        self.restart_window = restart_window
        self.versions: dict = {}
        self.last_fit_failure: dict = {}
        self.last_import_failure: dict = {}
        self.last_export_failure: dict = {}
        self.stale_dropped = 0
        self.restarts = 0
        self.forced_stops = 0  # shutdowns that had to terminate or kill the process
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        if autostart:
            self.start()

    # ------------------------------------------------------------------ state
    @property
    def process(self):
        """The worker's QProcess (None when it is not started)."""
        return self._proc

    @property
    def is_ready(self) -> bool:
        """True once the running worker has said it is ready."""
        return self._ready and self.is_running

    @property
    def is_running(self) -> bool:
        """True while a worker process exists (starting or running)."""
        if self._proc is None:
            return False
        from PySide6.QtCore import QProcess

        return self._proc.state() != QProcess.ProcessState.NotRunning

    @property
    def pid(self) -> int:
        """The worker's process id (0 when none runs)."""
        return int(self._proc.processId()) if self._proc is not None else 0

    @property
    def fit_running(self) -> bool:
        """True between :meth:`request_fit` and its ``fitFinished``/``fitFailed``."""
        return self._fit_id is not None

    @property
    def current_fit(self) -> int | None:
        """The request id of the running fit, or None."""
        return self._fit_id

    @property
    def stderr_tail(self) -> str:
        """The last lines the worker wrote on stderr (for crash reports)."""
        return "\n".join(self._stderr_tail)

    # ------------------------------------------------------------------ process
    def defer_start(self) -> None:
        """Until :meth:`start` is called, requests wait (in order) instead of starting the process.

        The editor defers the worker until its window has painted its first frame, so starting
        TensorFlow does not compete with drawing the window.
        """
        if self._proc is None:
            self._deferred = True

    def start(self) -> None:
        """Start the worker process in the background (no-op if one runs)."""
        from PySide6.QtCore import QProcess, QProcessEnvironment

        self._deferred = False
        if self.is_running:
            return
        self._shutting_down = False
        self._ready = False
        self._buffer = protocol.LineBuffer()
        proc = QProcess(self)
        proc.setProgram(sys.executable)
        proc.setArguments(["-m", "editor.worker.server"])
        proc.setWorkingDirectory(_PROJECT_ROOT)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("TF_CPP_MIN_LOG_LEVEL", "3")
        env.insert("PYTHONUNBUFFERED", "1")
        if not env.contains("KERAS_BACKEND"):
            env.insert("KERAS_BACKEND", "tensorflow")
        path = env.value("PYTHONPATH", "")
        env.insert("PYTHONPATH", _PROJECT_ROOT + (os.pathsep + path if path else ""))
        proc.setProcessEnvironment(env)
        # Bound methods, not lambdas: a lambda holding ``self`` would keep this object alive
        # until the QProcess (its child) is deleted, and then delete the parent from inside the
        # child's destruction. The process a signal comes from is ``self.sender()``.
        proc.readyReadStandardOutput.connect(self._on_stdout)
        proc.readyReadStandardError.connect(self._on_stderr)
        proc.started.connect(self._on_started)
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        self._proc = proc
        proc.start()

    def restart(self) -> None:
        """Stop the worker if it runs and start a fresh one (in-flight requests fail)."""
        self.shutdown(timeout_ms=1000)
        self._crash_times.clear()
        self._fail_pending("the Keras worker was restarted")
        self.start()
        self.restarted.emit()

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Ask the worker to exit; terminate it after ``timeout_ms``, then kill it. Waits for the end."""
        proc = self._proc
        self._shutting_down = True
        self._ready = False
        if proc is None:
            return
        from PySide6.QtCore import QProcess

        if proc.state() != QProcess.ProcessState.NotRunning:
            if proc.state() == QProcess.ProcessState.Starting:
                proc.waitForStarted(1000)
            if proc.state() == QProcess.ProcessState.Running:
                proc.write(protocol.encode(protocol.make_request("shutdown", 0)))
                proc.closeWriteChannel()
            if not proc.waitForFinished(timeout_ms):
                self.forced_stops += 1
                proc.terminate()
                if not proc.waitForFinished(1500):
                    proc.kill()
                    proc.waitForFinished(1500)
        self._proc = None
        self._outbox.clear()
        proc.deleteLater()

    def _on_started(self) -> None:
        proc = self.sender()
        if proc is None or proc is not self._proc:
            return
        for data in self._outbox:
            proc.write(data)
        self._outbox.clear()

    def _on_stdout(self) -> None:
        from PySide6.QtCore import QProcess

        proc = self.sender()
        if not isinstance(proc, QProcess):
            return
        data = bytes(proc.readAllStandardOutput())
        if proc is not self._proc:
            return
        for message in self._buffer.feed(data):
            self.dispatch(message)

    def _on_stderr(self) -> None:
        from PySide6.QtCore import QProcess

        proc = self.sender()
        if not isinstance(proc, QProcess):
            return
        data = self._stderr_partial + bytes(proc.readAllStandardError())
        *lines, self._stderr_partial = data.split(b"\n")
        if len(self._stderr_partial) > 4096:
            lines.append(self._stderr_partial)
            self._stderr_partial = b""
        for line in lines:
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self._stderr_tail.append(text)

    def _on_error(self, error) -> None:
        from PySide6.QtCore import QProcess

        proc = self.sender()
        if proc is None or proc is not self._proc or self._shutting_down:
            return
        if error == QProcess.ProcessError.FailedToStart:
            self._crash(proc, f"could not start ({proc.errorString()})")

    def _on_finished(self, code: int, status) -> None:
        from PySide6.QtCore import QProcess

        proc = self.sender()
        if proc is None or proc is not self._proc or self._shutting_down:
            return
        if status == QProcess.ExitStatus.CrashExit:
            reason = "crashed or was killed"
        else:
            reason = f"exited unexpectedly (code {code})"
        self._crash(proc, reason)

    def _crash(self, proc: QProcess, reason: str) -> None:
        during = " during a fit" if self._fit_id is not None else ""
        self._proc = None
        self._ready = False
        self._outbox.clear()
        proc.deleteLater()
        self._fail_pending(f"the Keras worker {reason}{during}")
        now = time.monotonic()
        self._crash_times.append(now)
        while self._crash_times and now - self._crash_times[0] > self.restart_window:
            self._crash_times.popleft()
        detail = self._last_error_line()
        if len(self._crash_times) > self.max_restarts:
            self.crashed.emit(f"The Keras worker {reason}{during} {len(self._crash_times)} times within "
                              f"{self.restart_window:.0f} s; it was not restarted. Your documents are unchanged."
                              + (f" Last error: {detail}" if detail else ""))
            return
        self.crashed.emit(f"The Keras worker {reason}{during}; restarting it. Your documents are unchanged "
                          f"(no edit is lost)." + (f" Last error: {detail}" if detail else ""))
        self.restarts += 1
        self.start()
        self.restarted.emit()

    def _last_error_line(self) -> str:
        for line in reversed(self._stderr_tail):
            if "Error" in line or "error" in line:
                return line.strip()[:300]
        return ""

    def _fail_pending(self, why: str) -> None:
        pending, self._pending = self._pending, {}
        self._latest.clear()
        fit_id, self._fit_id = self._fit_id, None
        for request_id, kind in pending.items():
            if kind == "fit" and request_id == fit_id:
                self.last_fit_failure = {"message": why, "crashed": True}
                self.fitFailed.emit(f"{why}; the fit was lost — run it again.")
            elif kind == "import":
                self.last_import_failure = {"message": why, "crashed": True}
                self.importFailed.emit(f"{why}; the import did not finish — try again.")
            elif kind == "export_keras":
                self.last_export_failure = {"message": why, "crashed": True}
                self.exportFailed.emit(f"{why}; the model was not exported — try again.")
            elif kind == "profile":
                self.profileFailed.emit(f"{why}; the profile was lost — run it again.")
            elif kind in TRAINING_REQUESTS:
                self.fail_training(kind, request_id, f"{why}; it was lost — try again")

    # ------------------------------------------------------------------ requests
    def _request(self, kind: str, doc=None, revision: int | None = None, **params) -> int:
        request_id = next(self._ids)
        snapshot = None
        if doc is not None:
            from graph_core.loom_format import document_to_dict

            snapshot = document_to_dict(doc)
            if revision is None:
                revision = doc.revision
        message = protocol.make_request(kind, request_id, doc=snapshot, revision=revision, **params)
        if kind not in ("cancel", "ping"):
            self._pending[request_id] = kind
        if kind in ("summary", "build"):
            self._latest[kind] = request_id
        self._write(protocol.encode(message))
        return request_id

    def _write(self, data: bytes) -> None:
        if self._proc is None and self._deferred:
            self._outbox.append(data)  # sent when start() has started the process
            return
        if self._proc is None and not self._shutting_down:
            self.start()
        proc = self._proc
        if proc is None:
            return
        from PySide6.QtCore import QProcess

        if proc.state() == QProcess.ProcessState.Running:
            proc.write(data)
        else:
            self._outbox.append(data)

    def request_summary(self, doc, revision: int | None = None, *, expand_nested: bool = False,
                        allow_large: bool = False) -> int:
        """Ask for Keras's ``model.summary()`` of ``doc`` (a snapshot is sent).

        Args:
            doc: the document.
            revision: echoed in the reply (default ``doc.revision``).
            expand_nested: expand nested models in the summary text.
            allow_large: the user agreed to build a model above the parameter threshold (the
                worker refuses it otherwise, with ``stage="size"``).

        Returns:
            The request id; the answer is ``summaryReady`` or ``buildFailed`` (dropped if a newer
            summary was requested meanwhile).
        """
        extra = {"allow_large": True} if allow_large else {}
        return self._request("summary", doc, revision, expand_nested=expand_nested, **extra)

    def request_build(self, doc, revision: int | None = None) -> int:
        """Ask the worker to build and compile ``doc``; answers ``built`` or ``buildFailed``."""
        return self._request("build", doc, revision)

    def request_fit(self, doc, revision: int | None = None, *, epochs: int | None = None,
                    batch_size: int | None = None, samples: int | None = None, seed: int | None = None,
                    tensorboard_dir: str | None = None, allow_large: bool = False,
                    project_file: str | None = None, weights_out: str | None = None,
                    initial_weights: str | None = None) -> int:
        """Start a fit of ``doc`` on its data (settings default to the document's ``fit`` section).

        Args:
            tensorboard_dir: when given, the worker adds ``keras.callbacks.TensorBoard(log_dir)``.
            allow_large: the user agreed to train a model above the parameter threshold.
            project_file: the ``.loom`` file the data section's paths are relative to.
            weights_out: where the worker saves the trained weights (``.weights.h5``).
            initial_weights: weights to start from (continue training).

        Returns:
            The request id; progress arrives as ``fitProgress``, the end as ``fitFinished`` or
            ``fitFailed``. One fit runs at a time.
        """
        extra = {"allow_large": True} if allow_large else {}
        request_id = self._request("fit", doc, revision, epochs=epochs, batch_size=batch_size, samples=samples,
                                   seed=seed, tensorboard_dir=tensorboard_dir or None, project_file=project_file,
                                   weights_out=weights_out, initial_weights=initial_weights, **extra)
        if self._fit_id is None:
            self._fit_id = request_id
        return request_id

    def cancel_fit(self, request_id: int | None = None) -> int:
        """Ask the running fit (or fit ``request_id``) to stop after its current batch."""
        return self._request("cancel", None, None, target=request_id if request_id is not None else self._fit_id)

    def request_import(self, path: str, timeout: float = 120.0) -> int:
        """Import a Keras model file (``.keras``, ``.h5``, ``.json``) safely; answers ``imported``/``importFailed``."""
        return self._request("import", None, None, path=os.fspath(path), timeout=timeout)

    def request_export_keras(self, doc, path: str, revision: int | None = None) -> int:
        """Build ``doc`` and save it as a ``.keras`` file; answers ``exported``/``exportFailed``."""
        return self._request("export_keras", doc, revision, path=os.fspath(path))

    def request_layer_docs(self, layer_type: str) -> int:
        """Ask for the signature and docstring of ``keras.layers.<layer_type>``."""
        return self._request("layer_docs", None, None, layer_type=layer_type)

    def request_trace(self, doc, seed: int = 0) -> int:
        """Run one sample through ``doc``; answers ``traced(reply)`` or ``traceFailed(message)``."""
        return self._request("trace", doc, None, seed=int(seed))
    def request_profile(self, doc, *, batch_size: int = 1, repeats: int = 10) -> int:
        """Measure each layer's forward time (codegen.profile); answers ``profiled``/``profileFailed``."""
        return self._request("profile", doc, None, batch_size=batch_size, repeats=repeats)

    def ping(self) -> int:
        """Ask the worker to answer ``pong`` (a liveness check)."""
        return self._request("ping")
