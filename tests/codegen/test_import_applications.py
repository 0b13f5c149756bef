"""Whole keras.applications models: .keras file -> document -> exported Python -> the same model.

Each application is built once (module-scoped fixture, weights=None, 96×96 inputs) and shared by
the document test and the round-trip test.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from codegen.importer import import_model_file
from graph_core import catalog, check

pytestmark = [pytest.mark.keras, pytest.mark.slow]

APPLICATIONS = ("ResNet50", "InceptionV3", "MobileNetV2", "DenseNet121", "EfficientNetB0", "EfficientNetV2B0")
INPUT_SHAPE = (96, 96, 3)


@pytest.fixture(scope="module", params=APPLICATIONS)
def application(request, tmp_path_factory):
    """(model, path of its .keras file, imported document)."""
    model = getattr(keras.applications, request.param)(weights=None, input_shape=INPUT_SHAPE)
    path = tmp_path_factory.mktemp(request.param) / f"{request.param}.keras"
    model.save(path)
    doc = import_model_file(path)
    yield model, path, doc
    keras.backend.clear_session()


def structure(model: keras.Model) -> dict:
    """The parts of get_config() that define the model: classes, names, configs, connections."""
    config = _strip_ids(model.get_config())
    return {
        "name": config["name"],
        "layers": [(entry["class_name"], entry["name"], entry["config"], entry["inbound_nodes"])
                   for entry in config["layers"]],
        "input_layers": config["input_layers"],
        "output_layers": config["output_layers"],
    }


def _strip_ids(value):
    if isinstance(value, dict):
        return {k: _strip_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, (list, tuple)):
        return [_strip_ids(v) for v in value]
    return value


def test_document_matches_the_application(application):
    model, _path, doc = application
    assert doc.name == model.name
    assert [layer.name for layer in doc.layers.values()] == [layer.name for layer in model.layers]
    assert [layer.type for layer in doc.layers.values()] == [
        "Input" if type(layer).__name__ == "InputLayer" else type(layer).__name__ for layer in model.layers]
    assert len(doc.nodes) == len(model.layers) and len(doc.outputs) == 1
    result = check(doc)
    assert result.valid, [str(p) for p in result.errors[:3]]
    missing = {layer.type for layer in doc.layers.values() if catalog.get_spec(layer.type) is None}
    if missing:  # e.g. EfficientNet's Normalization: its shapes and params are unknown, never guessed
        assert not result.params_known
        assert {p.code for p in result.problems if p.code.startswith("layer.")} == {"layer.unknown_type"}
        return
    assert result.params_known and result.total == model.count_params()
    assert result.trainable == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    for layer in model.layers:
        (nid,) = doc.nodes_of(doc.layer_by_name(layer.name).id)
        assert [s.shape for s in result.output_specs(nid)] == [tuple(layer.output.shape)], layer.name


def test_export_round_trip_rebuilds_the_same_model(application):
    from codegen.python_export import export_python

    model, _path, doc = application
    source = export_python(doc)
    namespace: dict = {"__name__": "layerloom_export"}
    exec(compile(source, f"<export of {model.name}>", "exec"), namespace)
    rebuilt = namespace["build_model"]()
    assert structure(rebuilt) == structure(model)
    assert rebuilt.count_params() == model.count_params()
    for layer in model.layers:
        if layer.weights:
            rebuilt.get_layer(layer.name).set_weights(layer.get_weights())
    x = np.random.default_rng(0).random((1, *INPUT_SHAPE), dtype=np.float32) * 255.0
    expected = np.asarray(model(x, training=False))
    got = np.asarray(rebuilt(x, training=False))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
