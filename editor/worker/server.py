"""The Keras worker process: ``python -m editor.worker.server``.

Reads requests (:mod:`editor.worker.protocol`) on stdin, one JSON object per line, and writes
replies on stdout the same way. All Keras/TensorFlow work of the editor happens here, through
:mod:`codegen`: build, summary, synthetic fit, import of model files, ``.keras`` export and layer
documentation.

Threads:
    * a warm-up thread imports Keras at start and then sends ``ready``;
    * the main thread reads requests and answers ``cancel``/``ping``/``shutdown`` at once;
    * one *job* thread runs summary/build/import/export/layer_docs in order (a summary request
      superseded by a newer one still waiting in the queue is skipped);
    * one *fit* thread runs the current fit, so a ``cancel`` is handled while fitting: the fit's
      ``should_stop`` is checked by codegen after every batch.

Progress messages are small and throttled: at most one batch message per :data:`THROTTLE_S`
seconds, except that the last batch of each epoch and the batch that ends a cancelled fit are
always sent; one epoch message per epoch.

File descriptor 1 is reserved for the protocol: anything else printing to stdout (Python or C++)
is sent to stderr instead, so a stray print can never corrupt the stream. The process exits when
stdin closes (the editor quit or died) or on a ``shutdown`` request.
"""

from __future__ import annotations

import collections
import importlib.util
import os
import sys
import threading
import time
import traceback
from typing import Any

from codegen.model_limits import refuse_large_model
from codegen.worker_tasks import (
    build_error_fields,
    error_text,
    keras_versions,
    layer_docs,
    tensorboard_callbacks,
)
from editor.worker import protocol
from editor.worker.data_check_job import run_data_check
from editor.worker.profile_job import run_profile
from graph_core.layer_kinds import kind_of
from graph_core.training_settings import DEFAULT_FIT

THROTTLE_S = 0.05
"""Least time between two batch progress messages, in seconds."""

DEFAULT_IMPORT_TIMEOUT = 120.0


class Channel:
    """The protocol output stream, shared by the threads (one whole line per write)."""

    def __init__(self, stream):
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: dict) -> None:
        """Write one message line and flush it."""
        try:
            data = protocol.encode(message)
        except (TypeError, ValueError):
            data = protocol.encode(protocol.clean(message))
        with self._lock:
            try:
                self._stream.write(data)
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):  # the editor is gone
                os._exit(0)


def _protocol_stream():
    """Keep the real stdout for the protocol; point fd 1 and ``sys.stdout`` at stderr."""
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "wb")


# ---------------------------------------------------------------------------------- helpers
def _document(request: dict):
    from graph_core.loom_format import document_from_dict

    return document_from_dict(request.get("doc") or {})


def _params(request: dict) -> dict:
    params = request.get("params")
    return params if isinstance(params, dict) else {}


def _application_layers(doc, path: list):
    """Yield ``(path, layer)`` for every Application layer of ``doc`` and its nested models."""
    for layer in doc.layers.values():
        if kind_of(layer) == "application":
            yield path, layer
        elif layer.subgraph is not None:
            yield from _application_layers(layer.subgraph, path + [layer.id])


