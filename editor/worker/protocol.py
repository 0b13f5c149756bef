"""The editor ↔ Keras worker protocol: small JSON messages, one per line, UTF-8.

A request carries a request id (an int chosen by the editor), a ``kind``, and, for document work,
a snapshot of the document (:func:`graph_core.loom_format.document_to_dict`) with the document
revision it was taken at. Every reply names the request id it answers and echoes the revision, so
the editor can ignore results for documents that have changed since. Nothing here imports Qt or
TensorFlow: both sides use it.

Requests (editor → worker)::

    {"id": 7, "kind": "summary", "revision": 12, "doc": {...}, "params": {"expand_nested": false}}
    {"id": 8, "kind": "fit", "revision": 12, "doc": {...}, "params": {"epochs": 2, "tensorboard_dir": null,
     "project_file": "/p/digits.loom", "weights_out": "/p/digits.weights.h5", "initial_weights": null}}
    {"id": 9, "kind": "cancel", "params": {"target": 8}}

Replies (worker → editor)::

    {"kind": "ready", "pid": 4242, "versions": {...}}
    {"id": 7, "kind": "summary", "revision": 12, "text": "...", "total": 1234, ...}
    {"id": 8, "kind": "progress", "phase": "batch", "epoch": 0, "epochs": 2, "batch": 3, ...}
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

PROTOCOL_VERSION = 1

#: Request kinds the worker understands.
REQUEST_KINDS = frozenset({
    "summary",        # doc → summary text and parameter counts, or build_error
    "build",          # doc → built (ok) or build_error
    "fit",            # doc → progress…, fit_done | fit_failed
    "cancel",         # params.target: the fit request id (None: whatever fit runs) → cancelling
    "import",         # params.path, params.timeout → imported (doc) | import_failed
    "export_keras",   # doc, params.path → exported | export_failed
    "layer_docs",     # params.layer_type → layer_docs (text)
    "trace",          # doc, params.seed → traced (every node's output stats) | trace_failed
    "profile",        # doc, params.batch_size, params.repeats → profiled | profile_failed (profile_job.py)
    "evaluate",       # doc, params.weights, params.data_path … → evaluated | evaluate_failed (train_jobs.py)
    "predict",        # doc, params.weights, params.data_path … → predicted | predict_failed (train_jobs.py)
    "weights_check",  # doc, params.weights → weights_checked (train_jobs.py)
    "data_check",     # doc, params.project_file → data_checked (data_check_job.py)
    "ping",           # → pong
    "shutdown",       # the worker exits
})

#: Reply kinds the worker sends.
REPLY_KINDS = frozenset({
    "ready", "pong", "summary", "built", "build_error", "progress", "cancelling", "fit_done",
    "fit_failed", "imported", "import_failed", "exported", "export_failed", "layer_docs", "skipped",
    "error", "traced", "trace_failed",
    "profiled", "profile_failed", "evaluated", "evaluate_failed", "predicted", "predict_failed",
    "weights_checked", "data_checked",
})

#: Longest line either side accepts (a document snapshot of a very large model fits easily).
MAX_LINE_BYTES = 256 * 1024 * 1024


class ProtocolError(ValueError):
    """A line that is not a valid protocol message (not JSON, not an object, no ``kind``)."""


def make_request(kind: str, request_id: int, *, doc: dict | None = None,
                 revision: int | None = None, **params: Any) -> dict:
    """Build a request message.

    Args:
        kind: one of :data:`REQUEST_KINDS`.
        request_id: the id replies will carry.
        doc: the document snapshot (``document_to_dict``), for document work.
        revision: the document revision the snapshot was taken at.
        **params: kind-specific parameters (``None`` values are kept: they mean "the default").

    Returns:
        The message dict (encode it with :func:`encode`).

    Raises:
        ProtocolError: unknown kind.
    """
    if kind not in REQUEST_KINDS:
        raise ProtocolError(f"unknown request kind {kind!r}; expected one of {sorted(REQUEST_KINDS)}")
    message: dict = {"id": int(request_id), "kind": kind}
    if revision is not None:
        message["revision"] = int(revision)
    if doc is not None:
        message["doc"] = doc
    if params:
        message["params"] = params
    return message


def make_reply(kind: str, request: dict | None = None, **fields: Any) -> dict:
    """Build a reply to ``request`` (its id and revision are echoed).

    Args:
        kind: one of :data:`REPLY_KINDS`.
        request: the request answered (None for unsolicited messages such as ``ready``).
        **fields: the reply's payload.
    """
    message: dict = {"kind": kind}
    if request is not None:
        message["id"] = request.get("id")
        if "revision" in request:
            message["revision"] = request["revision"]
    message.update(fields)
    return message


def clean_number(value: Any) -> Any:
    """A number JSON can carry: NaN and ±inf become None, numpy scalars become Python numbers."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar or 0-d array
        return clean_number(value.item())
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def clean(value: Any) -> Any:
    """Make ``value`` JSON-safe: numbers cleaned, tuples and arrays to lists, keys to strings."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0):
        return clean(value.tolist())
    return clean_number(value)


def encode(message: dict) -> bytes:
    """One message as a line of compact JSON (UTF-8, ends with ``\\n``, no NaN)."""
    return (json.dumps(message, separators=(",", ":"), allow_nan=False, ensure_ascii=False) + "\n").encode()


def decode(line: bytes | str) -> dict:
    """Parse one line into a message.

    Raises:
        ProtocolError: not JSON, not an object, or without a string ``kind``.
    """
    if isinstance(line, bytes):
        if len(line) > MAX_LINE_BYTES:
            raise ProtocolError(f"message of {len(line)} bytes is longer than {MAX_LINE_BYTES}")
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"message is not UTF-8 (byte {exc.start})") from None
    try:
        message = json.loads(line)
    except ValueError as exc:  # also integers of more than 4300 digits
        raise ProtocolError(f"message is not JSON: {str(exc)[:200]}") from None
    except RecursionError:
        raise ProtocolError("message is nested too deeply") from None
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        raise ProtocolError("message must be a JSON object with a string 'kind'")
    return message


class LineBuffer:
    """Split a byte stream into messages; partial lines wait for the rest.

    Lines that are not protocol messages (a stray print) are kept in :attr:`garbage`
    (the last few) instead of raising, so one bad line never stalls the stream.
    """

    def __init__(self, keep_garbage: int = 20):
        self._pending = bytearray()
        self.garbage: list = []
        self._keep = keep_garbage

    def feed(self, data: bytes) -> list:
        """Add received bytes; return the complete messages they finish, in order."""
        self._pending += data
        if b"\n" not in data:
            if len(self._pending) > MAX_LINE_BYTES:
                self._note(bytes(self._pending[:200]))
                self._pending.clear()
            return []
        *lines, rest = bytes(self._pending).split(b"\n")
        self._pending = bytearray(rest)
        return list(self._decode_all(lines))

    def _decode_all(self, lines: Iterable[bytes]):
        for line in lines:
            if not line.strip():
                continue
            try:
                yield decode(line)
            except ProtocolError:
                self._note(line[:200])

    def _note(self, line: bytes) -> None:
        self.garbage.append(line.decode("utf-8", "replace"))
        del self.garbage[:-self._keep]
