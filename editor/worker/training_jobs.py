"""The worker's training jobs besides the fit: data check, weights check, evaluate, predict.

Each job reads its request, calls the Keras side (:mod:`codegen.worker_tasks`, or the data
loader for the check) and sends one reply. Errors become a ``*_failed`` reply whose message is
the typed error's own text (it names the input, the file or the weights variable at fault).

Requests and replies::

    {"kind": "data_check", "doc", "params": {"project_file"}}
        -> data_checked {"ok", "message", "rows": [{"role", "name", "holds", "origin", "ok"}],
                         "summary", "samples"}
    {"kind": "weights_check", "doc", "params": {"path"}}
        -> weights_checked {"path", "status", "matches", "message"}
    {"kind": "evaluate", "doc", "params": {"project_file", "weights", "paths"}}
        -> evaluated {"results", "outputs", "model", "samples", "data"} | evaluate_failed {"message"}
    {"kind": "predict", "doc", "params": {"project_file", "weights", "paths", "preview"}}
        -> predicted {"samples", "count", "class_names", "data"} | predict_failed {"message"}
"""

from __future__ import annotations

from editor.worker import protocol

MAX_PREVIEW = 64
"""Most samples a prediction sends back to the editor."""


def _paths(params: dict) -> dict | None:
    """``{"": path}`` in JSON means ``{None: path}`` (the only training source)."""
    raw = params.get("paths")
    if not isinstance(raw, dict) or not raw:
        return None
    return {(key or None): str(value) for key, value in raw.items()}


def _message(doc, exc, error_fields) -> dict:
    """The reply fields of a failed job: a build error mapped to its node, else the typed
    error's own message (data, weights and fit-setting errors are written for the user)."""
    from codegen.errors import BuildError, CodegenError

    if isinstance(exc, BuildError) or not isinstance(exc, (CodegenError, ValueError)):
        return error_fields(doc, exc)
    return {"message": str(getattr(exc, "message", None) or exc)}


def _shape_text(array) -> str:
    return "(" + ", ".join(str(d) for d in array.shape) + ") " + str(array.dtype)


def run_data_check(channel, request: dict, document_of, error_fields) -> None:
    """Read the document's training (and validation) data and compare it with the model."""
    from codegen.data_loaders import load_model_data

    doc = document_of(request)
    params = request.get("params") or {}
    project = params.get("project_file") or None
    rows, message, summary, samples = [], "", "", 0
    try:
        data = load_model_data(doc, project, targets=True)
        for role, arrays in (("input", data.inputs), ("output", data.targets)):
            for name, array in arrays.items():
                rows.append({"role": role, "name": name, "holds": _shape_text(array),
                             "origin": data.origins.get(name, ""), "ok": True})
        samples = data.samples
        summary = f"The data fits the model: {data.describe()}"
        from graph_core.data_sources import data_section

        section = data_section(doc)
        if section is not None and section.validation:
            validation = load_model_data(doc, project, role="validation", targets=True)
            summary += f" · validation: {validation.samples:,} samples"
    except Exception as exc:
        message = _message(doc, exc, error_fields)["message"]
    channel.send(protocol.make_reply("data_checked", request, ok=not message, message=message, rows=rows,
                                     summary=summary, samples=samples))


def run_weights_check(channel, request: dict, document_of, error_fields) -> None:
    """Whether a weights file fits the document's architecture (nothing is loaded)."""
    from codegen.worker_tasks import weights_check_task

    doc = document_of(request)
    path = str((request.get("params") or {}).get("path") or "")
    try:
        status = weights_check_task(doc, path)
    except Exception as exc:
        fields = _message(doc, exc, error_fields)
        status = {"status": "unbuildable", "reason": f"the model cannot be built: {fields['message']}",
                  "path": path}
    channel.send(protocol.make_reply("weights_checked", request, path=path, status=status.get("status"),
                                     matches=status.get("status") == "match",
                                     message=str(status.get("reason") or "")))


def run_evaluate(channel, request: dict, document_of, error_fields) -> None:
    """Evaluate the document's model with the given weights on its data (or the given paths)."""
    from codegen.worker_tasks import evaluate_task

    doc = document_of(request)
    params = request.get("params") or {}
    try:
        result = evaluate_task(doc, params.get("project_file") or None, weights=params.get("weights") or None,
                               paths=_paths(params))
    except Exception as exc:
        channel.send(protocol.make_reply("evaluate_failed", request, **_message(doc, exc, error_fields)))
        return
    channel.send(protocol.make_reply("evaluated", request, **protocol.clean(result)))


def run_predict(channel, request: dict, document_of, error_fields) -> None:
    """Predict a few samples with the document's model and the given weights."""
    from codegen.worker_tasks import predict_task

    doc = document_of(request)
    params = request.get("params") or {}
    try:
        preview = max(1, min(int(params.get("preview") or 8), MAX_PREVIEW))
    except (TypeError, ValueError):
        preview = 8
    try:
        result = predict_task(doc, params.get("project_file") or None, weights=params.get("weights") or None,
                              paths=_paths(params), preview=preview)
    except Exception as exc:
        channel.send(protocol.make_reply("predict_failed", request, **_message(doc, exc, error_fields)))
        return
    channel.send(protocol.make_reply("predicted", request, **protocol.clean(result)))
