"""The Keras side of the editor's worker process: warm-up, layer docs, TensorBoard, error mapping.

The worker (``editor/worker/server.py``) speaks the protocol and runs jobs in its threads; every
piece of it that touches Keras or TensorFlow lives here, so the editor package never imports
them. Keras is imported inside the functions only.
"""

from __future__ import annotations

import inspect
import os
import sys

from codegen.errors import BuildError

MAX_ERROR_CHARS = 2000
"""Longest exception text sent to the editor (longer texts are cut with an ellipsis)."""

_WARM_MODULES = ("codegen.build", "codegen.summary", "codegen.fit")


def error_text(exc: BaseException) -> str:
    """An exception as one readable text: its message, or its class name when it has none."""
    text = str(exc).strip() or type(exc).__name__
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + " …"
    return text


def keras_versions() -> dict:
    """Import Keras and TensorFlow (so the first request is quick) and report their versions.

    Returns:
        ``{"python", "keras", "backend", "tensorflow"}``; an ``"error"`` entry instead of the
        versions it could not get when the import failed (requests then fail with their own
        messages).
    """
    versions = {"python": sys.version.split()[0]}
    try:
        import keras

        versions["keras"] = keras.__version__
        versions["backend"] = keras.backend.backend()
        import tensorflow as tf

        versions["tensorflow"] = tf.__version__
    except Exception as exc:
        versions["error"] = f"{type(exc).__name__}: {error_text(exc)}"
    for module in _WARM_MODULES:
        try:
            __import__(module)
        except Exception:
            pass
    return versions


def layer_docs(layer_type: str) -> dict:
    """Keras's own documentation of a layer class (like ``?layers.Dense``).

    Args:
        layer_type: a ``keras.layers`` (or ``keras``) class name.

    Returns:
        ``{"found": bool, "signature": str, "text": str}``; ``found`` is False (and the texts
        empty) for a name that is not a Keras class.
    """
    import keras

    cls = getattr(keras.layers, layer_type, None) if layer_type.isidentifier() else None
    if cls is None and layer_type.isidentifier():
        cls = getattr(keras, layer_type, None)
    if cls is None or not inspect.isclass(cls):
        return {"found": False, "signature": "", "text": ""}
    try:
        signature = f"keras.layers.{cls.__name__}{inspect.signature(cls.__init__)}".replace("(self, ", "(")
    except (TypeError, ValueError):
        signature = f"keras.layers.{cls.__name__}(...)"
    return {"found": True, "signature": signature, "text": inspect.getdoc(cls) or ""}


def tensorboard_callbacks(log_dir: str) -> list:
    """The callbacks that write TensorBoard logs of a fit into ``log_dir`` (created if needed)."""
    import keras

    os.makedirs(log_dir, exist_ok=True)
    return [keras.callbacks.TensorBoard(log_dir=log_dir)]


def guess_layer(doc, text: str) -> str | None:
    """The name of a document layer that ``text`` (a Keras message) quotes, if any."""
    names = sorted({layer.name for d in doc.iter_documents() for layer in d.layers.values()},
                   key=len, reverse=True)
    for name in names:
        if f"'{name}'" in text or f'"{name}"' in text or f"name={name}" in text:
            return name
    return None


def node_of(doc, layer_name: str | None) -> str | None:
    """The first node calling the layer ``layer_name`` (None when there is none)."""
    if not layer_name:
        return None
    layer = doc.layer_by_name(layer_name)
    if layer is None:
        return None
    nodes = doc.nodes_of(layer.id)
    return nodes[0] if nodes else None


def build_error_fields(doc, exc: BaseException) -> dict:
    """The reply fields of a failed build, compile, fit or save, mapped back to the document.

    Args:
        doc: the document the job worked on.
        exc: a :class:`BuildError` (LayerLoom's words) or any exception Keras raised.

    Returns:
        ``{"message", "layer_name", "node_id", "origin", "stage", "reason"}``: ``origin`` is
        ``"layerloom"`` for a BuildError and ``"keras"`` otherwise; ``stage`` and ``reason``
        (the message without its stage prefix) come from the BuildError.
    """
    if isinstance(exc, BuildError):
        layer_name = exc.layer_name
        return {"message": exc.message, "layer_name": layer_name,
                "node_id": exc.node_id or node_of(doc, layer_name), "origin": "layerloom",
                "stage": exc.stage, "reason": exc.reason}
    text = error_text(exc)
    layer_name = guess_layer(doc, text)
    return {"message": f"Keras could not build the model: {type(exc).__name__}: {text}",
            "layer_name": layer_name, "node_id": node_of(doc, layer_name), "origin": "keras",
            "stage": "build", "reason": text}


