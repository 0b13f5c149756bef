"""The ``training`` value Keras writes into a saved call by itself (graph_core.call_defaults) equals
the default of each layer's ``call`` signature, and the import keeps exactly the ``training`` values
the model's code passed: ``base(x, training=False)`` and ``BatchNormalization()(x, training=False)``
survive, the ``training: false`` of every Dropout call and the ``training: true`` of every
augmentation call do not (else the rebuilt model would augment at inference)."""

from __future__ import annotations

import inspect
import json

import keras
import pytest
from keras import layers

from codegen.build import keras_layer_class
from codegen.importer import document_from_config
from codegen.python_export import export_python
from graph_core.call_defaults import recorded_training
from graph_core.catalog import CATALOG

pytestmark = pytest.mark.keras


def _signature_default(cls):
    parameter = inspect.signature(cls.call).parameters.get("training")
    return None if parameter is None or parameter.default is inspect.Parameter.empty else parameter.default


@pytest.mark.parametrize("layer_type", sorted(set(CATALOG) - {"Input"}))
def test_the_table_is_the_call_signatures_default(layer_type):
    assert recorded_training(layer_type) is _signature_default(keras_layer_class(layer_type))


def test_a_nested_model_records_only_an_explicit_training():
    assert recorded_training("Model") is None and _signature_default(keras.Model) is None


def test_the_import_keeps_what_the_code_passed():
    inner_in = keras.Input((4, 4, 3), name="inner_in")
    base = keras.Model(inner_in, layers.BatchNormalization(name="inner_bn")(inner_in), name="base")
    x = keras.Input((4, 4, 3), name="image")
    flipped = layers.RandomFlip(seed=1, name="flip")(x)
    kept = layers.RandomFlip(seed=1, name="no_flip")(x, training=False)
    frozen = base(layers.Add(name="join")([flipped, kept]), training=False)
    normed = layers.BatchNormalization(name="bn")(frozen, training=False)
    dropped = layers.Dropout(0.2, name="drop")(layers.BatchNormalization(name="bn_plain")(normed))
    doc = document_from_config(json.loads(keras.Model(x, dropped).to_json()))
    kwargs = {doc.layer_of(nid).name: node.call_kwargs for nid, node in doc.nodes.items()}
    assert kwargs["flip"] == {} and kwargs["drop"] == {} and kwargs["bn_plain"] == {}
    assert kwargs["no_flip"] == kwargs["base"] == kwargs["bn"] == {"training": False}
    source = " ".join(export_python(doc).split())
    assert "(image, training=False)" in source and "(join, training=False)" in source
    assert "flip = layers.RandomFlip(seed=1, name=\"flip\")(image)" in source
