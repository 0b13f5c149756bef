"""The training requests of :class:`editor.worker.client.KerasWorker`: data and weights checks,
evaluate and predict (the jobs of :mod:`editor.worker.train_jobs` and :mod:`editor.worker.data_check_job`).

A mixin: the signals (``dataChecked``, ``weightsChecked``, ``evaluated``, ``evaluateFailed``,
``predicted``, ``predictFailed``) are declared on the worker class, ``_request`` is its own.
"""

from __future__ import annotations

import os

TRAINING_REPLIES = frozenset({"data_checked", "weights_checked", "evaluated", "evaluate_failed", "predicted",
                              "predict_failed"})
"""The reply kinds :meth:`TrainingRequests.dispatch_training` handles."""

TRAINING_REQUESTS = frozenset({"data_check", "weights_check", "evaluate", "predict"})
"""The request kinds of this mixin."""


def _paths(paths: dict | None) -> dict:
    """``data_path`` / ``data_paths`` request parameters (:mod:`editor.worker.train_jobs`)."""
    paths = dict(paths or {})
    params: dict = {}
    if paths.get(None):
        params["data_path"] = os.fspath(paths.pop(None))
    if paths:
        params["data_paths"] = {str(k): os.fspath(v) for k, v in paths.items()}
    return params


class TrainingRequests:
    """Requests for the worker's training jobs (mixed into ``KerasWorker``)."""

    def request_data_check(self, doc, project_file: str | None = None) -> int:
        """Read the document's data and check it against the model; answers ``dataChecked``."""
        return self._request("data_check", doc, None, project_file=project_file)

    def request_weights_check(self, doc, path: str) -> int:
        """Whether the weights file ``path`` fits ``doc``'s architecture; answers ``weightsChecked``
        (``status``: ``match``, ``stale``, ``missing`` or ``unreadable``; ``reason``)."""
        return self._request("weights_check", doc, None, weights=os.fspath(path))

    def request_evaluate(self, doc, *, project_file: str | None = None, weights: str | None = None,
                         paths: dict | None = None) -> int:
        """Evaluate ``doc`` with ``weights`` on its data, or on ``paths`` (``{source id or None: path}``,
        None meaning the only training source).

        Returns:
            The request id; the answer is ``evaluated`` or ``evaluateFailed``.
        """
        return self._request("evaluate", doc, None, project_file=project_file, weights=weights, **_paths(paths))

    def request_predict(self, doc, *, project_file: str | None = None, weights: str | None = None,
                        paths: dict | None = None, preview: int = 8) -> int:
        """Predict the first ``preview`` samples of ``doc``'s data (or ``paths``) with ``weights``.

        Returns:
            The request id; the answer is ``predicted`` or ``predictFailed``.
        """
        return self._request("predict", doc, None, project_file=project_file, weights=weights,
                             preview=int(preview), **_paths(paths))

    def dispatch_training(self, kind: str, message: dict) -> None:
        """Emit the signal of a training reply (``kind`` in :data:`TRAINING_REPLIES`)."""
        text = str(message.get("message") or f"the {kind.split('_')[0]} failed")
        if kind == "data_checked":
            self.dataChecked.emit(message)
        elif kind == "weights_checked":
            self.weightsChecked.emit(message)
        elif kind == "evaluated":
            self.evaluated.emit(message)
        elif kind == "evaluate_failed":
            self.evaluateFailed.emit(text)
        elif kind == "predicted":
            self.predicted.emit(message)
        elif kind == "predict_failed":
            self.predictFailed.emit(text)

    def fail_training(self, kind: str, request_id: int, why: str) -> None:
        """Answer a training request that will get no reply (the worker died or failed) with ``why``."""
        if kind == "evaluate":
            self.evaluateFailed.emit(why)
        elif kind == "predict":
            self.predictFailed.emit(why)
        elif kind == "data_check":
            self.dataChecked.emit({"id": request_id, "ok": False, "rows": [], "message": why, "lost": True})
        elif kind == "weights_check":
            self.weightsChecked.emit({"id": request_id, "status": "unchecked", "reason": why})
