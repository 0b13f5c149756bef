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

from graph_core import catalog
from graph_core.cost_rules import RULES, ZERO_MAC_TYPES, known_but_batch
from graph_core.cost_schedule import PeakTree, Schedule, Totals, peak_activation, schedule_of
from graph_core.document import Document, Layer
from graph_core.records import Record, frozen
from graph_core.tensor import TensorSpec
from graph_core.versioned_map import Snapshot

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
_UNKNOWN = TensorSpec(None)
_WALK = object()  # "walk the schedule for the peak" (it was not computed with the totals)


@frozen
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


class ModelCost(Record):
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
        optimizer_slots: per-weight state slots of the optimizer the training estimate assumes.
        model_nodes: the ids of the nodes that are part of the model (they reach an output).
    """

    __slots__ = _fields = ("batch_size", "nodes", "layer_weight_bytes", "macs", "weight_bytes",
                           "activation_bytes", "peak_activation_bytes", "training_bytes", "optimizer_slots",
                           "model_nodes")

    def __init__(self, batch_size: int, nodes: dict, layer_weight_bytes: dict, macs: int | None,
                 weight_bytes: int | None, activation_bytes: int | None, peak_activation_bytes: int | None,
                 training_bytes: int | None = None, optimizer_slots: int | None = None,
                 model_nodes: frozenset = frozenset()):
        self.batch_size = batch_size
        self.nodes = nodes
        self.layer_weight_bytes = layer_weight_bytes
        self.macs = macs
        self.weight_bytes = weight_bytes
        self.activation_bytes = activation_bytes
        self.peak_activation_bytes = peak_activation_bytes
        self.training_bytes = training_bytes
        self.optimizer_slots = optimizer_slots
        self.model_nodes = model_nodes

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
    count = DTYPE_BYTES.get(spec.dtype)
    if shape is None or count is None:
        return None
    if shape and shape[0] is None:
        count *= batch_size
        shape = shape[1:]
    for d in shape:
        if d is None:
            return None
        count *= d
    return count


def variable_dtype(layer: Layer) -> str:
    """The dtype a layer keeps its weights in (mixed policies keep float32 variables)."""
    policy = layer.config.get("dtype")
    if policy is None:
        return "float32"
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
    or when the batch size changed. A tracker that :meth:`follow`s its document also keeps the
    schedule (topological order, last readers) until the graph's structure changes.

    Args:
        result_of: returns the check result of a nested document (defaults to a fresh check).
        keep: remember the per-node figures for the next call (False: one computation only, as
            :func:`model_cost` makes; nothing is stored per node).
    """

    def __init__(self, result_of: Callable | None = None, keep: bool = True):
        self._result_of = result_of
        self._keep = keep
        self._cache: dict = {}
        self._weights: dict = {}
        self._zero_costs: dict = {}  # output spec -> NodeCost(0, its bytes) at the current batch size
        self._batch: int | None = None
        self._schedule = None
        self._unsubscribe = None
        self._nodes: dict = {}  # node id -> cost, as of the last call (a followed tracker's)
        self._seen = None  # the check results snapshot of the last call (a followed tracker's)

    def follow(self, doc: Document) -> None:
        """Keep the schedule of ``doc`` between calls, dropping it when its structure changes."""
        self.close()
        self._unsubscribe = doc.subscribe(self._on_change)

    def close(self) -> None:
        """Stop following a document."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._schedule = self._seen = None
        self._nodes = {}

    def _on_change(self, _doc: Document, event) -> None:
        if event.kind in ("structure", "outputs", "reset"):
            self._schedule = None

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
            self._cache, self._weights, self._batch, self._schedule = {}, {}, batch_size, None
            self._zero_costs = {}
        results = result.nodes
        schedule = self._schedule if self._unsubscribe is not None else None
        written = None
        if schedule is not None and isinstance(results, Snapshot) and self._seen is not None:
            written = results.changed_since(self._seen)  # the nodes the check wrote since last time
        if written is None:
            nodes, changed = self._all_costs(doc, results, batch_size)
        else:
            nodes, changed = self._nodes, self._changed_costs(doc, results, written, batch_size)
        peak = _WALK
        if schedule is None:
            schedule = schedule_of(doc)
            schedule.totals, peak = Totals.with_peak(schedule, nodes)
            if len(self._weights) > len(result.layer_params):
                self._weights = {}
            self._layer_weight_bytes(doc, batch_size, result.layer_params)
            layer_bytes = dict(self._weights)
            schedule.weights = Totals.of_weights(layer_bytes, schedule.used_layers)
            if self._unsubscribe is not None:
                self._schedule = schedule
        else:
            layer_bytes = self._update_schedule(doc, result, schedule, nodes, changed, batch_size)
            if schedule.peak is not None:
                peak = schedule.peak.peak
        if self._unsubscribe is not None:  # followed: the next call starts from these costs
            self._nodes, self._seen = nodes, results
            nodes = dict(nodes)
        return _assemble(doc, nodes, batch_size, layer_bytes, schedule, peak)

    def _all_costs(self, doc: Document, results, batch_size: int) -> tuple:
        """``(node id -> cost of every node, [(node id, old cost, new cost)] of the nodes whose
        result changed)``, computing only those."""
        cache, zero_costs, memo = self._cache, self._zero_costs, {}
        table = results.to_dict() if isinstance(results, Snapshot) else results
        doc_nodes, doc_layers = doc.nodes, doc.layers
        nodes: dict = {}
        changed: list = []
        keep = self._keep
        hit = None
        for nid, res in table.items():
            if keep:
                hit = cache.get(nid)
                if hit is not None and hit[0] is res:
                    nodes[nid] = hit[1]
                    continue
            alike = res.alike
            shared = memo.get(id(alike)) if alike is not None else None
            outputs = res.outputs
            if shared is not None and shared[0] is alike:  # a node alike had its cost computed
                cost = shared[1]
            elif (outputs is not None and len(outputs) == 1
                    and doc_layers[doc_nodes[nid].layer].type in ZERO_MAC_TYPES):  # the common case, inline
                cost = zero_costs.get(outputs[0])  # one shared figure per distinct output spec
                if cost is None:
                    cost = zero_costs[outputs[0]] = NodeCost(0, tensor_bytes(outputs[0], batch_size))
                if alike is not None:
                    memo[id(alike)] = (alike, cost)
            else:
                cost = self._node_cost(doc, nid, res, table, batch_size, memo)
            if keep:
                if hit is not None:
                    changed.append((nid, hit[1], cost))
                cache[nid] = (res, cost)
            nodes[nid] = cost
        if len(cache) > len(table):
            for nid in [n for n in cache if n not in table]:
                del cache[nid]
        return nodes, changed

    def _changed_costs(self, doc: Document, results, written: set, batch_size: int) -> list:
        """Update the kept costs (``self._nodes``) of the nodes in ``written``; the changes, as
        :meth:`_all_costs` gives them. Costs the number of nodes written, not the model's size."""
        cache, nodes, memo = self._cache, self._nodes, {}
        changed: list = []
        for nid in written:
            res = results.get(nid)
            hit = cache.get(nid)
            if res is None:  # not a node any more (a structural edit resets the schedule first)
                cache.pop(nid, None)
                nodes.pop(nid, None)
                continue
            if hit is not None and hit[0] is res:
                continue
            cost = self._node_cost(doc, nid, res, results, batch_size, memo)
            if hit is not None:
                changed.append((nid, hit[1], cost))
            cache[nid] = (res, cost)
            nodes[nid] = cost
        return changed

    def _update_schedule(self, doc: Document, result, schedule: Schedule, nodes: dict, changed: list,
                         batch_size: int) -> dict:
        """Bring a kept schedule's totals, weights and peak up to date with ``changed``; the weight
        bytes per layer."""
        touched = {}
        tree = schedule.peak
        for nid, old, new in changed:
            if nid in schedule.used:
                schedule.totals.replace(old, new)
                if tree is not None:
                    tree.replace(nid, old.activation_bytes, new.activation_bytes)
            layer_id = doc.nodes[nid].layer
            touched[layer_id] = result.layer_params.get(layer_id)
        if tree is None and schedule.order is not None:  # made on the first edit after the schedule
            schedule.peak = PeakTree(schedule, nodes)
        old_bytes = {lid: self._weights.get(lid) for lid in touched}
        self._layer_weight_bytes(doc, batch_size, touched)
        for lid in touched:
            if lid in schedule.used_layers:
                schedule.weights.replace_bytes(old_bytes[lid], self._weights.get(lid))
        return dict(self._weights)

    def _node_cost(self, doc: Document, nid: str, res, results, batch_size: int, memo: dict) -> NodeCost:
        """One node's cost (``results``: node id -> check result; ``memo``: the costs of this call,
        by what the check's results share (``NodeResult.alike``), else by layer type, resolved
        config, input and output specs)."""
        if res is None or res.outputs is None:
            return NodeCost(None, None)
        outputs = res.outputs
        node = doc.nodes[nid]
        layer = doc.layers[node.layer]
        kind = layer.type
        if kind == "Model":
            return self._model_node_cost(layer, batch_size)
        if kind == "Application":
            return _application_cost(layer, node, results, outputs, batch_size)
        alike = res.alike  # nodes alike in the check cost alike: one figure for all of them
        if alike is not None:
            hit = memo.get(id(alike))
            if hit is not None and hit[0] is alike:
                return hit[1]
        rule = None if kind in ZERO_MAC_TYPES else RULES.get(kind)
        config = res.config
        inputs = []
        cost = key = None
        if rule is not None:
            for ref in node.inputs:
                producer = results.get(ref.node)
                produced = producer.outputs if producer is not None else None
                inputs.append(produced[ref.index] if produced is not None and ref.index < len(produced)
                              else _UNKNOWN)
            if config is not None:  # resolved by the check: shared by the layers alike
                key = (kind, id(config), tuple(inputs), tuple(outputs))
                try:
                    cost = memo.get(key)
                except TypeError:  # an unhashable shape
                    key = None
        if cost is None:
            cost = NodeCost(self._macs(kind, rule, layer, config, inputs, outputs, batch_size),
                            _activation_bytes(outputs, batch_size))
            if key is not None:
                memo[key] = cost
        if alike is not None:
            memo[id(alike)] = (alike, cost)
        return cost

    @staticmethod
    def _macs(kind: str, rule, layer: Layer, config: dict | None, inputs: list, outputs: list,
              batch_size: int) -> int | None:
        """The MACs of one call: 0 for the zero-MAC types, None when unknown."""
        if kind in ZERO_MAC_TYPES:
            return 0
        if rule is None:
            return None
        if config is None:
            try:
                config = catalog.resolve_config(kind, layer.config)
            except Exception:
                return None
        if not outputs or not known_but_batch(inputs) or not known_but_batch(outputs):
            return None
        fixed = outputs[0].shape[0]
        try:
            return rule(config, inputs, outputs, batch_size if fixed is None else fixed)
        except Exception:  # a rule must never break a check; unknown is the honest answer
            return None

    def _sub_result(self, sub: Document):
        if self._result_of is not None:
            return self._result_of(sub)
        from graph_core.analysis import check

        return check(sub)

    def _sub_cost(self, sub: Document, batch_size: int) -> ModelCost:
        return CostTracker(self._result_of).compute(sub, self._sub_result(sub), batch_size)

    def _model_node_cost(self, layer: Layer, batch_size: int) -> NodeCost:
        """A nested model call costs its inner nodes (its Inputs alias the tensors fed to it)."""
        sub = layer.subgraph
        if sub is None:
            return NodeCost(None, None)
        inner = self._sub_cost(sub, batch_size)
        used = [n for n in sub.nodes if n in inner.model_nodes and sub.layer_of(n).type != "Input"]
        return NodeCost(_sum_known(inner.nodes[n].macs for n in used),
                        _sum_known(inner.nodes[n].activation_bytes for n in used))

    def _layer_weight_bytes(self, doc: Document, batch_size: int, layer_params: dict) -> None:
        """Store in the cache the weight bytes of the layers in ``layer_params`` (id -> counts)."""
        cache, layers = self._weights, doc.layers
        for layer_id, params in layer_params.items():
            layer = layers.get(layer_id)
            if layer is None or params is None:
                cache[layer_id] = None
            elif layer.subgraph is not None:
                cache[layer_id] = self._sub_cost(layer.subgraph, batch_size).weight_bytes
            elif "dtype" in layer.config:
                cache[layer_id] = (params[0] + params[1]) * DTYPE_BYTES[variable_dtype(layer)]
            else:
                cache[layer_id] = (params[0] + params[1]) * 4  # float32 variables


