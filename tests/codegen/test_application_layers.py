"""The internal layers of keras.applications models (ConvNeXt's LayerScale and StochasticDepth,
InceptionResNetV2's CustomScaleLayer) round-trip: a model using Keras's own classes is imported,
checks with Keras's shapes and parameters, builds, and exports to a standalone script (which
defines the classes itself, never reaching into ``keras.src``); both rebuilt models, given the
original's weights, predict the same. LayerLoom's own ``.keras`` export, and a ``.keras`` file saved by
the exported script (whose classes are registered as ``layerloom>LayerScale``…), round-trip the same
way."""

from __future__ import annotations

import importlib

import keras
import numpy as np
import pytest
from keras import layers

from codegen.build import build_model
from codegen.importer import import_model_file
from codegen.keras_export import save_keras
from codegen.python_export import export_python
from graph_core import check
from graph_core.layer_rules.applications import KERAS_MODULES

pytestmark = [pytest.mark.keras, pytest.mark.slow]


def _keras_class(name):
    return getattr(importlib.import_module(KERAS_MODULES[name]), name)


def block_model():
    """A ConvNeXt block and an Inception-ResNet residual, as keras.applications writes them
    (with keras.layers.Add for ConvNeXt's ``inputs + x``)."""
    x = keras.Input((8, 8, 16), name="image")
    h = layers.Conv2D(16, 7, padding="same", groups=16, name="depthwise")(x)
    h = layers.LayerNormalization(epsilon=1e-6, name="norm")(h)
    h = layers.Dense(32, activation="gelu", name="expand")(h)
    h = layers.Dense(16, name="project")(h)
    h = _keras_class("LayerScale")(0.25, 16, name="layer_scale")(h)
    h = _keras_class("StochasticDepth")(0.1, name="stochastic_depth")(h)
    block = layers.Add(name="residual")([x, h])
    up = layers.Conv2D(16, 1, name="up")(block)
    scaled = _keras_class("CustomScaleLayer")(0.17, name="custom_scale")([block, up])
    return keras.Model(x, layers.GlobalAveragePooling2D(name="pool")(scaled))


def _predict_equal(original, rebuilt, sample):
    for layer in original.layers:
        if layer.weights:
            rebuilt.get_layer(layer.name).set_weights(layer.get_weights())
    np.testing.assert_allclose(rebuilt.predict(sample, verbose=0), original.predict(sample, verbose=0), atol=1e-5)


def test_keras_defines_each_internal_layer_where_the_catalog_says():
    for name, module in KERAS_MODULES.items():
        cls = _keras_class(name)
        assert issubclass(cls, keras.layers.Layer) and cls.__module__ == module


@pytest.mark.parametrize("saved_by", ["keras", "layerloom", "exported script"])
def test_internal_layers_round_trip(saved_by, tmp_path):
    model = block_model()
    for weight in model.get_layer("layer_scale").weights:  # away from 0.25 everywhere
        weight.assign(np.linspace(0.5, 2.0, 16).astype("float32"))
    model.save(tmp_path / "blocks.keras")
    doc = import_model_file(tmp_path / "blocks.keras")
    if saved_by == "layerloom":
        save_keras(doc, tmp_path / "again.keras")
        doc = import_model_file(tmp_path / "again.keras")
    elif saved_by == "exported script":  # the script's own classes, registered as layerloom>…
        scope: dict = {"__name__": "exported"}
        exec(compile(export_python(doc), "exported.py", "exec"), scope)
        scope["build_model"]().save(tmp_path / "from_script.keras")
        doc = import_model_file(tmp_path / "from_script.keras")
    types = {layer.name: layer.type for layer in doc.layers.values()}
    assert (types["layer_scale"], types["stochastic_depth"], types["custom_scale"]) == (
        "LayerScale", "StochasticDepth", "CustomScaleLayer")
    assert doc.layer_by_name("layer_scale").config == {"init_values": 0.25, "projection_dim": 16}
    result = check(doc)
    assert result.status == "valid", [str(p) for p in result.problems]
    assert result.known_total == model.count_params()
    assert result.layer_params[doc.layer_by_name("layer_scale").id] == (16, 0)
    sample = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    _predict_equal(model, build_model(doc, compile=False), sample)
    source = export_python(doc)
    assert "keras.src" not in source
    assert "class LayerScale(keras.layers.Layer):" in source and "class CustomScaleLayer(" in source
    assert "LayerScale(init_values=0.25, projection_dim=16, name=\"layer_scale\")" in " ".join(source.split())
    scope: dict = {}
    exec(compile(source, "blocks.py", "exec"), scope)
    _predict_equal(model, scope["build_model"](), sample)


def test_the_shape_rules_name_a_wrong_projection_dim():
    from graph_core.builder import GraphBuilder

    b = GraphBuilder("bad")
    x = b.input("x", (4, 4, 8))
    b.output(b.layer("LayerScale", x, init_values=0.1, projection_dim=6, name="scale"))
    problems = check(b.document).errors
    assert problems and "LayerScale 'scale'" in problems[0].message and "projection_dim" in problems[0].message


def test_only_the_exported_classes_are_accepted_by_their_registered_name():
    from codegen.errors import ImportRefused
    from codegen.import_safety import check_safety

    def model(class_name, registered, module="exported"):
        entry = {"module": module, "class_name": class_name, "registered_name": registered, "name": "s",
                 "config": {"name": "s", "scale": 0.1}, "inbound_nodes": []}
        return {"class_name": "Functional", "config": {"name": "m", "layers": [entry], "input_layers": [],
                                                        "output_layers": []}}

    check_safety(model("CustomScaleLayer", "layerloom>CustomScaleLayer"))
    for class_name, registered in (("CustomScaleLayer", "evil>CustomScaleLayer"), ("Evil", "layerloom>Evil"),
                                   ("CustomScaleLayer", None)):
        with pytest.raises(ImportRefused, match="custom class"):
            check_safety(model(class_name, registered))
