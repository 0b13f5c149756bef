"""Checking a document: shape inference, parameter counts and problems, full or incremental.

:func:`check` analyses a document from scratch. :class:`Analyzer` keeps the results of the last
check and, listening to the document's change events, re-checks only what an edit can affect:
the touched nodes, then downstream nodes whose inputs actually changed (propagation stops where a
node's output specs come out unchanged). Graph-level checks (reachability, names, parameter
totals) live in :class:`graph_core.graph_checks.GraphChecks`, kept up to date the same way (a
structural edit as a delta of the nodes it named, :mod:`graph_core.structure_delta`), and results
are handed out as O(1) snapshots (:mod:`graph_core.versioned_map`), so the cost of a config,
name or structural edit does not grow with the graph. Nested models, keras.applications calls and the
model outputs' losses are checked by :mod:`graph_core.composite_checks`.
"""

from __future__ import annotations

import heapq

from graph_core import catalog
from graph_core.allow_list import layer_refusals, refusal_problems
from graph_core.check_result import INVALID, NOT_CHECKED, UNKNOWN, VALID, CheckResult, NodeResult
from graph_core.composite_checks import evaluate_application, evaluate_model, output_problems
from graph_core.document import ChangeEvent, Document, Layer
from graph_core.errors import ShapeError
from graph_core.graph_algorithms import topological_order
from graph_core.graph_checks import NAME_PATTERN, GraphChecks
from graph_core.layer_kinds import call_output_count, spec_for
from graph_core.mask_flow import PRODUCERS, node_masks
from graph_core.node_checks import (
    _arity_problem,
    _call_problems,
    _dedupe,
    _describe,
    _frozen,
    _prefixed,
    _with_compute_dtype,
    application_cache_key,
)
from graph_core.operations import is_operation
from graph_core.problems import ERROR, WARNING, Problem
from graph_core.structure_delta import TopologicalIndex, classify
from graph_core.versioned_map import VersionedMap

__all__ = ["INVALID", "NAME_PATTERN", "NOT_CHECKED", "UNKNOWN", "VALID", "Analyzer", "CheckResult", "NodeResult",
           "application_cache_key", "check"]

_MEMO_KEY_LIMIT = 2000  # configs whose text is longer (vocabularies…) are checked per layer, not shared
_MEMO_SIZE = 20000  # entries kept in each memo before it starts afresh
_LINEAR_SCAN = 8  # with more than 1/8 of the nodes dirty, walk the whole order instead of a heap