# ---------------------------------------------------------------------------------- jobs
class Worker:
    """The request dispatcher (see the module docstring for the threads)."""

    def __init__(self, channel: Channel):
        self.channel = channel
        self._jobs: collections.deque = collections.deque()
        self._jobs_ready = threading.Condition()
        self._fit_lock = threading.Lock()
        self._fit: dict | None = None  # {"id", "stop": Event, "batch", "epoch", "thread"}
        self._job_thread = threading.Thread(target=self._job_loop, name="loom-jobs", daemon=True)
        self._job_thread.start()

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: dict) -> bool:
        """Handle one request from the main thread; False means stop the worker."""
        kind = request.get("kind")
        if kind == "shutdown":
            return False
        if kind == "ping":
            self.channel.send(protocol.make_reply("pong", request, pid=os.getpid()))
        elif kind == "cancel":
            self._cancel(request)
        elif kind == "fit":
            self._start_fit(request)
        elif kind in protocol.REQUEST_KINDS:
            with self._jobs_ready:
                self._jobs.append(request)
                self._jobs_ready.notify()
        else:
            self.channel.send(protocol.make_reply("error", request, message=f"unknown request kind {kind!r}"))
        return True

    def stop(self) -> None:
        """Ask a running fit to stop (used at exit)."""
        with self._fit_lock:
            if self._fit is not None:
                self._fit["stop"].set()

    def _job_loop(self) -> None:
        handlers = {
            "summary": self._summary,
            "build": self._build,
            "import": self._import,
            "export_keras": self._export_keras,
            "layer_docs": self._layer_docs,
            "trace": self._trace,
            "profile": lambda request: run_profile(self.channel, request, _document, build_error_fields),
            "evaluate": self._training_job,
            "predict": self._training_job,
            "weights_check": self._training_job,
            "data_check": lambda request: run_data_check(self.channel, request, _document, build_error_fields),
        }
        while True:
            with self._jobs_ready:
                while not self._jobs:
                    self._jobs_ready.wait()
                request = self._jobs.popleft()
                superseded = request["kind"] in ("summary", "build") and any(
                    later.get("kind") == request["kind"] for later in self._jobs)
            if superseded:
                self.channel.send(protocol.make_reply("skipped", request, reason="superseded"))
                continue
            try:
                handlers[request["kind"]](request)
            except Exception as exc:  # a bug here must not kill the worker
                traceback.print_exc()
                self.channel.send(protocol.make_reply(
                    "error", request, request_kind=request.get("kind"),
                    message=f"{type(exc).__name__}: {error_text(exc)}"))

    # ------------------------------------------------------------------ summary / build
    def _summary(self, request: dict) -> None:
        from codegen.build import build_model
        from codegen.summary import summarize

        doc = _document(request)
        params = _params(request)
        try:
            refuse_large_model(doc, bool(params.get("allow_large")))  # before Keras allocates weights
            model = build_model(doc, compile=False)
            result = summarize(doc, expand_nested=bool(params.get("expand_nested", False)), model=model)
        except Exception as exc:
            self.channel.send(protocol.make_reply("build_error", request, **build_error_fields(doc, exc)))
            return
        fields = {"text": result.text, "total": int(result.total), "trainable": int(result.trainable),
                  "non_trainable": int(result.non_trainable)}
        caches = self._application_caches(doc, model)
        if caches:
            fields["caches"] = caches
        self.channel.send(protocol.make_reply("summary", request, **fields))

    def _application_caches(self, doc, model) -> list:
        """Measure the Application layers graph_core has no shapes for (see DESIGN.md).

        Returns:
            ``[{"path": [ids of the nested Model layers leading to the layer], "layer_id": id,
            "cache": cache}]`` for every Application layer whose cache changed (usually empty).
        """
        found = list(_application_layers(doc, []))
        if not found:
            return []
        from codegen.applications import fill_application_caches

        before = {(tuple(path), layer.id): layer.cache for path, layer in found}
        try:
            fill_application_caches(doc, model=model)
        except Exception:
            traceback.print_exc()
            return []
        return [{"path": list(path), "layer_id": layer.id, "cache": protocol.clean(layer.cache)}
                for path, layer in _application_layers(doc, [])
                if layer.cache != before.get((tuple(path), layer.id))]

    def _build(self, request: dict) -> None:
        from codegen.build import build_model

        doc = _document(request)
        try:
            refuse_large_model(doc, bool(_params(request).get("allow_large")))
            model = build_model(doc, compile=bool(_params(request).get("compile", True)))
        except Exception as exc:
            self.channel.send(protocol.make_reply("build_error", request, **build_error_fields(doc, exc)))
            return
        self.channel.send(protocol.make_reply("built", request, params=int(model.count_params()),
                                              name=model.name))

    def _trace(self, request: dict) -> None:
        from editor.worker.trace_job import run_trace_job

        run_trace_job(self.channel, request, _document, _params, build_error_fields)

    def _training_job(self, request: dict) -> None:
        from editor.worker.train_jobs import run_training_job

        run_training_job(self.channel, request, _document, _params, build_error_fields)

    # ------------------------------------------------------------------ import / export / docs
    def _import(self, request: dict) -> None:
        from codegen.errors import ImportRefused
        from codegen.importer import import_model_file
        from graph_core.loom_format import document_to_dict

        params = _params(request)
        path = str(params.get("path") or "")
        timeout = float(params.get("timeout") or DEFAULT_IMPORT_TIMEOUT)
        try:
            doc = import_model_file(path, timeout=timeout)
        except ImportRefused as exc:
            self.channel.send(protocol.make_reply("import_failed", request, path=path, refused=True,
                                                  message=exc.message, layer_name=exc.layer_name))
            return
        except Exception as exc:
            message = getattr(exc, "message", None) or error_text(exc)
            self.channel.send(protocol.make_reply("import_failed", request, path=path, refused=False,
                                                  message=str(message), layer_name=None))
            return
        self.channel.send(protocol.make_reply("imported", request, path=path, doc=document_to_dict(doc)))

    def _export_keras(self, request: dict) -> None:
        from codegen.errors import BuildError, CodegenError
        from codegen.keras_export import save_keras

        doc = _document(request)
        path = str(_params(request).get("path") or "")
        try:
            save_keras(doc, path)
        except BuildError as exc:
            fields = build_error_fields(doc, exc)
        except CodegenError as exc:
            fields = {"message": error_text(exc)}
        except OSError as exc:
            fields = {"message": f"cannot write {path}: {exc.strerror or exc}"}
        except Exception as exc:
            fields = build_error_fields(doc, exc)
        else:
            self.channel.send(protocol.make_reply("exported", request, path=path))
            return
        self.channel.send(protocol.make_reply("export_failed", request, path=path, **fields))

    def _layer_docs(self, request: dict) -> None:
        layer_type = str(_params(request).get("layer_type") or "")
        self.channel.send(protocol.make_reply("layer_docs", request, layer_type=layer_type,
                                              **layer_docs(layer_type)))

    # ------------------------------------------------------------------ fit
    def _start_fit(self, request: dict) -> None:
        with self._fit_lock:
            if self._fit is not None:
                self.channel.send(protocol.make_reply(
                    "fit_failed", request, message="a fit is already running; cancel it first",
                    busy=True))
                return
            state = {"id": request.get("id"), "stop": threading.Event(), "batch": None, "epoch": None,
                     "batches_done": 0}
            self._fit = state
        thread = threading.Thread(target=self._run_fit, args=(request, state), name="loom-fit", daemon=True)
        state["thread"] = thread
        thread.start()

    def _cancel(self, request: dict) -> None:
        target = _params(request).get("target")
        with self._fit_lock:
            state = self._fit
            if state is None or (target is not None and target != state["id"]):
                self.channel.send(protocol.make_reply("cancelling", request, target=target, running=False))
                return
            state["stop"].set()
            self.channel.send(protocol.make_reply(
                "cancelling", request, target=state["id"], running=True, batch=state["batch"],
                epoch=state["epoch"], batches_done=state["batches_done"]))

    def _run_fit(self, request: dict, state: dict) -> None:
        try:
            reply = self._fit_body(request, state)
        except Exception as exc:  # pragma: no cover - _fit_body reports its own errors
            traceback.print_exc()
            reply = protocol.make_reply("fit_failed", request, message=error_text(exc))
        # The fit is over before the editor hears of it, so it may start the next one at once.
        with self._fit_lock:
            self._fit = None
        self.channel.send(reply)

    def _fit_body(self, request: dict, state: dict) -> dict:
        """Run the fit; return the final reply (``fit_done`` or ``fit_failed``)."""
        from codegen.errors import FitCancelled
        from codegen.fit import fit_synthetic
        from editor.worker.train_jobs import failure_fields, run_data_fit, wants_data_fit

        doc = _document(request)
        params = _params(request)
        stop: threading.Event = state["stop"]
        send = self.channel.send
        last_sent = [0.0]

        def on_batch(info: dict) -> None:
            info = dict(info or {})
            batch, batches = info.get("batch"), info.get("batches")
            state["batch"] = batch
            state["epoch"] = info.get("epoch", state["epoch"])
            state["batches_done"] += 1
            now = time.monotonic()
            last_of_epoch = batch is not None and batches is not None and batch >= batches - 1
            if last_of_epoch or stop.is_set() or now - last_sent[0] >= THROTTLE_S:
                last_sent[0] = now
                send(protocol.make_reply("progress", request, **protocol.clean(info), phase="batch",
                                         batches_done=state["batches_done"]))

        def on_epoch(info: dict) -> None:
            info = dict(info or {})
            state["epoch"] = info.get("epoch", state["epoch"])
            send(protocol.make_reply("progress", request, **protocol.clean(info), phase="epoch",
                                     batches_done=state["batches_done"]))

        kwargs: dict[str, Any] = {key: params.get(key) for key in DEFAULT_FIT}
        kwargs.update(on_batch=on_batch, on_epoch=on_epoch, should_stop=stop.is_set)
        notes: list = []
        log_dir = params.get("tensorboard_dir")
        if log_dir and importlib.util.find_spec("tensorboard") is None:
            notes.append("TensorBoard is not installed in the worker's Python environment "
                         "(pip install tensorboard), so the fit ran without writing logs")
            log_dir = None
        if log_dir:
            try:
                kwargs["callbacks"] = tensorboard_callbacks(str(log_dir))
            except Exception as exc:
                return protocol.make_reply("fit_failed", request, **build_error_fields(doc, exc))
        started = time.monotonic()
        cancelled = False
        result: dict = {}
        try:
            refuse_large_model(doc, bool(params.get("allow_large")))
            if wants_data_fit(doc, params):
                result = run_data_fit(doc, params, on_batch, on_epoch, stop.is_set, kwargs.get("callbacks"))
                history = result["history"]
                cancelled = result["cancelled"]
            else:
                history = fit_synthetic(doc, **kwargs)
        except FitCancelled:
            history, cancelled = None, True
        except Exception as exc:
            if wants_data_fit(doc, params):
                fields = failure_fields(doc, exc, build_error_fields)
                if fields.get("origin") in ("data", "weights", "settings"):
                    return protocol.make_reply("fit_failed", request, **fields)
            fields = build_error_fields(doc, exc)
            if fields["origin"] == "layerloom":
                fields["message"] = "the fit failed: " + fields["reason"]
            traceback.print_exc()
            return protocol.make_reply("fit_failed", request, **fields)
        cancelled = cancelled or bool(getattr(history, "cancelled", False))
        logs = getattr(history, "history", history)
        logs = protocol.clean(logs) if isinstance(logs, dict) else {}
        final = {key: values[-1] for key, values in logs.items() if isinstance(values, list) and values}
        return protocol.make_reply(
            "fit_done", request, cancelled=cancelled, history=logs, final=final,
            last_batch=state["batch"], last_epoch=state["epoch"], batches_done=state["batches_done"],
            seconds=round(time.monotonic() - started, 3), notes=notes,
            tensorboard_dir=str(log_dir) if log_dir else None,
            **protocol.clean({k: v for k, v in result.items() if k not in ("history", "seconds", "cancelled")}))


