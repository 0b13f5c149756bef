"""Checking what a layer's own rule cannot: nested models, keras.applications models, model outputs.

Pure functions used by :class:`graph_core.analysis.Analyzer`: a nested ``Model`` node takes its
shapes and parameters from its graph's check result, an ``Application`` node from the Keras-computed
cache the file carries, and each model output's loss and metrics are checked against its tensor.
"""

from __future__ import annotations

from graph_core.check_result import UNKNOWN, CheckResult, NodeResult
from graph_core.document import Document, Layer
from graph_core.losses import loss_problems
from graph_core.node_checks import _cache_entry, _compatible, _describe, _frozen
from graph_core.problems import ERROR, WARNING, Problem
from graph_core.tensor import TensorSpec, format_shape


def evaluate_model(nid: str, layer: Layer, inputs: list, problems: list,
                   sub_result: CheckResult | None) -> NodeResult:
    """The result of a node calling a nested model.

    Args:
        nid: the node's id.
        layer: its ``Model`` layer.
        inputs: the specs of the tensors fed to the node.
        problems: the problems found so far for the node (extended in place).
        sub_result: the check result of the nested graph, or None when the layer has no graph.

    Returns:
        The node's :class:`NodeResult`.
    """
    label = _describe(layer)
    sub = layer.subgraph
    if sub is None or sub_result is None:
        problems.append(Problem(ERROR, "model.empty", f"{label} has no graph", (nid,),
                                "open it and draw its layers"))
        return NodeResult(None, None, problems)
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


def evaluate_application(nid: str, layer: Layer, inputs: list, problems: list) -> NodeResult:
    """The result of a node calling a keras.applications model, read from the layer's Keras cache.

    Args:
        nid: the node's id.
        layer: its ``Application`` layer.
        inputs: the specs of the tensors fed to the node.
        problems: the problems found so far for the node (extended in place).

    Returns:
        The node's :class:`NodeResult` (unknown outputs while Keras has not measured these inputs).
    """
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


def output_problems(doc: Document, results: dict) -> list:
    """Problems of the model's outputs: listed twice, a missing output index, loss and metrics.

    Args:
        doc: the (top-level) document.
        results: node id -> :class:`NodeResult` of the current check.

    Returns:
        A list of :class:`Problem`.
    """
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
        res = results.get(out.node)
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
