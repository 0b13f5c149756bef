"""Measured latency: each layer's forward time on the current Keras backend, and the whole model's.

The model is built once (:func:`codegen.build.build_model`) and fed one batch of synthetic inputs
(:mod:`codegen.synthetic`). The graph is then replayed call by call, in the build's order, on
concrete tensors: each node's layer instance is called on the outputs its inputs produced (once
to warm up). Then, ``repeats`` times, the whole model's forward call and every layer call are
timed in turn, and the medians are kept: interleaving lets both totals see the same machine
load. Both run eagerly in inference mode, so the per-layer times add up to about the model's time
(the difference is the functional model's own bookkeeping). Keras is imported inside the
functions only.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from codegen.build import build_model, call_layer, used_nodes
from codegen.errors import BuildError
from codegen.operation_calls import OperationCall
from graph_core.document import Document
from graph_core.layer_kinds import kind_of


def _ready(value):
    """Wait until a backend's asynchronous result is computed (JAX); TensorFlow eager is synchronous."""
    for item in value if isinstance(value, (list, tuple)) else (value,):
        block = getattr(item, "block_until_ready", None)
        if block is not None:
            block()
    return value


def _time_ms(fn: Callable) -> float:
    start = time.perf_counter()
    _ready(fn())
    return (time.perf_counter() - start) * 1000


def _bound_call(instance, layer, node, args: list) -> Callable:
    return lambda: call_layer(instance, layer, node, args)


def _model_inputs(doc: Document, model, batch_size: int) -> list:
    from codegen.synthetic import synthetic_data

    data = synthetic_data(doc, samples=batch_size, seed=0, model=model)
    return data.x if isinstance(data.x, list) else [data.x]


def profile_model(doc: Document, batch_size: int = 1, repeats: int = 10,
                  should_stop: Callable[[], bool] | None = None) -> dict:
    """Time every layer call and the whole model's forward pass.

    Args:
        doc: a valid document.
        batch_size: samples in the batch fed to the model.
        repeats: timed calls per layer and for the model (the median is kept).
        should_stop: polled between layers; returning True stops with :class:`BuildError`.

    Returns:
        ``{"nodes": {node_id: {"layer": name, "ms": f}}, "total_ms": f, "model_ms": f,
        "batch_size": n, "repeats": r, "backend": name}``; Input nodes are left out.

    Raises:
        BuildError: the document cannot be built, or its inputs have no synthetic data.
    """
    import keras

    model = build_model(doc, compile=False)
    arrays = [keras.ops.convert_to_tensor(a) for a in _model_inputs(doc, model, batch_size)]
    feed = arrays[0] if len(arrays) == 1 else arrays
    tensors: dict = {nid: [a] for nid, a in zip(doc.input_nodes(), arrays)}
    calls: list = []  # (node id, layer name, a call of that node on its concrete inputs)
    for nid in used_nodes(doc):
        if nid in tensors:
            continue
        layer = doc.layer_of(nid)
        instance = OperationCall(layer) if kind_of(layer) == "operation" else model.get_layer(layer.name)
        args = [tensors[ref.node][ref.index] for ref in doc.nodes[nid].inputs]
        node = doc.nodes[nid]
        result = _ready(call_layer(instance, layer, node, args))  # also the warm-up call
        tensors[nid] = list(result) if isinstance(result, (list, tuple)) else [result]
        calls.append((nid, layer.name, _bound_call(instance, layer, node, args)))
    _ready(model(feed, training=False))
    model_times: list = []
    node_times: dict = {nid: [] for nid, _name, _call in calls}
    for _ in range(repeats):  # interleaved, so both totals see the same machine load
        if should_stop is not None and should_stop():
            raise BuildError("profiling was cancelled")
        model_times.append(_time_ms(lambda: model(feed, training=False)))
        for nid, _name, call in calls:
            node_times[nid].append(_time_ms(call))
    nodes = {nid: {"layer": name, "ms": statistics.median(node_times[nid])} for nid, name, _call in calls}
    model_ms = statistics.median(model_times)
    return {"nodes": nodes, "total_ms": sum(entry["ms"] for entry in nodes.values()), "model_ms": model_ms,
            "batch_size": batch_size, "repeats": repeats, "backend": keras.backend.backend()}
