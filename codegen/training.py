"""Training for real: fit on the document's data, evaluate, predict, keep the weights.

The engine behind the worker's ``fit`` / ``evaluate`` / ``predict`` tasks
(:mod:`codegen.worker_tasks`) and the ``layerloom fit|evaluate|predict`` commands
(:mod:`editor.cli_train`). Data comes from :func:`codegen.data_loaders.load_model_data`; the fit
options from :func:`graph_core.fit_options.fit_options`; weights are checked and saved by
:mod:`codegen.weights`. Results are plain JSON-ready dicts (see each function).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

import numpy as np

from codegen.data_loaders import ModelData, folder_class_names, load_model_data
from codegen.data_plan import output_names, plan_data
from codegen.data_readers import split_validation
from codegen.errors import BuildError, CodegenError, WeightsError
from codegen.fit_runtime import fit_callbacks, model_inputs, monitor_name
from codegen.weights import WEIGHTS_SUFFIX, load_matching_weights, save_weights_atomic
from graph_core.data_sources import data_section
from graph_core.document import Document
from graph_core.fit_options import fit_options

PREVIEW_VALUES = 4096
"""A predicted sample's input is shown in the preview only up to this many values."""

TOP_CLASSES = 3
"""Classes listed per sample for a classification output."""


# ------------------------------------------------------------------------------ history
def group_history(history: dict, names: list) -> dict:
    """Keras's flat history regrouped per output, training and validation apart.

    Args:
        history: ``{"loss": [...], "digit_accuracy": [...], "val_loss": [...], …}``.
        names: the output names.

    Returns:
        ``{"train": {output: {metric: values}}, "val": {...}, "model": {"loss": …,
        "learning_rate": …}}``: a single output's ``loss`` is also its own loss; the model's
        total loss, the learning rate and other model-wide values go under ``"model"`` (the
        training total as ``loss``, the validation total as ``val_loss``).
    """
    grouped: dict = {"train": {n: {} for n in names}, "val": {n: {} for n in names}, "model": {}}
    by_length = sorted(set(names), key=len, reverse=True)
    for key, values in history.items():
        values = [float(v) for v in values]
        validation = key.startswith("val_")
        base = key[4:] if validation else key
        owner = next((n for n in by_length if base.startswith(n + "_")), None)
        if owner is not None and len(names) > 1:
            grouped["val" if validation else "train"][owner][base[len(owner) + 1:]] = values
            continue
        if len(names) == 1 and base != "learning_rate":
            grouped["val" if validation else "train"][names[0]][base] = values
        if base in ("loss", "learning_rate") or len(names) != 1:
            grouped["model"][key] = values
    return grouped


