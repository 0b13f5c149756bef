"""What changed between two versions of a model: layers added, removed, changed, rewired.

Layers are matched by name first; the layers left over are then matched by structure (same type,
fed by the same matched layers), which finds a renamed layer. A matched pair is *changed* when the
configs differ once Keras's defaults are filled in (the keys are listed, ``name`` included for a
rename), and *rewired* when its calls read different tensors. The delta gives the difference in
parameters, FLOPs and memory (B minus A; None when either side is unknown).

Typical use::

    result = diff(load("v1.loom"), load("v2.loom"))
    result.to_json()  # {"added": [...], "removed": [...], "changed": [...], "rewired": [...], "delta": {...}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from graph_core import catalog
from graph_core.analysis import check
from graph_core.cost import DEFAULT_BATCH_SIZE, model_cost
from graph_core.document import Document, Layer

ADDED, REMOVED, CHANGED, REWIRED = "added", "removed", "changed", "rewired"


@dataclass
class DiffResult:
    """The differences from document A to document B.

    Attributes:
        added: names of B's layers with no match in A (B's order).
        removed: names of A's layers with no match in B (A's order).
        changed: ``(name in B, keys that differ)`` per matched pair whose config differs.
        rewired: names (in B) of matched layers whose calls read different tensors.
        renamed: name in A -> name in B for layers matched by structure.
        delta: ``{"params", "flops", "weight_bytes", "activation_bytes"}``, B minus A.
        status_a, status_b: layer id -> ``"removed"``/``"added"``, ``"changed"`` or ``"rewired"``
            (for colouring each side; unchanged layers are absent).
    """

    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    rewired: list = field(default_factory=list)
    renamed: dict = field(default_factory=dict)
    delta: dict = field(default_factory=dict)
    status_a: dict = field(default_factory=dict)
    status_b: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when the two models have the same layers, configs and wiring."""
        return not (self.added or self.removed or self.changed or self.rewired)

    def to_json(self) -> dict:
        """The JSON printed by ``layerloom diff --json``."""
        return {"added": list(self.added), "removed": list(self.removed),
                "changed": [{"layer": name, "keys": list(keys)} for name, keys in self.changed],
                "rewired": list(self.rewired), "renamed": dict(self.renamed), "delta": dict(self.delta)}

    def lines(self) -> list:
        """A human-readable report, one line per difference."""
        out = [f"+ {name}" for name in self.added] + [f"- {name}" for name in self.removed]
        out += [f"~ {name}: {', '.join(keys)}" for name, keys in self.changed]
        out += [f"⇄ {name}: rewired" for name in self.rewired]
        return out


def diff(a: Document, b: Document, batch_size: int = DEFAULT_BATCH_SIZE) -> DiffResult:
    """Compare two documents (top level; a nested model differs as a whole, key ``graph``).

    Args:
        a: the old version.
        b: the new version.
        batch_size: the batch size of the FLOPs and memory delta.

    Returns:
        A :class:`DiffResult`.
    """
    match = _match(a, b)
    result = DiffResult()
    matched_b = set(match.values())
    result.removed = [layer.name for lid, layer in a.layers.items() if lid not in match]
    result.added = [layer.name for lid, layer in b.layers.items() if lid not in matched_b]
    result.status_a = {lid: REMOVED for lid in a.layers if lid not in match}
    result.status_b = {lid: ADDED for lid in b.layers if lid not in matched_b}
    for a_id, b_id in match.items():
        la, lb = a.layers[a_id], b.layers[b_id]
        keys = _changed_keys(la, lb)
        if la.name != lb.name:
            result.renamed[la.name] = lb.name
            keys = ["name", *keys]
        if keys:
            result.changed.append((lb.name, keys))
            result.status_a[a_id] = result.status_b[b_id] = CHANGED
        if _wiring(a, a_id, match) != _wiring(b, b_id, None):
            result.rewired.append(lb.name)
            result.status_a.setdefault(a_id, REWIRED)
            result.status_b.setdefault(b_id, REWIRED)
    order = {lid: i for i, lid in enumerate(b.layers)}
    result.changed.sort(key=lambda item: order[b.layer_by_name(item[0]).id])
    result.rewired.sort(key=lambda name: order[b.layer_by_name(name).id])
    result.delta = _delta(a, b, batch_size)
    return result


