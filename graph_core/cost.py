"""What a model costs: multiply-accumulates, FLOPs, weight and activation memory, peak memory.

Computed from a document and its :class:`~graph_core.analysis.CheckResult` (the output specs of
every node), in pure Python. The convention is written down in ``docs/cost.md``: 2 FLOPs per
MAC; bias, activation, normalization, pooling and merges count 0 (see
:mod:`graph_core.cost_rules`). Anything that depends on an unknown size or an unknown layer is
None, and so is every total it enters: never a guessed number.

Typical use::

    result = check(doc)
    report = model_cost(doc, result, batch_size=8)
    report.flops, report.peak_activation_bytes, report.nodes["n3"].macs

:class:`CostTracker` keeps per-node figures between calls and recomputes only the nodes whose
check result changed, for the editor's live display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from graph_core import catalog
from graph_core.cost_rules import macs as layer_macs
from graph_core.document import Document, Layer
from graph_core.graph_algorithms import ancestors, topological_order
from graph_core.tensor import TensorSpec

#: Bytes per element of each dtype (``string`` has no fixed size: unknown).
DTYPE_BYTES = {
    "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "bool": 1,
    "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "int64": 8, "uint64": 8,
}

#: Per-weight state slots an optimizer keeps (Keras 3 defaults: no momentum for SGD).
OPTIMIZER_SLOTS = {
    "sgd": 0, "rmsprop": 1, "adagrad": 1, "lion": 1, "adam": 2, "adamw": 2, "nadam": 2,
    "adamax": 2, "adadelta": 2, "ftrl": 2, "adafactor": 2,
}

DEFAULT_BATCH_SIZE = 1


@dataclass(frozen=True)
class NodeCost:
    """The cost of one node (one call).

    Attributes:
        macs: multiply-accumulates at the batch size, None when unknown.
        activation_bytes: bytes of the tensors the call produces, None when unknown.
    """

    macs: int | None
    activation_bytes: int | None

    @property
    def flops(self) -> int | None:
        """2 FLOPs per MAC, None when unknown."""
        return None if self.macs is None else 2 * self.macs


@dataclass
class ModelCost:
    """Per-node and total figures of a document at one batch size.

    Attributes:
        batch_size: the batch size the figures are for.
        nodes: node id -> :class:`NodeCost`.
        layer_weight_bytes: layer id -> bytes of its weights (shared layers once), None when unknown.
        macs, weight_bytes, activation_bytes: totals over the model (None when a part is unknown).
        peak_activation_bytes: the most activation memory alive at once when the nodes run in
            topological order and each tensor is freed after its last reader.
        training_bytes: estimate for one training step: activations kept for backprop and their
            gradients (2 × activations) plus weights, their gradients and the optimizer's slots.
    """

    batch_size: int
    nodes: dict
    layer_weight_bytes: dict
    macs: int | None
    weight_bytes: int | None
    activation_bytes: int | None
    peak_activation_bytes: int | None
    training_bytes: int | None = None
    optimizer_slots: int | None = None
    model_nodes: frozenset = field(default_factory=frozenset)

    @property
    def flops(self) -> int | None:
        """Total FLOPs (2 per MAC), None when unknown."""
        return None if self.macs is None else 2 * self.macs

    def to_json(self) -> dict:
        """The top-level ``"cost"`` object of ``layerloom check --json``."""
        return {"batch_size": self.batch_size, "flops": self.flops, "macs": self.macs,
                "weight_bytes": self.weight_bytes, "activation_bytes": self.activation_bytes,
                "peak_activation_bytes": self.peak_activation_bytes, "training_bytes": self.training_bytes}

    def add_to_report(self, report: dict) -> dict:
        """Add per-node ``macs``/``flops``/``activation_bytes`` and ``cost`` to a check report.

        Args:
            report: the dict of :meth:`CheckResult.to_json` (changed in place).

        Returns:
            The same dict.
        """
        for nid, entry in report.get("nodes", {}).items():
            cost = self.nodes.get(nid, NodeCost(None, None))
            entry["macs"], entry["flops"], entry["activation_bytes"] = cost.macs, cost.flops, cost.activation_bytes
        report["cost"] = self.to_json()
        return report


def tensor_bytes(spec: TensorSpec, batch_size: int) -> int | None:
    """Bytes of one tensor with its batch axis set to ``batch_size`` (None when a size is unknown)."""
    shape = spec.shape
    size = DTYPE_BYTES.get(spec.dtype)
    if shape is None or size is None:
        return None
    count = size
    for i, d in enumerate(shape):
        if i == 0 and d is None:
            d = batch_size
        if d is None:
            return None
        count *= d
    return count


def with_batch(spec: TensorSpec, batch_size: int) -> TensorSpec:
    """The spec with an unknown batch axis set to ``batch_size``."""
    if spec.shape is None or not spec.shape or spec.shape[0] is not None:
        return spec
    return TensorSpec((batch_size, *spec.shape[1:]), spec.dtype)


def variable_dtype(layer: Layer) -> str:
    """The dtype a layer keeps its weights in (mixed policies keep float32 variables)."""
    policy = layer.config.get("dtype")
    if isinstance(policy, dict):
        policy = (policy.get("config") or {}).get("name")
    if policy is None or str(policy).startswith("mixed_") or policy not in DTYPE_BYTES:
        return "float32"
    return policy


def _sum_known(values) -> int | None:
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total


class CostTracker:
    """Computes :class:`ModelCost` and remembers per-node figures for the next call.

    A node is recomputed only when its check result object changed (the incremental
    :class:`~graph_core.analysis.Analyzer` keeps the object of every node it did not re-check),
    or when the batch size changed.

    Args:
        result_of: returns the check result of a nested document (defaults to a fresh check).
    """

    def __init__(self, result_of: Callable | None = None):
        self._result_of = result_of
        self._cache: dict = {}
        self._batch: int | None = None

    def compute(self, doc: Document, result, batch_size: int = DEFAULT_BATCH_SIZE) -> ModelCost:
        """The cost of ``doc`` given its check ``result``.

        Args:
            doc: the document.
            result: its :class:`~graph_core.analysis.CheckResult`.
            batch_size: the batch size used for unknown batch axes.

        Returns:
            A :class:`ModelCost`.
        """
        if batch_size != self._batch:
            self._cache, self._batch = {}, batch_size
        cache, results = self._cache, result.nodes
        nodes: dict = {}
        for nid in doc.nodes:
            res = results.get(nid)
            hit = cache.get(nid)
            if hit is not None and hit[0] is res and res is not None:
                nodes[nid] = hit[1]
                continue
            cost = self._node_cost(doc, nid, results, batch_size)
            cache[nid] = (res, cost)
            nodes[nid] = cost
        for nid in [n for n in cache if n not in doc.nodes]:
            del cache[nid]
        return _assemble(doc, result, nodes, batch_size, self._layer_weight_bytes(doc, result, batch_size))

    def _node_cost(self, doc: Document, nid: str, results: dict, batch_size: int) -> NodeCost:
        res = results.get(nid)
        if res is None or res.outputs is None:
            return NodeCost(None, None)
        outputs = [with_batch(s, batch_size) for s in res.outputs]
        activation = _sum_known(tensor_bytes(s, batch_size) for s in outputs)
        layer = doc.layer_of(nid)
        if layer.type == "Model":
            return self._model_node_cost(layer, batch_size)
        if layer.type == "Application":
            return NodeCost(None, activation)
        inputs = [with_batch(results[r.node].output(r.index) if r.node in results else TensorSpec(None),
                             batch_size) for r in doc.nodes[nid].inputs]
        if catalog.get_spec(layer.type) is None:
            return NodeCost(None, activation)
        try:
            config = catalog.resolve_config(layer.type, layer.config)
        except Exception:
            return NodeCost(None, activation)
        return NodeCost(layer_macs(layer.type, config, inputs, outputs), activation)

    def _sub_result(self, sub: Document):
        if self._result_of is not None:
            return self._result_of(sub)
        from graph_core.analysis import check

        return check(sub)

    def _model_node_cost(self, layer: Layer, batch_size: int) -> NodeCost:
        """A nested model call costs its inner nodes (its Inputs alias the tensors fed to it)."""
        sub = layer.subgraph
        if sub is None:
            return NodeCost(None, None)
        inner = CostTracker(self._result_of).compute(sub, self._sub_result(sub), batch_size)
        used = [n for n in sub.nodes if n in inner.model_nodes and sub.layer_of(n).type != "Input"]
        return NodeCost(_sum_known(inner.nodes[n].macs for n in used),
                        _sum_known(inner.nodes[n].activation_bytes for n in used))

    def _layer_weight_bytes(self, doc: Document, result, batch_size: int) -> dict:
        out = {}
        for layer_id, params in result.layer_params.items():
            layer = doc.layers.get(layer_id)
            if layer is None or params is None:
                out[layer_id] = None
            elif layer.type == "Model" and layer.subgraph is not None:
                inner = CostTracker(self._result_of).compute(layer.subgraph, self._sub_result(layer.subgraph),
                                                             batch_size)
                out[layer_id] = inner.weight_bytes
            else:
                out[layer_id] = (params[0] + params[1]) * DTYPE_BYTES[variable_dtype(layer)]
        return out


def _assemble(doc: Document, result, nodes: dict, batch_size: int, layer_bytes: dict) -> ModelCost:
    used = ancestors(doc, [o.node for o in doc.outputs]) if doc.outputs else set(doc.nodes)
    in_model = [n for n in doc.nodes if n in used]
    total_macs = _sum_known(nodes[n].macs for n in in_model)
    activation = _sum_known(nodes[n].activation_bytes for n in in_model)
    used_layers = {doc.nodes[n].layer for n in in_model}
    weights = _sum_known(b for lid, b in layer_bytes.items() if lid in used_layers)
    slots = OPTIMIZER_SLOTS.get(str((doc.compile or {}).get("optimizer", "rmsprop")).lower())
    training = None
    if weights is not None and activation is not None and slots is not None:
        training = 2 * activation + weights * (2 + slots)
    return ModelCost(batch_size, nodes, layer_bytes, total_macs, weights, activation,
                     peak_activation(doc, nodes, used), training, slots, frozenset(used))


def peak_activation(doc: Document, nodes: dict, used: set) -> int | None:
    """Peak bytes alive when the model's nodes run in topological order.

    A node's outputs are allocated when it runs and freed after its last reader has run; the
    model's outputs stay alive to the end. The peak is taken while a node runs, its inputs and
    its outputs both alive.

    Args:
        doc: the document.
        nodes: node id -> :class:`NodeCost`.
        used: the node ids that are part of the model.

    Returns:
        The peak in bytes, None when a tensor's size is unknown or the graph has a cycle.
    """
    order, cyclic = topological_order(doc)
    if cyclic:
        return None
    order = [n for n in order if n in used]
    position = {n: i for i, n in enumerate(order)}
    last_use = {n: i for i, n in enumerate(order)}
    for nid in order:
        for ref in doc.nodes[nid].inputs:
            if ref.node in last_use:
                last_use[ref.node] = max(last_use[ref.node], position[nid])
    for out in doc.outputs:
        if out.node in last_use:
            last_use[out.node] = len(order)
    frees: dict = {}
    for nid, step in last_use.items():
        frees.setdefault(step, []).append(nid)
    alive = peak = 0
    for step, nid in enumerate(order):
        size = nodes[nid].activation_bytes
        if size is None:
            return None
        alive += size
        peak = max(peak, alive)
        for done in frees.get(step, ()):
            alive -= nodes[done].activation_bytes
    return peak


def model_cost(doc: Document, result=None, batch_size: int = DEFAULT_BATCH_SIZE) -> ModelCost:
    """The cost of a document, checking it first when no result is given.

    Args:
        doc: the document.
        result: its check result (computed when None).
        batch_size: the batch size used for unknown batch axes.

    Returns:
        A :class:`ModelCost`.
    """
    if result is None:
        from graph_core.analysis import check

        result = check(doc)
    return CostTracker().compute(doc, result, batch_size)


def human_count(value: int | None, unit: str = "") -> str:
    """``1234567`` -> ``"1.23 M"`` (with ``unit`` appended); ``"?"`` when unknown."""
    if value is None:
        return "?"
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value} {unit}".rstrip()


def human_bytes(value: int | None) -> str:
    """Bytes in binary units: ``3145728`` -> ``"3 MiB"``; ``"?"`` when unknown."""
    if value is None:
        return "?"
    for scale, unit in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value} B"


def summary_line(cost: ModelCost) -> str:
    """One line for a status bar or a report: FLOPs, weights, activations, peak at the batch size."""
    return (f"{human_count(cost.flops, 'FLOPs')}, weights {human_bytes(cost.weight_bytes)}, "
            f"activations {human_bytes(cost.activation_bytes)} (peak {human_bytes(cost.peak_activation_bytes)}) "
            f"at batch {cost.batch_size}")
