"""The optional ``data`` section of a ``.loom`` file: where a model's training data comes from.

Pure dataclasses with their parse / validate / serialise functions (no numpy, no Keras, and no
file is ever opened here: reading the data is :mod:`codegen.data_loaders`' job). The section is
kept in ``doc.extra["data"]`` as plain JSON, so every reader that does not know it keeps it;
:func:`data_section` parses it, :func:`section_to_dict` writes it back, and the edit
:class:`graph_core.edits.SetDataSection` replaces it undoably.

The section (all keys optional except ``sources``)::

    "data": {
      "sources": [
        {"id": "train", "kind": "npz", "path": "digits.npz"},
        {"id": "val", "kind": "csv", "path": "data/val.csv", "delimiter": ",", "header": true},
        {"id": "pics", "kind": "image_folder", "path": "images", "image_size": [28, 28],
         "color_mode": "grayscale"},
        {"id": "reviews", "kind": "text_folder", "path": "reviews"}
      ],
      "inputs":  {"image": {"source": "train", "array": "x"}},
      "outputs": {"digit": {"source": "train", "array": "y"}},
      "validation": {"train": "val"}
    }

- ``sources``: each has a unique ``id`` and a ``kind`` of :data:`SOURCE_KINDS`. ``path`` (every
  kind but ``synthetic``) is relative to the folder of the project file, with ``/`` separators
  (absolute paths are accepted when no relative one exists, e.g. another drive). In memory,
  after :func:`graph_core.loom_format.load`, paths are absolute (:func:`rebase_paths`); saving
  writes them relative to the file saved. ``csv`` takes
  ``delimiter`` (one character, default ``,``) and ``header`` (default true: the first row names
  the columns). ``image_folder`` takes ``image_size`` ``[height, width]`` and ``color_mode``
  (:data:`COLOR_MODES`); both default to what the model's Input needs. ``synthetic`` is today's
  random data (``fit.samples`` and ``fit.seed``).
- ``inputs`` / ``outputs``: a :class:`Binding` per model Input layer name / output name. Missing
  entries are resolved by :func:`resolve_bindings`: with one source, ``.npz`` arrays named after
  the input and output; the ``.npy`` array for a one-input model's input; images/texts for the
  input of a folder source and the class ids for its output; for a CSV and a model with one input
  and one output, the last column as the target and the others as the features.
- ``validation``: training source id → the source holding the validation data in the same layout
  (used instead of ``fit.validation_split``).

A binding: ``source`` (an id; may be left out when there is one source), ``array`` (an ``.npz``
array name), ``columns`` (CSV column names or 0-based indexes) and ``type`` (CSV column type of
:data:`COLUMN_TYPES`, default from the Input's dtype or the output's loss).

Unknown keys anywhere in the section are kept on save, like everywhere in the format.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from graph_core.errors import DataSourceError, LoomFormatError

SOURCE_KINDS = ("npz", "npy", "csv", "image_folder", "text_folder", "synthetic")
"""The kinds of data source a ``.loom`` file can name."""

COLUMN_TYPES = ("float", "int", "string")
"""The value types of CSV columns."""

COLOR_MODES = ("grayscale", "rgb", "rgba")
"""The colour modes of an image folder (Keras's ``color_mode``)."""

MAX_SOURCES = 64
"""Most sources one file may name."""

MAX_PATH_CHARS = 4096
"""Longest path a source may hold."""

_SOURCE_KEYS = {"id", "kind", "path", "delimiter", "header", "image_size", "color_mode"}
_BINDING_KEYS = {"source", "array", "columns", "type"}
_SECTION_KEYS = {"sources", "inputs", "outputs", "validation"}


@dataclass(frozen=True)
class DataSource:
    """One place training data is read from.

    Attributes:
        id: unique within the section.
        kind: one of :data:`SOURCE_KINDS`.
        path: relative to the project folder (``/`` separators); None for ``synthetic``.
        delimiter: CSV field separator.
        header: CSV: the first row holds the column names.
        image_size: image folder: ``(height, width)``, or None for the Input's.
        color_mode: image folder: one of :data:`COLOR_MODES`, or None for the Input's channels.
        extra: keys this version does not know (kept on save).
    """

    id: str
    kind: str
    path: str | None = None
    delimiter: str = ","
    header: bool = True
    image_size: tuple | None = None
    color_mode: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def with_path(self, path: str) -> DataSource:
        """A copy reading ``path`` instead (e.g. ``layerloom evaluate --data``)."""
        return DataSource(self.id, self.kind, path, self.delimiter, self.header, self.image_size,
                          self.color_mode, dict(self.extra))


@dataclass(frozen=True)
class Binding:
    """Where one model input or output takes its values (fields not set are None / empty).

    Attributes:
        source: the source id (None: the section's only source).
        array: ``.npz`` array name (None: the input's or output's name).
        columns: CSV columns, names or 0-based indexes.
        type: CSV value type (:data:`COLUMN_TYPES`), None for the model's.
        extra: keys this version does not know.
    """

    source: str | None = None
    array: str | None = None
    columns: tuple = ()
    type: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class DataSection:
    """The whole ``data`` section.

    Attributes:
        sources: the sources, in file order.
        inputs: Input layer name → :class:`Binding`.
        outputs: output name → :class:`Binding`.
        validation: training source id → validation source id.
        extra: keys this version does not know.
    """

    sources: tuple = ()
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict, compare=False)

    def source(self, source_id: str) -> DataSource:
        """The source with ``source_id``.

        Raises:
            DataSourceError: there is none (the message lists the ids).
        """
        for item in self.sources:
            if item.id == source_id:
                return item
        ids = ", ".join(repr(s.id) for s in self.sources) or "none"
        raise DataSourceError(f"the data section has no source {source_id!r} (sources: {ids})")


