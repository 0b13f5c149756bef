"""Step through the forward pass: every node's output for one sample, with statistics.

The document is built as usual; a second ``keras.Model`` on the same layers exposes the output
tensors of every node (each call of a shared layer separately), so one ``predict`` gives all the
intermediate values. A sample comes from a ``.npz`` file (one array per model input, keyed by
the Input layer's name; read with ``allow_pickle=False``) or is drawn with LayerLoom's synthetic
data rules; weights come from a ``.weights.h5`` file or a seeded initialisation.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from codegen.errors import BuildError, CodegenError
from codegen.operation_calls import model_operation
from graph_core.document import Document

MAX_SAMPLE_BYTES = 256 * 1024 * 1024
"""Largest ``.npz`` sample read."""

PREVIEW_SIDE = 32
"""Largest side of the small picture kept for each output (the editor's heat map)."""


@dataclass
class NodeTrace:
    """The values one node produced for the sample.

    Attributes:
        node_id: the node.
        layer: its layer's name.
        call: which call of a shared layer it is (1-based; 1 for an unshared layer).
        outputs: ``[{"shape", "dtype", "mean", "std", "min", "max"}]`` per output tensor.
        previews: per output, a small 2-D list of floats (or None) to draw.
    """

    node_id: str
    layer: str
    call: int
    outputs: list
    previews: list = field(default_factory=list)


@dataclass
class Trace:
    """Every node's values, in the order the forward pass computes them."""

    order: list
    nodes: dict

    def to_json(self, previews: bool = False) -> dict:
        """``{"order": [...], "nodes": {id: {"layer": NAME, "call": k, "outputs": [...]}}}``."""
        nodes = {}
        for nid in self.order:
            item = self.nodes[nid]
            entry = {"layer": item.layer, "call": item.call, "outputs": item.outputs}
            if previews:
                entry["previews"] = item.previews
            nodes[nid] = entry
        return {"order": list(self.order), "nodes": nodes}


def trace_document(doc: Document, sample: dict | None = None, weights: str | None = None,
                   seed: int = 0) -> Trace:
    """Run one sample through ``doc``'s model and record every node's outputs.

    Args:
        doc: a valid document.
        sample: ``{input layer name: array}`` with or without the batch axis; None draws a
            synthetic sample with ``seed``.
        weights: a ``.weights.h5`` file to load (default: Keras's initialisation under ``seed``).
        seed: seeds the initialisation and the synthetic sample.

    Returns:
        A :class:`Trace`.

    Raises:
        BuildError: the model cannot be built, or the sample or weights do not fit it.
    """
    import keras

    from codegen.build import build_model, used_nodes
    from codegen.synthetic import synthetic_data

    keras.utils.set_random_seed(int(seed))
    model = build_model(doc, compile=False)
    if weights is not None:
        try:
            model.load_weights(weights)
        except Exception as exc:
            raise BuildError(f"{weights}: the weights do not fit this model ({_short(exc)})") from None
    order = used_nodes(doc)
    tensors = node_tensors(doc, model, order)
    flat = [t for nid in order for t in tensors[nid]]
    probe = keras.Model(model.inputs, flat)
    inputs = _sample_inputs(doc, sample) if sample is not None else \
        [x[:1] for x in synthetic_data(doc, samples=1, seed=seed).inputs]
    try:
        values = probe.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    except Exception as exc:
        raise BuildError(f"the sample does not fit the model: {_short(exc)}") from None
    values = values if isinstance(values, list) else [values]
    result, k = {}, 0
    for nid in order:
        count = len(tensors[nid])
        arrays = [np.asarray(v) for v in values[k:k + count]]
        k += count
        layer = doc.layer_of(nid)
        calls = doc.nodes_of(layer.id)
        result[nid] = NodeTrace(nid, layer.name, calls.index(nid) + 1, [statistics(a) for a in arrays],
                                [preview(a) for a in arrays])
    return Trace(order, result)


def node_tensors(doc: Document, model, order: list) -> dict:
    """``{node id: [keras tensors]}``: the symbolic outputs of each node of the built model.

    The k-th call of a document layer is the k-th call of its Keras layer inside ``model``.
    """
    from keras.src.ops.function import make_node_key

    calls: dict = {}
    for nid in order:
        calls.setdefault(doc.nodes[nid].layer, []).append(nid)
    found = {}
    for layer_id, nids in calls.items():
        layer = doc.layers[layer_id]
        instance = model_operation(model, layer.name)  # a layer, or an operation node's Keras operation
        nodes = [n for i, n in enumerate(instance._inbound_nodes) if make_node_key(instance, i) in model._nodes]
        if layer.type == "Input":
            found[nids[0]] = [instance.output]
            continue
        if len(nodes) != len(nids):
            raise BuildError(f"layer '{layer.name}': {len(nodes)} Keras calls for {len(nids)} nodes")
        for nid, node in zip(nids, nodes):
            found[nid] = list(node.output_tensors)
    return found


def statistics(array: np.ndarray) -> dict:
    """Shape, dtype, mean, std, min and max of one output (NaN and infinities become None)."""
    data = np.asarray(array)
    numeric = data.astype(np.float64) if data.size and data.dtype.kind in "biuf" else None
    stats = {"shape": [int(d) for d in data.shape], "dtype": str(data.dtype)}
    for key, func in (("mean", np.mean), ("std", np.std), ("min", np.min), ("max", np.max)):
        value = float(func(numeric)) if numeric is not None else None
        stats[key] = value if value is not None and math.isfinite(value) else None
    return stats


def preview(array: np.ndarray) -> list | None:
    """A small 2-D picture of one sample's output (at most :data:`PREVIEW_SIDE` a side).

    A vector gives one row; a sequence or matrix its (time, features) grid; feature maps
    ``(rows, cols, channels)`` a strip of the first channels side by side.
    """
    data = np.asarray(array, dtype=np.float64)[0] if np.asarray(array).ndim >= 1 else None
    if data is None or data.size == 0 or not np.all(np.isfinite(data)):
        return None
    if data.ndim == 0:
        grid = data.reshape(1, 1)
    elif data.ndim == 1:
        grid = data.reshape(1, -1)
    elif data.ndim == 2:
        grid = data
    else:
        maps = data.reshape(data.shape[0], data.shape[1], -1)[:, :, :4]
        grid = np.concatenate([maps[:, :, c] for c in range(maps.shape[2])], axis=1)
    step_r = max(1, math.ceil(grid.shape[0] / PREVIEW_SIDE))
    step_c = max(1, math.ceil(grid.shape[1] / (PREVIEW_SIDE * (4 if data.ndim >= 3 else 1))))
    small = grid[::step_r, ::step_c]
    return [[round(float(v), 5) for v in row] for row in small]


def load_sample(path: str, doc: Document) -> dict:
    """Read a ``.npz`` sample: one array per model input, keyed by Input layer name.

    Raises:
        CodegenError: unreadable, too large, pickled objects, or missing inputs.
    """
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise CodegenError(f"{path}: {exc.strerror or exc}") from None
    if size > MAX_SAMPLE_BYTES:
        raise CodegenError(f"{path}: {size:,} bytes; at most {MAX_SAMPLE_BYTES:,} are read")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: np.array(data[name]) for name in data.files}
    except Exception as exc:
        raise CodegenError(f"{path}: not a readable .npz of plain arrays ({_short(exc)})") from None
    names = [doc.layer_of(nid).name for nid in doc.input_nodes()]
    missing = [n for n in names if n not in arrays]
    if missing:
        raise CodegenError(f"{path}: no array for input '{missing[0]}' (the file has "
                           f"{', '.join(arrays) or 'no arrays'}; inputs: {', '.join(names)})")
    return {n: arrays[n] for n in names}


def _sample_inputs(doc: Document, sample: dict) -> list:
    out = []
    for nid in doc.input_nodes():
        layer = doc.layer_of(nid)
        array = np.asarray(sample[layer.name])
        shape = layer.config.get("shape") or []
        if array.ndim == len(shape):
            array = array[None]
        if array.ndim != len(shape) + 1:
            raise BuildError(f"input '{layer.name}' expects shape {tuple(shape)} per sample, got "
                             f"{tuple(array.shape)}")
        out.append(array[:1])
    return out


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
