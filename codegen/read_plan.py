"""The read plan of a document's data section: plain dicts telling :mod:`codegen.data_readers`
what to read for each model input and output (see that module's docstring for the layout).

Used by the loader (:mod:`codegen.data_loaders`) and by the exported script's literals
(:mod:`codegen.data_export`); imports no numpy, so exporting Python stays light.
"""

from __future__ import annotations

from codegen.data_plan import DataPlan, output_names
from codegen.errors import DataError
from graph_core.data_sources import (
    DataSection,
    DataSource,
    ResolvedBinding,
    resolve_bindings,
    resolve_path,
)
from graph_core.document import Document
from graph_core.errors import DataSourceError
from graph_core.tensor import INTEGER_DTYPES


def read_plan(doc: Document, section: DataSection, plan: DataPlan, *, project_file=None, role: str = "train",
              targets: bool = True) -> tuple:
    """The plain-dict read plan of :func:`codegen.data_readers.load_arrays` for ``doc``.

    Args:
        doc: the document.
        section: its data section (paths replaced as wanted).
        plan: the document's complete :class:`~codegen.data_plan.DataPlan`.
        project_file: relative paths are taken from its folder.
        role: ``"train"`` or ``"validation"``.
        targets: include the outputs that have a loss (False: inputs only, for a prediction).

    Returns:
        ``(sources, inputs, targets)`` as :mod:`codegen.data_readers` describes them (absolute
        paths), or None when every mapped source is ``synthetic``.

    Raises:
        DataError: the mapping is incomplete, mixes synthetic data with files, or an image folder
            does not fit the Input.
    """
    try:
        bindings = resolve_bindings(section, [item.name for item in plan.inputs], output_names(doc), role)
    except DataSourceError as exc:
        raise DataError(str(exc)) from None
    if all(b.source.kind == "synthetic" for b in bindings):
        return None
    losses = {name: out.loss for name, out in zip(output_names(doc), doc.outputs)}
    sources, inputs, outs = {}, [], []
    for binding in bindings:
        if binding.role == "output" and (not targets or not losses.get(binding.name)):
            continue
        if binding.source.kind == "synthetic":
            raise DataError(f"{binding.role} '{binding.name}': synthetic data cannot be mixed with data "
                            f"read from files")
        source = binding.source
        if source.id not in sources:
            sources[source.id] = _source_entry(source, plan, project_file)
        entry = {"name": binding.name, "source": source.id, "field": binding.field,
                 "columns": list(binding.columns), "type": binding.type, "where": _describe(binding)}
        if binding.role == "input":
            item = next(i for i in plan.inputs if i.name == binding.name)
            entry.update(shape=list(_input_shape(doc, item.name)), dtype=item.dtype)
            if source.kind == "csv" and entry["type"] is None:
                entry["type"] = ("int" if item.dtype in INTEGER_DTYPES or item.dtype == "bool" else
                                 "string" if item.dtype == "string" else "float")
            inputs.append(entry)
        else:
            item = next(t for t in plan.targets if t.name == binding.name)
            entry.update(kind=item.kind, shape=list(item.shape), classes=item.classes, loss=item.loss)
            if source.kind == "csv" and entry["type"] is None:
                entry["type"] = "int" if item.kind in ("onehot", "class_ids") else "float"
            outs.append(entry)
    return sources, inputs, outs


def _describe(binding: ResolvedBinding) -> str:
    """Where the values of a binding come from, for messages: ``digits.npz array 'x'``."""
    where = binding.source.path
    if binding.source.kind == "npz":
        return f"{where} array {binding.field!r}"
    if binding.source.kind == "csv":
        cols = {("*rest",): "all columns but the last", ("*last",): "the last column"}.get(
            binding.columns, "columns " + ", ".join(str(c) for c in binding.columns))
        return f"{where} ({cols})"
    if binding.source.kind in ("image_folder", "text_folder"):
        return f"{where} ({binding.field})"
    return str(where)


def _source_entry(source: DataSource, plan: DataPlan, project_file) -> dict:
    entry = {"kind": source.kind, "path": resolve_path(source, project_file).as_posix(),
             "delimiter": source.delimiter, "header": source.header, "image_size": None, "color_mode": None}
    if source.kind == "image_folder":
        shape = plan.inputs[0].shape if len(plan.inputs) == 1 else ()
        if source.image_size is not None:
            size = source.image_size
        elif len(shape) == 3 and shape[0] and shape[1]:
            size = (shape[0], shape[1])
        else:
            raise DataError(f"image folder {source.path}: the Input needs a (height, width, channels) "
                            f"shape, or the source an image_size")
        channels = shape[2] if len(shape) == 3 else 3
        entry["image_size"] = list(size)
        entry["color_mode"] = source.color_mode or {1: "grayscale", 3: "rgb", 4: "rgba"}.get(channels, "rgb")
    return entry


def _input_shape(doc: Document, name: str) -> tuple:
    for nid in doc.input_nodes():
        layer = doc.layer_of(nid)
        if layer.name == name:
            return tuple(layer.config.get("shape") or ())
    raise DataError(f"the model has no input {name!r}")
