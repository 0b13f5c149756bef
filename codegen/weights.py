"""Trained weights beside the project: where they live, whether they still fit, saving atomically.

A project ``digits.loom`` keeps its weights in ``digits.weights.h5`` (Keras's own format,
``model.save_weights``). Whether a weights file still fits the document is decided by comparing
its HDF5 layout (every variable's path, shape and dtype) with the layout of the freshly built
model's weights: same layout → ``"match"``; anything else → ``"stale"``, with the first
difference as the reason (``layers/dense/vars/0: the file holds (64, 32), the model needs
(64, 16)``). Nothing is loaded into a model until the layout matches.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from pathlib import Path

from codegen.errors import WeightsError

WEIGHTS_SUFFIX = ".weights.h5"
"""The suffix Keras requires of a weights file."""


def weights_path_for(project_file: str | os.PathLike) -> Path:
    """``NAME.weights.h5`` beside ``NAME.loom``."""
    path = Path(project_file)
    stem = path.name[:-len(".loom")] if path.name.endswith(".loom") else path.stem
    return path.with_name(stem + WEIGHTS_SUFFIX)


def _layout(path: str | os.PathLike) -> dict:
    """Variable path → (shape, dtype) of a Keras ``.weights.h5`` file."""
    import h5py

    found: dict = {}
    with h5py.File(os.fspath(path), "r") as handle:
        def visit(name, obj):  # the optimizer's state is not part of the architecture
            if isinstance(obj, h5py.Dataset) and not name.startswith("optimizer/"):
                found[name] = (tuple(obj.shape), str(obj.dtype))
        handle.visititems(visit)
    return found


def model_layout(model) -> dict:
    """The layout :func:`_layout` reads, of the weights ``model`` would save."""
    with tempfile.TemporaryDirectory(prefix="loom-weights-") as folder:
        path = os.path.join(folder, "model" + WEIGHTS_SUFFIX)
        model.save_weights(path)
        return _layout(path)


def weights_status(model, path: str | os.PathLike) -> dict:
    """Whether the weights file at ``path`` fits ``model``.

    Args:
        model: the model built from the document.
        path: a ``.weights.h5`` file.

    Returns:
        ``{"status": "match" | "stale" | "missing" | "unreadable", "reason": str, "path": str}``;
        the reason is "" for a match.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        return {"status": "missing", "reason": f"{path}: no such file", "path": path}
    try:
        held = _layout(path)
    except Exception as exc:
        return {"status": "unreadable", "reason": f"{path}: not a Keras weights file ({type(exc).__name__}: "
                                                  f"{exc})", "path": path}
    needed = model_layout(model)
    reason = layout_difference(needed, held, layer_paths(model))
    return {"status": "stale" if reason else "match", "reason": reason, "path": path}


def _snake(name: str) -> str:
    """Keras's snake_case of a class name (the names of the groups in a weights file)."""
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def layer_paths(model, prefix: str = "layers") -> dict:
    """Group path in a weights file (``layers/dense_1``) → the layer's name, nested models too.

    Keras names the groups after the layer classes in ``model.layers`` order (``dense``,
    ``dense_1``…), not after the layers' own names; this maps them back.
    """
    paths: dict = {}
    counts: dict = {}
    for layer in getattr(model, "layers", []):
        base = _snake(type(layer).__name__)
        count = counts.get(base, 0)
        counts[base] = count + 1
        path = f"{prefix}/{base}" if count == 0 else f"{prefix}/{base}_{count}"
        paths[path] = layer.name
        if getattr(layer, "layers", None):
            paths.update(layer_paths(layer, f"{path}/layers"))
    return paths


def layout_difference(needed: dict, held: dict, names: dict | None = None) -> str:
    """The first difference between two layouts, in words ("" when they are the same).

    Args:
        needed: the model's layout; held: the file's.
        names: :func:`layer_paths` of the model, to name the layer at fault.
    """
    names = names or {}

    def _where(path: str) -> str:
        owner = max((p for p in names if path.startswith(p + "/")), key=len, default=None)
        return f"layer '{names[owner]}' ({path})" if owner else path

    for name, (shape, dtype) in needed.items():
        if name not in held:
            return (f"{_where(name)}: the model has this variable {shape}, the file does not "
                    f"(a layer was added or renamed)")
        if held[name][0] != shape:
            return f"{_where(name)}: the file holds {held[name][0]}, the model needs {shape}"
        if held[name][1] != dtype:
            return f"{_where(name)}: the file holds {held[name][1]} values, the model needs {dtype}"
    for name, (shape, _dtype) in held.items():
        if name not in needed:
            return (f"{_where(name)}: the file has a variable {shape} the model lacks "
                    f"(a layer was removed or renamed)")
    return ""


def load_matching_weights(model, path: str | os.PathLike) -> None:
    """Load ``path`` into ``model`` after checking the layout.

    Raises:
        WeightsError: the file is missing, unreadable or stale (the reason given).
    """
    status = weights_status(model, path)
    if status["status"] != "match":
        word = {"stale": "does not fit the model", "missing": "is missing",
                "unreadable": "cannot be read"}[status["status"]]
        raise WeightsError(f"the weights file {word}: {status['reason']}")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:  # so continued training keeps its state
        optimizer.build(model.trainable_variables)
    with warnings.catch_warnings():  # another optimizer's state is skipped: not an error
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model.load_weights(os.fspath(path))


def save_weights_atomic(model, path: str | os.PathLike) -> str:
    """``model.save_weights`` through a temporary file in the same folder, then a rename.

    Returns:
        The path written.

    Raises:
        WeightsError: the name does not end in ``.weights.h5`` or the folder is not writable.
    """
    path = os.fspath(path)
    if not path.endswith(WEIGHTS_SUFFIX):
        raise WeightsError(f"{path}: a weights file name must end in {WEIGHTS_SUFFIX} (Keras's format)")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".loom-", suffix=WEIGHTS_SUFFIX, dir=folder)
        os.close(fd)
        os.unlink(tmp)  # h5py creates it anew
        model.save_weights(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise WeightsError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
    return path