# ---------------------------------------------------------------------------------- main
def _lower_priority() -> None:
    """Yield the CPU to the editor: training is background work, the window must stay fluid.

    The niceness increment comes from ``LAYERLOOM_WORKER_NICE`` (default 5; 0 disables).
    """
    try:
        increment = int(os.environ.get("LAYERLOOM_WORKER_NICE", "5"))
    except ValueError:
        increment = 5
    if increment > 0 and hasattr(os, "nice"):
        try:
            os.nice(increment)
        except OSError:
            pass


def main(argv: list | None = None) -> int:
    """Run the worker until stdin closes or a ``shutdown`` request arrives."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    _lower_priority()
    channel = Channel(_protocol_stream())
    worker = Worker(channel)

    def warm_up() -> None:
        versions = keras_versions()
        channel.send(protocol.make_reply("ready", None, pid=os.getpid(), protocol=protocol.PROTOCOL_VERSION,
                                         versions=versions))

    # Loading TensorFlow takes seconds: do it aside, so that a shutdown (or the editor going
    # away) is noticed at once. Requests arriving meanwhile wait for the import in their thread.
    threading.Thread(target=warm_up, name="loom-warm-up", daemon=True).start()
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline(protocol.MAX_LINE_BYTES + 1)
        if not line:
            break
        if not line.strip():
            continue
        try:
            request = protocol.decode(line)
        except protocol.ProtocolError as exc:
            channel.send(protocol.make_reply("error", None, message=str(exc)))
            continue
        if not worker.handle(request):
            break
    worker.stop()
    try:
        sys.stderr.flush()
    finally:
        # TensorFlow's own threads can keep an orderly interpreter exit waiting: leave at once.
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
