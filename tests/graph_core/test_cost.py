"""Static cost (graph_core.cost): hand-computed figures, unknowns, peak schedule, incremental reuse."""

from __future__ import annotations

import json

import pytest

from editor.cli import main
from graph_core import catalog, check
from graph_core.analysis import Analyzer
from graph_core.builder import GraphBuilder
from graph_core.cost import CostTracker, model_cost
from graph_core.cost_rules import RULES, UNMEASURED_TYPES, ZERO_MAC_TYPES
from graph_core.cost_text import human_bytes, human_count
from graph_core.edits import SetConfig
from graph_core.templates import list_templates


def _mlp(**dense):
    b = GraphBuilder("mlp")
    x = b.input("x", (8,))
    h = b.layer("Dense", x, name="hidden", units=4, **dense)
    b.output(b.layer("Dense", h, name="out", units=2), loss="mse")
    return b.document


def test_every_catalog_type_has_a_mac_rule_or_is_declared_free_or_unmeasured():
    from graph_core.operations import OPERATION_SPECS

    assert set(catalog.CATALOG) | set(OPERATION_SPECS) == set(RULES) | ZERO_MAC_TYPES | UNMEASURED_TYPES
    assert not set(RULES) & ZERO_MAC_TYPES and not (set(RULES) | ZERO_MAC_TYPES) & UNMEASURED_TYPES


def test_unmeasured_types_have_unknown_cost():
    from graph_core.cost_rules import macs
    from graph_core.tensor import TensorSpec

    spec = TensorSpec((None, 4, 8))
    assert macs("EinsumDense", {}, [spec], [spec], batch=1) is None


def test_mlp_figures_by_hand():
    doc = _mlp()
    cost = model_cost(doc, batch_size=3)
    hidden, out = (doc.nodes_of(doc.layer_by_name(n).id)[0] for n in ("hidden", "out"))
    assert cost.nodes[hidden].macs == 3 * 8 * 4 and cost.nodes[out].macs == 3 * 4 * 2
    assert cost.macs == 120 and cost.flops == 240
    assert cost.activation_bytes == (3 * 8 + 3 * 4 + 3 * 2) * 4
    # input (96) and hidden (48) are alive while hidden runs; then the input is freed
    assert cost.peak_activation_bytes == 96 + 48
    assert cost.weight_bytes == (8 * 4 + 4 + 4 * 2 + 2) * 4
    # rmsprop keeps one slot per weight: weights + gradients + slot, activations and their gradients
    assert cost.training_bytes == 2 * cost.activation_bytes + 3 * cost.weight_bytes


def test_weight_dtype_and_mixed_policy():
    assert model_cost(_mlp(dtype="float16")).layer_weight_bytes
    half = model_cost(_mlp(dtype="float16"))
    mixed = model_cost(_mlp(dtype="mixed_float16"))
    full = model_cost(_mlp())
    assert full.weight_bytes - half.weight_bytes == (8 * 4 + 4) * 2
    assert mixed.weight_bytes == full.weight_bytes  # mixed precision keeps float32 variables
    assert mixed.activation_bytes == full.activation_bytes - 4 * 2  # hidden's output is float16


def test_branches_keep_tensors_alive_until_their_last_reader():
    b = GraphBuilder("branches")
    x = b.input("x", (10,))
    left = b.layer("Dense", x, name="left", units=10)
    right = b.layer("Dense", x, name="right", units=10)
    b.output(b.layer("Add", [left, right], name="sum"), loss="mse")
    cost = model_cost(b.document, batch_size=1)
    assert cost.peak_activation_bytes == 3 * 40  # left, right and the sum while the sum runs
    assert cost.macs == 2 * 100


def test_shared_layer_counts_weights_once_and_macs_per_call():
    b = GraphBuilder("siamese")
    a, c = b.input("a", (6,)), b.input("c", (6,))
    left = b.layer("Dense", a, name="shared", units=3)
    right = b.call("shared", c)
    b.output(b.layer("Concatenate", [left, right], name="cat"), loss="mse")
    cost = model_cost(b.document, batch_size=2)
    assert cost.weight_bytes == (6 * 3 + 3) * 4
    assert cost.macs == 2 * (2 * 6 * 3)


def test_unknown_parts_make_totals_unknown():
    b = GraphBuilder("unknown")
    x = b.input("x", (8,))
    h = b.layer("MysteryLayer", x, name="mystery")
    b.output(b.layer("Dense", h, name="out", units=2), loss="mse")
    cost = model_cost(b.document)
    assert cost.macs is None and cost.flops is None and cost.weight_bytes is None
    assert cost.activation_bytes is None and cost.peak_activation_bytes is None and cost.training_bytes is None

    b = GraphBuilder("variable")
    seq = b.input("seq", (None, 4))
    b.output(b.layer("LSTM", seq, name="lstm", units=3), loss="mse")
    cost = model_cost(b.document)
    assert cost.weight_bytes == 4 * 4 * 3 * (4 + 3 + 1)
    assert cost.macs is None and cost.activation_bytes is None  # the length has no size


