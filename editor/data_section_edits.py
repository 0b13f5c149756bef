"""The Data tab's changes to a ``data`` section, as new section JSON (no Qt).

Each function takes the parsed :class:`graph_core.data_sources.DataSection` (or None) and
returns the JSON of the changed section (None removes it), ready for
:class:`graph_core.edits.SetDataSection`; the form pushes that edit, so every change is one undo
step. :func:`expected_shapes` lists the model's inputs and outputs with the shapes graph_core
infers, for the mapping table.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from graph_core.data_sources import Binding, DataSection, DataSource, relative_path, section_to_dict
from graph_core.tensor import format_shape

AUTO = "(by name)"
"""The source choice of a binding left to the defaults (the only source, names matching)."""

SPLIT = "__split__"
"""The validation choice "a split of the training data"."""

SAMPLES_FOLDER = Path(__file__).resolve().parents[1] / "assets" / "data"
"""Where the bundled sample data sets live."""


def bundled_samples() -> list:
    """``[(label, kind, path)]`` of the bundled sample data sets (the ``.npz`` and ``.csv`` files of
    :data:`SAMPLES_FOLDER`)."""
    if not SAMPLES_FOLDER.is_dir():
        return []
    found = sorted(p for p in SAMPLES_FOLDER.iterdir() if p.suffix.lower() in (".npz", ".csv"))
    return [(f"{path.stem} ({path.suffix[1:]})", path.suffix[1:].lower(), str(path)) for path in found]


def expected_shapes(doc, result) -> list:
    """``[(role, name, expected shape text)]`` for the model's inputs, then its outputs.

    Args:
        doc: the document.
        result: its :class:`graph_core.check_result.CheckResult` (shapes come from it).
    """
    rows = []
    for node_id in doc.input_nodes():
        layer = doc.layer_of(node_id)
        specs = result.output_specs(node_id) if result is not None else []
        dtype = layer.config.get("dtype") or (specs[0].dtype if specs else "float32")
        rows.append(("input", layer.name, (format_shape(specs[0].shape) if specs else "?") + f" {dtype}"))
    for out in doc.outputs:
        if out.node not in doc.nodes:
            continue
        specs = result.output_specs(out.node) if result is not None else []
        shape = format_shape(specs[out.index].shape) if len(specs) > out.index else "?"
        rows.append(("output", doc.layer_of(out.node).name, shape if out.loss else f"{shape}, no loss: not read"))
    return rows


def _new_id(section: DataSection | None, kind: str, path: str | None) -> str:
    base = re.sub(r"\W+", "_", Path(path).stem if path else kind).strip("_").lower() or "data"
    taken = {s.id for s in section.sources} if section is not None else set()
    candidate, k = base, 2
    while candidate in taken:
        candidate, k = f"{base}_{k}", k + 1
    return candidate


def add_source(section: DataSection | None, kind: str, path: str | None) -> dict:
    """The section with a new source of ``kind`` reading ``path``.

    The path is kept absolute in memory (as :func:`graph_core.loom_format.load` leaves them);
    saving writes it relative to the project file.
    """
    stored = None if kind == "synthetic" else relative_path(path, None)
    source = DataSource(_new_id(section, kind, path), kind, stored)
    section = section or DataSection()
    return section_to_dict(replace(section, sources=tuple(section.sources) + (source,)))


def remove_source(section: DataSection, source_id: str) -> dict | None:
    """The section without source ``source_id`` and the mappings naming it (None: nothing is left)."""
    sources = tuple(s for s in section.sources if s.id != source_id)
    if not sources:
        return None

    def keep(bindings: dict) -> dict:
        return {name: b for name, b in bindings.items() if b.source != source_id}

    validation = {k: v for k, v in section.validation.items() if source_id not in (k, v)}
    return section_to_dict(replace(section, sources=sources, inputs=keep(section.inputs),
                                   outputs=keep(section.outputs), validation=validation))


def set_source_option(section: DataSection, source_id: str, key: str, value) -> dict:
    """The section with one option (``delimiter``, ``header``, ``image_size``, ``color_mode``) of a source set."""
    sources = tuple(replace(s, **{key: value}) if s.id == source_id else s for s in section.sources)
    return section_to_dict(replace(section, sources=sources))


def set_validation(section: DataSection, source_id: str | None) -> dict:
    """The section validating every other source on ``source_id`` (None: use the validation split)."""
    validation = {} if source_id is None else {s.id: source_id for s in section.sources if s.id != source_id}
    return section_to_dict(replace(section, validation=validation))


def _columns(text: str) -> tuple:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def set_binding(section: DataSection, role: str, name: str, key: str, value) -> dict:
    """The section with the binding of model input/output ``name`` changed.

    Args:
        section: the section.
        role: ``"input"`` or ``"output"``.
        name: the Input layer name or output name.
        key: ``"source"`` (a source id, or None for the default), ``"field"`` (the ``.npz``
            array name, or comma-separated CSV columns, "" for the default) or ``"type"`` (the
            CSV value type, None for the model's).
        value: the new value.
    """
    bindings = dict(section.inputs if role == "input" else section.outputs)
    binding = bindings.get(name, Binding())
    if key == "source":
        binding = replace(binding, source=value or None)
    elif key == "type":
        binding = replace(binding, type=value or None)
    else:
        source_id = binding.source or (section.sources[0].id if len(section.sources) == 1 else None)
        kind = next((s.kind for s in section.sources if s.id == source_id), None)
        text = str(value or "").strip()
        if kind == "csv":
            binding = replace(binding, columns=_columns(text), array=None)
        else:
            binding = replace(binding, array=text or None, columns=())
    empty = binding == Binding() and not binding.extra
    if empty:
        bindings.pop(name, None)
    else:
        bindings[name] = binding
    changed = replace(section, inputs=bindings) if role == "input" else replace(section, outputs=bindings)
    return section_to_dict(changed)



def shown_path(stored: str | None, project_file: str | None) -> str:
    """A source path as the Data tab shows it: relative to the project folder when it can be."""
    if not stored:
        return "(random data)"
    return relative_path(stored, project_file) if project_file else stored