# ------------------------------------------------------------------------------ fit
def fit_on_data(doc: Document, project_file: str | os.PathLike | None = None, *,
                overrides: dict | None = None, paths: dict | None = None,
                validation_paths: dict | None = None, weights_out: str | os.PathLike | None = None,
                initial_weights: str | os.PathLike | None = None,
                on_batch: Callable | None = None, on_epoch: Callable | None = None,
                should_stop: Callable[[], bool] | None = None, callbacks: list | None = None,
                on_data: Callable | None = None) -> dict:
    """Build the model of ``doc``, train it on its data, and save the weights.

    Args:
        doc: a valid document with at least one output loss.
        project_file: the ``.loom`` file (source paths are relative to it).
        overrides: fit settings to use instead of ``doc.fit`` (``epochs``, ``validation_split``…).
        paths: training source paths to use instead (``{None: path}`` for the only source).
        validation_paths: validation source paths (``{None: path}`` makes that file the
            validation data, in the training data's layout).
        weights_out: where to save the trained weights (``.weights.h5``); None saves nothing.
        initial_weights: weights to start from (continue training); checked against the model.
        on_batch, on_epoch, should_stop: progress and cancel, as in
            :func:`codegen.fit.fit_synthetic`.
        callbacks: extra Keras callbacks (TensorBoard…).
        on_data: called with ``{"samples", "validation_samples", "description"}`` once the data
            is loaded and checked, before training starts.

    Returns:
        ``{"history": Keras's flat history, "outputs": :func:`group_history`, "epochs_run",
        "stopped_early", "cancelled", "best_epoch", "best", "monitor", "weights": path or None,
        "samples", "validation_samples", "data": description, "seconds", "options"}``.

    Raises:
        BuildError: the model cannot be built or trained; DataError: the data does not fit;
        WeightsError: the initial weights do not fit or the weights cannot be saved;
        ValueError: an override is not a valid fit setting.
    """
    import keras

    from codegen.build import build_model
    from codegen.fit import make_progress_callback
    from codegen.synthetic import complete_plan

    started = time.monotonic()
    options = fit_options(doc.fit, **(overrides or {}))
    if weights_out is not None and not os.fspath(weights_out).endswith(WEIGHTS_SUFFIX):
        raise WeightsError(f"{os.fspath(weights_out)}: a weights file name must end in {WEIGHTS_SUFFIX} "
                           f"(Keras's format)")
    if not any(out.loss for out in doc.outputs):
        raise BuildError("no output has a loss, so there is nothing to train; choose a loss for "
                         "at least one output")
    keras.utils.set_random_seed(options.seed)
    model = build_model(doc, compile=True)
    plan = complete_plan(plan_data(doc), model)
    load = dict(project_file=project_file, plan=plan, seed=options.seed, samples=options.samples,
                model=model)
    data = load_model_data(doc, role="train", paths=paths, **load)
    section = data_section(doc)
    validation = None
    if validation_paths:
        validation = load_model_data(doc, role="train", paths={**(paths or {}), **validation_paths}, **load)
    elif section is not None and section.validation:
        validation = load_model_data(doc, role="validation", paths=None, **load)
    elif options.validation_split > 0:
        train_idx, val_idx = split_validation(data.samples, options.validation_split, options.seed)
        data, validation = data.take(train_idx), data.take(val_idx)
    if on_data is not None:
        on_data({"samples": data.samples, "validation_samples": validation.samples if validation else 0,
                 "description": data.describe()})
    if initial_weights is not None:
        load_matching_weights(model, initial_weights)
    monitor = monitor_name(validation is not None)
    option_callbacks, best = fit_callbacks(options.to_dict(), float(doc.compile.get("learning_rate", 0.001)),
                                           monitor)
    all_callbacks = list(callbacks or []) + option_callbacks
    batches = math.ceil(data.samples / options.batch_size)
    progress = make_progress_callback(output_names(doc), options.epochs, batches, on_batch, on_epoch,
                                      should_stop)
    all_callbacks.append(progress)
    try:
        history = model.fit(model_inputs(data.inputs), data.y, epochs=options.epochs, batch_size=options.batch_size,
                            validation_data=(model_inputs(validation.inputs), validation.y) if validation else None,
                            shuffle=True, verbose=0, callbacks=all_callbacks)
    except CodegenError:
        raise
    except Exception as exc:
        from codegen.applications import keras_message

        reason = keras_message(exc)
        raise BuildError(f"fit: {reason}", stage="fit", reason=reason) from None
    logs = {k: [float(v) for v in values] for k, values in history.history.items()}
    saved = None
    if weights_out is not None and not progress.cancelled:
        saved = save_weights_atomic(model, weights_out)
    epochs_run = len(next(iter(logs.values()), []))
    return {"history": logs, "outputs": group_history(logs, output_names(doc)),
            "epochs_run": epochs_run, "stopped_early": epochs_run < options.epochs and not progress.cancelled,
            "cancelled": progress.cancelled,
            "best_epoch": best.best_epoch if best is not None else None,
            "best": best.best if best is not None and best.best_epoch is not None else None,
            "monitor": monitor, "weights": saved, "samples": data.samples,
            "validation_samples": validation.samples if validation else 0, "data": data.describe(),
            "synthetic": data.synthetic, "seconds": round(time.monotonic() - started, 3), "options": options.to_dict()}


# ------------------------------------------------------------------------------ evaluate / predict
def _model_with_weights(doc: Document, weights):
    from codegen.build import build_model

    model = build_model(doc, compile=True)
    if weights is not None:
        load_matching_weights(model, weights)
    return model