@dataclass(frozen=True)
class ResolvedBinding:
    """A binding with its defaults filled in by :func:`resolve_bindings`.

    Attributes:
        role: ``"input"`` or ``"output"``.
        name: the model input's or output's name.
        source: the :class:`DataSource`.
        field: what to take from the source: an array name (npz / npy: ``""``), ``"images"``,
            ``"texts"``, ``"labels"`` (folders) or ``"columns"`` (CSV, see ``columns``);
            ``"synthetic"`` for synthetic data.
        columns: CSV columns (names or indexes); ``("*rest",)`` means every column but the
            last, ``("*last",)`` the last one (the default one-input one-output mapping).
        type: CSV value type or None.
    """

    role: str
    name: str
    source: DataSource
    field: str
    columns: tuple = ()
    type: str | None = None


# ------------------------------------------------------------------------------ parsing
def parse_section(value: Any, path: str = "$.data") -> DataSection:
    """Check and parse the JSON of a ``data`` section.

    Args:
        value: the parsed JSON.
        path: its JSON path, for messages.

    Returns:
        The :class:`DataSection`.

    Raises:
        LoomFormatError: naming the JSON path of the first value that does not fit.
    """
    obj = _expect_obj(value, path)
    raw_sources = obj.get("sources", [])
    if not isinstance(raw_sources, list):
        raise LoomFormatError(f"{path}.sources", "expected a list of source objects")
    if len(raw_sources) > MAX_SOURCES:
        raise LoomFormatError(f"{path}.sources", f"{len(raw_sources)} sources, more than the {MAX_SOURCES} allowed")
    sources = []
    for i, item in enumerate(raw_sources):
        source = _parse_source(item, f"{path}.sources[{i}]")
        if any(s.id == source.id for s in sources):
            raise LoomFormatError(f"{path}.sources[{i}].id", f"duplicate source id {source.id!r}")
        sources.append(source)
    ids = {s.id for s in sources}
    bindings = {}
    for role in ("inputs", "outputs"):
        raw = _expect_obj(obj.get(role, {}), f"{path}.{role}")
        bindings[role] = {name: _parse_binding(item, f"{path}.{role}.{name}", ids)
                          for name, item in raw.items()}
    validation = _expect_obj(obj.get("validation", {}), f"{path}.validation")
    for train_id, val_id in validation.items():
        where = f"{path}.validation.{train_id}"
        if train_id not in ids:
            raise LoomFormatError(where, f"no source has id {train_id!r}")
        if not isinstance(val_id, str) or val_id not in ids:
            raise LoomFormatError(where, f"expected the id of a source, found {_show(val_id)}")
    extra = {k: v for k, v in obj.items() if k not in _SECTION_KEYS}
    return DataSection(tuple(sources), bindings["inputs"], bindings["outputs"], dict(validation), extra)


