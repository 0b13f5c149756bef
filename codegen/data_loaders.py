"""A document's training data, read from its ``data`` section and checked against the model.

:func:`load_model_data` is the one loader of the worker's fit / evaluate / predict tasks and of
the ``layerloom fit|evaluate|predict`` commands: it resolves the mapping of every model input and
output (:func:`graph_core.data_sources.resolve_bindings`), reads each source once with
:mod:`codegen.data_readers` (the code the exported script copies), converts the arrays to what
the model wants (dtype casts without copies where possible, class ids one-hot encoded when the
loss wants one-hot targets) and checks shapes, dtypes and sample counts *before* any training,
with a message naming the input, the shape it expects and what the file holds.

A document without a ``data`` section (or with a ``synthetic`` source) trains on the synthetic
data of :mod:`codegen.synthetic`, as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codegen.data_plan import DataPlan, output_names, outputs_keyed, plan_data
from codegen.data_readers import (
    DataReadError,
    csv_columns,
    read_csv_table,
    read_image_folder,
    read_npy,
    read_npz,
    read_text_folder,
)
from codegen.errors import DataError, DataUnreadable
from graph_core.data_sources import (
    DataSection,
    DataSource,
    ResolvedBinding,
    data_section,
    resolve_bindings,
    resolve_path,
)
from graph_core.document import Document
from graph_core.errors import DataSourceError
from graph_core.tensor import FLOAT_DTYPES, INTEGER_DTYPES

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
"""Files that make a folder an image folder when ``--data`` names a folder."""


@dataclass
class ModelData:
    """Arrays ready for ``model.fit`` / ``evaluate`` / ``predict``.

    Attributes:
        inputs: Input layer name → array, in model input order.
        targets: output name → array, for the outputs with a loss (empty when not loaded).
        samples: the number of samples.
        keyed_outputs: targets are passed to Keras as a dict keyed by output name.
        class_names: output name → class names, for class ids read from a folder.
        origins: input or output name → where its values came from (for messages and summaries).
    """

    inputs: dict
    targets: dict
    samples: int
    keyed_outputs: bool
    class_names: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)

    @property
    def x(self):
        """The inputs as Keras takes them: one array, or a list in model input order."""
        arrays = list(self.inputs.values())
        return arrays[0] if len(arrays) == 1 else arrays

    @property
    def y(self):
        """The targets as Keras takes them: one array, a dict keyed by output name, or a list."""
        arrays = list(self.targets.values())
        if len(arrays) == 1 and not self.keyed_outputs:
            return arrays[0]
        return dict(self.targets) if self.keyed_outputs else arrays

    @property
    def synthetic(self) -> bool:
        """True when every array is synthetic (no data section, or a ``synthetic`` source)."""
        return all(where == "synthetic data" for where in self.origins.values())

    def take(self, indexes) -> ModelData:
        """The samples at ``indexes`` (e.g. a validation split)."""
        return ModelData({k: v[indexes] for k, v in self.inputs.items()},
                         {k: v[indexes] for k, v in self.targets.items()}, len(indexes),
                         self.keyed_outputs, dict(self.class_names), dict(self.origins))

    def describe(self) -> str:
        """One line: samples and where each input and output came from."""
        parts = [f"{name} ← {where}" for name, where in self.origins.items()]
        return f"{self.samples:,} samples: " + "; ".join(parts)


def source_for_path(path: str | os.PathLike, source_id: str = "data") -> DataSource:
    """A source for a path given on the command line, its kind told by the name.

    ``.npz``, ``.npy`` and ``.csv`` files by their suffix; a folder is an image folder when its
    class sub-folders hold images, else a text folder.

    Raises:
        DataError: the path does not exist or its kind cannot be told.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".npz", ".npy", ".csv"):
        return DataSource(source_id, suffix[1:], os.fspath(path))
    if target.is_dir():
        for sub in sorted(p for p in target.iterdir() if p.is_dir()):
            for item in sorted(sub.iterdir()):
                if item.suffix.lower() in IMAGE_SUFFIXES:
                    return DataSource(source_id, "image_folder", os.fspath(path))
                if item.is_file():
                    return DataSource(source_id, "text_folder", os.fspath(path))
        raise DataError(f"{path}: a data folder needs one sub-folder per class holding its files")
    if not target.exists():
        raise DataUnreadable(f"{path}: no such file or folder")
    raise DataError(f"{path}: cannot tell the kind of data from the name; use a .npz, .npy or .csv "
                    f"file or a folder of class sub-folders")