def _match(a: Document, b: Document) -> dict:
    """A layer id -> B layer id: by name, then by structure for the layers left over."""
    match = {}
    for a_id, layer in a.layers.items():
        other = b.layer_by_name(layer.name)
        if other is not None and other.type == layer.type:
            match[a_id] = other.id
    progress = True
    while progress:  # each round can match layers fed by the layers matched in the last one
        progress = False
        taken = set(match.values())
        left_a = [lid for lid in a.layers if lid not in match]
        for b_id in [lid for lid in b.layers if lid not in taken]:
            signature = _wiring(b, b_id, None)
            candidates = [lid for lid in left_a if a.layers[lid].type == b.layers[b_id].type
                          and _wiring(a, lid, match) == signature]
            if len(candidates) == 1 or (candidates and _same_config(a.layers[candidates[0]], b.layers[b_id])):
                match[candidates[0]] = b_id
                left_a.remove(candidates[0])
                progress = True
    return match


def _wiring(doc: Document, layer_id: str, match: dict | None) -> tuple:
    """What each call of a layer reads: (producer layer name on B's side, call number, output index).

    ``match`` maps A's layer ids to B's (None for B itself); an unmatched producer gives None.
    """
    calls = []
    for nid in doc.nodes_of(layer_id):
        reads = []
        for ref in doc.nodes[nid].inputs:
            producer = doc.nodes.get(ref.node)
            if producer is None:
                reads.append(None)
                continue
            key = producer.layer if match is None else match.get(producer.layer)
            reads.append((key, doc.nodes_of(producer.layer).index(ref.node), ref.index))
        calls.append(tuple(reads))
    return tuple(calls)


def _resolved(layer: Layer) -> dict:
    if catalog.get_spec(layer.type) is None:
        return dict(layer.config)
    try:
        return catalog.resolve_config(layer.type, layer.config)
    except Exception:
        return dict(layer.config)


def _changed_keys(a: Layer, b: Layer) -> list:
    ca, cb = _resolved(a), _resolved(b)
    keys = [k for k in sorted(set(ca) | set(cb)) if _canon(ca.get(k)) != _canon(cb.get(k))]
    if (a.subgraph is None) != (b.subgraph is None) or (a.subgraph is not None and _graph(a) != _graph(b)):
        keys.append("graph")
    return keys


def _same_config(a: Layer, b: Layer) -> bool:
    return not _changed_keys(a, b)


def _graph(layer: Layer) -> str:
    from graph_core.loom_format import document_to_dict

    data = document_to_dict(layer.subgraph, top_level=False)
    for node in data.get("nodes", ()):
        node.pop("pos", None)
    return json.dumps(data, sort_keys=True, default=str)


def _canon(value):
    """Lists and tuples compare equal (a file stores tuples as lists)."""
    if isinstance(value, (list, tuple)):
        return tuple(_canon(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canon(v)) for k, v in value.items()))
    return value


def _delta(a: Document, b: Document, batch_size: int) -> dict:
    ra, rb = check(a), check(b)
    ca, cb = model_cost(a, ra, batch_size), model_cost(b, rb, batch_size)

    def minus(x, y):
        return None if x is None or y is None else x - y

    params_a = ra.total if ra.params_known else None
    params_b = rb.total if rb.params_known else None
    return {"params": minus(params_b, params_a), "flops": minus(cb.flops, ca.flops),
            "weight_bytes": minus(cb.weight_bytes, ca.weight_bytes),
            "activation_bytes": minus(cb.activation_bytes, ca.activation_bytes), "batch_size": batch_size}
