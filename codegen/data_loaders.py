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

from codegen.data_plan import DataPlan, outputs_keyed, plan_data
from codegen.data_readers import DataMismatchError, DataReadError, load_arrays
from codegen.errors import DataError, DataUnreadable
from codegen.fit_runtime import model_targets
from codegen.read_plan import read_plan
from graph_core.data_sources import (
    DataSection,
    DataSource,
    data_section,
)
from graph_core.document import Document

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
        """The input arrays: one array, or a dict keyed by Input name (strings left as NumPy;
        :func:`codegen.fit_runtime.model_inputs` makes them Keras-ready)."""
        return next(iter(self.inputs.values())) if len(self.inputs) == 1 else dict(self.inputs)

    @property
    def y(self):
        """The targets as Keras takes them (:func:`codegen.fit_runtime.model_targets`)."""
        return model_targets(self.targets, self.keyed_outputs)

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
        project_file: the ``.loom`` file relative source paths are taken from (paths of a
            loaded document are absolute already).
        role: ``"train"`` or ``"validation"`` (the validation sources of the data section).
        paths: source paths to use instead (:func:`section_with_paths`).
        plan: the document's :class:`~codegen.data_plan.DataPlan` with complete target shapes
            (:func:`codegen.synthetic.complete_plan`); computed when None.
        targets: read the targets too (False for a prediction).
        seed: of synthetic data and of the folder readers' shuffle.
        samples: of synthetic data.
        model: the built model (for synthetic data and target shapes graph_core cannot infer).

    Returns:
        The :class:`ModelData`.

    Raises:
        DataUnreadable: a source cannot be read. DataError: the mapping is incomplete, or the
            data does not fit the model (the message names the input or output, the expected
            shape and what the source holds).
    """
    if plan is None:
        from codegen.synthetic import complete_plan

        plan = complete_plan(plan_data(doc), model)
    section = section_with_paths(data_section(doc), paths)
    if section is None:
        return _synthetic(doc, plan, seed, samples, model)
    found = read_plan(doc, section, plan, project_file=project_file, role=role, targets=targets)
    if found is None:
        return _synthetic(doc, plan, seed, samples, model)
    sources, inputs, outs = found
    try:
        x, y, class_names = load_arrays(sources, inputs, outs, seed)
    except DataReadError as exc:
        raise DataUnreadable(str(exc)) from None
    except DataMismatchError as exc:
        raise DataError(str(exc)) from None
    origins = {e["name"]: e["where"] for e in [*inputs, *outs]}
    count = len(next(iter(x.values())))
    return ModelData(x, y, count, outputs_keyed(doc), class_names, origins)


def _synthetic(doc, plan, seed, samples, model) -> ModelData:
    from codegen.synthetic import synthetic_data

    data = synthetic_data(doc, samples=samples, seed=seed, model=model, plan=plan)
    inputs = {item.name: arr for item, arr in zip(plan.inputs, data.inputs)}
    targets = {item.name: arr for item, arr in zip(plan.targets, data.targets)
               if item.loss}
    origins = {name: "synthetic data" for name in [*inputs, *targets]}
    return ModelData(inputs, targets, data.samples, plan.keyed_outputs, {}, origins)
