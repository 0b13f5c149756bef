"""A Keras Functional-API model and its training on real data, exported by LayerLoom.

Run it to train the model on the data it was set up with and save the weights:

    python THIS_FILE.py [--data PATH] [--epochs N] [--batch-size N]
        [--weights-out W.weights.h5] [--strategy none|mirrored|multiworker]

--data takes a CSV file.
--strategy mirrored uses every local device (tf.distribute.MirroredStrategy);
multiworker trains on several machines, each started with its own TF_CONFIG
(tf.distribute.MultiWorkerMirroredStrategy). With KERAS_BACKEND=jax both use
keras.distribution.DataParallel. --batch-size is per replica. The data readers
below are LayerLoom's own; they never unpickle anything.
"""

import argparse
import contextlib
import csv
import json
import math
import os

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    measurements = keras.Input(shape=(4,), name="measurements")
    normalize = layers.Normalization(
        mean=[5.843, 3.057, 3.758, 1.199],
        variance=[0.681, 0.189, 3.096, 0.577],
        name="normalize",
    )(measurements)
    hidden = layers.Dense(16, activation="relu", name="hidden")(normalize)
    species = layers.Dense(3, activation="softmax", name="species")(hidden)
    model = keras.Model(inputs=measurements, outputs=species, name="iris")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


# ---- data readers (the code LayerLoom itself loads data with)
class DataReadError(ValueError):
    """A data file or folder that cannot be read; the message names it and says why."""


class DataMismatchError(ValueError):
    """Data that does not fit the model; the message names the input or output, the
    shape it expects and what the source holds."""


