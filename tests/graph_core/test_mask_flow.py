"""The mask flow in the check (no Keras; the facts are compared with Keras in
tests/keras_equality/test_mask_flow.py): producers, explicit masks, and the incremental check
following an edit of ``mask_zero``."""

from __future__ import annotations

from graph_core.analysis import Analyzer
from graph_core.builder import GraphBuilder
from graph_core.edits import DELETE, SetConfig
from graph_core.mask_flow import mask_role, output_masks, uses_mask


def text_model():
    b = GraphBuilder("text")
    tokens = b.input("tokens", shape=(None,), dtype="int32")
    emb = b.layer("Embedding", tokens, name="emb", input_dim=100, output_dim=8, mask_zero=True)
    dense = b.layer("Dense", emb, name="dense", units=8)
    seq = b.layer("LSTM", dense, name="lstm", units=4, return_sequences=True)
    pooled = b.layer("GlobalAveragePooling1D", seq, name="pool")
    b.output(pooled)
    return b.document, [tokens.node, emb.node, dense.node, seq.node, pooled.node]


def test_the_incremental_check_follows_mask_zero():
    doc, nodes = text_model()
    analyzer = Analyzer(doc)
    carried = lambda: [analyzer.result().nodes[n].carries_mask(0) for n in nodes]  # noqa: E731
    assert carried() == [False, True, True, True, False]
    doc.apply(SetConfig(doc.layer_by_name("emb").id, "mask_zero", DELETE))
    assert carried() == [False, False, False, False, False]
    doc.apply(SetConfig(doc.layer_by_name("emb").id, "mask_zero", True))
    assert carried() == [False, True, True, True, False]
    assert analyzer.result().to_json(doc)["nodes"][nodes[2]]["masks"] == [True]


def test_roles_and_the_rule_of_one_call():
    assert [mask_role(t) for t in ("Embedding", "Dense", "Add", "GRU", "Attention", "GlobalAveragePooling1D",
                                   "Conv1D")] == ["produces", "propagates", "merges", "sequence", "query", "uses",
                                                  "drops"]
    assert uses_mask("LSTM") and uses_mask("MultiHeadAttention") and not uses_mask("Dense")
    assert output_masks("LSTM", {"return_state": True, "return_sequences": True}, ["m"], 3) == ["m", None, None]
    assert output_masks("Add", {}, ["a", None], 1, list_call=True) == [None]
    assert output_masks("Concatenate", {}, ["a", None], 1, list_call=True,
                        combine=lambda how, ms: (how, tuple(ms))) == [("concatenate", ("a", None))]
    assert output_masks("Bidirectional", {"layer": {"type": "LSTM", "config": {"return_sequences": True}},
                                          "merge_mode": None}, ["m"], 2) == ["m", "m"]
    assert output_masks("GRU", {"return_sequences": True}, [None], 1, explicit="given") == ["given"]
    assert output_masks("Masking", {}, [None], 1, produce=lambda t, c: f"{t}-mask") == ["Masking-mask"]
