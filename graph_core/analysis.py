"""Checking a document: shape inference, parameter counts and problems, full or incremental.

:func:`check` analyses a document from scratch. :class:`Analyzer` keeps the results of the last
check and, listening to the document's change events, re-checks only what an edit can affect:
the touched nodes, then downstream nodes whose inputs actually changed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from graph_core import catalog
from graph_core.allow_list import allow_list_problems
from graph_core.document import ChangeEvent, Document, Layer
from graph_core.errors import ShapeError
from graph_core.graph_algorithms import ancestors, find_cycles, topological_order
from graph_core.layer_kinds import spec_for
from graph_core.losses import loss_problems
from graph_core.problems import ERROR, WARNING, Problem
from graph_core.tensor import FLOAT_DTYPES, TensorSpec, format_shape

VALID, INVALID, NOT_CHECKED = "valid", "invalid", "not checked"
"""The three states of a checked document (:attr:`CheckResult.status`)."""

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
UNKNOWN = TensorSpec(None, "float32")


@dataclass
class NodeResult:
    """What one node produces: its output tensors, its layer's params there, its problems."""

    outputs: list | None  # list[TensorSpec]; None = unknown count and shapes
    params: tuple | None  # (trainable, non_trainable) or None when unknown
    problems: list = field(default_factory=list)
    config: dict | None = field(default=None, compare=False)  # the resolved config used (for graph_core.cost)

    def output(self, index: int) -> TensorSpec:
        """The spec of output ``index`` (unknown when out of range or unknown)."""
        if self.outputs is None or index >= len(self.outputs):
            return UNKNOWN
        return self.outputs[index]


@dataclass
class CheckResult:
    """Everything :func:`check` finds.

    Attributes:
        problems: all problems, errors first, in graph order.
        nodes: per node id, its :class:`NodeResult`.
        layer_params: per layer id, ``(trainable, non_trainable)`` or None when unknown.
        trainable, non_trainable: totals over the layers of the model (a shared layer counted
            once; layers that reach no output are not part of the model and not counted).
        params_known: False when some layer's count is unknown (totals are then a lower bound).
        unchecked: nodes LayerLoom cannot vouch for: layer types outside the catalog, and
            applications whose shapes Keras has not measured yet.
        unused_params: ``(trainable, non_trainable)`` of the layers that reach no output,
            shown apart (Keras leaves them out of the model).
        unused_layers: the ids of those layers.
    """

    problems: list
    nodes: dict
    layer_params: dict
    trainable: int
    non_trainable: int
    params_known: bool
    unchecked: tuple = ()
    unused_params: tuple = (0, 0)
    unused_layers: tuple = ()

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(p.is_error for p in self.problems)

    @property
    def status(self) -> str:
        """``"invalid"`` (an error), ``"not checked"`` (parts LayerLoom cannot vouch for) or ``"valid"``."""
        if not self.valid:
            return INVALID
        return NOT_CHECKED if self.unchecked else VALID

    @property
    def total(self) -> int:
        """Total parameter count of the known parts (a lower bound unless ``params_known``)."""
        return self.trainable + self.non_trainable

    @property
    def known_total(self) -> int | None:
        """The total parameter count, or None when some part of it is unknown."""
        return self.total if self.params_known else None

    def params_text(self) -> str:
        """The parameter count in words: ``1,234 params``, ``at least 1,234 params (2 layers
        unknown)``, with ``+ 56 in layers that reach no output`` when there are such layers."""
        unknown = sum(1 for value in self.layer_params.values() if value is None)
        if self.params_known:
            text = f"{self.total:,} params"
        else:
            text = f"at least {self.total:,} params ({unknown} layer{'s' if unknown != 1 else ''} unknown)"
        unused = sum(self.unused_params)
        if self.unused_layers:
            text += f" + {unused:,} in layers that reach no output"
        return text

    @property
    def errors(self) -> list:
        """The problems of severity error."""
        return [p for p in self.problems if p.is_error]

    def output_specs(self, node_id: str) -> list:
        """The output tensor specs of a node ([] when unknown)."""
        result = self.nodes.get(node_id)
        return list(result.outputs or []) if result else []

    def problems_of(self, node_id: str) -> list:
        """The problems that concern ``node_id``."""
        return [p for p in self.problems if node_id in p.node_ids]

    def to_json(self, doc: Document) -> dict:
        """The JSON form printed by ``layerloom check --json``."""
        nodes = {}
        for nid, res in self.nodes.items():
            specs = res.outputs or []
            nodes[nid] = {
                "layer": doc.layer_of(nid).name,
                "output_shapes": [list(s.shape) if s.shape is not None else None for s in specs],
                "dtype": specs[0].dtype if len(specs) == 1 else [s.dtype for s in specs],
            }
        return {"valid": self.valid, "status": self.status, "problems": [p.to_dict() for p in self.problems],
                "nodes": nodes, "unchecked": [doc.layer_of(n).name for n in self.unchecked],
                "params": {"total": self.known_total, "at_least": self.total, "trainable": self.trainable,
                           "non_trainable": self.non_trainable, "known": self.params_known,
                           "unused": {"layers": [doc.layers[lid].name for lid in self.unused_layers],
                                      "trainable": self.unused_params[0],
                                      "non_trainable": self.unused_params[1]}}}


