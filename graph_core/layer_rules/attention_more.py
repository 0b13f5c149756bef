"""Attention layers besides MultiHeadAttention: Attention (dot-product, Luong),
AdditiveAttention (Bahdanau) and GroupQueryAttention (grouped-query, GQA).

Attention and AdditiveAttention are called on a list ``[query, value]`` or ``[query, value,
key]``; GroupQueryAttention like MultiHeadAttention, ``layer(query, value, key)``.
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import FLOAT32, fmt, known_shapes, need_known, unknown
from graph_core.layer_rules.spec import CallSpec, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_NAMES = ("query", "value", "key")
_HINT = "give the Input a fixed feature size, e.g. shape=(None, 64)"


def _mismatch(layer: str, what: str, a, b, hint: str):
    raise ShapeError(f"{layer} needs {what}, got {fmt(a)} and {fmt(b)}", hint,
                     "shape.attention_mismatch")


def make_infer_scores(layer: str):
    """Infer function of Attention / AdditiveAttention: ``(*query[:-1], value[-1])``."""

    def infer(config: dict, inputs: list) -> list:
        query, value = inputs[0].shape, inputs[1].shape
        key = inputs[2].shape if len(inputs) > 2 else value
        if query is None or value is None or key is None:
            return unknown()
        for name, s in zip(_NAMES, (query, value, key)):
            if len(s) != 3:
                raise ShapeError(f"{layer} needs 3-D {name} (batch, steps, features), got {fmt(s)}",
                                 "attention works on sequences", "shape.rank")
        q, k = query[-1], key[-1]
        if q is not None and k is not None and q != k:
            _mismatch(layer, "query and key with the same feature size", query, key,
                      "project them to the same size with Dense")
        if value[1] is not None and key[1] is not None and value[1] != key[1]:
            _mismatch(layer, "value and key of the same length", value, key,
                      "value and key must come from the same sequence")
        if layer == "AdditiveAttention" and config["use_scale"]:
            need_known(layer, query, -1, "the query feature axis", _HINT)
        return [TensorSpec((*query[:-1], value[-1]), FLOAT32)]

    return infer


def count_attention(config: dict, inputs: list) -> tuple:
    """A scalar scale (use_scale) and a scalar concat weight (score_mode='concat')."""
    return int(config["use_scale"]) + int(config["score_mode"] == "concat"), 0


def count_additive(config: dict, inputs: list) -> tuple:
    """A scale vector of the query's feature size (use_scale)."""
    if not config["use_scale"]:
        return 0, 0
    shapes = known_shapes("AdditiveAttention", inputs)
    return need_known("AdditiveAttention", shapes[0], -1, "the query feature axis", _HINT), 0


_GQA = "GroupQueryAttention"


def infer_gqa(config: dict, inputs: list) -> list:
    """Output has the query's shape (Keras also wants query and value of one feature size)."""
    query, value = inputs[0].shape, inputs[1].shape
    key = inputs[2].shape if len(inputs) > 2 else value
    if query is None:
        return unknown()
    for name, s in zip(_NAMES, (query, value, key)):
        if s is not None and len(s) != 3:
            raise ShapeError(f"{_GQA} needs 3-D {name} (batch, steps, features), got {fmt(s)}",
                             "attention works on sequences", "shape.rank")
    if value is not None and query[-1] != value[-1]:
        _mismatch(_GQA, "query and value with the same last axis", query, value,
                  "project them to the same size with Dense")
    if value is not None and key is not None and value[1:-1] != key[1:-1]:
        _mismatch(_GQA, "value and key of the same shape except the last axis", value, key,
                  "value and key must come from the same sequence")
    need_known(_GQA, query, -1, "the query feature axis", _HINT)
    return [TensorSpec(tuple(query), FLOAT32)]


def count_gqa(config: dict, inputs: list) -> tuple:
    """Query, key, value (and gate) projections and the output projection."""
    shapes = known_shapes(_GQA, inputs)
    m, v = shapes[0][-1], shapes[1][-1]
    k = shapes[2][-1] if len(shapes) > 2 else v
    hq, hkv, h = config["num_query_heads"], config["num_key_value_heads"], config["head_dim"]
    bias = config["use_bias"]
    total = m * hq * h + k * hkv * h + v * hkv * h + hq * h * m
    if bias:
        total += hq * h + 2 * hkv * h + m
    if config["use_gate"]:
        total += m * hq * h + (hq * h if bias else 0)
    return total, 0


def check_gqa(config: dict) -> list:
    """num_query_heads must be a multiple of num_key_value_heads."""
    if config["num_query_heads"] % config["num_key_value_heads"]:
        return [("num_key_value_heads", f"num_query_heads ({config['num_query_heads']}) must be "
                 f"a multiple of num_key_value_heads ({config['num_key_value_heads']})",
                 "e.g. 8 query heads with 2 key/value heads")]
    return []


SPECS = (
    LayerSpec(
        "Attention", "Attention", "Dot-product (Luong-style) attention of a query sequence over "
        "a value (and key) sequence.",
        (ParamSpec("use_scale", "bool", False, doc="learn a scalar to scale the scores"),
         ParamSpec("score_mode", "choice", "dot", choices=("dot", "concat"), main=True,
                   doc="how query and key are scored"),
         P.rate("dropout", 0.0, "dropout on the attention weights"), P.seed()),
        2, 3, make_infer_scores("Attention"), count_attention,
        call=CallSpec("list", _NAMES)),
    LayerSpec(
        "AdditiveAttention", "Attention", "Additive (Bahdanau-style) attention of a query "
        "sequence over a value (and key) sequence.",
        (ParamSpec("use_scale", "bool", True, doc="learn a scale vector for the scores"),
         P.rate("dropout", 0.0, "dropout on the attention weights")),
        2, 3, make_infer_scores("AdditiveAttention"), count_additive,
        call=CallSpec("list", _NAMES)),
    LayerSpec(
        _GQA, "Attention", "Grouped-query attention (GQA): query heads share fewer key/value "
        "heads.",
        (P.positive_int("head_dim", "size of each attention head"),
         P.positive_int("num_query_heads", "number of query heads"),
         P.positive_int("num_key_value_heads", "number of key and value heads"),
         P.rate("dropout", 0.0, "dropout on the attention weights"), P.use_bias(),
         ParamSpec("sliding_window", "int", None, minimum=1, allow_none=True,
                   doc="attend only to this many recent positions"),
         ParamSpec("flash_attention", "bool", None, allow_none=True,
                   doc="use flash attention (None: when available)"),
         *P.dense_extras(),
         ParamSpec("use_gate", "bool", False, doc="gate the attention output"), P.seed()),
        2, 3, infer_gqa, count_gqa, check=check_gqa,
        call=CallSpec("positional", _NAMES), keyword_constructor=True, frozen_by_trainable=False),
)