class Analyzer:
    """Keeps a document's check result up to date, re-checking only what edits affect.

    Args:
        doc: the document to follow (the analyzer subscribes to its change events).
    """

    def __init__(self, doc: Document):
        self.doc = doc
        self._results = VersionedMap()  # node id -> NodeResult
        self._layer_checks: dict[str, tuple] = {}
        self._check_memo: dict = {}  # (type, config text) -> layer check, shared by equal configs
        self._rule_memo: dict = {}  # (id of a layer check, input specs) -> (that check, outputs, params)
        self._topo: TopologicalIndex | None = None  # the nodes' topological positions (none cyclic)
        self._cyclic: list = []
        self._dirty: set = set(doc.nodes)
        self._sub_analyzers: dict[str, Analyzer] = {}
        self._result: CheckResult | None = None
        self._graph = GraphChecks(doc)
        self._structure_stale = True  # order, document indices, names, reachability, totals
        self._reach_stale = True  # reachability and totals (outputs changed)
        self._renamed: set = set()
        self._touched_layers: set = set()
        self._track_touched = False  # whether _touched_layers is kept during the current _compute
        self._delta_nodes: set = set()  # nodes and layers named by structural edits since the last check
        self._delta_layers: set = set()
        self._delta_ok = False  # whether only structural edits happened since a check (structure_delta)
        self._problem_nodes: set = set()  # nodes whose own result has problems
        self._unchecked_nodes: set = set()
        self._unsubscribe = doc.subscribe(self._on_change)

    @property
    def _needed(self) -> set:
        """The nodes that take part in the model."""
        return self._graph.needed

    def close(self) -> None:
        """Stop following the document."""
        self._unsubscribe()

    def _on_change(self, doc: Document, event: ChangeEvent) -> None:
        if not event.affects_analysis:
            return
        self._result = None
        kind = event.kind
        nodes_of = doc._nodes_by_layer
        dirty = self._dirty
        for layer_id in event.layers:
            if kind != "name":
                self._layer_checks.pop(layer_id, None)
            if layer_id not in doc.layers:
                self._sub_analyzers.pop(layer_id, None)
            dirty.update(nodes_of.get(layer_id, ()))
            self._touched_layers.add(layer_id)
        dirty.update(n for n in event.nodes if n in doc.nodes)
        if kind == "config" or kind == "settings":
            return
        if kind == "name":
            self._renamed.update(event.layers)
            for layer_id in event.layers:  # a nested model is named by its layer: its messages change
                sub = self._sub_analyzers.get(layer_id)
                if sub is not None:
                    sub._reach_stale, sub._result, sub._graph.reached_for = True, None, None
        elif kind == "outputs":
            self._reach_stale = True
            self._delta_ok = False
        else:  # structure, reset and anything new: the graph-level parts are recomputed
            self._structure_stale = self._reach_stale = True
            if kind == "structure":  # perhaps only what the edit changed (_apply_delta)
                self._delta_nodes.update(event.nodes)
                self._delta_layers.update(event.layers)
            else:
                self._delta_ok = False
        # a consumer's messages name its producers (labels change with names and shared calls)
        consumers = doc._consumers
        for layer_id in event.layers:
            for nid in nodes_of.get(layer_id, ()):
                dirty.update(c for c, _slot in consumers.get(nid, ()))

    def result(self) -> CheckResult:
        """Return the current check result, recomputing what changed since the last call."""
        if self._result is None:
            self._result = self._compute()
        return self._result

    # ----------------------------------------------------------------- computation
    def _compute(self) -> CheckResult:
        doc = self.doc
        if self._structure_stale and not self._apply_delta():
            old_cyclic = self._cyclic
            order, self._cyclic = topological_order(doc)
            self._topo = TopologicalIndex(order)
            self._dirty.update(n for n in old_cyclic if n in doc.nodes)
            self._dirty.update(self._cyclic)
            for nid in [n for n in self._results.data if n not in doc.nodes]:
                self._forget(nid)
        self._delta_ok = True
        # after a full recompute every layer is recounted (GraphChecks.rebuild_params), so the
        # layers touched need no list
        self._track_touched = not self._structure_stale
        self._propagate()
        results = self._results
        for nid in self._cyclic:  # on or behind a cycle: nothing is known
            if results.data.get(nid) != NodeResult(None, None, []):
                results[nid] = NodeResult(None, None, [])
            self._note(nid, doc.nodes[nid], results.data[nid])
        self._dirty = set()
        return self._assemble()

    def _apply_delta(self) -> bool:
        """Apply the structural edits since the last check in time proportional to them: the
        order, the document indices, names and reachability (graph_core.structure_delta). False,
        having kept nothing that matters, when only a full recompute can."""
        nodes, layers, ok = self._delta_nodes, self._delta_layers, self._delta_ok
        self._delta_nodes, self._delta_layers = set(), set()
        doc, graph, topo = self.doc, self._graph, self._topo
        if not ok or topo is None or self._cyclic or len(nodes) * _LINEAR_SCAN > len(doc.nodes):
            return False
        delta = classify(doc, topo.position, graph.checked_names, nodes, layers)
        if delta is None or not graph.can_update_reach(delta) or not topo.update(doc, delta):
            return False
        graph.update_indices(delta)
        graph.update_names(delta)
        self._touched_layers.update(graph.update_reach(delta, topo.position))
        for nid in delta.removed:
            self._forget(nid)
        self._structure_stale = self._reach_stale = False
        return True

    def _forget(self, nid: str) -> None:
        """Drop what is kept about a node the document no longer has."""
        if nid in self._results.data:
            del self._results[nid]
        self._problem_nodes.discard(nid)
        self._unchecked_nodes.discard(nid)

    def _masks(self, node, new: NodeResult, results: dict) -> tuple:
        """Whether each output of the call carries a mask (graph_core.mask_flow)."""
        layer = self.doc.layers[node.layer]
        for ref in node.inputs:
            producer = results.get(ref.node)
            if producer is not None and producer.masks:
                break
        else:  # no input carries a mask
            if layer.type not in PRODUCERS and "mask" not in node.keyword_inputs:
                return ()  # nor does any output (the common case, kept cheap)
        given = [r.node in results and results[r.node].carries_mask(r.index) for r in node.inputs]
        count = len(new.outputs) if new.outputs is not None else call_output_count(layer, node)
        return node_masks(layer, node, given, count)

    def _propagate(self) -> None:
        """Re-evaluate the dirty nodes, then the consumers of every node whose outputs changed, in
        topological order."""
        dirty, position, data = self._dirty, self._topo.position, self._results.data
        store = self._results.setter()  # no snapshot is taken while propagating
        if len(dirty) * _LINEAR_SCAN > len(position):
            doc_nodes = self.doc.nodes
            changed: set = set()
            for nid in self._topo.order():
                if nid not in dirty:
                    for ref in doc_nodes[nid].inputs:
                        if ref.node in changed:
                            break
                    else:
                        continue
                if self._update(nid, data, store):
                    changed.add(nid)
            return
        heap = [(position[nid], nid) for nid in dirty if nid in position]
        heapq.heapify(heap)
        queued = {nid for _pos, nid in heap}
        consumers = self.doc._consumers
        while heap:
            nid = heapq.heappop(heap)[1]
            if self._update(nid, data, store):
                for consumer, _slot in consumers.get(nid, ()):
                    if consumer not in queued and consumer in position:
                        queued.add(consumer)
                        heapq.heappush(heap, (position[consumer], consumer))

    def _update(self, nid: str, data: dict, store) -> bool:
        """Evaluate one node and store its result (``store``: the results table's
        :meth:`~graph_core.versioned_map.VersionedMap.setter`); True when its output specs changed."""
        node = self.doc.nodes[nid]
        inputs = []
        past_outputs = False  # an input reads an output its producer does not have
        for ref in node.inputs:
            producer = data.get(ref.node)
            produced = None if producer is None else producer.outputs
            if produced is None:
                inputs.append(UNKNOWN)
            elif ref.index < len(produced):
                inputs.append(produced[ref.index])
            else:
                inputs.append(UNKNOWN)
                past_outputs = True
        new = self._evaluate(nid, inputs, past_outputs)
        new.masks = self._masks(node, new, data)
        old = data.get(nid)
        if old is not None and old == new and old.config == new.config and old.masks == new.masks:
            self._note(nid, node, old)
            return False  # keep the old object: views compare results by identity
        store(nid, new)
        self._note(nid, node, new)
        return old is None or old.outputs != new.outputs or old.masks != new.masks

    def _note(self, nid: str, node, result: NodeResult) -> None:
        """Keep the per-node tables (problems, unchecked, layers to recount) in step with the
        result just stored for ``nid`` (done while the node is at hand, not in a pass of its own)."""
        if self._track_touched:
            self._touched_layers.add(node.layer)
        problem_nodes, unchecked = self._problem_nodes, self._unchecked_nodes
        if result.problems:
            problem_nodes.add(nid)
        elif problem_nodes:
            problem_nodes.discard(nid)
        check = self._layer_checks.get(node.layer)
        spec = check[3] if check is not None else None
        if spec is not None and spec.kind not in ("model", "application"):  # vouched for
            if unchecked:
                unchecked.discard(nid)
        elif self._unchecked(nid):
            unchecked.add(nid)
        else:
            unchecked.discard(nid)

    def _evaluate(self, nid: str, inputs: list, past_outputs: bool = False) -> NodeResult:
        try:
            return self._evaluate_node(nid, inputs, past_outputs)
        except Exception as exc:  # validation never raises, whatever a file holds
            layer = self.doc.layer_of(nid)
            return NodeResult(None, None, [Problem(
                ERROR, "internal.check", f"{_describe(layer)} could not be checked ({type(exc).__name__}: {exc})",
                (nid,), "check this layer's settings; please report this")])

    def _evaluate_node(self, nid: str, inputs: list, past_outputs: bool) -> NodeResult:
        doc = self.doc
        node = doc.nodes[nid]
        layer = doc.layers[node.layer]  # named in messages by _describe(layer): made only for a problem
        problems: list[Problem] = []
        data = self._results.data
        for ref in node.inputs if past_outputs else ():
            producer = data.get(ref.node)
            if producer is not None and producer.outputs is not None and ref.index >= len(producer.outputs):
                problems.append(Problem(
                    ERROR, "graph.bad_output_index",
                    f"{_describe(layer)} reads output {ref.index} of '{doc.node_label(ref.node)}', which has only "
                    f"{len(producer.outputs)} output{'s' if len(producer.outputs) != 1 else ''}",
                    (nid, ref.node), "connect one of its existing outputs"))
        check = self._layer_check(layer)
        resolved, param_problems, refusals, spec = check
        if refusals:  # issue 12: one allow-list everywhere
            return NodeResult(None, None, problems + refusal_problems(refusals, _describe(layer), nid))
        if node.keyword_inputs or node.call_kwargs:
            call_problems = _call_problems(spec, node, _describe(layer), nid)
            if call_problems:
                return NodeResult(None, None, problems + call_problems)
        keyword_specs: dict = {}
        if node.keyword_inputs:
            start = node.main_count
            for name, count in node.keyword_inputs.items():
                keyword_specs[name] = inputs[start:start + count]
                start += count
            inputs = inputs[: node.main_count]
        if spec is None:
            problems.append(Problem(
                WARNING, "layer.unknown_type",
                f"{_describe(layer)}: {layer.type} is not in LayerLoom's catalog; it is kept with its config "
                f"but its shapes and parameters are unknown", (nid,),
                "the exported code passes its config through unchanged"))
            return NodeResult(None, None, problems)
        if spec.kind == "model":
            return self._evaluate_model(nid, layer, inputs, problems)
        if spec.kind == "application":
            return evaluate_application(nid, layer, inputs, problems)
        if param_problems:
            nodes = tuple(doc.nodes_of(layer.id))
            problems.extend(Problem(ERROR, "param.invalid", f"{_describe(layer)}: {msg}", nodes, hint,
                                    param=name or None, detail=msg)
                            for name, msg, hint in param_problems)
        count = len(inputs)
        arity = None
        if count < spec.min_inputs or (spec.max_inputs is not None and count > spec.max_inputs):
            arity = _arity_problem(spec, _describe(layer), count, nid)
            problems.append(arity)
        if param_problems or arity:
            return NodeResult(None, None, problems)
        memo_key = None
        if not keyword_specs and not node.call_kwargs:  # same checked config, same inputs: same answer
            memo_key = (id(check), tuple(inputs))
            try:
                hit = self._rule_memo.get(memo_key)
            except TypeError:  # an unhashable shape
                hit = memo_key = None
            if hit is not None and hit[0] is check:
                return NodeResult(list(hit[1]), hit[2], problems, resolved, (), hit)
        call = spec.call_spec
        try:
            outputs = spec.infer(resolved, inputs)
            if call.check_call is not None and (keyword_specs or node.call_kwargs):
                outputs = list(outputs) + list(call.check_call(resolved, inputs, keyword_specs, node.call_kwargs))
        except ShapeError as exc:
            problems.append(Problem(ERROR, exc.code, _prefixed(layer, exc.message), (nid,), exc.hint))
            return NodeResult(None, None, problems)
        except Exception as exc:  # a rule's own bug must not take the editor down
            problems.append(Problem(ERROR, "internal.shape_rule",
                                    f"{_describe(layer)}: shape inference failed ({type(exc).__name__}: {exc})", (nid,),
                                    "please report this; the Keras build will tell the real answer"))
            return NodeResult(None, None, problems)
        shapes_known = True
        for s in inputs:
            if s.shape is None:
                shapes_known = False
                break
        params = None
        if shapes_known:
            try:
                params = tuple(spec.count_params(resolved, inputs))
            except Exception:
                params = None
        config = layer.config
        if params is not None and config.get("trainable", True) is False:
            params = _frozen(layer, params)
        if config.get("dtype") is not None:
            outputs = _with_compute_dtype(layer, outputs)
        linted = False
        if spec.lint is not None and shapes_known:
            for code, msg, hint in spec.lint(resolved, inputs):
                problems.append(Problem(WARNING, code, _prefixed(layer, msg), (nid,), hint))
                linted = True
        alike = None
        if memo_key is not None and not linted:
            memo = self._rule_memo
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            alike = memo[memo_key] = (check, tuple(outputs), params)
        return NodeResult(list(outputs), params, problems, resolved, (), alike)

    def _layer_check(self, layer: Layer) -> tuple:
        """``(resolved config, parameter problems, allow-list refusals, spec)`` of a layer, cached
        until its config changes; layers of one type with equal configs share one check."""
        cached = self._layer_checks.get(layer.id)
        if cached is None:
            key = None
            if layer.type != "Model":  # a nested model's spec depends on its graph
                try:
                    text = repr(layer.config)
                except Exception:
                    text = ""
                if text and len(text) <= _MEMO_KEY_LIMIT:
                    key = (layer.type, text)
                    cached = self._check_memo.get(key)
            if cached is None:
                cached = self._new_layer_check(layer)
                if key is not None:
                    if len(self._check_memo) >= _MEMO_SIZE:
                        self._check_memo.clear()
                    self._check_memo[key] = cached
            self._layer_checks[layer.id] = cached
        return cached

    @staticmethod
    def _new_layer_check(layer: Layer) -> tuple:
        refusals = layer_refusals(layer)
        checked = catalog.get_spec(layer.type) or is_operation(layer.type)
        problems = catalog.check_params(layer.type, layer.config) if checked else []
        try:
            resolved = catalog.resolve_config(layer.type, layer.config) if not problems else {}
        except Exception as exc:
            resolved, problems = {}, [("config", f"its config cannot be read ({exc})", "")]
        return resolved, problems, refusals, spec_for(layer)

    def _evaluate_model(self, nid: str, layer: Layer, inputs: list, problems: list) -> NodeResult:
        sub = layer.subgraph
        sub_result = None
        if sub is not None:
            analyzer = self._sub_analyzers.get(layer.id)
            if analyzer is None or analyzer.doc is not sub:
                analyzer = self._sub_analyzers[layer.id] = Analyzer(sub)
                analyzer._on_change(sub, ChangeEvent("structure", frozenset(sub.nodes)))
            sub_result = analyzer.result()
        return evaluate_model(nid, layer, inputs, problems, sub_result)

    # ----------------------------------------------------------------- document-wide problems
    def _assemble(self) -> CheckResult:
        doc, graph, data = self.doc, self._graph, self._results.data
        if self._structure_stale:
            graph.rebuild_indices()
            graph.rebuild_names()
        elif self._renamed:
            graph.renamed(self._renamed)
        if self._reach_stale and not self._structure_stale and graph.reached_for == tuple(o.node for o in doc.outputs):
            self._reach_stale = False  # an output's loss or metrics changed, not which nodes it exposes
        if self._reach_stale or (self._renamed and self._cyclic):  # cycle messages name the layers
            graph.rebuild_structure(self._cyclic)
        elif self._renamed:
            graph.renamed_in_structure(self._renamed)
        if self._reach_stale:
            graph.rebuild_params(data)
        else:
            for layer_id in self._touched_layers:
                graph.update_layer(layer_id, data)
        self._structure_stale = self._reach_stale = False
        self._renamed.clear()
        self._touched_layers.clear()
        problems: list[Problem] = []
        if self._problem_nodes:
            for nid in sorted(self._problem_nodes, key=graph.doc_index.__getitem__):
                problems.extend(p for p in data[nid].problems if p.code != "param.invalid" or p.node_ids[0] == nid)
        problems.extend(graph.problems())
        if not doc.is_nested:  # losses and metrics belong to the top-level model only
            problems.extend(output_problems(doc, data))
        if problems:
            index = graph.doc_index
            problems.sort(key=lambda p: (not p.is_error, min((index.get(n, 0) for n in p.node_ids), default=-1)))
        unchecked = (tuple(sorted(self._unchecked_nodes, key=graph.doc_index.__getitem__))
                     if self._unchecked_nodes else ())
        return CheckResult(_dedupe(problems), self._results.snapshot(), graph.layer_params.snapshot(),
                           graph.trainable, graph.non_trainable, graph.unknown_in_model == 0, unchecked,
                           (graph.unused_trainable, graph.unused_non_trainable), graph.unused_layers())

    def _unchecked(self, nid: str) -> bool:
        """Whether LayerLoom cannot vouch for this node: unknown type, unmeasured application, or
        a nested model with such parts."""
        layer = self.doc.layer_of(nid)
        spec = spec_for(layer)
        if spec is None:
            return True
        if spec.kind == "application":
            return any(p.code == "application.not_measured" for p in self._results.data[nid].problems)
        if spec.kind == "model":
            sub = self._sub_analyzers.get(layer.id)
            return sub is not None and bool(sub.result().unchecked)
        return False



def check(doc: Document) -> CheckResult:
    """Validate a document from scratch: shapes, parameter counts and problems. Never raises."""
    analyzer = Analyzer(doc)
    try:
        return analyzer.result()
    finally:
        analyzer.close()