def application_cache_key(config: dict, input_specs: list) -> str:
    """The key under which codegen stores an Application layer's Keras-computed shapes and params."""
    shapes = [list(s.shape) if s.shape is not None else None for s in input_specs]
    return json.dumps({"config": config, "inputs": shapes}, sort_keys=True)


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
            results[nid] = new
            if old is None or old.outputs != new.outputs:
                changed.add(nid)
        for nid in self._cyclic:
            results[nid] = NodeResult(None, None, [])
        self._dirty = set()
        return self._assemble()

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
        refused = allow_list_problems(layer, label, nid)  # issue 12: one allow-list everywhere
        if refused:
            return NodeResult(None, None, problems + refused)
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
        resolved, param_problems = self._layer_check(layer)
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
        cached = self._layer_checks.get(layer.id)
        if cached is None:
            problems = catalog.check_params(layer.type, layer.config)
            try:
                resolved = catalog.resolve_config(layer.type, layer.config) if not problems else {}
            except Exception as exc:
                resolved, problems = {}, [("config", f"its config cannot be read ({exc})", "")]
            cached = (resolved, problems)
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


def _cache_entry(layer: Layer, inputs: list) -> dict | None:
    """The well-formed cache entry of an Application layer for these inputs, or None."""
    cache = layer.cache if isinstance(layer.cache, dict) else {}
    entry = cache.get(application_cache_key(layer.config, inputs))
    if not isinstance(entry, dict):
        return None
    if "error" in entry:
        return entry if isinstance(entry["error"], str) else None
    outputs, dtypes = entry.get("outputs"), entry.get("dtypes")
    counts_ok = all(isinstance(entry.get(k), int) and entry[k] >= 0 for k in ("trainable", "non_trainable"))
    shapes_ok = (isinstance(outputs, list) and isinstance(dtypes, list) and len(outputs) == len(dtypes) > 0
                 and all(isinstance(s, list) and all(d is None or (isinstance(d, int) and d >= 0) for d in s)
                         for s in outputs) and all(isinstance(d, str) for d in dtypes))
    return entry if counts_ok and shapes_ok else None


def _frozen(layer: Layer, params: tuple | None) -> tuple | None:
    """A layer with ``trainable: false`` keeps its weights, all of them non-trainable (except where
    Keras does not freeze them: :attr:`LayerSpec.frozen_by_trainable`)."""
    if params is None or layer.config.get("trainable", True) is not False:
        return params
    spec = spec_for(layer)
    if spec is not None and not spec.frozen_by_trainable:
        return params
    return (0, params[0] + params[1])