def section_with_paths(section: DataSection | None, paths: dict | None) -> DataSection | None:
    """The data section with some source paths replaced (``--data``) or created.

    Args:
        section: the document's section (None when it has none).
        paths: source id → path; the key None means the section's only training source (or a
            new source, its kind told by the path, when there is no section).

    Returns:
        The section to load (None when ``paths`` is empty and there is no section).

    Raises:
        DataError: the key None is ambiguous, or names an unknown source.
    """
    if not paths:
        return section
    if section is None or not section.sources:
        if set(paths) - {None}:
            raise DataError(f"the model has no data section, so there is no source {sorted(set(paths) - {None})[0]!r}")
        return DataSection((source_for_path(paths[None]),))
    sources = list(section.sources)
    for key, path in paths.items():
        if key is None:
            training = [s for s in sources if s.id not in section.validation.values()]
            if len(training) != 1:
                ids = ", ".join(s.id for s in training)
                raise DataError(f"the data section has {len(training)} training sources ({ids}); say "
                                f"which one the path replaces, as ID=PATH")
            key = training[0].id
        for i, source in enumerate(sources):
            if source.id == key:
                suffix = Path(path).suffix.lower()
                kind = (suffix[1:] if suffix in (".npz", ".npy", ".csv") else
                        source_for_path(path, key).kind if source.kind in ("synthetic", "npz", "npy", "csv")
                        else source.kind)
                sources[i] = DataSource(key, kind, os.fspath(path), source.delimiter, source.header,
                                        source.image_size, source.color_mode, dict(source.extra))
                break
        else:
            raise DataError(f"the data section has no source {key!r} (sources: {', '.join(s.id for s in sources)})")
    return DataSection(tuple(sources), dict(section.inputs), dict(section.outputs), dict(section.validation),
                       dict(section.extra))


def has_validation_source(doc: Document) -> bool:
    """True when the document's data section names validation sources."""
    section = data_section(doc)
    return section is not None and bool(section.validation)


def load_model_data(doc: Document, project_file: str | os.PathLike | None = None, *,
                    role: str = "train", paths: dict | None = None, plan: DataPlan | None = None,
                    targets: bool = True, seed: int = 0, samples: int | None = None,
                    model=None) -> ModelData:
    """Read and check the data of ``doc`` for a fit, an evaluation or a prediction.

    Args:
        doc: a valid document.
        project_file: the ``.loom`` file the source paths are relative to (None: the working folder).
        role: ``"train"`` or ``"validation"`` (the validation sources of the data section).
        paths: source paths to use instead (:func:`section_with_paths`).
        plan: the document's :class:`~codegen.data_plan.DataPlan` with complete target shapes
            (:func:`codegen.synthetic.complete_plan`); computed when None.
        targets: read the targets too (False for a prediction).
        seed, samples: of synthetic data.
        model: the built model (for synthetic data and target shapes graph_core cannot infer).

    Returns:
        The :class:`ModelData`.

    Raises:
        DataError: a source cannot be read, the mapping is incomplete, or the data does not fit
            the model (the message names the input or output, the expected shape and what the
            source holds).
    """
    if plan is None:
        from codegen.synthetic import complete_plan

        plan = complete_plan(plan_data(doc), model)
    section = section_with_paths(data_section(doc), paths)
    if section is None:
        return _synthetic(doc, plan, seed, samples, model)
    try:
        bindings = resolve_bindings(section, [item.name for item in plan.inputs], output_names(doc), role)
    except DataSourceError as exc:
        raise DataError(str(exc)) from None
    if all(b.source.kind == "synthetic" for b in bindings):
        return _synthetic(doc, plan, seed, samples, model)
    reader = _SourceReader(project_file, seed, doc, plan)
    inputs, outs, origins, class_names = {}, {}, {}, {}
    losses = {name: out.loss for name, out in zip(output_names(doc), doc.outputs)}
    for binding in bindings:
        if binding.role == "output" and (not targets or not losses.get(binding.name)):
            continue
        if binding.source.kind == "synthetic":
            raise DataError(f"{binding.role} '{binding.name}': synthetic data cannot be mixed with data "
                            f"read from files")
        array = reader.array(binding)
        if binding.role == "input":
            item = next(i for i in plan.inputs if i.name == binding.name)
            inputs[binding.name] = check_input(binding, array, _input_shape(doc, item.name), item.dtype)
        else:
            item = next(t for t in plan.targets if t.name == binding.name)
            outs[binding.name] = check_target(binding, array, item)
            names = reader.class_names(binding)
            if names:
                class_names[binding.name] = names
        origins[binding.name] = binding.describe()
    counts = {name: len(a) for name, a in {**inputs, **outs}.items()}
    if len(set(counts.values())) > 1:
        listing = ", ".join(f"{name} {n:,} ({origins[name]})" for name, n in counts.items())
        raise DataError(f"the inputs and targets have different numbers of samples: {listing}")
    count = next(iter(counts.values()), 0)
    if count == 0:
        raise DataError("the data holds no samples")
    return ModelData(inputs, outs, count, outputs_keyed(doc), class_names, origins)