def _parse_source(item: Any, path: str) -> DataSource:
    obj = _expect_obj(item, path)
    source_id = obj.get("id")
    if not isinstance(source_id, str) or not source_id:
        raise LoomFormatError(f"{path}.id", f"expected a non-empty string, found {_show(source_id)}")
    kind = obj.get("kind")
    if kind not in SOURCE_KINDS:
        raise LoomFormatError(f"{path}.kind", f"expected one of {', '.join(SOURCE_KINDS)}, found {_show(kind)}")
    file_path = obj.get("path")
    if kind == "synthetic":
        if file_path is not None:
            raise LoomFormatError(f"{path}.path", "synthetic data reads no file; leave the path out")
    else:
        if not isinstance(file_path, str) or not file_path.strip():
            raise LoomFormatError(f"{path}.path", f"a {kind} source needs a path, found {_show(file_path)}")
        if len(file_path) > MAX_PATH_CHARS or "\0" in file_path:
            raise LoomFormatError(f"{path}.path", "not a usable path (too long or holds a NUL character)")
    delimiter = obj.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        raise LoomFormatError(f"{path}.delimiter", f"expected one character (not a quote or newline), "
                                                   f"found {_show(delimiter)}")
    header = obj.get("header", True)
    if not isinstance(header, bool):
        raise LoomFormatError(f"{path}.header", f"expected true or false, found {_show(header)}")
    size = obj.get("image_size")
    if size is not None and (not isinstance(size, list) or len(size) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65536 for v in size)):
        raise LoomFormatError(f"{path}.image_size", f"expected [height, width] (1 to 65536), found {_show(size)}")
    color = obj.get("color_mode")
    if color is not None and color not in COLOR_MODES:
        raise LoomFormatError(f"{path}.color_mode", f"expected one of {', '.join(COLOR_MODES)}, found {_show(color)}")
    extra = {k: v for k, v in obj.items() if k not in _SOURCE_KEYS}
    return DataSource(source_id, kind, file_path, delimiter, header, tuple(size) if size else None, color, extra)


def _parse_binding(item: Any, path: str, ids: set) -> Binding:
    obj = _expect_obj(item, path)
    source = obj.get("source")
    if source is not None and source not in ids:
        raise LoomFormatError(f"{path}.source", f"no source has id {_show(source)}")
    array = obj.get("array")
    if array is not None and (not isinstance(array, str) or not array):
        raise LoomFormatError(f"{path}.array", f"expected an array name, found {_show(array)}")
    columns = obj.get("columns", [])
    if not isinstance(columns, list) or not all(
            (isinstance(c, str) and c) or (isinstance(c, int) and not isinstance(c, bool) and c >= 0)
            for c in columns):
        raise LoomFormatError(f"{path}.columns", "expected a list of column names or 0-based indexes")
    value_type = obj.get("type")
    if value_type is not None and value_type not in COLUMN_TYPES:
        raise LoomFormatError(f"{path}.type", f"expected one of {', '.join(COLUMN_TYPES)}, found {_show(value_type)}")
    extra = {k: v for k, v in obj.items() if k not in _BINDING_KEYS}
    return Binding(source, array, tuple(columns), value_type, extra)


