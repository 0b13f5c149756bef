"""Training helpers shared by LayerLoom's own fit and the exported training script.

Self-contained on purpose, like :mod:`codegen.data_readers`: it imports only the standard
library at the top (Keras and TensorFlow inside the functions), and the Python export copies
this module's code verbatim into the script, so the callbacks, the learning-rate schedules, the
best-weights checkpoint and the distribution strategies are the same code in both.

``options`` below is the dict of :meth:`graph_core.fit_options.FitOptions.to_dict`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os


def monitor_name(has_validation):
    """The loss early stopping, the plateau schedule and the best-weights checkpoint
    watch."""
    return "val_loss" if has_validation else "loss"


def scheduled_rate(schedule, base, factor, epoch, epochs):
    """The learning rate of ``epoch`` (0-based): ``exponential`` multiplies ``base`` by
    ``factor`` every epoch; ``cosine`` decays it from ``base`` to 0 over ``epochs``."""
    if schedule == "exponential":
        return float(base * factor**epoch)
    return float(base * 0.5 * (1.0 + math.cos(math.pi * epoch / max(1, epochs))))


def best_weights_callback(monitor):
    """A callback keeping in memory the weights of the epoch with the lowest
    ``monitor``, put back into the model when training ends; ``best_epoch`` (0-based)
    and ``best`` say which."""
    import keras

    class BestWeights(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.monitor = monitor
            self.best = math.inf
            self.best_epoch = None
            self.weights = None

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(self.monitor)
            if value is not None and float(value) < self.best:
                self.best, self.best_epoch = float(value), epoch
                self.weights = self.model.get_weights()

        def on_train_end(self, logs=None):
            if self.weights is not None:
                self.model.set_weights(self.weights)

    return BestWeights()


def fit_callbacks(options, learning_rate, monitor):
    """The callbacks of the fit options.

    Args:
        options: ``early_stopping``, ``patience``, ``lr_schedule``, ``lr_factor``,
            ``checkpoint_best`` and ``epochs``.
        learning_rate: the compile learning rate (the schedules start from it).
        monitor: :func:`monitor_name`.

    Returns:
        ``(callbacks, best)``: the Keras callbacks, and the best-weights one among them
        (None when ``checkpoint_best`` is off).
    """
    import keras

    callbacks = []
    if options["early_stopping"]:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor=monitor, patience=options["patience"])
        )
    schedule = options["lr_schedule"]
    if schedule == "reduce_on_plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor,
                factor=options["lr_factor"],
                patience=options["patience"],
            )
        )
    elif schedule in ("exponential", "cosine"):
        callbacks.append(
            keras.callbacks.LearningRateScheduler(
                lambda epoch, _rate: scheduled_rate(
                    schedule,
                    learning_rate,
                    options["lr_factor"],
                    epoch,
                    options["epochs"],
                )
            )
        )
    best = best_weights_callback(monitor) if options["checkpoint_best"] else None
    if best is not None:
        callbacks.append(best)
    return callbacks, best


def model_inputs(x):
    """The inputs as Keras takes them: one array, or a dict keyed by Input name; string
    arrays become TensorFlow string tensors (NumPy string arrays Keras does not
    take)."""

    def ready(array):
        if getattr(array, "dtype", None) is not None and array.dtype.kind in "USO":
            import tensorflow as tf

            return tf.constant(array.astype(str))
        return array

    x = {name: ready(array) for name, array in x.items()}
    return next(iter(x.values())) if len(x) == 1 else x


def model_targets(y, keyed):
    """The targets as Keras takes them: one array, a dict keyed by output name
    (``keyed``), or a list."""
    if keyed:
        return dict(y)
    arrays = list(y.values())
    return arrays[0] if len(arrays) == 1 else arrays


def task_of_tf_config():
    """``(type, index)`` of this process in ``TF_CONFIG`` (``("worker", 0)`` without
    one)."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task = config.get("task") or {}
    return task.get("type", "worker"), int(task.get("index", 0))


def is_chief():
    """True for the process that writes the results: the ``chief``, or worker 0 without
    one."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    kind, index = task_of_tf_config()
    if "chief" in (config.get("cluster") or {}):
        return kind == "chief"
    return kind == "worker" and index == 0


def multiworker_strategy():
    """``tf.distribute.MultiWorkerMirroredStrategy()`` (configured by ``TF_CONFIG``),
    made to work with Keras 3's ``fit`` (keras-team/keras#20585): Keras reduces whole
    nested batches, and per-replica scalars along axis 0, which this strategy's
    ``reduce`` refuses; its ``reduce`` is wrapped to go leaf by leaf and to reduce
    scalars without an axis."""
    import tensorflow as tf

    found = tf.distribute.MultiWorkerMirroredStrategy()
    plain_reduce = found.reduce

    def reduce(reduce_op, value, axis=None):
        def one(leaf):
            local = (
                found.experimental_local_results(leaf)[0]
                if isinstance(leaf, tf.distribute.DistributedValues)
                else leaf
            )
            return plain_reduce(
                reduce_op, leaf, None if len(getattr(local, "shape", ())) == 0 else axis
            )

        return tf.nest.map_structure(one, value)

    found.reduce = reduce
    return found


def distribution_scope(strategy):
    """Set up data-parallel training and return ``(scope, replicas)``.

    Args:
        strategy: ``"none"``; ``"mirrored"`` (every local device,
            ``tf.distribute.MirroredStrategy``); ``"multiworker"`` (several machines
            configured by ``TF_CONFIG``, ``tf.distribute.MultiWorkerMirroredStrategy``).
            With ``KERAS_BACKEND=jax`` both use ``keras.distribution.DataParallel`` over
            every device (multiworker first joins the processes with
            ``keras.distribution.initialize()``).

    Returns:
        The context manager to build and compile the model in (``strategy.scope()``),
        and the number of replicas (the global batch is the per-replica batch times it).
    """
    if strategy == "none":
        return contextlib.nullcontext(), 1
    import keras

    if keras.backend.backend() == "jax":
        if strategy == "multiworker":
            keras.distribution.initialize()
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices)
        )
        return contextlib.nullcontext(), len(devices)
    import tensorflow as tf

    if strategy == "mirrored":
        found = tf.distribute.MirroredStrategy()
    elif strategy == "multiworker":
        found = multiworker_strategy()
    else:
        raise ValueError(
            f"unknown strategy {strategy!r}: use none, mirrored or multiworker"
        )
    return found.scope(), found.num_replicas_in_sync
