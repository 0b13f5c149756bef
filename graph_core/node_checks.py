"""Problems and adjustments of one node's check: arity, call keywords, frozen weights, dtypes.

Small pure functions used by :class:`graph_core.analysis.Analyzer`.
"""

from __future__ import annotations

import json

from graph_core.check_result import UNKNOWN
from graph_core.document import Document, Layer
from graph_core.layer_kinds import spec_for
from graph_core.problems import ERROR, Problem
from graph_core.tensor import FLOAT_DTYPES, TensorSpec, format_shape


def application_cache_key(config: dict, input_specs: list) -> str:
    """The key under which codegen stores an Application layer's Keras-computed shapes and params."""
    shapes = [list(s.shape) if s.shape is not None else None for s in input_specs]
    return json.dumps({"config": config, "inputs": shapes}, sort_keys=True)


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
