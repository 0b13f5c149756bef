"""Round trips of the issue-10 layers: build in Keras -> save .keras -> import -> check ->
build and export again -> the same predictions with the weights (and vocabularies) copied.

Covers a text classifier with an adapted TextVectorization, an image model with three
augmentation layers, and a model for each of Attention, AdditiveAttention,
GroupQueryAttention and ConvLSTM1D/2D/3D.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras
from keras import layers

from codegen.build import build_model
from codegen.errors import ImportRefused
from codegen.importer import import_model_file
from codegen.keras_export import save_keras
from codegen.python_export import export_python
from graph_core import check, loom_format

pytestmark = pytest.mark.keras


def _roundtrip(model, data, tmp_path, python: bool = True):
    """Save, import, check, rebuild (document, exported .keras, exported Python) and compare
    predictions with the original's; returns the imported document."""
    path = tmp_path / "original.keras"
    model.save(path)
    doc = import_model_file(path)
    result = check(doc)
    errors = [p for p in result.problems if p.severity == "error"]
    assert not errors, errors
    for out, ref in zip(model.outputs, doc.outputs):
        assert result.output_specs(ref.node)[ref.index].shape == tuple(out.shape)
    expected = model.predict(data, verbose=0)
    rebuilt = [build_model(doc, compile=False)]
    saved = save_keras(doc, tmp_path / "exported.keras")
    rebuilt.append(keras.saving.load_model(saved, compile=False))
    if python:
        namespace: dict = {"__name__": "exported"}
        exec(compile(export_python(doc), "<exported>", "exec"), namespace)
        rebuilt.append(namespace["build_model"]())
    again = loom_format.loads(loom_format.dumps(doc))
    rebuilt.append(build_model(again, compile=False))
    for other in rebuilt:
        for layer in model.layers:
            other.get_layer(layer.name).set_weights(layer.get_weights())
        np.testing.assert_allclose(other.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    return doc


def test_text_classifier_with_adapted_text_vectorization(tmp_path):
    texts = np.array([["the cat sat on the mat"], ["a dog ran home"], ["the dog sat"],
                      ["unknown words here"]])
    vectorize = layers.TextVectorization(max_tokens=30, output_sequence_length=6, name="vectorize")
    vectorize.adapt(texts[:3, 0])
    inputs = keras.Input((1,), dtype="string", name="text")
    x = vectorize(inputs)
    x = layers.Embedding(30, 4, name="embed")(x)
    x = layers.GlobalAveragePooling1D(name="pool")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="score")(x)
    import tensorflow as tf

    doc = _roundtrip(keras.Model(inputs, outputs), tf.constant(texts), tmp_path, python=True)
    config = doc.layer_by_name("vectorize").config
    assert config["vocabulary"] == vectorize.get_vocabulary()[2:]  # without "" and [UNK]
    assert doc.layer_by_name("text").config["dtype"] == "string"


def test_string_lookup_feeding_an_embedding_is_valid(tmp_path):
    words = np.array([["red"], ["green"], ["blue"], ["purple"]])
    inputs = keras.Input((1,), dtype="string", name="colour")
    ids = layers.StringLookup(vocabulary=["red", "green", "blue"], name="ids")(inputs)
    x = layers.Flatten(name="flat")(layers.Embedding(4, 3, name="embed")(ids))
    outputs = layers.Dense(2, name="out")(x)
    import tensorflow as tf

    doc = _roundtrip(keras.Model(inputs, outputs), tf.constant(words), tmp_path)
    assert doc.layer_by_name("ids").config["vocabulary"] == ["red", "green", "blue"]


def test_image_model_with_three_augmentation_layers(tmp_path):
    inputs = keras.Input((16, 16, 3), name="image")
    x = layers.RandomFlip("horizontal", seed=1, name="flip")(inputs)
    x = layers.RandomRotation(0.1, seed=2, name="rotate")(x)
    x = layers.RandomZoom(0.2, seed=3, name="zoom")(x)
    x = layers.Conv2D(4, 3, name="conv")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(3, activation="softmax", name="out")(x)
    data = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    doc = _roundtrip(keras.Model(inputs, outputs), data, tmp_path)
    assert doc.layer_by_name("rotate").config["seed"] == 2
    assert "Identity at inference" in __import__("graph_core.catalog").catalog.get_spec(
        "RandomZoom").description


def _sequence_pair():
    query = keras.Input((5, 8), name="query")
    value = keras.Input((6, 8), name="value")
    return query, value