def evaluate_on_data(doc: Document, project_file=None, *, weights=None, paths: dict | None = None,
                     batch_size: int | None = None, model=None) -> dict:
    """Evaluate the model (with ``weights``) on the document's data or ``paths``.

    Returns:
        ``{"results": Keras's ``return_dict`` values, "outputs": {output: {metric: value}},
        "model": {"loss": total}, "samples", "data"}``.

    Raises:
        DataError, WeightsError, BuildError: as for :func:`fit_on_data`.
    """
    from codegen.synthetic import complete_plan

    options = fit_options(doc.fit, batch_size=batch_size)
    model = model if model is not None else _model_with_weights(doc, weights)
    plan = complete_plan(plan_data(doc), model)
    data = load_model_data(doc, project_file, paths=paths, plan=plan, seed=options.seed,
                           samples=options.samples, model=model)
    try:
        results = model.evaluate(model_inputs(data.inputs), data.y, batch_size=options.batch_size, verbose=0,
                                 return_dict=True)
    except Exception as exc:
        from codegen.applications import keras_message

        raise BuildError(f"evaluate: {keras_message(exc)}", stage="fit") from None
    results = {k: float(v) for k, v in results.items()}
    grouped = group_history({k: [v] for k, v in results.items()}, output_names(doc))
    return {"results": results,
            "outputs": {n: {m: v[0] for m, v in metrics.items()} for n, metrics in grouped["train"].items()},
            "model": {k: v[0] for k, v in grouped["model"].items()},
            "samples": data.samples, "data": data.describe()}


def predict_on_data(doc: Document, project_file=None, *, weights=None, paths: dict | None = None,
                    out_path: str | os.PathLike | None = None, preview: int = 8,
                    batch_size: int | None = None, model=None) -> dict:
    """Predict with the model (with ``weights``) on the inputs of the document's data or ``paths``.

    Args:
        out_path: a ``.npz`` file to write every prediction to, one array per output name.
        preview: how many samples to return in ``"samples"``.

    Returns:
        ``{"samples": [{"inputs": {name: values or {"shape": …}}, "outputs": {name: values},
        "top": {output: [[class id, class name or None, probability], …]}}], "count",
        "saved": path or None, "class_names": {output: names}, "data"}``.

    Raises:
        DataError, WeightsError, BuildError: as for :func:`fit_on_data`.
    """
    from codegen.synthetic import complete_plan

    options = fit_options(doc.fit, batch_size=batch_size)
    model = model if model is not None else _model_with_weights(doc, weights)
    plan = complete_plan(plan_data(doc), model)
    data = load_model_data(doc, project_file, paths=paths, plan=plan, targets=False, seed=options.seed,
                           samples=options.samples, model=model)
    try:
        predicted = model.predict(model_inputs(data.inputs), batch_size=options.batch_size, verbose=0)
    except Exception as exc:
        from codegen.applications import keras_message

        raise BuildError(f"predict: {keras_message(exc)}", stage="fit") from None
    names = output_names(doc)
    arrays = predicted if isinstance(predicted, (list, tuple)) else [predicted]
    if isinstance(predicted, dict):
        arrays = [predicted[n] for n in names]
    outputs = {name: np.asarray(arr) for name, arr in zip(names, arrays)}
    saved = None
    if out_path is not None:
        saved = os.fspath(out_path)
        np.savez(saved, **outputs)
    data.class_names = data.class_names or folder_class_names(doc, project_file, paths)
    return {"samples": preview_samples(data, outputs, plan, preview), "count": data.samples,
            "saved": saved, "class_names": data.class_names, "data": data.describe()}


def preview_samples(data: ModelData, outputs: dict, plan, count: int) -> list:
    """The first ``count`` samples' inputs, outputs and top classes, JSON-ready."""
    kinds = {t.name: t.kind for t in plan.targets}
    samples = []
    for i in range(min(count, data.samples)):
        inputs = {}
        for name, arr in data.inputs.items():
            value = arr[i]
            inputs[name] = value.tolist() if value.size <= PREVIEW_VALUES else {"shape": list(value.shape)}
        sample = {"inputs": inputs, "outputs": {n: a[i].tolist() for n, a in outputs.items()}, "top": {}}
        for name, arr in outputs.items():
            if kinds.get(name) in ("onehot", "class_ids") and arr.ndim == 2:
                classes = data.class_names.get(name)
                order = np.argsort(-arr[i])[:TOP_CLASSES]
                sample["top"][name] = [[int(c), classes[c] if classes and c < len(classes) else None,
                                        float(arr[i][c])] for c in order]
        samples.append(sample)
    return samples
