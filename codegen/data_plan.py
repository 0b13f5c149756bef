"""What synthetic training data a document needs: shapes, dtypes, value ranges and target kinds.

Pure Python on top of :mod:`graph_core` (no numpy, no Keras), so that both the synthetic fit
(:mod:`codegen.synthetic`) and the exported script (:mod:`codegen.python_export`) follow exactly
the same rules:

- a ``None`` dimension of an Input gets the smallest length of :data:`LENGTHS` for which
  graph_core's shape inference accepts the whole model (a conv/pool stack needs long sequences);
- float inputs get floats in ``[0, 1)``; integer inputs that feed an ``Embedding`` (also through
  wrappers and nested models) get ids in ``[0, input_dim)`` for the smallest such ``input_dim``;
  other integer inputs get small integers in ``[0, SMALL_INT_HIGH)``;
- each output gets targets matching its loss (:func:`target_kind`).
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.synthetic_text import string_plan
from graph_core import catalog
from graph_core.analysis import check
from graph_core.document import Document
from graph_core.graph_algorithms import walk_downstream
from graph_core.layer_kinds import kind_of
from graph_core.losses import canonical_loss
from graph_core.losses import target_kind as _loss_target_kind
from graph_core.tensor import FLOAT_DTYPES, INTEGER_DTYPES

LENGTHS = (8, 16, 32, 64, 128, 256, 512, 1024)
"""Candidate lengths for the ``None`` dimensions of the inputs, smallest first."""

SMALL_INT_HIGH = 10
"""Integer inputs that feed no Embedding get values in ``[0, SMALL_INT_HIGH)``."""

POSITIVE_LOW, POSITIVE_HIGH = 0.5, 2.0
"""Targets of ``poisson``/``msle``/``mape`` are uniform in ``[POSITIVE_LOW, POSITIVE_HIGH)``."""


@dataclass(frozen=True)
class InputPlan:
    """How to generate one model input.

    Attributes:
        name: the Input layer's name (the key Keras uses for it).
        shape: the shape without the batch axis, ``None`` dimensions replaced.
        dtype: the Input's dtype.
        kind: ``"float"`` (``[0, 1)``), ``"ids"`` (``[0, high)`` for an Embedding),
            ``"int"`` (``[0, high)``, small), ``"bool"``, or for strings ``"text"``
            (sentences) and ``"tokens"`` (single words).
        high: the exclusive upper bound of integer kinds (None for floats and bools).
        words: the words string inputs are drawn from (:mod:`codegen.synthetic_text`).
    """

    name: str
    shape: tuple
    dtype: str
    kind: str
    high: int | None = None
    words: tuple = ()


@dataclass(frozen=True)
class TargetPlan:
    """How to generate the targets of one model output.

    Attributes:
        name: the output's Keras name (its layer name).
        loss: the loss name as written in the document (None when the output has none).
        kind: ``"onehot"``, ``"class_ids"``, ``"binary"``, ``"positive"`` or ``"float"``.
        shape: the target shape without the batch axis, or None when graph_core cannot know
            it (an Application whose shapes are not measured yet): take it from Keras then.
        classes: the number of classes of ``onehot`` and ``class_ids`` targets.
    """

    name: str
    loss: str | None
    kind: str
    shape: tuple | None
    classes: int | None = None


@dataclass(frozen=True)
class DataPlan:
    """The synthetic data of a whole document.

    Attributes:
        inputs: one :class:`InputPlan` per model input, in model order.
        targets: one :class:`TargetPlan` per model output, in model order.
        length: the length chosen for ``None`` dimensions (None when there are none).
        keyed_outputs: True when the model has several outputs with distinct names, so losses
            and targets are dicts keyed by output name; False for the plain / list form.
    """

    inputs: tuple
    targets: tuple
    length: int | None
    keyed_outputs: bool


def target_kind(loss: str | None) -> str:
    """What targets a loss wants (graph_core's rule, with ``mape`` kept away from zero).

    Args:
        loss: a loss name or None.

    Returns:
        ``"onehot"``, ``"class_ids"``, ``"binary"``, ``"positive"`` or ``"float"``.
    """
    if loss is not None and canonical_loss(loss) == "mape":
        return "positive"
    return _loss_target_kind(loss)


def output_names(doc: Document) -> list:
    """The Keras names of the model outputs (the layer names of their nodes), in order."""
    return [doc.layer_of(out.node).name for out in doc.outputs]


def outputs_keyed(doc: Document) -> bool:
    """True when compile settings and targets are dicts keyed by output name.

    That is the case for several outputs with distinct names; a single output uses the plain
    form and outputs sharing a name (two outputs of one layer) the list form, and so do models
    with an output made by an operation (``x * 2.0`` cannot be given a name in exported code, so
    Keras names it itself).
    """
    names = output_names(doc)
    if any(kind_of(doc.layer_of(out.node)) == "operation" for out in doc.outputs):
        return False
    return len(names) > 1 and len(set(names)) == len(names)


def has_variable_dims(doc: Document) -> bool:
    """True when some Input shape has a ``None`` dimension."""
    return any(d is None for nid in doc.input_nodes()
               for d in (doc.layer_of(nid).config.get("shape") or ()))


def with_input_length(doc: Document, length: int) -> Document:
    """Return a copy of ``doc`` whose Input shapes have ``None`` replaced by ``length``."""
    copy = doc.clone()
    for nid in copy.input_nodes():
        layer = copy.layer_of(nid)
        shape = layer.config.get("shape")
        if isinstance(shape, (list, tuple)):
            layer.config["shape"] = [length if d is None else d for d in shape]
    return copy


def choose_length(doc: Document, result=None) -> tuple:
    """Pick the length for ``None`` Input dimensions and check the model with it.

    Args:
        doc: the document.
        result: its current check result, when the caller has one (used when no Input has a
            ``None`` dimension, instead of checking again).

    Returns:
        ``(length, result)``: the smallest of :data:`LENGTHS` for which graph_core accepts the
        model (None when no Input has a ``None`` dimension) and the check result of the model
        with that length substituted. When no length works, the largest is returned with its
        (invalid) result.
    """
    if not has_variable_dims(doc):
        return None, result if result is not None else check(doc)
    result = None
    for length in LENGTHS:
        result = check(with_input_length(doc, length))
        if result.valid:
            return length, result
    return LENGTHS[-1], result


def embedding_bound(doc: Document, input_node: str) -> int | None:
    """The smallest ``input_dim`` of the Embeddings fed (directly or not) by ``input_node``.

    Follows data flow through every layer, into nested models (through the Input fed at the
    same position) and into wrappers (``TimeDistributed(Embedding)``).

    Returns:
        The bound, or None when the input feeds no Embedding.
    """
    dims: list = []

    def visit(_doc, _nid, layer) -> bool:
        dim = _embedding_dim(layer.type, layer.config)
        if dim is not None:
            dims.append(dim)
        return True

    walk_downstream(doc, input_node, visit)
    return min(dims) if dims else None


def _embedding_dim(layer_type: str, config: dict) -> int | None:
    if layer_type == "Embedding":
        dim = config.get("input_dim")
        return dim if isinstance(dim, int) and not isinstance(dim, bool) and dim > 0 else None
    spec = catalog.get_spec(layer_type)
    inner = config.get("layer") if spec is not None and spec.is_wrapper else None
    if isinstance(inner, dict) and isinstance(inner.get("config"), dict):
        return _embedding_dim(str(inner.get("type")), inner["config"])
    return None


def plan_data(doc: Document, result=None) -> DataPlan:
    """Work out the synthetic inputs and targets of ``doc``.

    Args:
        doc: a valid document.
        result: its current check result (:func:`graph_core.check`), when the caller has one.

    Returns:
        The :class:`DataPlan`. Target shapes graph_core cannot infer are None.
    """
    length, result = choose_length(doc, result)
    inputs = []
    for nid in doc.input_nodes():
        layer = doc.layer_of(nid)
        dtype = str(layer.config.get("dtype") or "float32")
        shape = tuple(length if d is None else d for d in (layer.config.get("shape") or ()))
        if dtype in INTEGER_DTYPES:
            bound = embedding_bound(doc, nid)
            if bound is not None:
                inputs.append(InputPlan(layer.name, shape, dtype, "ids", bound))
            else:
                inputs.append(InputPlan(layer.name, shape, dtype, "int", SMALL_INT_HIGH))
        elif dtype == "bool":
            inputs.append(InputPlan(layer.name, shape, dtype, "bool"))
        elif dtype in FLOAT_DTYPES:
            inputs.append(InputPlan(layer.name, shape, dtype, "float"))
        elif dtype == "string":
            kind, words = string_plan(doc, nid)
            inputs.append(InputPlan(layer.name, shape, dtype, kind, words=words))
        else:
            inputs.append(InputPlan(layer.name, shape, dtype, "unsupported"))
    targets = []
    names = output_names(doc)
    for name, out in zip(names, doc.outputs):
        spec = result.nodes.get(out.node).output(out.index) if out.node in result.nodes else None
        shape = tuple(spec.shape[1:]) if spec is not None and spec.shape is not None else None
        if shape is not None and any(d is None for d in shape):
            shape = None
        kind = target_kind(out.loss) if out.loss is not None else "float"
        classes = None
        if kind in ("onehot", "class_ids"):
            classes = shape[-1] if shape else None
            if kind == "class_ids" and shape is not None:
                shape = shape[:-1]
        targets.append(TargetPlan(name, out.loss, kind, shape, classes))
    return DataPlan(tuple(inputs), tuple(targets), length, outputs_keyed(doc))


def target_shape_from_output(kind: str, output_shape: tuple) -> tuple:
    """The target shape (no batch axis) for an output of ``output_shape`` (no batch axis)."""
    if kind == "class_ids":
        return tuple(output_shape[:-1])
    return tuple(output_shape)
