"""The worker's training jobs on real data: fit, evaluate, predict, weights check (issue 14).

Requests (all carry ``doc``; paths are strings, relative ones are taken from the project folder)::

    {"kind": "fit", "doc": {...}, "params": {"project_file": "/p/digits.loom",
        "weights_out": "/p/digits.weights.h5", "initial_weights": null,
        "data_path": null, "data_paths": {}, "validation_path": null,
        "epochs": 5, "validation_split": 0.2, "early_stopping": true, ...}}
    {"kind": "evaluate", "doc": {...}, "params": {"project_file", "weights", "data_path", "data_paths", "batch_size"}}
    {"kind": "predict", "doc": {...}, "params": {"project_file", "weights", "data_path", "data_paths",
        "out_path", "preview"}}
    {"kind": "weights_check", "doc": {...}, "params": {"weights": "/p/digits.weights.h5"}}

``data_path`` replaces the only training source's path (or, with no data section, names the
data file or folder); ``data_paths`` maps source ids to paths; ``validation_path`` is a file in
the training data's layout used as validation data.

Replies: ``fit_done`` (the synthetic fit's fields plus those of
:func:`codegen.worker_tasks.fit_task`) or ``fit_failed``; ``evaluated`` / ``evaluate_failed``;
``predicted`` / ``predict_failed``; ``weights_checked`` (``status``, ``reason``, ``path``).
Failures carry ``message`` (for the user, as it is) and ``origin``: ``"data"`` (the data does
not fit), ``"weights"`` (stale or unreadable weights) or those of a build error.
"""

from __future__ import annotations

from editor.worker import protocol
from graph_core.training_settings import DEFAULT_FIT_OPTIONS

DATA_FIT_PARAMS = ("project_file", "weights_out", "initial_weights", "data_path", "data_paths",
                   "validation_path", *DEFAULT_FIT_OPTIONS)
"""Fit parameters that make the worker's fit a fit on real data (with a data section or not)."""


def wants_data_fit(doc, params: dict) -> bool:
    """True when the fit request is for :func:`codegen.worker_tasks.fit_task` (data, options,
    weights) rather than the quick synthetic fit."""
    return "data" in doc.extra or any(params.get(key) is not None for key in DATA_FIT_PARAMS)


def paths_of(params: dict) -> dict | None:
    """The ``paths`` argument of the tasks from ``data_path`` / ``data_paths``."""
    paths = {str(k): str(v) for k, v in (params.get("data_paths") or {}).items()}
    if params.get("data_path"):
        paths[None] = str(params["data_path"])
    return paths or None


def failure_fields(doc, exc: BaseException, error_fields) -> dict:
    """Reply fields of a failed training job (``message``, ``origin`` …)."""
    from codegen.errors import DataError, WeightsError

    if isinstance(exc, DataError):
        return {"message": str(exc), "origin": "data"}
    if isinstance(exc, WeightsError):
        return {"message": str(exc), "origin": "weights"}
    if isinstance(exc, ValueError) and not type(exc).__module__.startswith(("keras", "tensorflow")):
        return {"message": str(exc), "origin": "settings"}
    return error_fields(doc, exc)


def run_data_fit(doc, params: dict, on_batch, on_epoch, should_stop, callbacks) -> dict:
    """Run :func:`codegen.worker_tasks.fit_task` with the request's parameters.

    Returns:
        The task's result.
    """
    from codegen.worker_tasks import fit_task

    overrides = {key: params.get(key) for key in ("epochs", "batch_size", "samples", "seed",
                                                  *DEFAULT_FIT_OPTIONS) if params.get(key) is not None}
    overrides.pop("continue_training", None)
    validation = {None: str(params["validation_path"])} if params.get("validation_path") else None
    return fit_task(doc, params.get("project_file"), overrides=overrides, paths=paths_of(params),
                    validation_paths=validation, weights_out=params.get("weights_out"),
                    initial_weights=params.get("initial_weights"), on_batch=on_batch, on_epoch=on_epoch,
                    should_stop=should_stop, callbacks=callbacks)


def run_training_job(channel, request: dict, document_of, params_of, error_fields) -> None:
    """Answer an ``evaluate``, ``predict`` or ``weights_check`` request on ``channel``."""
    from codegen import worker_tasks

    kind = request["kind"]
    doc = document_of(request)
    params = params_of(request)
    try:
        if kind == "weights_check":
            result = worker_tasks.weights_check_task(doc, str(params.get("weights") or ""))
            channel.send(protocol.make_reply("weights_checked", request, **protocol.clean(result)))
            return
        common = dict(weights=params.get("weights"), paths=paths_of(params), batch_size=params.get("batch_size"))
        if kind == "evaluate":
            result = worker_tasks.evaluate_task(doc, params.get("project_file"), **common)
        else:
            result = worker_tasks.predict_task(doc, params.get("project_file"), out_path=params.get("out_path"),
                                               preview=int(params.get("preview") or 8), **common)
    except Exception as exc:
        channel.send(protocol.make_reply(f"{kind}_failed", request, **failure_fields(doc, exc, error_fields)))
        return
    channel.send(protocol.make_reply("evaluated" if kind == "evaluate" else "predicted", request,
                                     **protocol.clean(result)))
