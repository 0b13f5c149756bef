"""Checking a document: shape inference, parameter counts and problems, full or incremental.

:func:`check` analyses a document from scratch. :class:`Analyzer` keeps the results of the last
check and, listening to the document's change events, re-checks only what an edit can affect:
the touched nodes, then downstream nodes whose inputs actually changed.
"""

from __future__ import annotations

import re

from graph_core import catalog
from graph_core.allow_list import layer_refusals, refusal_problems
from graph_core.check_result import INVALID, NOT_CHECKED, UNKNOWN, VALID, CheckResult, NodeResult
from graph_core.document import ChangeEvent, Document, Layer
from graph_core.errors import ShapeError
from graph_core.graph_algorithms import ancestors, find_cycles, topological_order
from graph_core.layer_kinds import call_output_count, spec_for
from graph_core.losses import loss_problems
from graph_core.mask_flow import PRODUCERS, node_masks
from graph_core.node_checks import (
    _arity_problem,
    _cache_entry,
    _call_problems,
    _compatible,
    _dedupe,
    _describe,
    _frozen,
    _input_shapes,
    _prefixed,
    _with_compute_dtype,
    application_cache_key,
)
from graph_core.operations import is_operation
from graph_core.problems import ERROR, WARNING, Problem
from graph_core.tensor import TensorSpec, format_shape