# ------------------------------------------------------------------------------ training tasks
# The worker's fit / evaluate / predict / weights-check jobs. Each takes the document and the
# project file it belongs to (source paths are relative to it; None for an unsaved project),
# returns a JSON-ready dict and raises the typed errors of codegen.errors (DataError,
# WeightsError, BuildError), whose messages are meant for the user as they are. See
# docs/training.md for the contract.

def fit_task(doc, project_file=None, *, overrides: dict | None = None, paths: dict | None = None,
             validation_paths: dict | None = None, weights_out=None, initial_weights=None,
             on_batch=None, on_epoch=None, should_stop=None, callbacks: list | None = None,
             on_data=None) -> dict:
    """Train on the document's data (its ``data`` section, or synthetic data without one).

    Args:
        doc: the document.
        project_file: the ``.loom`` file, or None.
        overrides: fit settings replacing ``doc.fit``'s (``epochs``, ``batch_size``,
            ``validation_split``, ``early_stopping``, ``patience``, ``lr_schedule``,
            ``lr_factor``, ``checkpoint_best``; :mod:`graph_core.training_settings`).
        paths: ``{source id or None: path}`` replacing training source paths.
        validation_paths: the same for validation data (overrides the split).
        weights_out: the ``.weights.h5`` to write when the fit ends (not when cancelled);
            default None writes nothing (the editor passes ``weights_path_for(project)``).
        initial_weights: a ``.weights.h5`` to start from; refused with the reason when stale.
        on_batch, on_epoch: progress callbacks, as for the synthetic fit
            (``{"epoch", "epochs", "batch", "batches", "loss", "losses", "logs"}``; the
            epoch's logs include ``val_*`` entries when there is validation data).
        should_stop: polled after each batch; True stops the fit (``cancelled`` in the result).
        callbacks: extra Keras callbacks.
        on_data: called once with ``{"samples", "validation_samples", "description"}`` when
            the data is loaded and checked.

    Returns:
        See :func:`codegen.training.fit_on_data`: ``history`` (flat), ``outputs``
        (``{"train": {output: {metric: [per epoch]}}, "val": {…}, "model": {…}}``),
        ``epochs_run``, ``stopped_early``, ``cancelled``, ``best_epoch``, ``best``,
        ``monitor``, ``weights``, ``samples``, ``validation_samples``, ``data``, ``seconds``,
        ``options``.
    """
    from codegen.training import fit_on_data

    return fit_on_data(doc, project_file, overrides=overrides, paths=paths, validation_paths=validation_paths,
                       weights_out=weights_out, initial_weights=initial_weights, on_batch=on_batch,
                       on_epoch=on_epoch, should_stop=should_stop, callbacks=callbacks, on_data=on_data)


def evaluate_task(doc, project_file=None, *, weights=None, paths: dict | None = None,
                  batch_size: int | None = None) -> dict:
    """Evaluate the model with ``weights`` on the document's data or ``paths``.

    Returns:
        ``{"results": {Keras name: value}, "outputs": {output: {metric: value}},
        "model": {"loss": total}, "samples", "data"}``.
    """
    from codegen.training import evaluate_on_data

    return evaluate_on_data(doc, project_file, weights=weights, paths=paths, batch_size=batch_size)


def predict_task(doc, project_file=None, *, weights=None, paths: dict | None = None, out_path=None,
                 preview: int = 8, batch_size: int | None = None) -> dict:
    """Predict with the model and ``weights`` on the inputs of the document's data or ``paths``.

    Returns:
        ``{"samples": [{"inputs", "outputs", "top"}] (the first ``preview``), "count",
        "saved": the ``.npz`` written or None, "class_names", "data"}``; ``top`` lists, for
        classification outputs, ``[class id, class name or None, probability]`` best first.
    """
    from codegen.training import predict_on_data

    return predict_on_data(doc, project_file, weights=weights, paths=paths, out_path=out_path,
                           preview=preview, batch_size=batch_size)


def weights_check_task(doc, weights) -> dict:
    """Whether a weights file fits the document's architecture (nothing is loaded).

    Returns:
        ``{"status": "match" | "stale" | "missing" | "unreadable", "reason", "path"}``.
    """
    from codegen.build import build_model
    from codegen.weights import weights_status

    return weights_status(build_model(doc, compile=False), weights)
