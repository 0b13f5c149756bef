"""The worker's ``profile`` job: measured per-layer forward time of a document (codegen.profile).

Request: ``{"kind": "profile", "doc": {...}, "params": {"batch_size": 8, "repeats": 10}}``.
Replies: ``profiled`` with ``nodes`` (node id -> ``{"layer", "ms"}``), ``total_ms``, ``model_ms``,
``batch_size``, ``repeats``, ``backend``; or ``profile_failed`` with ``message``, ``layer_name``,
``node_id``.
"""

from __future__ import annotations

from editor.worker import protocol

MAX_REPEATS = 100
MAX_BATCH = 4096


def _bounded(value, default: int, high: int) -> int:
    try:
        number = int(value if value is not None else default)
    except (TypeError, ValueError):
        number = default
    return max(1, min(number, high))


def run_profile(channel, request: dict, document, error_fields) -> None:
    """Profile the request's document and send the reply on ``channel``.

    Args:
        channel: the worker's output channel (``send(message)``).
        request: the request message.
        document: turns a request into its :class:`~graph_core.document.Document`.
        error_fields: turns (doc, exception) into ``message``/``layer_name``/``node_id``.
    """
    from codegen.profile import profile_model

    params = request.get("params") or {}
    doc = document(request)
    try:
        report = profile_model(doc, batch_size=_bounded(params.get("batch_size"), 1, MAX_BATCH),
                               repeats=_bounded(params.get("repeats"), 10, MAX_REPEATS))
    except Exception as exc:
        channel.send(protocol.make_reply("profile_failed", request, **error_fields(doc, exc)))
        return
    channel.send(protocol.make_reply("profiled", request, **protocol.clean(report)))
