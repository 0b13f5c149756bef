"""graph_core.diff: a model against itself, template pairs, and one edit of each kind."""

from __future__ import annotations

import itertools
import json

import pytest

from editor.cli import main
from graph_core import check
from graph_core.cost import model_cost
from graph_core.diff import diff
from graph_core.edits import Connect, Rename, SetConfig
from graph_core.templates import list_templates, load_template

SLUGS = [t.slug for t in list_templates()]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_model_against_itself_is_empty(slug):
    result = diff(load_template(slug), load_template(slug))
    assert result.empty and not result.status_a and not result.status_b
    assert result.delta["params"] == 0 and result.delta["flops"] in (0, None)


@pytest.mark.parametrize("slug_a,slug_b", list(itertools.combinations(SLUGS, 2))[::3])
def test_template_pairs_account_for_every_layer(slug_a, slug_b):
    a, b = load_template(slug_a), load_template(slug_b)
    result = diff(a, b)
    names_a, names_b = {la.name for la in a.layers.values()}, {lb.name for lb in b.layers.values()}
    assert set(result.removed) <= names_a and set(result.added) <= names_b
    # every layer of A is either removed or matched; every layer of B is added or matched
    assert len(a.layers) - len(result.removed) == len(b.layers) - len(result.added)
    ra, rb = check(a), check(b)
    if ra.params_known and rb.params_known:
        assert result.delta["params"] == rb.total - ra.total
    fa, fb = model_cost(a, ra).flops, model_cost(b, rb).flops
    assert result.delta["flops"] == (None if fa is None or fb is None else fb - fa)
    assert {lid for lid, s in result.status_b.items() if s == "added"} == \
        {lb.id for lb in b.layers.values() if lb.name in result.added}


def test_residual_against_residual_downsample():
    result = diff(load_template("residual"), load_template("residual-downsample"))
    assert not result.empty
    assert result.added and result.rewired
    assert result.delta["params"] == check(load_template("residual-downsample")).total - \
        check(load_template("residual")).total


def test_one_edit_of_each_kind():
    a = load_template("mlp")
    b = load_template("mlp")
    dense = [layer for layer in b.layers.values() if layer.type == "Dense"]
    b.apply(SetConfig(dense[0].id, "units", dense[0].config.get("units", 1) + 3))
    b.apply(SetConfig(dense[0].id, "use_bias", True))  # the Keras default: not a change
    b.apply(Rename(dense[-1].id, "renamed_head"))
    result = diff(a, b)
    assert result.changed[0] == (dense[0].name, ["units"])
    assert ("renamed_head", ["name"]) in result.changed
    assert result.renamed == {a.layers[dense[-1].id].name: "renamed_head"}
    assert not result.added and not result.removed
    assert result.delta["params"] == check(b).total - check(a).total != 0


def test_rewiring_is_reported():
    a = load_template("residual")
    b = load_template("residual")
    add = next(layer for layer in b.layers.values() if layer.type == "Add")
    node = b.nodes_of(add.id)[0]
    first = b.nodes[node].inputs[0]
    b.apply(Connect(first, node, slot=1, replace=True))  # both inputs of the Add read the same tensor
    result = diff(a, b)
    assert add.name in result.rewired and result.status_b[add.id] == "rewired"


def test_cli_diff(tmp_path, capsys):
    paths = {t.slug: str(t.path) for t in list_templates()}
    assert main(["diff", paths["mlp"], paths["mlp"]]) == 0
    assert "0 added" in capsys.readouterr().out
    assert main(["diff", paths["residual"], paths["residual-downsample"], "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"added", "removed", "changed", "rewired", "delta"}
    assert set(report["delta"]) >= {"params", "flops"}
    assert main(["diff", paths["mlp"], str(tmp_path / "missing.loom")]) == 2
    assert "Traceback" not in capsys.readouterr().err
