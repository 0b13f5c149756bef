"""The replies of the Keras worker turned into the signals of :class:`editor.worker.client.KerasWorker`.

A mixin: the signals and the request book-keeping (``_pending``, ``_latest``, ``_fit_id``, the
``last_*_failure`` attributes) belong to the worker class.
"""

from __future__ import annotations

from editor.worker.training_requests import TRAINING_REPLIES, TRAINING_REQUESTS


class ReplyRouting:
    """Routes each message of the worker process to its signal (mixed into ``KerasWorker``)."""

    def dispatch(self, message: dict) -> None:
        """Handle one message from the worker process (replies, progress, crashes)."""
        kind = message["kind"]
        request_id = message.get("id")
        revision = message.get("revision")
        revision = int(revision) if isinstance(revision, int) else -1
        if kind == "ready":
            self._ready = True
            self.versions = message.get("versions") or {}
            self.ready.emit()
            return
        if kind in ("summary", "build_error", "built"):
            request_kind = self._pending.pop(request_id, None)
            if request_kind is None or self._latest.get(request_kind) != request_id:
                self.stale_dropped += 1
                return
            if kind == "summary":
                self.summaryReady.emit(revision, message)
            elif kind == "built":
                self.built.emit(revision, message)
            else:
                self.buildFailed.emit(revision, message)
            return
        if kind == "progress":
            if request_id == self._fit_id:
                self.fitProgress.emit(message)
            return
        if kind == "cancelling":
            self.fitCancelling.emit(message)
            return
        if kind in ("fit_done", "fit_failed"):
            self._pending.pop(request_id, None)
            if request_id == self._fit_id:
                self._fit_id = None
            if kind == "fit_done":
                self.fitFinished.emit(message)
            else:
                self.last_fit_failure = message
                self.fitFailed.emit(str(message.get("message") or "the fit failed"))
            return
        if kind in ("imported", "import_failed"):
            self._pending.pop(request_id, None)
            if kind == "imported":
                self.imported.emit(message.get("doc") or {}, str(message.get("path") or ""))
            else:
                self.last_import_failure = message
                self.importFailed.emit(str(message.get("message") or "the import failed"))
            return
        if kind in ("exported", "export_failed"):
            self._pending.pop(request_id, None)
            if kind == "exported":
                self.exported.emit(str(message.get("path") or ""))
            else:
                self.last_export_failure = message
                self.exportFailed.emit(str(message.get("message") or "the export failed"))
            return
        if kind == "layer_docs":
            self._pending.pop(request_id, None)
            self.layerDocsReady.emit(str(message.get("layer_type") or ""), message)
            return
        if kind in ("traced", "trace_failed"):
            self._pending.pop(request_id, None)
            if kind == "traced":
                self.traced.emit(message)
            else:
                self.traceFailed.emit(str(message.get("message") or "the trace failed"))
        if kind in ("profiled", "profile_failed"):
            self._pending.pop(request_id, None)
            if kind == "profiled":
                self.profiled.emit(message)
            else:
                self.profileFailed.emit(str(message.get("message") or "profiling failed"))
            return
        if kind in TRAINING_REPLIES:
            self._pending.pop(request_id, None)
            self.dispatch_training(kind, message)
            return
        if kind == "pong":
            self.pong.emit(message)
            return
        if kind == "skipped":
            self._pending.pop(request_id, None)
            return
        if kind == "error":
            self._route_error(request_id, revision, message)

    def _route_error(self, request_id, revision: int, message: dict) -> None:
        request_kind = self._pending.pop(request_id, None)
        text = str(message.get("message") or "the Keras worker reported an error")
        if request_kind in ("summary", "build"):
            if self._latest.get(request_kind) == request_id:
                self.buildFailed.emit(revision, {"message": text, "layer_name": None, "node_id": None,
                                                 "id": request_id, "revision": revision})
        elif request_kind == "import":
            self.last_import_failure = message
            self.importFailed.emit(text)
        elif request_kind == "export_keras":
            self.last_export_failure = message
            self.exportFailed.emit(text)
        elif request_kind == "trace":
            self.traceFailed.emit(text)
        elif request_kind == "profile":
            self.profileFailed.emit(text)
        elif request_kind in TRAINING_REQUESTS:
            self.fail_training(request_kind, request_id, text)
        elif request_kind == "fit":
            if request_id == self._fit_id:
                self._fit_id = None
            self.last_fit_failure = message
            self.fitFailed.emit(text)
