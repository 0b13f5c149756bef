"""Synthetic fit: every template trains, progress callbacks, cooperative cancel."""

from __future__ import annotations

import math

import pytest

from codegen.errors import BuildError
from codegen.fit import FitResult, fit_synthetic
from graph_core.builder import GraphBuilder
from graph_core.templates import load_template
from tests.codegen.helpers import HEAVY, SLUGS

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_fits_one_epoch(slug):
    doc = load_template(slug)
    small = dict(samples=2, batch_size=2) if slug == HEAVY else dict(samples=12, batch_size=6)
    result = fit_synthetic(doc, epochs=1, **small)
    assert isinstance(result, FitResult) and isinstance(result, dict)
    assert not result.cancelled
    assert len(result["loss"]) == 1 and math.isfinite(result["loss"][0])
    names = [doc.layer_of(o.node).name for o in doc.outputs]
    if len(names) > 1:
        assert {f"{name}_loss" for name in names} <= set(result)


def test_progress_callbacks_fire_per_batch_and_per_epoch():
    doc = load_template("multi-output")
    batches, epochs = [], []
    result = fit_synthetic(doc, epochs=2, samples=12, batch_size=4, seed=3,
                           on_batch=batches.append, on_epoch=epochs.append)
    assert [(b["epoch"], b["batch"]) for b in batches] == [(e, k) for e in range(2) for k in range(3)]
    assert all(b["batches"] == 3 and b["epochs"] == 2 for b in batches)
    assert set(batches[0]["losses"]) == {"age", "income", "gender"}
    assert [e["epoch"] for e in epochs] == [0, 1]
    assert epochs[-1]["loss"] == pytest.approx(result["loss"][-1])
    assert epochs[-1]["losses"]["age"] == pytest.approx(result["age_loss"][-1])
    assert result.batches_run == 6 and result.epochs_run == 2


def test_single_output_losses_are_named_after_the_output():
    seen = []
    fit_synthetic(load_template("mlp"), epochs=1, samples=8, batch_size=8, on_batch=seen.append)
    assert list(seen[0]["losses"]) == ["predictions"]
    assert seen[0]["losses"]["predictions"] == seen[0]["loss"]


def test_cancel_stops_within_one_batch():
    doc = load_template("mlp")
    state = {"stop": False, "after": 0, "epochs": []}

    def on_batch(info):
        if state["stop"]:
            state["after"] += 1
        if info["batch"] == 4:
            state["stop"] = True

    result = fit_synthetic(doc, epochs=3, samples=64, batch_size=4, on_batch=on_batch,
                           on_epoch=state["epochs"].append, should_stop=lambda: state["stop"])
    assert result.cancelled
    assert state["after"] == 0  # no batch ran after should_stop turned True
    assert result.batches_run == 5 and result.epochs_run == 1
    assert len(state["epochs"]) == 1 and state["epochs"][0]["cancelled"]


def test_same_seed_same_losses():
    doc = load_template("siamese-lstm")
    a = fit_synthetic(doc, epochs=1, samples=8, batch_size=4, seed=11)
    b = fit_synthetic(doc, epochs=1, samples=8, batch_size=4, seed=11)
    assert a["loss"] == pytest.approx(b["loss"])


def test_model_without_loss_is_refused():
    b = GraphBuilder("no_loss")
    x = b.input("features", shape=(4,))
    b.output(b.layer("Dense", x, units=1))
    with pytest.raises(BuildError, match="loss"):
        fit_synthetic(b.document, epochs=1, samples=4, batch_size=2)


def test_bad_settings_are_refused():
    with pytest.raises(BuildError, match="batch size"):
        fit_synthetic(load_template("mlp"), batch_size=0)