_POLICY_COMPUTE = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def _with_compute_dtype(layer: Layer, outputs: list) -> list:
    """Apply a layer's ``dtype`` (a float dtype or a mixed policy) to its float32 outputs, as Keras does."""
    policy = layer.config.get("dtype")
    if layer.type == "Input" or policy is None:
        return outputs
    if isinstance(policy, dict):
        policy = (policy.get("config") or {}).get("name")
    compute = _POLICY_COMPUTE.get(policy, policy)
    if compute not in FLOAT_DTYPES or compute == "float32":
        return outputs
    return [TensorSpec(s.shape, compute) if s.dtype == "float32" else s for s in outputs]


def _prefixed(layer: Layer, message: str) -> str:
    """Name the layer in a rule's message: "Conv2D needs…" becomes "Conv2D 'c1' needs…"."""
    if message.startswith(layer.type + " "):
        return f"{_describe(layer)} {message[len(layer.type) + 1:]}"
    return f"{_describe(layer)}: {message}"


def _describe(layer: Layer) -> str:
    return f"{layer.type} '{layer.name}'"


def _arity_problem(spec, label: str, count: int, nid: str) -> Problem | None:
    low, high = spec.min_inputs, spec.max_inputs
    if low <= count and (high is None or count <= high):
        return None
    if high == 0:
        return Problem(ERROR, "graph.arity", f"{label} takes no inputs, but {count} are connected", (nid,),
                       "disconnect them; an Input starts the graph")
    if high is None:
        want = f"at least {low}"
    elif low == high:
        want = f"exactly {low}"
    else:
        want = f"{low} to {high}"
    code = "graph.missing_input" if count < low else "graph.surplus_input"
    hint = "connect the missing input" if count < low else "disconnect the extra inputs"
    return Problem(ERROR, code, f"{label} takes {want} input{'s' if (high or 2) != 1 else ''}, got {count}",
                   (nid,), hint)


def _call_problems(spec, node, label: str, nid: str) -> list:
    """Keyword arguments of a call its layer does not take, or values of the wrong kind."""
    if spec is None:  # a type outside the catalog: its call is passed through unchecked
        return []
    call = spec.call_spec
    problems = []
    for name in node.keyword_inputs:
        if name not in call.keyword_tensors:
            takes = ", ".join(call.keyword_tensors) or "no keyword tensors"
            problems.append(Problem(ERROR, "call.keyword", f"{label} is called with the tensor keyword "
                                    f"{name!r}, which it does not take (it takes {takes})", (nid,),
                                    "disconnect that input", param=name))
    for name, value in node.call_kwargs.items():
        if name != "training" and name not in call.keywords:
            takes = ", ".join(("training", *call.keywords))
            problems.append(Problem(ERROR, "call.keyword", f"{label} is called with {name}={value!r}, which "
                                    f"its call does not take (it takes {takes})", (nid,),
                                    f"remove {name} from the call", param=name))
        elif value is not None and not isinstance(value, bool):
            problems.append(Problem(ERROR, "call.keyword", f"{label}: {name} must be true or false, got "
                                    f"{value!r}", (nid,), f"set {name} to true or false", param=name))
    return problems


def _compatible(expected, given) -> bool:
    if expected is None or given is None:
        return True
    if len(expected) != len(given):
        return False
    return all(a is None or b is None or a == b for a, b in zip(expected[1:], given[1:]))


def _input_shapes(doc: Document, results: dict, nid: str) -> str:
    specs = [results[r.node].output(r.index) if r.node in results else UNKNOWN for r in doc.nodes[nid].inputs]
    return ", ".join(format_shape(s.shape) for s in specs) or "nothing"


def _dedupe(problems: list) -> list:
    seen = set()
    out = []
    for p in problems:
        key = (p.code, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