def _expect_obj(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise LoomFormatError(path, f"expected an object, found {_show(value)}")
    return value


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


# ------------------------------------------------------------------------------ writing
def section_to_dict(section: DataSection) -> dict:
    """The JSON of a :class:`DataSection` (defaults left out, unknown keys kept)."""
    sources = []
    for s in section.sources:
        item: dict = {"id": s.id, "kind": s.kind}
        if s.path is not None:
            item["path"] = s.path
        if s.kind == "csv":
            if s.delimiter != ",":
                item["delimiter"] = s.delimiter
            if not s.header:
                item["header"] = False
        if s.image_size is not None:
            item["image_size"] = list(s.image_size)
        if s.color_mode is not None:
            item["color_mode"] = s.color_mode
        item.update(s.extra)
        sources.append(item)
    data: dict = {"sources": sources}
    for role, bindings in (("inputs", section.inputs), ("outputs", section.outputs)):
        if bindings:
            data[role] = {name: _binding_to_dict(b) for name, b in bindings.items()}
    if section.validation:
        data["validation"] = dict(section.validation)
    data.update(section.extra)
    return data


def _binding_to_dict(binding: Binding) -> dict:
    item: dict = {}
    if binding.source is not None:
        item["source"] = binding.source
    if binding.array is not None:
        item["array"] = binding.array
    if binding.columns:
        item["columns"] = list(binding.columns)
    if binding.type is not None:
        item["type"] = binding.type
    item.update(binding.extra)
    return item


def data_section(doc) -> DataSection | None:
    """The parsed ``data`` section of a document (None when it has none: synthetic data).

    Raises:
        LoomFormatError: the section is malformed (cannot happen for a loaded file).
    """
    raw = doc.extra.get("data")
    return None if raw is None else parse_section(raw)


# ------------------------------------------------------------------------------ paths
def relative_path(path: str | os.PathLike, project_file: str | os.PathLike | None) -> str:
    """``path`` as stored in a source: relative to the project file's folder, ``/`` separators.

    Args:
        path: the data file or folder the user chose.
        project_file: the ``.loom`` file (None for an unsaved project: the path is kept absolute).

    Returns:
        The relative path, or the absolute one when the two share nothing but the root (or
        are on different drives): ``../../../work/data.npz`` helps nobody.
    """
    target = Path(os.path.abspath(path))
    if project_file is None:
        return target.as_posix()
    base = Path(os.path.abspath(project_file)).parent
    try:
        common = Path(os.path.commonpath([target, base]))
    except ValueError:  # another drive on Windows
        return target.as_posix()
    if common == Path(common.anchor):
        return target.as_posix()
    return Path(os.path.relpath(target, base)).as_posix()


def resolve_path(source: DataSource, project_file: str | os.PathLike | None) -> Path:
    """Where a source's data is on disk (its path taken relative to the project file's folder).

    Raises:
        DataSourceError: the source has no path (synthetic data).
    """
    if source.path is None:
        raise DataSourceError(f"source {source.id!r} ({source.kind}) reads no file")
    stored = PurePosixPath(source.path) if "/" in source.path else Path(source.path)
    path = Path(*stored.parts) if not stored.is_absolute() else Path(source.path)
    if path.is_absolute() or project_file is None:
        return path
    return Path(os.path.abspath(project_file)).parent / path


def rebase_paths(raw: dict, from_file: str | os.PathLike | None, to_file: str | os.PathLike | None) -> dict:
    """The JSON of a data section with every source path re-expressed for another place.

    :func:`graph_core.loom_format.load` calls it with ``to_file=None`` (paths in memory are
    absolute, so a document snapshot works wherever it goes: the worker, Save As) and
    :func:`graph_core.loom_format.save` with ``from_file=None`` (paths in the file are relative to it).

    Args:
        raw: the section's JSON (not changed).
        from_file: the project file relative paths are taken from (None: the working folder).
        to_file: the project file the paths become relative to (None: absolute paths).

    Returns:
        A new dict; sources without a path and non-string paths are left as they are.
    """
    sources = raw.get("sources") if isinstance(raw, dict) else None
    if not isinstance(sources, list):
        return raw
    rebased = []
    for item in sources:
        path = item.get("path") if isinstance(item, dict) else None
        if isinstance(path, str) and path:
            source = DataSource(str(item.get("id")), "npz", path)
            item = {**item, "path": relative_path(resolve_path(source, from_file), to_file)}
        rebased.append(item)
    return {**raw, "sources": rebased}


# ------------------------------------------------------------------------------ mapping
def resolve_bindings(section: DataSection, input_names: list, output_names: list,
                     role: str = "train") -> list:
    """Fill in the mapping of every model input and output (see the module docstring).

    Args:
        section: the data section.
        input_names: the model's Input layer names, in order.
        output_names: the model's output names, in order (outputs without a loss included).
        role: ``"train"``, or ``"validation"`` to use the validation sources instead.

    Returns:
        The :class:`ResolvedBinding` list: inputs in order, then outputs in order.

    Raises:
        DataSourceError: a mapping is missing or ambiguous; the message names the input or
            output and says what to add.
    """
    if not section.sources:
        raise DataSourceError("the data section names no source; add one (a .npz, .npy, CSV file or a folder)")
    resolved = []
    for kind, names, bindings in (("input", input_names, section.inputs),
                                  ("output", output_names, section.outputs)):
        for index, name in enumerate(names):
            binding = bindings.get(name, Binding())
            source = _binding_source(section, binding, kind, name)
            if role == "validation":
                if source.id not in section.validation:
                    raise DataSourceError(f"no validation source is set for source {source.id!r}")
                source = section.source(section.validation[source.id])
            resolved.append(_resolve_one(source, binding, kind, name, index, len(input_names),
                                         len(output_names)))
    return resolved


def _binding_source(section: DataSection, binding: Binding, kind: str, name: str) -> DataSource:
    if binding.source is not None:
        return section.source(binding.source)
    training = [s for s in section.sources if s.id not in section.validation.values()]
    if len(training) == 1:
        return training[0]
    raise DataSourceError(f"{kind} '{name}' is not mapped to a source and the data section has "
                          f"{len(training)}; choose its source")


def _resolve_one(source: DataSource, binding: Binding, kind: str, name: str, index: int,
                 n_inputs: int, n_outputs: int) -> ResolvedBinding:
    what = f"{kind} '{name}'"
    if source.kind == "synthetic":
        return ResolvedBinding(kind, name, source, "synthetic")
    if source.kind == "npz":
        return ResolvedBinding(kind, name, source, binding.array or name)
    if source.kind == "npy":
        if kind == "output" and binding.source is None:
            raise DataSourceError(f"{what}: a .npy file holds one array, taken by the input; map the "
                                  f"output to another source")
        return ResolvedBinding(kind, name, source, "")
    if source.kind in ("image_folder", "text_folder"):
        data_field = "labels" if kind == "output" else ("images" if source.kind == "image_folder" else "texts")
        return ResolvedBinding(kind, name, source, data_field)
    # csv
    if binding.columns:
        return ResolvedBinding(kind, name, source, "columns", binding.columns, binding.type)
    if n_inputs == 1 and n_outputs == 1:
        columns = ("*rest",) if kind == "input" else ("*last",)
        return ResolvedBinding(kind, name, source, "columns", columns, binding.type)
    raise DataSourceError(f"{what}: choose its CSV columns (the last-column-is-the-target rule "
                          f"applies to a model with one input and one output)")