def _input_shape(doc: Document, name: str) -> tuple:
    for nid in doc.input_nodes():
        layer = doc.layer_of(nid)
        if layer.name == name:
            return tuple(layer.config.get("shape") or ())
    raise DataError(f"the model has no input {name!r}")


def _synthetic(doc, plan, seed, samples, model) -> ModelData:
    from codegen.synthetic import synthetic_data

    data = synthetic_data(doc, samples=samples, seed=seed, model=model, plan=plan)
    inputs = {item.name: arr for item, arr in zip(plan.inputs, data.inputs)}
    targets = {item.name: arr for item, arr in zip(plan.targets, data.targets)
               if item.loss}
    origins = {name: "synthetic data" for name in [*inputs, *targets]}
    return ModelData(inputs, targets, data.samples, plan.keyed_outputs, {}, origins)


class _SourceReader:
    """Reads each source once and hands out its arrays."""

    def __init__(self, project_file, seed: int, doc: Document, plan: DataPlan):
        self.project_file = project_file
        self.seed = seed
        self.doc = doc
        self.plan = plan
        self.cache: dict = {}

    def _read(self, binding: ResolvedBinding):
        source = binding.source
        if source.id in self.cache:
            return self.cache[source.id]
        path = resolve_path(source, self.project_file)
        try:
            if source.kind == "npz":
                content = read_npz(path)
            elif source.kind == "npy":
                content = read_npy(path)
            elif source.kind == "csv":
                content = read_csv_table(path, source.delimiter, source.header)
            elif source.kind == "image_folder":
                size, mode = self._image_options(source)
                content = read_image_folder(path, size, mode, self.seed)
            else:
                content = read_text_folder(path, self.seed)
        except DataReadError as exc:
            raise DataUnreadable(str(exc)) from None
        self.cache[source.id] = content
        return content

    def _image_options(self, source: DataSource) -> tuple:
        inputs = self.plan.inputs
        shape = inputs[0].shape if len(inputs) == 1 else ()
        if source.image_size is not None:
            size = source.image_size
        elif len(shape) == 3 and shape[0] and shape[1]:
            size = (shape[0], shape[1])
        else:
            raise DataError(f"image folder {source.path}: the Input needs a (height, width, channels) "
                            f"shape, or the source an image_size")
        if source.color_mode is not None:
            return size, source.color_mode
        channels = shape[2] if len(shape) == 3 else 3
        return size, {1: "grayscale", 3: "rgb", 4: "rgba"}.get(channels, "rgb")

    def array(self, binding: ResolvedBinding) -> np.ndarray:
        content = self._read(binding)
        kind = binding.source.kind
        if kind == "npy":
            return content
        if kind == "npz":
            if binding.field not in content:
                names = ", ".join(f"{n} {tuple(a.shape)}" for n, a in content.items()) or "none"
                raise DataError(f"{binding.role} '{binding.name}': {binding.source.path} has no array "
                                f"named {binding.field!r} (arrays: {names}); name the array in the "
                                f"data mapping")
            return content[binding.field]
        if kind in ("image_folder", "text_folder"):
            return content[binding.field]
        names, rows = content
        try:
            return csv_columns(binding.source.path, names, rows, binding.columns,
                               binding.type or self._column_type(binding))
        except DataReadError as exc:
            raise DataError(f"{binding.role} '{binding.name}': {exc}") from None

    def class_names(self, binding: ResolvedBinding):
        content = self.cache.get(binding.source.id)
        return content.get("class_names") if isinstance(content, dict) and binding.field == "labels" else None

    def _column_type(self, binding: ResolvedBinding) -> str:
        if binding.role == "input":
            item = next(i for i in self.plan.inputs if i.name == binding.name)
            if item.dtype in INTEGER_DTYPES or item.dtype == "bool":
                return "int"
            return "string" if item.dtype == "string" else "float"
        item = next(t for t in self.plan.targets if t.name == binding.name)
        return "int" if item.kind in ("onehot", "class_ids") else "float"