def test_nested_model_costs_its_inner_layers():
    inner = GraphBuilder("inner")
    i = inner.input("i", (5,))
    inner.output(inner.layer("Dense", i, name="proj", units=7))
    b = GraphBuilder("outer")
    x = b.input("x", (5,))
    b.output(b.model_layer(inner.document, x, name="block"), loss="mse")
    cost = model_cost(b.document, batch_size=2)
    assert cost.macs == 2 * 5 * 7
    assert cost.weight_bytes == (5 * 7 + 7) * 4
    assert cost.activation_bytes == 2 * 5 * 4 + 2 * 7 * 4


def test_tracker_recomputes_only_changed_nodes():
    doc = _mlp()
    analyzer = Analyzer(doc)
    tracker = CostTracker()
    first = tracker.compute(doc, analyzer.result(), 2)
    out = doc.nodes_of(doc.layer_by_name("out").id)[0]
    doc.apply(SetConfig(doc.layer_by_name("hidden").id, "units", 6))
    second = tracker.compute(doc, analyzer.result(), 2)
    x = doc.input_nodes()[0]
    assert second.nodes[x] is first.nodes[x]  # untouched: reused
    assert second.nodes[out].macs == 2 * 6 * 2 and second.macs == 2 * 8 * 6 + 2 * 6 * 2
    assert tracker.compute(doc, analyzer.result(), 5).macs == 5 * (8 * 6 + 6 * 2)  # batch change recomputes
    analyzer.close()


def test_human_units():
    assert human_count(None) == "?" and human_count(1_500_000, "FLOPs") == "1.5 MFLOPs"
    assert human_bytes(3 * 1024 * 1024) == "3 MiB" and human_bytes(12) == "12 B"


@pytest.mark.parametrize("info", list_templates(), ids=lambda t: t.slug)
def test_check_json_reports_cost(info, capsys):
    assert main(["check", str(info.path), "--json", "--batch-size", "4"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["cost"]) >= {"flops", "weight_bytes", "activation_bytes", "peak_activation_bytes"}
    assert report["cost"]["batch_size"] == 4
    for entry in report["nodes"].values():
        assert {"macs", "flops", "activation_bytes"} <= set(entry)
        assert entry["flops"] == (None if entry["macs"] is None else 2 * entry["macs"])
    known = [e["macs"] for e in report["nodes"].values()]
    total = report["cost"]["flops"]
    assert total is None or total == 2 * sum(known)


def test_check_batch_size_scales_and_rejects_bad_values(capsys):
    path = str(list_templates()[0].path)
    main(["check", path, "--json"])
    one = json.loads(capsys.readouterr().out)["cost"]
    main(["check", path, "--json", "--batch-size", "8"])
    eight = json.loads(capsys.readouterr().out)["cost"]
    assert eight["flops"] == 8 * one["flops"] and eight["weight_bytes"] == one["weight_bytes"]
    assert main(["check", path, "--batch-size", "0"]) == 2
    assert "batch-size" in capsys.readouterr().err
    assert main(["check", path]) == 0
    assert "FLOPs" in capsys.readouterr().out


def test_schedule_follows_data_when_the_file_lists_nodes_out_of_order():
    from graph_core import loom_format

    doc = _mlp()
    data = loom_format.document_to_dict(doc)
    data["nodes"].reverse()
    shuffled = loom_format.document_from_dict(data)
    peak = model_cost(doc, batch_size=3).peak_activation_bytes
    assert model_cost(shuffled, batch_size=3).peak_activation_bytes == peak == 96 + 48


def test_unused_nodes_and_cycles():
    b = GraphBuilder("extra")
    x = b.input("x", (4,))
    b.layer("Dense", x, name="dangling", units=100)
    b.output(b.layer("Dense", x, name="out", units=2), loss="mse")
    cost = model_cost(b.document, batch_size=1)
    assert cost.macs == 4 * 2  # the dangling layer is not part of the model
    assert cost.weight_bytes == (4 * 2 + 2) * 4
    dangling = b.document.nodes_of(b.document.layer_by_name("dangling").id)[0]
    assert cost.nodes[dangling].macs == 400  # but its own figure is still shown


def test_a_fixed_batch_size_on_the_input_wins():
    b = GraphBuilder("fixed")
    x = b.layer("Input", [], name="x", shape=[8], batch_size=5)
    b.output(b.layer("Dense", x, name="out", units=2), loss="mse")
    cost = model_cost(b.document, batch_size=3)
    assert check(b.document).nodes[b.document.input_nodes()[0]].outputs[0].shape == (5, 8)
    assert cost.macs == 5 * 8 * 2 and cost.activation_bytes == (5 * 8 + 5 * 2) * 4


@pytest.mark.parametrize("info", list_templates(), ids=lambda t: t.slug)
def test_followed_tracker_agrees_with_a_fresh_computation(info):
    from graph_core.templates import load_template

    doc = load_template(info.slug)
    analyzer = Analyzer(doc)
    tracker = CostTracker()
    tracker.follow(doc)
    tracker.compute(doc, analyzer.result(), 2)
    dense = next((layer for layer in doc.layers.values() if layer.type == "Dense"), None)
    if dense is not None:
        doc.apply(SetConfig(dense.id, "units", 7))
    followed = tracker.compute(doc, analyzer.result(), 2)
    fresh = model_cost(doc, batch_size=2)
    assert followed.to_json() == fresh.to_json()
    assert followed.nodes == fresh.nodes
    tracker.close()
    analyzer.close()
