"""The worker's ``data_check`` job: the training panel's mapping check, before Fit is enabled.

Request: ``{"kind": "data_check", "doc": {...}, "params": {"project_file": "/p/digits.loom"}}``.
Reply: ``data_checked`` with ``ok``, ``message`` (the loader's own words when the data does not fit:
it names the input, the shape it expects and what the file holds), ``rows`` (one per model input
and output read: ``role``, ``name``, ``holds`` (shape and dtype), ``origin`` (file and array or
columns), ``ok``), ``summary`` and ``samples``. The data is read with
:func:`codegen.data_loaders.load_model_data`, the loader of the fit itself.
"""

from __future__ import annotations

from editor.worker import protocol
from editor.worker.train_jobs import failure_fields


def _shape_text(array) -> str:
    return "(" + ", ".join(str(d) for d in array.shape) + ") " + str(array.dtype)


def run_data_check(channel, request: dict, document_of, error_fields) -> None:
    """Read the request document's training (and validation) data, compare it with the model and
    send the ``data_checked`` reply on ``channel``."""
    from codegen.data_loaders import load_model_data
    from graph_core.data_sources import data_section

    doc = document_of(request)
    project = (request.get("params") or {}).get("project_file") or None
    rows, message, summary, samples = [], "", "", 0
    try:
        data = load_model_data(doc, project, targets=True)
        for role, arrays in (("input", data.inputs), ("output", data.targets)):
            for name, array in arrays.items():
                rows.append({"role": role, "name": name, "holds": _shape_text(array),
                             "origin": data.origins.get(name, ""), "ok": True})
        samples = data.samples
        summary = f"The data fits the model: {data.describe()}"
        section = data_section(doc)
        if section is not None and section.validation:
            validation = load_model_data(doc, project, role="validation", targets=True)
            summary += f" · validation: {validation.samples:,} samples"
    except Exception as exc:
        message = failure_fields(doc, exc, error_fields)["message"]
    channel.send(protocol.make_reply("data_checked", request, ok=not message, message=message, rows=rows,
                                     summary=summary, samples=samples))
