"""The whole loading step of training data: read each source once, check and convert the arrays.

Self-contained like :mod:`codegen.data_readers` (the exported script copies what it needs of both
verbatim; a branch ``if source["kind"] == ...`` / ``if kind == ...`` on a source or target kind
is left out when the document has none of that kind, see :mod:`codegen.script_pruning`).

:func:`load_arrays` is the whole loading step, driven by plain dicts (a *read plan*, made by
:func:`codegen.read_plan.read_plan` from the document's data section and written as literals
into the exported script):

- ``sources``: source id → ``{"kind", "path", "delimiter", "header", "image_size", "color_mode"}``
  (``image_size``/``color_mode`` resolved from the Input for image folders);
- ``inputs``: ``[{"name", "source", "field", "columns", "type", "shape", "dtype", "where"}]``
  (``shape`` without the batch axis, ``None`` for any length);
- ``targets``: ``[{"name", "source", "field", "columns", "type", "kind", "shape", "classes",
  "loss", "where"}]`` (``kind`` as in :mod:`codegen.data_plan`: ``onehot``, ``class_ids``,
  ``binary``, ``positive``, ``float``); an output without a loss has ``"source": None`` and
  gets zeros (Keras wants a target for every output).
"""

from __future__ import annotations

import numpy as np

from codegen.data_readers import (
    DataMismatchError,
    DataReadError,
    csv_columns,
    read_csv_table,
    read_image_folder,
    read_npy,
    read_npz,
    read_text_folder,
)


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
    if kind == "npz":
        return read_npz(path)
    if kind == "npy":
        return read_npy(path)
    if kind == "csv":
        return read_csv_table(
            path, source.get("delimiter", ","), source.get("header", True)
        )
    if kind == "image_folder":
        return read_image_folder(path, source["image_size"], source["color_mode"], seed)
    if kind == "text_folder":
        return read_text_folder(path, seed)
    raise DataReadError(f"{path}: unknown kind of data source {kind!r}")


def take_field(content, source, entry):
    """The array of one input or output from its source's content (see
    :func:`read_source`).

    Raises:
        DataMismatchError: the ``.npz`` has no such array, or the CSV columns do not
            exist or hold values of another type.
    """
    if source["kind"] == "npy":
        return content
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
    if kind == "class_ids":
        if array.shape[1:] not in (shape, (*shape, 1)) or values not in "biu":
            raise DataMismatchError(
                f"output '{name}' ({entry['loss']}) expects integer class ids of shape "
                f"{shape_text((None, *shape))}; {where} holds {held}"
            )
        ids_in_range(array)
        return array
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