__all__ = ["INVALID", "NAME_PATTERN", "NOT_CHECKED", "UNKNOWN", "VALID", "Analyzer", "CheckResult", "NodeResult",
           "application_cache_key", "check"]

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class Analyzer:
    """Keeps a document's check result up to date, re-checking only what edits affect.

    Args:
        doc: the document to follow (the analyzer subscribes to its change events).
    """

    def __init__(self, doc: Document):
        self.doc = doc
        self._results: dict[str, NodeResult] = {}
        self._layer_checks: dict[str, tuple] = {}
        self._order: list | None = None
        self._cyclic: list = []
        self._dirty: set = set(doc.nodes)
        self._sub_analyzers: dict[str, Analyzer] = {}
        self._result: CheckResult | None = None
        self._graph_problems_cache: list | None = None
        self._needed: set | None = None  # the nodes that take part in the model (with the graph problems)
        self._unsubscribe = doc.subscribe(self._on_change)

    def close(self) -> None:
        """Stop following the document."""
        self._unsubscribe()

    def _on_change(self, doc: Document, event: ChangeEvent) -> None:
        if not event.affects_analysis:
            return
        self._result = None
        if event.kind != "config":
            self._graph_problems_cache = None  # cycles, names, reachability depend only on these
        for layer_id in event.layers:
            self._layer_checks.pop(layer_id, None)
            if layer_id not in doc.layers:
                self._sub_analyzers.pop(layer_id, None)
            self._dirty.update(doc.nodes_of(layer_id))
        self._dirty.update(n for n in event.nodes if n in doc.nodes)
        if event.kind == "structure":
            self._order = None
            for nid in list(self._results):
                if nid not in doc.nodes:
                    del self._results[nid]

    def result(self) -> CheckResult:
        """Return the current check result, recomputing what changed since the last call."""
        if self._result is None:
            self._result = self._compute()
        return self._result

    # ----------------------------------------------------------------- computation
    def _compute(self) -> CheckResult:
        doc = self.doc
        if self._order is None:
            self._order, self._cyclic = topological_order(doc)
            self._dirty.update(self._cyclic)
        changed: set = set()
        dirty = self._dirty
        results = self._results
        for nid in self._order:
            node = doc.nodes[nid]
            if nid not in dirty and not any(ref.node in changed for ref in node.inputs):
                continue
            old = results.get(nid)
            new = self._evaluate(nid, [results[r.node].output(r.index) if r.node in results else UNKNOWN
                                       for r in node.inputs])
            new.masks = self._masks(node, new, results)
            results[nid] = new
            if old is None or old.outputs != new.outputs or old.masks != new.masks:
                changed.add(nid)
        for nid in self._cyclic:
            results[nid] = NodeResult(None, None, [])
        self._dirty = set()
        return self._assemble()

    def _masks(self, node, new: NodeResult, results: dict) -> tuple:
        """Whether each output of the call carries a mask (graph_core.mask_flow)."""
        layer = self.doc.layers[node.layer]
        given = [r.node in results and results[r.node].carries_mask(r.index) for r in node.inputs]
        if True not in given and layer.type not in PRODUCERS and "mask" not in node.keyword_inputs:
            return ()  # no output carries a mask (the common case, kept cheap)
        count = len(new.outputs) if new.outputs is not None else call_output_count(layer, node)
        return node_masks(layer, node, given, count)

    def _evaluate(self, nid: str, inputs: list) -> NodeResult:
        try:
            return self._evaluate_node(nid, inputs)
        except Exception as exc:  # validation never raises, whatever a file holds
            layer = self.doc.layer_of(nid)
            return NodeResult(None, None, [Problem(
                ERROR, "internal.check", f"{_describe(layer)} could not be checked ({type(exc).__name__}: {exc})",
                (nid,), "check this layer's settings; please report this")])

    def _evaluate_node(self, nid: str, inputs: list) -> NodeResult:
        doc = self.doc
        node = doc.nodes[nid]
        layer = doc.layers[node.layer]
        label = _describe(layer)
        problems: list[Problem] = []
        for ref in node.inputs:
            producer = self._results.get(ref.node)
            if producer is not None and producer.outputs is not None and ref.index >= len(producer.outputs):
                problems.append(Problem(
                    ERROR, "graph.bad_output_index",
                    f"{label} reads output {ref.index} of '{doc.node_label(ref.node)}', which has only "
                    f"{len(producer.outputs)} output{'s' if len(producer.outputs) != 1 else ''}",
                    (nid, ref.node), "connect one of its existing outputs"))
        refusals = self._layer_check(layer)[2]  # issue 12: one allow-list everywhere
        if refusals:
            return NodeResult(None, None, problems + refusal_problems(refusals, label, nid))
        spec = spec_for(layer)
        call_problems = _call_problems(spec, node, label, nid)
        if call_problems:
            return NodeResult(None, None, problems + call_problems)
        keyword_specs: dict = {}
        start = node.main_count
        for name, count in node.keyword_inputs.items():
            keyword_specs[name] = inputs[start:start + count]
            start += count
        inputs = inputs[: node.main_count]
        if spec is not None and spec.kind == "model":
            return self._evaluate_model(nid, layer, inputs, problems)
        if spec is not None and spec.kind == "application":
            return self._evaluate_application(nid, layer, inputs, problems)
        if spec is None:
            problems.append(Problem(
                WARNING, "layer.unknown_type",
                f"{label}: {layer.type} is not in LayerLoom's catalog; it is kept with its config "
                f"but its shapes and parameters are unknown", (nid,),
                "the exported code passes its config through unchanged"))
            return NodeResult(None, None, problems)
        resolved, param_problems, _refusals = self._layer_check(layer)
        problems.extend(Problem(ERROR, "param.invalid", f"{label}: {msg}", tuple(doc.nodes_of(layer.id)), hint,
                                param=name or None, detail=msg)
                        for name, msg, hint in param_problems)
        arity = _arity_problem(spec, label, len(inputs), nid)
        if arity:
            problems.append(arity)
        if param_problems or arity:
            return NodeResult(None, None, problems)
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
                                    f"{label}: shape inference failed ({type(exc).__name__}: {exc})", (nid,),
                                    "please report this; the Keras build will tell the real answer"))
            return NodeResult(None, None, problems)
        params = None
        if all(s.shape is not None for s in inputs):
            try:
                params = _frozen(layer, tuple(spec.count_params(resolved, inputs)))
            except Exception:
                params = None
        outputs = _with_compute_dtype(layer, outputs)
        if spec.lint is not None and all(s.shape is not None for s in inputs):
            for code, msg, hint in spec.lint(resolved, inputs):
                problems.append(Problem(WARNING, code, _prefixed(layer, msg), (nid,), hint))
        return NodeResult(list(outputs), params, problems, resolved)

    def _layer_check(self, layer: Layer) -> tuple:
        """``(resolved config, parameter problems, allow-list refusals)`` of a layer, cached
        until its config changes."""
        cached = self._layer_checks.get(layer.id)
        if cached is None:
            refusals = layer_refusals(layer)
            checked = catalog.get_spec(layer.type) or is_operation(layer.type)
            problems = catalog.check_params(layer.type, layer.config) if checked else []
            try:
                resolved = catalog.resolve_config(layer.type, layer.config) if not problems else {}
            except Exception as exc:
                resolved, problems = {}, [("config", f"its config cannot be read ({exc})", "")]
            cached = (resolved, problems, refusals)
            self._layer_checks[layer.id] = cached
        return cached

    def _evaluate_model(self, nid: str, layer: Layer, inputs: list, problems: list) -> NodeResult:
        label = _describe(layer)
        sub = layer.subgraph
        if sub is None:
            problems.append(Problem(ERROR, "model.empty", f"{label} has no graph", (nid,),
                                    "open it and draw its layers"))
            return NodeResult(None, None, problems)
        analyzer = self._sub_analyzers.get(layer.id)
        if analyzer is None or analyzer.doc is not sub:
            analyzer = self._sub_analyzers[layer.id] = Analyzer(sub)
            analyzer._on_change(sub, ChangeEvent("structure", frozenset(sub.nodes)))
        sub_result = analyzer.result()
        errors = sub_result.errors
        if errors:
            problems.append(Problem(ERROR, "model.invalid",
                                    f"{label}: its graph has {len(errors)} error{'s' if len(errors) > 1 else ''}; "
                                    f"first: {errors[0].message}", (nid,), "open the nested model to fix it"))
            return NodeResult(None, None, problems)
        sub_inputs = sub.input_nodes()
        if len(inputs) != len(sub_inputs):
            problems.append(Problem(ERROR, "graph.arity",
                                    f"{label} takes {len(sub_inputs)} input{'s' if len(sub_inputs) != 1 else ''} "
                                    f"(its Input layers), got {len(inputs)}", (nid,),
                                    "connect one tensor per Input of the nested model"))
            return NodeResult(None, None, problems)
        for k, (given, sub_in) in enumerate(zip(inputs, sub_inputs)):
            expected = sub_result.nodes[sub_in].output(0)
            if not _compatible(expected.shape, given.shape):
                problems.append(Problem(ERROR, "shape.model_input",
                                        f"{label}: input {k} has shape {format_shape(given.shape)} but the "
                                        f"nested model's Input '{sub.layer_of(sub_in).name}' expects "
                                        f"{format_shape(expected.shape)}", (nid,),
                                        "change the nested Input's shape or the tensor fed to it"))
                return NodeResult(None, None, problems)
        outputs = [sub_result.nodes[o.node].output(o.index) for o in sub.outputs]
        if not outputs:
            problems.append(Problem(ERROR, "model.no_outputs", f"{label}: its graph marks no output", (nid,),
                                    "open the nested model and mark an output"))
            return NodeResult(None, None, problems)
        params = (sub_result.trainable, sub_result.non_trainable) if sub_result.params_known else None
        return NodeResult(outputs, _frozen(layer, params), problems)

    def _evaluate_application(self, nid: str, layer: Layer, inputs: list, problems: list) -> NodeResult:
        label = _describe(layer)
        if not layer.config.get("application"):
            problems.append(Problem(ERROR, "param.invalid", f"{label}: no keras.applications model is named",
                                    (nid,), 'set "application", e.g. "Xception"'))
            return NodeResult(None, None, problems)
        if len(inputs) != 1:
            problems.append(Problem(ERROR, "graph.arity", f"{label} takes 1 input, got {len(inputs)}", (nid,),
                                    "connect one image tensor"))
            return NodeResult(None, None, problems)
        entry = _cache_entry(layer, inputs)
        if entry is None:
            problems.append(Problem(WARNING, "application.not_measured",
                                    f"{label}: shapes and parameters of {layer.config['application']} come from "
                                    f"Keras and have not been computed for input {format_shape(inputs[0].shape)}",
                                    (nid,), "open the Summary (or run `layerloom summary`) to compute them"))
            return NodeResult([UNKNOWN], None, problems)
        if "error" in entry:
            problems.append(Problem(ERROR, "shape.application", f"{label}: {entry['error']}", (nid,),
                                    entry.get("hint", "")))
            return NodeResult(None, None, problems)
        outputs = [TensorSpec(tuple(shape), dtype) for shape, dtype in zip(entry["outputs"], entry["dtypes"])]
        return NodeResult(outputs, _frozen(layer, (entry["trainable"], entry["non_trainable"])), problems)

    # ----------------------------------------------------------------- document-wide problems
    def _assemble(self) -> CheckResult:
        doc = self.doc
        problems: list[Problem] = []
        order_index = {nid: i for i, nid in enumerate(doc.nodes)}
        for nid in doc.nodes:
            res = self._results.get(nid)
            if res:
                problems.extend(p for p in res.problems if p.code != "param.invalid" or p.node_ids[0] == nid)
        if self._graph_problems_cache is None:
            self._graph_problems_cache = self._graph_problems()
        problems.extend(self._graph_problems_cache)
        layer_params, trainable, non_trainable, known, unused = self._params(problems)
        if not doc.is_nested:  # losses and metrics belong to the top-level model only
            problems.extend(self._output_problems())
        problems.sort(key=lambda p: (not p.is_error,
                                     min((order_index.get(n, 0) for n in p.node_ids), default=-1)))
        unchecked = tuple(nid for nid in doc.nodes if nid in self._results and self._unchecked(nid))
        unused_params = (sum(layer_params[lid][0] for lid in unused if layer_params.get(lid)),
                         sum(layer_params[lid][1] for lid in unused if layer_params.get(lid)))
        return CheckResult(_dedupe(problems), dict(self._results), layer_params, trainable, non_trainable, known,
                           unchecked, unused_params, tuple(unused))

    def _unchecked(self, nid: str) -> bool:
        """Whether LayerLoom cannot vouch for this node: unknown type, unmeasured application, or
        a nested model with such parts."""
        layer = self.doc.layer_of(nid)
        spec = spec_for(layer)
        if spec is None:
            return True
        if spec.kind == "application":
            return any(p.code == "application.not_measured" for p in self._results[nid].problems)
        if spec.kind == "model":
            sub = self._sub_analyzers.get(layer.id)
            return sub is not None and bool(sub.result().unchecked)
        return False

    def _graph_problems(self) -> list:
        doc = self.doc
        problems = []
        if self._cyclic:
            for cycle in find_cycles(doc, self._cyclic):
                names = [doc.node_label(n) for n in cycle]
                loop = " → ".join(f"'{n}'" for n in names + names[:1])
                problems.append(Problem(
                    ERROR, "graph.cycle",
                    f"cycle: {loop}. A Keras model must be a directed acyclic graph: a tensor cannot become "
                    f"an input of a layer that helped produce it", tuple(cycle),
                    "remove one of these connections; loops belong inside recurrent layers (LSTM, GRU)"))
        inputs = doc.input_nodes()
        if not inputs and doc.nodes:
            problems.append(Problem(ERROR, "graph.no_inputs", f"model '{doc.name}' has no Input layer", (),
                                    "add an Input layer and connect it"))
        if not doc.outputs and doc.nodes:
            problems.append(Problem(ERROR, "graph.no_outputs", f"model '{doc.name}' has no output", (),
                                    "select the last layer and mark it as an output"))
        self._needed = set(doc.nodes)
        if doc.outputs:
            needed = ancestors(doc, [o.node for o in doc.outputs])
            self._needed = needed | set(inputs)
            for nid in doc.nodes:
                if nid not in needed:
                    what = ("Input" if doc.layer_of(nid).type == "Input" else "layer")
                    problems.append(Problem(WARNING, "graph.unused",
                                            f"{_describe(doc.layer_of(nid))} reaches no model output, so it is "
                                            f"not part of the model", (nid,),
                                            f"connect this {what} towards an output or delete it"))
        seen: dict[str, str] = {}
        for layer in doc.layers.values():
            nodes = tuple(doc.nodes_of(layer.id))
            if not NAME_PATTERN.match(layer.name):
                problems.append(Problem(ERROR, "name.invalid",
                                        f"{layer.type} name {layer.name!r} is not a valid Keras layer name", nodes,
                                        "use letters, digits and underscores, starting with a letter"))
            if layer.name in seen:
                both = nodes + tuple(doc.nodes_of(seen[layer.name]))
                problems.append(Problem(ERROR, "name.duplicate", f"two layers are named '{layer.name}'", both,
                                        "layer names must be unique; rename one of them"))
            seen.setdefault(layer.name, layer.id)
        return problems

    def _params(self, problems: list) -> tuple:
        doc = self.doc
        needed = self._needed if self._needed is not None else set(doc.nodes)
        layer_params: dict = {}
        trainable = non_trainable = 0
        known = True
        unused: list = []
        for layer in doc.layers.values():
            calls = [n for n in doc.nodes_of(layer.id) if n in self._results]
            counts = [(n, self._results[n].params) for n in calls if self._results[n].params is not None]
            in_model = any(n in needed for n in calls)
            if calls and not in_model:
                unused.append(layer.id)
            if layer.type != "Input" and not counts:
                layer_params[layer.id] = None
                known = known and not (calls and in_model)
                continue
            value = counts[0][1] if counts else (0, 0)
            layer_params[layer.id] = value
            if in_model or not calls:
                trainable += value[0]
                non_trainable += value[1]
            for other, count in counts[1:]:
                if count != value:
                    first = counts[0][0]
                    shape_a = _input_shapes(doc, self._results, first)
                    shape_b = _input_shapes(doc, self._results, other)
                    problems.append(Problem(
                        ERROR, "shape.shared_incompatible",
                        f"{_describe(layer)} is shared but called on {shape_a} at '{doc.node_label(first)}' "
                        f"and on {shape_b} at '{doc.node_label(other)}'; one set of weights cannot fit both",
                        (other, first), "feed both calls tensors of the same shape, or make this call independent"))
        return layer_params, trainable, non_trainable, known, unused

    def _output_problems(self) -> list:
        doc = self.doc
        problems = []
        seen = set()
        for k, out in enumerate(doc.outputs):
            if out.node not in doc.nodes:
                continue
            label = f"output {k} ('{doc.node_label(out.node)}')"
            if out.ref in seen:
                problems.append(Problem(ERROR, "output.duplicate", f"{label} is listed twice", (out.node,),
                                        "remove one of the two", output_index=k, detail="listed twice"))
            seen.add(out.ref)
            res = self._results.get(out.node)
            if res is not None and res.outputs is not None and out.index >= len(res.outputs):
                problems.append(Problem(ERROR, "graph.bad_output_index",
                                        f"{label} exposes output {out.index}, which the layer does not have",
                                        (out.node,), "mark an existing output", output_index=k))
                continue
            spec = res.output(out.index) if res else UNKNOWN
            for severity, code, msg, hint in loss_problems(out.loss, spec, out.loss_weight, out.metrics):
                problems.append(Problem(severity, code, f"{label}: {msg}", (out.node,), hint,
                                        output_index=k, detail=msg))
        return problems


def check(doc: Document) -> CheckResult:
    """Validate a document from scratch: shapes, parameter counts and problems. Never raises."""
    analyzer = Analyzer(doc)
    try:
        return analyzer.result()
    finally:
        analyzer.close()