def read_csv_table(path, delimiter=",", header=True):
    """The cells of a CSV file.

    Args:
        path: the file (UTF-8; a byte-order mark is skipped).
        delimiter: the field separator.
        header: the first row holds the column names.

    Returns:
        ``(names, rows)``: the column names (``"0"``, ``"1"``, … without a header) and
        the rows as lists of strings (blank lines skipped).

    Raises:
        DataReadError: the file is missing, empty or its rows have different lengths.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataReadError(f"{path}: no such file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
    except UnicodeDecodeError as exc:
        raise DataReadError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except csv.Error as exc:
        raise DataReadError(f"{path}: not a readable CSV file ({exc})") from None
    if not rows:
        raise DataReadError(f"{path}: the file is empty")
    names = (
        [name.strip() for name in rows[0]]
        if header
        else [str(i) for i in range(len(rows[0]))]
    )
    rows = rows[1:] if header else rows
    for number, row in enumerate(rows, start=2 if header else 1):
        if len(row) != len(names):
            raise DataReadError(
                f"{path}: line {number} has {len(row)} fields, "
                f"the header has {len(names)}"
            )
    if not rows:
        raise DataReadError(f"{path}: no data rows")
    return names, rows


def csv_columns(path, names, rows, columns, value_type):
    """Some columns of a CSV table as one array (one column: shape ``(rows,)``, else
    ``(rows, k)``).

    Args:
        path: the file (for messages).
        names: the column names (:func:`read_csv_table`).
        rows: the rows.
        columns: names or 0-based indexes; ``("*rest",)`` every column but the last,
            ``("*last",)`` the last one.
        value_type: ``"float"`` (float32), ``"int"`` (int64) or ``"string"``.

    Returns:
        The array.

    Raises:
        DataReadError: a column does not exist or a cell is not of the type (naming the
            line, the column and the cell).
    """
    if tuple(columns) == ("*rest",):
        indexes = list(range(len(names) - 1))
    elif tuple(columns) == ("*last",):
        indexes = [len(names) - 1]
    else:
        indexes = []
        for column in columns:
            if isinstance(column, int):
                if column >= len(names):
                    raise DataReadError(
                        f"{path}: no column {column} (the file has {len(names)})"
                    )
                indexes.append(column)
            elif column in names:
                indexes.append(names.index(column))
            else:
                raise DataReadError(
                    f"{path}: no column named {column!r} (columns: {', '.join(names)})"
                )
    if not indexes:
        raise DataReadError(f"{path}: no columns to read (the file has {len(names)})")
    if value_type == "string":
        array = np.array([[row[i] for i in indexes] for row in rows], dtype=str)
    else:
        convert, dtype = (
            (float, np.float32) if value_type == "float" else (int, np.int64)
        )
        array = np.empty((len(rows), len(indexes)), dtype=dtype)
        for r, row in enumerate(rows):
            for c, i in enumerate(indexes):
                cell = row[i].strip()
                try:
                    array[r, c] = convert(cell)
                except ValueError:
                    raise DataReadError(
                        f"{path}: line {r + 2}, column {names[i]!r}: {cell!r} is not "
                        f"{'a number' if value_type == 'float' else 'an integer'}"
                    ) from None
    return array[:, 0] if array.shape[1] == 1 else array


def split_validation(count, fraction, seed=0):
    """A seeded random split of ``count`` samples into training and validation indexes.

    Args:
        count: the number of samples.
        fraction: the share kept for validation, in ``[0, 1)`` (at least one sample when
            positive, at least one left for training).
        seed: seed of the permutation.

    Returns:
        ``(train, validation)``: sorted index arrays.
    """
    order = np.random.default_rng(seed).permutation(count)
    held = 0 if fraction <= 0 else min(count - 1, max(1, int(round(count * fraction))))
    return np.sort(order[held:]), np.sort(order[:held])


def read_source(source, seed=0):
    """The content of one source: a dict of arrays (npz, folders), an array (npy) or a
    table (csv).

    Args:
        source: ``{"kind", "path", "delimiter", "header", "image_size", "color_mode"}``.
        seed: seed of the folder readers' shuffle.

    Raises:
        DataReadError: the source cannot be read.
    """
    kind, path = source["kind"], source["path"]
    if kind == "csv":
        return read_csv_table(
            path, source.get("delimiter", ","), source.get("header", True)
        )
    raise DataReadError(f"{path}: unknown kind of data source {kind!r}")


def take_field(content, source, entry):
    """The array of one input or output from its source's content (see
    :func:`read_source`).

    Raises:
        DataMismatchError: the ``.npz`` has no such array, or the CSV columns do not
            exist or hold values of another type.
    """
    if source["kind"] == "csv":
        names, rows = content
        try:
            return csv_columns(
                source["path"], names, rows, entry["columns"], entry["type"]
            )
        except DataReadError as exc:
            raise DataMismatchError(
                f"{entry['role']} '{entry['name']}': {exc}"
            ) from None
    if entry["field"] not in content:
        listing = ", ".join(
            f"{n} {tuple(a.shape)}" for n, a in content.items() if hasattr(a, "shape")
        )
        raise DataMismatchError(
            f"{entry['role']} '{entry['name']}': {source['path']} has no array named "
            f"{entry['field']!r} (arrays: {listing or 'none'}); name the array in the "
            f"data mapping"
        )
    return content[entry["field"]]


def shape_text(shape):
    """``(None, 8, 8, 1)``: a shape as messages write it."""
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + (",)" if len(shape) == 1 else ")")
    )


def fit_input(entry, array):
    """``array`` cast to the Input's dtype after checking its shape and kind of values.

    Args:
        entry: the input's entry of the read plan (``name``, ``shape``, ``dtype``,
            ``where``).
        array: the values, samples first.

    Returns:
        The array (the same object when no cast is needed).

    Raises:
        DataMismatchError: ``Input 'x' expects arrays of shape (None, 4) float32; d.npz
            array 'x' holds (10, 5) float64``.
    """
    shape, dtype = tuple(entry["shape"]), entry["dtype"]
    message = (
        f"Input '{entry['name']}' expects arrays of shape "
        f"{shape_text((None, *shape))} {dtype}; "
        f"{entry['where']} holds {shape_text(array.shape)} {array.dtype}"
    )
    fits = array.ndim == len(shape) + 1 and all(
        d is None or d == a for d, a in zip(shape, array.shape[1:])
    )
    if not fits:
        raise DataMismatchError(message)
    kind = array.dtype.kind
    if dtype.startswith(("float", "bfloat")):
        if kind not in "biuf":
            raise DataMismatchError(message + " (numbers needed)")
        return array.astype(dtype, copy=False)
    if dtype.startswith(("int", "uint")):
        if kind not in "biu":
            raise DataMismatchError(message + " (integers needed)")
        return array.astype(dtype, copy=False)
    if dtype == "bool":
        if kind not in "biu":
            raise DataMismatchError(message + " (true/false values needed)")
        return array.astype(bool, copy=False)
    if dtype == "string":
        if kind not in "USO":
            raise DataMismatchError(message + " (strings needed)")
        return array
    raise DataMismatchError(message + f" (cannot feed {dtype} inputs)")


def fit_target(entry, array):
    """``array`` made into the targets of one output, after checking it fits.

    Class ids (integers of shape ``(n,)`` or ``(n, 1)``) are one-hot encoded when the
    loss wants one-hot targets (``kind`` ``onehot``).

    Raises:
        DataMismatchError: naming the output, the shape it wants and what the source
            holds.
    """
    name, where, shape = entry["name"], entry["where"], tuple(entry["shape"])
    classes, kind = entry.get("classes"), entry["kind"]
    held = f"{shape_text(array.shape)} {array.dtype}"
    values = array.dtype.kind
    if values not in "biuf":
        raise DataMismatchError(
            f"output '{name}' needs numeric targets; {where} holds {held}"
        )

    def ids_in_range(ids):
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= classes):
            raise DataMismatchError(
                f"output '{name}' has {classes} classes, but {where} holds class ids "
                f"from {int(ids.min())} to {int(ids.max())}"
            )

    if kind == "onehot":
        if values in "biu" and (
            array.ndim == 1
            or (array.ndim == 2 and array.shape[1] == 1 and classes != 1)
        ):
            ids = array.reshape(-1)
            ids_in_range(ids)
            return np.eye(classes, dtype=np.float32)[ids]
        if array.shape[1:] != shape:
            raise DataMismatchError(
                f"output '{name}' ({entry['loss']}) expects one-hot targets of shape "
                f"{shape_text((None, *shape))} or class ids of shape (None,); {where} "
                f"holds {held}"
            )
        return array.astype(np.float32, copy=False)
    if array.shape[1:] != shape:
        if shape == (1,) and array.ndim == 1:
            return array.reshape(-1, 1).astype(np.float32, copy=False)
        raise DataMismatchError(
            f"output '{name}' expects targets of shape {shape_text((None, *shape))}; "
            f"{where} holds {held}"
        )
    return array.astype(np.float32, copy=False)


def load_arrays(sources, inputs, targets, seed=0):
    """Read every source once and return the checked arrays of the model's inputs and
    targets.

    Args:
        sources, inputs, targets: the read plan (see the module docstring).
        seed: seed of the folder readers' shuffle.

    Returns:
        ``(x, y, class_names)``: input name → array, output name → array, output name →
        the class names of a folder source.

    Raises:
        DataReadError: a source cannot be read; DataMismatchError: the data does not
            fit.
    """
    contents = {}
    x, y, class_names = {}, {}, {}
    for role, entries, out, convert in (
        ("input", inputs, x, fit_input),
        ("output", targets, y, fit_target),
    ):
        for entry in entries:
            if entry["source"] is None:  # an output without a loss: zeros, see below
                continue
            source = sources[entry["source"]]
            if entry["source"] not in contents:
                contents[entry["source"]] = read_source(source, seed)
            content = contents[entry["source"]]
            out[entry["name"]] = convert(
                entry, take_field(content, source, {**entry, "role": role})
            )
            if (
                role == "output"
                and isinstance(content, dict)
                and entry["field"] == "labels"
            ):
                class_names[entry["name"]] = list(content.get("class_names") or [])
    counts = {name: len(a) for name, a in {**x, **y}.items()}
    if len(set(counts.values())) > 1:
        wheres = {e["name"]: e["where"] for e in [*inputs, *targets]}
        listing = ", ".join(
            f"{name} {n:,} ({wheres[name]})" for name, n in counts.items()
        )
        raise DataMismatchError(
            f"the inputs and targets have different numbers of samples: {listing}"
        )
    if not counts or not next(iter(counts.values())):
        raise DataMismatchError("the data holds no samples")
    count = next(iter(counts.values()))
    for entry in targets:
        if entry["source"] is None:
            y[entry["name"]] = np.zeros((count, *entry["shape"]), dtype=np.float32)
    y = {entry["name"]: y[entry["name"]] for entry in targets}  # in output order
    return x, y, class_names


# ---- training helpers (the code LayerLoom itself trains with)
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


# ---- the data this model was set up with, and its fit settings
SOURCES = {
    "iris": {
        "kind": "csv",
        "path": "../../../assets/data/iris.csv",
        "delimiter": ",",
        "header": True,
        "image_size": None,
        "color_mode": None,
    },
}
INPUTS = [
    {
        "name": "measurements",
        "source": "iris",
        "field": "columns",
        "columns": ["*rest"],
        "type": "float",
        "where": "../../../assets/data/iris.csv (all columns but the last)",
        "shape": [4],
        "dtype": "float32",
    },
]
TARGETS = [
    {
        "name": "species",
        "source": "iris",
        "field": "columns",
        "columns": ["*last"],
        "type": "int",
        "where": "../../../assets/data/iris.csv (the last column)",
        "kind": "onehot",
        "shape": [3],
        "classes": 3,
        "loss": "categorical_crossentropy",
    },
]
VALIDATION_SOURCES = None
KEYED_OUTPUTS = False
FIT = {
    "epochs": 60,
    "batch_size": 16,
    "seed": 0,
    "validation_split": 0.2,
    "early_stopping": False,
    "patience": 3,
    "lr_schedule": "constant",
    "lr_factor": 0.5,
    "checkpoint_best": True,
    "learning_rate": 0.01,
}
WEIGHTS = "iris.weights.h5"
DATA_KINDS = ("a CSV file",)


def here(sources):
    """The sources with relative paths taken from this file's folder."""
    folder = os.path.dirname(os.path.abspath(__file__))
    return {
        key: {**source, "path": os.path.join(folder, source["path"])}
        for key, source in sources.items()
    }


