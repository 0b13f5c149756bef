"""The worker's ``trace`` job: one sample through the model, every node's values (issue 15).

Request: ``{"kind": "trace", "doc": {...}, "params": {"seed": 0}}``. Reply: ``traced`` with
``{"order": [...], "nodes": {id: {"layer", "call", "outputs", "previews"}}}``, or
``trace_failed`` with a message (and the node at fault when Keras names one).
"""

from __future__ import annotations

from editor.worker import protocol


def run_trace_job(channel, request: dict, document_of, params_of, error_fields) -> None:
    """Trace the request's document and send the reply on ``channel``.

    Args:
        channel: the worker's output channel (``send(message)``).
        request: the request message.
        document_of, params_of: the server's request readers.
        error_fields: the server's ``(doc, exc) -> fields`` for build errors.
    """
    from codegen.trace import trace_document

    doc = document_of(request)
    seed = params_of(request).get("seed") or 0
    try:
        trace = trace_document(doc, seed=int(seed))
    except Exception as exc:
        channel.send(protocol.make_reply("trace_failed", request, **error_fields(doc, exc)))
        return
    channel.send(protocol.make_reply("traced", request, **protocol.clean(trace.to_json(previews=True))))