# ------------------------------------------------------------------------------ checks
def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def check_input(binding: ResolvedBinding, array: np.ndarray, shape: tuple, dtype: str) -> np.ndarray:
    """``array`` converted to the Input's dtype, after checking it fits the Input.

    Args:
        binding: where the array came from (for the message).
        array: the values, samples first.
        shape: the Input's shape without the batch axis (``None`` for any length).
        dtype: the Input's dtype.

    Returns:
        The array (the same object when no cast is needed).

    Raises:
        DataError: ``Input 'image' expects (None, 8, 8, 1) float32; digits.npz array 'x' holds
            (1797, 64) int64``.
    """
    expected = f"{_shape_text((None, *shape))} {dtype}"
    held = f"{_shape_text(array.shape)} {array.dtype}"
    where = f"Input '{binding.name}' expects arrays of shape {expected}; {binding.describe()} holds {held}"
    fits = array.ndim == len(shape) + 1 and all(d is None or d == a for d, a in zip(shape, array.shape[1:]))
    if not fits:
        raise DataError(where)
    kind = array.dtype.kind
    if dtype in FLOAT_DTYPES:
        if kind not in "biuf":
            raise DataError(where + " (numbers needed)")
        return array.astype(dtype, copy=False)
    if dtype in INTEGER_DTYPES:
        if kind not in "biu":
            raise DataError(where + " (integers needed)")
        return array.astype(dtype, copy=False)
    if dtype == "bool":
        if kind not in "biu":
            raise DataError(where + " (true/false values needed)")
        return array.astype(bool, copy=False)
    if dtype == "string":
        if kind not in "USO":
            raise DataError(where + " (strings needed)")
        return array
    raise DataError(where + f" (LayerLoom cannot feed {dtype} inputs)")


def check_target(binding: ResolvedBinding, array: np.ndarray, item) -> np.ndarray:
    """``array`` made into the targets of output ``item`` (a :class:`~codegen.data_plan.TargetPlan`).

    Class ids (integers, shape ``(n,)`` or ``(n, 1)``) are one-hot encoded for a loss that
    wants one-hot targets (``categorical_crossentropy``).

    Raises:
        DataError: the array does not fit the output; the message names it, the shape it wants
            and what the source holds.
    """
    shape = tuple(item.shape)
    held = f"{_shape_text(array.shape)} {array.dtype}"
    kind = array.dtype.kind
    if kind not in "biuf":
        raise DataError(f"output '{binding.name}' needs numeric targets; {binding.describe()} holds {held}")
    if item.kind == "onehot":
        classes = item.classes
        ids = array
        if kind in "biu" and (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1 and classes != 1)):
            ids = array.reshape(-1)
            low, high = (int(ids.min()), int(ids.max())) if len(ids) else (0, 0)
            if low < 0 or high >= classes:
                raise DataError(f"output '{binding.name}' has {classes} classes, but {binding.describe()} "
                                f"holds class ids from {low} to {high}")
            return np.eye(classes, dtype=np.float32)[ids]
        expected = _shape_text((None, *shape))
        if array.shape[1:] != shape:
            raise DataError(f"output '{binding.name}' ({item.loss}) expects one-hot targets of shape "
                            f"{expected} or class ids of shape (None,); {binding.describe()} holds {held}")
        return array.astype(np.float32, copy=False)
    if item.kind == "class_ids":
        ok_shapes = (shape, (*shape, 1))
        if array.shape[1:] not in ok_shapes or kind not in "biu":
            raise DataError(f"output '{binding.name}' ({item.loss}) expects integer class ids of shape "
                            f"{_shape_text((None, *shape))}; {binding.describe()} holds {held}")
        if len(array) and (int(array.min()) < 0 or int(array.max()) >= item.classes):
            raise DataError(f"output '{binding.name}' has {item.classes} classes, but {binding.describe()} "
                            f"holds class ids from {int(array.min())} to {int(array.max())}")
        return array
    expected = _shape_text((None, *shape))
    if array.shape[1:] != shape:
        if shape == (1,) and array.ndim == 1:
            return array.reshape(-1, 1).astype(np.float32, copy=False)
        raise DataError(f"output '{binding.name}' expects targets of shape {expected}; "
                        f"{binding.describe()} holds {held}")
    return array.astype(np.float32, copy=False)