@pytest.mark.parametrize("kind", ["Attention", "AdditiveAttention", "GroupQueryAttention"])
def test_attention_layers(kind, tmp_path):
    query, value = _sequence_pair()
    if kind == "GroupQueryAttention":
        att = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2,
                                         name="att")(query, value)
    else:
        att = getattr(layers, kind)(use_scale=True, name="att")([query, value])
    outputs = layers.Dense(2, name="out")(layers.GlobalAveragePooling1D(name="pool")(att))
    rng = np.random.default_rng(1)
    data = [rng.normal(size=(3, 5, 8)).astype("float32"),
            rng.normal(size=(3, 6, 8)).astype("float32")]
    _roundtrip(keras.Model([query, value], outputs), data, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_lstm_layers(n, tmp_path):
    spatial = {1: (6,), 2: (5, 5), 3: (4, 4, 4)}[n]
    inputs = keras.Input((3, *spatial, 2), name="frames")
    x = getattr(layers, f"ConvLSTM{n}D")(3, 2, padding="same", return_sequences=True,
                                          name="conv_lstm")(inputs)
    outputs = layers.Dense(1, name="out")(layers.Flatten(name="flat")(x))
    data = np.random.default_rng(2).normal(size=(2, 3, *spatial, 2)).astype("float32")
    _roundtrip(keras.Model(inputs, outputs), data, tmp_path)


def test_a_vocabulary_file_path_is_refused_and_never_read(tmp_path):
    inputs = keras.Input((1,), dtype="string", name="text")
    outputs = layers.StringLookup(vocabulary=["a", "b"], name="ids")(inputs)
    path = tmp_path / "model.keras"
    keras.Model(inputs, outputs).save(path)
    import json
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    config = json.loads(members["config.json"])
    secret = tmp_path / "secret.txt"
    config["config"]["layers"][1]["config"]["vocabulary"] = str(secret)
    members["config.json"] = json.dumps(config).encode()
    tampered = tmp_path / "tampered.keras"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ImportRefused) as info:
        import_model_file(tampered)
    assert "ids" in info.value.message and "file path" in info.value.message
    assert not secret.exists()


def test_einsum_prelu_rms_identity_round_trip(tmp_path):
    inputs = keras.Input((5, 8), name="seq")
    x = layers.EinsumDense("abc,cd->abd", output_shape=(5, 4), bias_axes="d", name="proj")(inputs)
    x = layers.PReLU(shared_axes=[1], name="prelu")(x)
    x = layers.RMSNormalization(name="rms")(x)
    x = layers.Identity(name="tap")(x)
    outputs = layers.Dense(2, name="out")(layers.Flatten(name="flat")(x))
    data = np.random.default_rng(3).normal(size=(3, 5, 8)).astype("float32")
    _roundtrip(keras.Model(inputs, outputs), data, tmp_path)


def test_discretization_and_category_encoding_round_trip(tmp_path):
    inputs = keras.Input((3,), name="values")
    ids = layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0], name="bins")(inputs)
    x = layers.CategoryEncoding(num_tokens=4, output_mode="count", name="counts")(ids)
    outputs = layers.Dense(1, name="out")(x)
    data = np.random.default_rng(4).normal(size=(6, 3)).astype("float32")
    doc = _roundtrip(keras.Model(inputs, outputs), data, tmp_path)
    assert doc.layer_by_name("bins").config["bin_boundaries"] == [-1.0, 0.0, 1.0]


def test_two_adapted_lookups_get_their_own_asset_vocabularies(tmp_path):
    import tensorflow as tf

    first = layers.StringLookup(name="colours")
    first.adapt(np.array(["red", "green", "red", "blue"]))
    second = layers.StringLookup(name="sizes", num_oov_indices=2)
    second.adapt(np.array(["s", "m", "l", "m"]))
    numbers = layers.IntegerLookup(name="codes")
    numbers.adapt(np.array([7, 9, 7, 11]))
    a = keras.Input((1,), dtype="string", name="colour")
    b = keras.Input((1,), dtype="string", name="size")
    c = keras.Input((1,), dtype="int64", name="code")
    x = layers.Concatenate(name="all")([
        layers.Flatten(name="fa")(layers.Embedding(6, 2, name="ea")(first(a))),
        layers.Flatten(name="fb")(layers.Embedding(6, 2, name="eb")(second(b))),
        layers.Flatten(name="fc")(layers.Embedding(6, 2, name="ec")(numbers(c)))])
    model = keras.Model([a, b, c], layers.Dense(1, name="out")(x))
    data = [tf.constant([["red"], ["blue"], ["pink"]]), tf.constant([["m"], ["xl"], ["s"]]),
            tf.constant([[7], [11], [3]], dtype="int64")]
    doc = _roundtrip(model, data, tmp_path)
    assert doc.layer_by_name("colours").config["vocabulary"] == first.get_vocabulary()[1:]
    assert doc.layer_by_name("sizes").config["vocabulary"] == second.get_vocabulary()[2:]
    assert doc.layer_by_name("codes").config["vocabulary"] == numbers.get_vocabulary()[1:]


def test_adapted_discretization_keeps_its_learned_boundaries(tmp_path):
    bins = layers.Discretization(num_bins=4, name="bins")
    bins.adapt(np.arange(20.0))
    inputs = keras.Input((2,), name="values")
    x = layers.CategoryEncoding(num_tokens=4, output_mode="count", name="counts")(bins(inputs))
    outputs = layers.Dense(1, name="out")(x)
    data = np.array([[1.0, 15.0], [5.0, 9.5], [19.0, 0.0]], dtype="float32")
    doc = _roundtrip(keras.Model(inputs, outputs), data, tmp_path)
    assert doc.layer_by_name("bins").config["bin_boundaries"] == bins.bin_boundaries
    assert "num_bins" not in doc.layer_by_name("bins").config


def test_normalization_with_inline_mean_and_variance(tmp_path):
    inputs = keras.Input((3,), name="features")
    x = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0], name="norm")(inputs)
    outputs = layers.Dense(1, name="out")(x)
    data = np.random.default_rng(5).normal(size=(4, 3)).astype("float32")
    doc = _roundtrip(keras.Model(inputs, outputs), data, tmp_path)
    config = doc.layer_by_name("norm").config
    assert config["mean"] == [1.0, 2.0, 3.0] and config["variance"] == [1.0, 4.0, 9.0]
