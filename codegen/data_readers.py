"""Readers of training data files: ``.npz``, ``.npy``, CSV, image and text folders.

This module is self-contained on purpose: it imports only the standard library and numpy (and
Keras inside the folder readers), and LayerLoom's Python export copies the functions a document
needs verbatim into the exported script (:mod:`codegen.data_export`), so the editor, the CLI and the exported
script read data with the very same code.

Nothing here unpickles or executes anything: ``.npz``/``.npy`` are read with
``allow_pickle=False`` (an object array is refused with a message), CSV with :mod:`csv`, and
folders with Keras's ``image_dataset_from_directory`` / ``text_dataset_from_directory``.

Every reader raises :class:`DataReadError` with a message naming the file; none prints. Data
that can be read but does not fit the model raises :class:`DataMismatchError`, naming the input
or output, the shape it expects and what the file holds.

The whole loading step, driven by a plain-dict read plan, is :mod:`codegen.data_assembly`.
"""

from __future__ import annotations

import csv
import os

import numpy as np


class DataReadError(ValueError):
    """A data file or folder that cannot be read; the message names it and says why."""


class DataMismatchError(ValueError):
    """Data that does not fit the model; the message names the input or output, the
    shape it expects and what the source holds."""


def read_npz(path):
    """The arrays of a ``.npz`` file, by name, read without unpickling.

    Args:
        path: the file.

    Returns:
        A dict array name → array (each member read once, straight into its array).

    Raises:
        DataReadError: the file is missing, not a ``.npz`` or holds object (pickled)
            arrays.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataReadError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files"):
                raise DataReadError(
                    f"{path}: not a .npz archive (a single .npy array?)"
                )
            return {name: archive[name] for name in archive.files}
    except DataReadError:
        raise
    except ValueError as exc:
        raise DataReadError(_pickle_message(path, exc)) from None
    except Exception as exc:  # zipfile.BadZipFile, OSError, EOFError …
        raise DataReadError(
            f"{path}: not a readable .npz file ({type(exc).__name__}: {exc})"
        ) from None


def read_npy(path):
    """The array of a ``.npy`` file, memory-mapped when it can be (no copy), never
    unpickled.

    Raises:
        DataReadError: the file is missing, not a ``.npy`` or holds a pickled object
            array.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataReadError(f"{path}: no such file")
    try:
        array = np.load(path, allow_pickle=False, mmap_mode="r")
    except ValueError as exc:
        raise DataReadError(_pickle_message(path, exc)) from None
    except Exception as exc:
        raise DataReadError(
            f"{path}: not a readable .npy file ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(array, np.ndarray):
        raise DataReadError(
            f"{path}: holds several arrays (a .npz archive); use a .npz source"
        )
    return array


def _pickle_message(path, exc):
    text = str(exc)
    if "pickle" in text.lower() or "object" in text.lower():
        return (
            f"{path}: holds Python objects (a pickled object array), which are never "
            f"loaded because unpickling can run code; save plain numeric or string "
            f"arrays (np.save / np.savez without dtype=object)"
        )
    return f"{path}: not a readable NumPy file ({text})"


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


def read_image_folder(path, image_size, color_mode, seed=0):
    """The images of a folder with one sub-folder per class, and their class ids.

    Args:
        path: the folder.
        image_size: ``(height, width)`` every image is resized to.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        seed: seed of the shuffle (classes are mixed, so a validation split sees them
            all).

    Returns:
        ``{"images": float32 (n, h, w, channels) in [0, 255], "labels": int32 (n,),
        "class_names": the sub-folder names, in class-id order}``.

    Raises:
        DataReadError: the folder is missing or holds no images.
    """
    return _read_folder(
        path, "image", seed, image_size=tuple(image_size), color_mode=color_mode
    )


def read_text_folder(path, seed=0):
    """The text files of a folder with one sub-folder per class, and their class ids.

    Returns:
        ``{"texts": str array (n,), "labels": int32 (n,), "class_names": [...]}``.

    Raises:
        DataReadError: the folder is missing or holds no text files.
    """
    return _read_folder(path, "text", seed)


def _read_folder(path, kind, seed, **options):
    import keras

    path = os.fspath(path)
    if not os.path.isdir(path):
        raise DataReadError(f"{path}: no such folder")
    classes = sorted(e.name for e in os.scandir(path) if e.is_dir())
    if not classes:
        raise DataReadError(
            f"{path}: no class sub-folders (put each class's {kind}s in a folder "
            f"named after it)"
        )
    reader = (
        keras.utils.image_dataset_from_directory
        if kind == "image"
        else keras.utils.text_dataset_from_directory
    )
    try:
        dataset = reader(
            path,
            labels="inferred",
            label_mode="int",
            batch_size=None,
            shuffle=True,
            seed=seed,
            verbose=False,
            **options,
        )
    except ValueError as exc:
        raise DataReadError(f"{path}: {exc}") from None
    values, labels = [], []
    for value, label in dataset.as_numpy_iterator():
        values.append(value)
        labels.append(label)
    if not values:
        raise DataReadError(
            f"{path}: no {kind} files in the class folders {', '.join(classes)}"
        )
    if kind == "image":
        data = np.stack(values).astype(np.float32, copy=False)
    else:
        data = np.array(
            [
                v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                for v in values
            ]
        )
    return {
        "images" if kind == "image" else "texts": data,
        "labels": np.asarray(labels, dtype=np.int32),
        "class_names": list(dataset.class_names),
    }


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