def _activation_bytes(outputs: list, batch_size: int) -> int | None:
    """Bytes of a call's output tensors, None when a size is unknown."""
    if len(outputs) == 1:
        return tensor_bytes(outputs[0], batch_size)
    total = 0
    for spec in outputs:
        size = tensor_bytes(spec, batch_size)
        if size is None:
            return None
        total += size
    return total


def _application_cost(layer: Layer, node, results: dict, outputs: list, batch_size: int) -> NodeCost:
    """An application call costs what codegen measured per sample (its cache), times the batch."""
    from graph_core.check_result import UNKNOWN
    from graph_core.node_checks import _cache_entry

    inputs = [results[r.node].output(r.index) if r.node in results else UNKNOWN for r in node.inputs]
    entry = _cache_entry(layer, inputs) or {}
    macs, activation = entry.get("macs_per_sample"), entry.get("activation_bytes_per_sample")
    fixed = outputs[0].shape[0] if outputs and outputs[0].shape else None
    batch = batch_size if fixed is None else fixed
    valid = [isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (macs, activation)]
    return NodeCost(macs * batch if valid[0] else None, activation * batch if valid[1] else None)


def _assemble(doc: Document, nodes: dict, batch_size: int, layer_bytes: dict, schedule: Schedule,
              peak=None) -> ModelCost:
    total_macs, activation = schedule.totals.macs_total, schedule.totals.activation_total
    weights = schedule.weights.macs_total  # weight bytes are kept in the first slot
    slots = OPTIMIZER_SLOTS.get(str((doc.compile or {}).get("optimizer", "rmsprop")).lower())
    training = None
    if weights is not None and activation is not None and slots is not None:
        training = 2 * activation + weights * (2 + slots)
    if peak is _WALK:
        peak = peak_activation(schedule, nodes) if activation is not None else None
    return ModelCost(batch_size, nodes, layer_bytes, total_macs, weights, activation, peak, training, slots,
                     schedule.model_nodes)


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
    return CostTracker(keep=False).compute(doc, result, batch_size)
