"""Attention layers: MultiHeadAttention (inputs: query, value[, key])."""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    fmt,
    known_shapes,
    need_known,
    prod,
    unknown,
)
from graph_core.layer_rules.spec import CallSpec, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_LAYER = "MultiHeadAttention"
_HINT = "give the Input a fixed feature size, e.g. shape=(None, 64)"


def infer_mha(config: dict, inputs: list) -> list:
    """Output has the query's shape, with the last axis replaced by ``output_shape``."""
    query = inputs[0].shape
    if query is None:
        return unknown()
    need_known(_LAYER, query, -1, "the query feature axis", _HINT)
    value = inputs[1].shape
    key = inputs[2].shape if len(inputs) > 2 else value
    if value is not None and key is not None and value[1:-1] != key[1:-1]:
        raise ShapeError(
            f"{_LAYER} needs value and key to have the same shape except the last axis, "
            f"got value {fmt(value)} and key {fmt(key)}",
            "value and key must come from the same sequence (same length)",
            "shape.attention_mismatch")
    if value is not None:
        need_known(_LAYER, value, -1, "the value feature axis", _HINT)
    if key is not None:
        need_known(_LAYER, key, -1, "the key feature axis", _HINT)
    out = config["output_shape"]
    if out:
        return [TensorSpec((*query[:-1], *out), FLOAT32)]
    return [TensorSpec(query, FLOAT32)]


def check_mha_call(config: dict, inputs: list, keywords: dict, kwargs: dict) -> list:
    """Keyword tensors are single masks; ``return_attention_scores`` adds the scores tensor.

    Its shape is the one Keras 3 gives a functional model (``compute_output_spec``):
    ``(batch, num_heads, query steps, query steps)``, whatever the value length and the
    attention axes. At run time the scores are ``(batch, num_heads, query steps, value steps)``;
    the two agree for self-attention (see docs/layer-catalog.md).
    """
    for name, tensors in keywords.items():
        if len(tensors) != 1:
            raise ShapeError(f"{_LAYER} {name} must be one tensor, got {len(tensors)}",
                             f"pass a single {name} tensor", "shape.mask")
    if not kwargs.get("return_attention_scores"):
        return []
    query = inputs[0].shape
    if query is None or len(query) < 2:
        return [TensorSpec(None, FLOAT32)]
    return [TensorSpec((query[0], config["num_heads"], query[1], query[1]), FLOAT32)]


def count_mha(config: dict, inputs: list) -> tuple:
    """Query/key/value projections (+ gate) and the output projection."""
    shapes = known_shapes(_LAYER, inputs)
    q_dim, v_dim = shapes[0][-1], shapes[1][-1]
    k_dim = shapes[2][-1] if len(shapes) > 2 else v_dim
    heads, kd = config["num_heads"], config["key_dim"]
    vd = config["value_dim"] or kd
    out = prod(config["output_shape"]) if config["output_shape"] else q_dim
    bias = config["use_bias"]
    total = (q_dim + k_dim) * heads * kd + v_dim * heads * vd + heads * vd * out
    if bias:
        total += 2 * heads * kd + heads * vd + out
    if config["use_gate"]:
        total += q_dim * heads * vd + (heads * vd if bias else 0)
    return total, 0


SPECS = (
    LayerSpec(
        _LAYER, "Attention",
        "Multi-head attention of a query sequence over a value (and key) sequence.",
        (P.positive_int("num_heads", "number of attention heads"),
         P.positive_int("key_dim", "size of each head for query and key"),
         ParamSpec("value_dim", "int", None, minimum=1, allow_none=True,
                   doc="size of each head for value (None: key_dim)"),
         P.rate("dropout", 0.0, "dropout on the attention weights"),
         P.use_bias(),
         ParamSpec("output_shape", "int_tuple", None, minimum=1, allow_none=True,
                   doc="size of the output's last axis (None: the query's)"),
         ParamSpec("attention_axes", "axes", None, allow_none=True,
                   doc="axes attention is applied over (None: all but batch, heads, features)"),
         ParamSpec("use_gate", "bool", False, doc="gate the attention output with a sigmoid"),
         *P.dense_extras(), P.seed()),
        2, 3, infer_mha, count_mha,
        call=CallSpec("positional", ("query", "value", "key"),
                      keyword_tensors=("attention_mask", "query_mask", "value_mask", "key_mask"),
                      keywords=("use_causal_mask", "return_attention_scores"),
                      extra_outputs=("return_attention_scores",), check_call=check_mha_call,
                      keyword_ports=(("attention_mask", 1),)),
        keyword_constructor=True, frozen_by_trainable=False),
)
