"""A quick ``model.fit`` on synthetic data, with progress callbacks and cooperative cancel."""

from __future__ import annotations

import math
from collections.abc import Callable

from codegen.applications import keras_message
from codegen.data_plan import output_names
from codegen.errors import BuildError, CodegenError
from graph_core.document import Document
from graph_core.training_settings import DEFAULT_FIT

ProgressFn = Callable[[dict], None]


class FitResult(dict):
    """The Keras history (metric name → list of per-epoch values) plus how the fit ended.

    Attributes:
        cancelled: True when ``should_stop`` stopped the fit early.
        epochs_run: epochs started (the last one may be partial when cancelled).
        batches_run: training batches run in total.
        samples, batch_size, seed: the settings used.
    """

    def __init__(self, history: dict, *, cancelled: bool, epochs_run: int, batches_run: int,
                 samples: int, batch_size: int, seed: int):
        super().__init__(history)
        self.cancelled = cancelled
        self.epochs_run = epochs_run
        self.batches_run = batches_run
        self.samples = samples
        self.batch_size = batch_size
        self.seed = seed


def output_losses(logs: dict, names: list) -> dict:
    """Per-output losses from Keras logs (``"age_loss"`` → ``{"age": …}``).

    A single-output model logs only ``"loss"``, which is then that output's loss.
    """
    if len(names) == 1:
        return {names[0]: logs.get("loss")} if "loss" in logs else {}
    return {name: logs[f"{name}_loss"] for name in names if f"{name}_loss" in logs}


_CALLBACK_CLASS = None


def _progress_callback_class():
    """The Keras callback class (defined lazily so importing this module needs no Keras)."""
    global _CALLBACK_CLASS
    if _CALLBACK_CLASS is None:
        import keras

        class ProgressCallback(keras.callbacks.Callback):
            """Reports batches and epochs and stops training when asked to."""

            def __init__(self, names, epochs, batches, on_batch, on_epoch, should_stop):
                super().__init__()
                self.names = names
                self.epochs = epochs
                self.batches = batches
                self.on_batch = on_batch
                self.on_epoch = on_epoch
                self.should_stop = should_stop
                self.epoch = 0
                self.batches_run = 0
                self.epochs_run = 0
                self.cancelled = False

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch
                self.epochs_run += 1

            def on_train_batch_end(self, batch, logs=None):
                self.batches_run += 1
                if self.on_batch is not None:
                    logs = dict(logs or {})
                    self.on_batch({"epoch": self.epoch, "epochs": self.epochs, "batch": batch,
                                   "batches": self.batches, "loss": logs.get("loss"),
                                   "losses": output_losses(logs, self.names), "logs": logs})
                if self.should_stop is not None and self.should_stop():
                    self.cancelled = True
                    self.model.stop_training = True

            def on_epoch_end(self, epoch, logs=None):
                if self.on_epoch is not None:
                    logs = dict(logs or {})
                    self.on_epoch({"epoch": epoch, "epochs": self.epochs, "batches": self.batches,
                                   "loss": logs.get("loss"),
                                   "losses": output_losses(logs, self.names), "logs": logs,
                                   "cancelled": self.cancelled})

        _CALLBACK_CLASS = ProgressCallback
    return _CALLBACK_CLASS


def make_progress_callback(names: list, epochs: int, batches: int, on_batch: ProgressFn | None,
                           on_epoch: ProgressFn | None, should_stop: Callable[[], bool] | None):
    """The Keras callback that reports batches and epochs and stops training when asked.

    Args:
        names: the output names (for per-output losses).
        epochs, batches: the totals reported with each call.
        on_batch, on_epoch, should_stop: as in :func:`fit_synthetic`.

    Returns:
        The callback; its ``cancelled``, ``epochs_run`` and ``batches_run`` say how the fit went.
    """
    return _progress_callback_class()(names, epochs, batches, on_batch, on_epoch, should_stop)


def fit_synthetic(doc: Document, *, epochs: int | None = None, batch_size: int | None = None,
                  samples: int | None = None, seed: int | None = None,
                  on_batch: ProgressFn | None = None, on_epoch: ProgressFn | None = None,
                  should_stop: Callable[[], bool] | None = None, model=None,
                  callbacks: list | None = None) -> FitResult:
    """Build the model of ``doc`` and fit it on synthetic data.

    Args:
        doc: a valid document with at least one output loss.
        epochs, batch_size, samples, seed: override ``doc.fit``.
        on_batch: called after every training batch with ``{"epoch", "epochs", "batch",
            "batches", "loss", "losses": {output name: loss}, "logs"}`` (Keras's running
            averages over the epoch).
        on_epoch: called after every epoch with ``{"epoch", "epochs", "batches", "loss",
            "losses", "logs", "cancelled"}``.
        should_stop: polled after every batch; when it returns True the fit stops after that
            batch (``model.stop_training``) and the result is marked cancelled.
        model: a compiled model built from ``doc`` to train (built, with the seed set, when
            None).
        callbacks: extra ``keras.callbacks.Callback`` instances (e.g. TensorBoard).

    Returns:
        A :class:`FitResult`: the history dict plus ``cancelled`` and counters.

    Raises:
        BuildError: the model cannot be built, has no loss, or Keras refused the data.
    """
    import keras

    from codegen.build import build_model
    from codegen.synthetic import synthetic_data
    from codegen.synthetic_text import keras_ready

    settings = doc.fit
    epochs = int(settings.get("epochs", DEFAULT_FIT["epochs"]) if epochs is None else epochs)
    batch_size = int(settings.get("batch_size", DEFAULT_FIT["batch_size"]) if batch_size is None else batch_size)
    samples = int(settings.get("samples", DEFAULT_FIT["samples"]) if samples is None else samples)
    seed = int(settings.get("seed", DEFAULT_FIT["seed"]) if seed is None else seed)
    for label, value in (("epochs", epochs), ("batch size", batch_size), ("samples", samples)):
        if value < 1:
            raise BuildError(f"{label} must be at least 1, got {value}")
    if not any(out.loss for out in doc.outputs):
        raise BuildError("no output has a loss, so there is nothing to train; choose a loss for "
                         "at least one output")
    keras.utils.set_random_seed(seed)
    if model is None:
        model = build_model(doc, compile=True)
    data = synthetic_data(doc, samples=samples, seed=seed, model=model)
    callbacks = list(callbacks or [])
    progress = None
    if on_batch is not None or on_epoch is not None or should_stop is not None:
        batches = math.ceil(samples / batch_size)
        progress = _progress_callback_class()(output_names(doc), epochs, batches, on_batch,
                                              on_epoch, should_stop)
        callbacks.append(progress)
    try:
        history = model.fit(keras_ready(data.x), data.y, epochs=epochs, batch_size=batch_size, verbose=0,
                            callbacks=callbacks)
    except CodegenError:
        raise
    except Exception as exc:
        reason = keras_message(exc)
        raise BuildError(f"fit: {reason}", stage="fit", reason=reason) from None
    if progress is not None:
        cancelled, epochs_run, batches_run = (progress.cancelled, progress.epochs_run,
                                              progress.batches_run)
    else:
        cancelled, epochs_run = False, epochs
        batches_run = epochs * math.ceil(samples / batch_size)
    return FitResult(dict(history.history), cancelled=cancelled, epochs_run=epochs_run,
                     batches_run=batches_run, samples=samples, batch_size=batch_size, seed=seed)