def replace_path(sources, path):
    """The sources with the only training source reading ``path`` instead (data of the
    same kind: the readers of other kinds are not in this script)."""
    if len(sources) != 1:
        raise SystemExit(
            f"--data: the model reads {len(sources)} sources; edit SOURCES"
        )
    ((source_id, source),) = sources.items()
    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".npz", ".npy", ".csv") and suffix != "." + source["kind"]:
        raise SystemExit(f"--data: this script reads {' or '.join(DATA_KINDS)}")
    return {source_id: {**source, "path": path}}


def load(sources, seed):
    try:
        return load_arrays(sources, INPUTS, TARGETS, seed)
    except (DataReadError, DataMismatchError) as exc:
        raise SystemExit(f"error: {exc}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Train the model on its data and save the weights."
    )
    parser.add_argument(
        "--data",
        help=" or ".join(DATA_KINDS) + " like the model's (default: the model's data)",
    )
    parser.add_argument("--validation-data", help="validation data in the same layout")
    parser.add_argument("--epochs", type=int, default=FIT["epochs"])
    parser.add_argument(
        "--batch-size", type=int, default=FIT["batch_size"], help="per replica"
    )
    parser.add_argument(
        "--weights-out", default=WEIGHTS, help="where to save the weights (.weights.h5)"
    )
    parser.add_argument(
        "--strategy",
        choices=("none", "mirrored", "multiworker"),
        default="none",
        help="mirrored: every local device; multiworker: several machines (TF_CONFIG)",
    )
    args = parser.parse_args(argv)
    options = {**FIT, "epochs": args.epochs}
    keras.utils.set_random_seed(FIT["seed"])
    scope, replicas = distribution_scope(args.strategy)
    sources = replace_path(here(SOURCES), args.data) if args.data else here(SOURCES)
    x, y, _classes = load(sources, FIT["seed"])
    validation = None
    if args.validation_data:
        validation = load(replace_path(SOURCES, args.validation_data), FIT["seed"])[:2]
    elif VALIDATION_SOURCES:
        validation = load(here(VALIDATION_SOURCES), FIT["seed"])[:2]
    elif FIT["validation_split"] > 0:
        count = len(next(iter(x.values())))
        train, held = split_validation(count, FIT["validation_split"], FIT["seed"])
        validation = (
            {k: v[held] for k, v in x.items()},
            {k: v[held] for k, v in y.items()},
        )
        x, y = {k: v[train] for k, v in x.items()}, {k: v[train] for k, v in y.items()}
    with scope:
        model = build_model()
    monitor = monitor_name(validation is not None)
    callbacks, _best = fit_callbacks(options, FIT["learning_rate"], monitor)
    model.fit(
        model_inputs(x),
        model_targets(y, KEYED_OUTPUTS),
        epochs=args.epochs,
        batch_size=args.batch_size * replicas,
        shuffle=True,
        callbacks=callbacks,
        verbose=2,
        validation_data=None
        if validation is None
        else (model_inputs(validation[0]), model_targets(validation[1], KEYED_OUTPUTS)),
    )
    out = args.weights_out
    if not is_chief():
        kind, index = task_of_tf_config()
        out = out[: -len(".weights.h5")] + f".{kind}{index}.weights.h5"
    model.save_weights(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
