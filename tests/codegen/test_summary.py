"""Keras's model.summary() of a document, its totals against graph_core's, and the
Application cache that makes graph_core's totals known."""

from __future__ import annotations

import pytest

from codegen.applications import (
    application_kwargs,
    fill_application_caches,
    measure_application,
    missing_measurements,
)
from codegen.errors import BuildError
from codegen.summary import summarize
from graph_core import check
from graph_core.edits import SetLayerCache
from graph_core.templates import load_template
from graph_core.tensor import TensorSpec
from tests.codegen.helpers import SLUGS, built

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("slug", SLUGS)
def test_summary_totals_equal_graph_core(slug):
    doc, model = built(slug)
    result = summarize(doc, model=model)
    counts = check(doc)
    assert counts.params_known
    assert (result.total, result.trainable, result.non_trainable) == (
        counts.total, counts.trainable, counts.non_trainable)
    assert f'Model: "{doc.name}"' in result.text
    assert f"Total params: {counts.total:,}" in result.text
    for layer in doc.layers.values():
        assert layer.name in result.text


def test_expand_nested_lists_inner_layers():
    doc, model = built("model-as-layer")
    flat = summarize(doc, model=model)
    nested = summarize(doc, model=model, expand_nested=True)
    assert "bidirectional" not in flat.text
    assert "bidirectional" in nested.text


def test_missing_application_cache_is_measured_and_stored_through_an_edit():
    doc, model = built("siamese-vision")
    doc = doc.clone()
    layer = doc.layer_by_name("xception_base")
    stored = layer.cache
    doc.apply(SetLayerCache(layer.id, None))
    assert not check(doc).params_known
    assert len(missing_measurements(doc)) == 2  # two calls, same input shape
    events = []
    doc.subscribe(lambda _doc, event: events.append(event))
    edits = fill_application_caches(doc, model)
    assert len(edits) == 1 and events
    assert layer.cache == stored
    assert check(doc).total == model.count_params()
    assert fill_application_caches(doc, model) == []
    doc.revert(edits[0])
    assert layer.cache is None


def test_summarize_can_fill_the_caches():
    doc, model = built("siamese-vision")
    doc = doc.clone()
    layer = doc.layer_by_name("xception_base")
    doc.apply(SetLayerCache(layer.id, None))
    result = summarize(doc, model=model, fill_caches=True)
    assert check(doc).total == result.total


def test_measure_reports_keras_refusals_as_cache_errors():
    config = {"application": "NoSuchNet", "include_top": False, "weights": None}
    entry = measure_application(config, [TensorSpec((None, 64, 64, 3))])
    assert "NoSuchNet" in entry["error"]


def test_measure_with_an_existing_instance():
    doc, model = built("siamese-vision")
    base = model.get_layer("xception_base")
    config = doc.layer_by_name("xception_base").config
    entry = measure_application(config, [TensorSpec((None, 100, 100, 3))], app=base)
    assert entry["outputs"] == [[None, 3, 3, 2048]]
    assert entry["trainable"] + entry["non_trainable"] == base.count_params()


def test_weights_must_be_a_local_file(tmp_path):
    with pytest.raises(BuildError, match="never"):
        application_kwargs({"application": "Xception", "weights": "imagenet"})
    with pytest.raises(BuildError, match="does not exist"):
        application_kwargs({"application": "Xception", "weights": str(tmp_path / "none.h5")})
    path = tmp_path / "w.weights.h5"
    path.write_bytes(b"")
    assert application_kwargs({"application": "Xception", "weights": str(path)})["weights"] == str(path)


def test_template_has_its_application_cache():
    doc = load_template("siamese-vision")
    assert missing_measurements(doc) == []
