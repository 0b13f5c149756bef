"""Masked models (issue 9.3) round-trip: Keras saves the masks as ``NotEqual``/``Any``/``LogicalOr``…
operations and ``mask=`` call arguments; the import absorbs those a layer re-creates (no operation
left, no mask keyword), the check finds Keras's shapes and parameters, and the rebuilt model (build
and Python export) given the original's weights predicts the same on padded data. A mask passed on
purpose stays a ``mask`` keyword input. LayerLoom's own ``.keras`` export round-trips the same way."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from codegen.build import build_model
from codegen.importer import import_model_file
from codegen.python_export import export_python
from graph_core import check
from graph_core.catalog import get_spec
from tests.codegen.helpers import imported

pytestmark = [pytest.mark.keras, pytest.mark.slow]


def _tokens(shape):
    rng = np.random.default_rng(1)
    data = rng.integers(1, 20, size=shape).astype("int32")
    data[:, -2:] = 0  # padding the mask hides
    return data


def _padded(shape):
    data = np.random.default_rng(2).normal(size=shape).astype("float32")
    data[:, -2:, :] = 0.0
    return data


def masked_lstm():
    x = keras.Input((None,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 8, mask_zero=True, name="embedding")(x)
    return keras.Model(x, layers.LSTM(4, name="lstm")(e)), [_tokens((3, 7))]


def masking_gru():
    x = keras.Input((6, 4), name="x")
    m = layers.Masking(0.0, name="masking")(x)
    return keras.Model(x, layers.GRU(3, name="gru")(m)), [_padded((3, 6, 4))]


def masked_chain():
    x = keras.Input((None,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 8, mask_zero=True, name="embedding")(x)
    d = layers.Dropout(0.1, name="drop")(layers.Dense(8, name="dense")(e))
    s = layers.LSTM(4, return_sequences=True, name="lstm")(d)
    return keras.Model(x, layers.GlobalAveragePooling1D(name="pool")(s)), [_tokens((3, 7))]


def masked_merges():
    a = keras.Input((None,), dtype="int32", name="a")
    b = keras.Input((None,), dtype="int32", name="b")
    ea = layers.Embedding(20, 8, mask_zero=True, name="emb_a")(a)
    eb = layers.Embedding(20, 8, mask_zero=True, name="emb_b")(b)
    added = layers.Add(name="add")([ea, eb])
    joined = layers.Concatenate(name="concat")([added, layers.Dense(8, name="proj")(eb)])
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi")(joined)
    return keras.Model([a, b], layers.GRU(2, name="gru")(bi)), [_tokens((3, 7)), _tokens((3, 7))]


def masked_attention():
    x = keras.Input((None,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 8, mask_zero=True, name="embedding")(x)
    att = layers.Attention(name="attention")([e, e])
    mha = layers.MultiHeadAttention(2, 4, name="mha")(att, e)
    return keras.Model(x, layers.GlobalAveragePooling1D(name="pool")(mha)), [_tokens((3, 7))]


def explicit_mask():
    x = keras.Input((6, 4), name="x")
    steps = keras.Input((6,), dtype="bool", name="steps")
    return keras.Model([x, steps], layers.GRU(3, name="gru")(x, mask=steps)), [
        _padded((3, 6, 4)), np.array([[True] * 4 + [False] * 2] * 3)]


MODELS = {f.__name__: f for f in (masked_lstm, masking_gru, masked_chain, masked_merges, masked_attention,
                                  explicit_mask)}


def _predict_equal(original, rebuilt, samples):
    for layer in original.layers:
        if layer.weights:
            rebuilt.get_layer(layer.name).set_weights(layer.get_weights())
    np.testing.assert_allclose(rebuilt.predict(samples, verbose=0), original.predict(samples, verbose=0), atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("saved_by", ["keras", "layerloom"])
def test_masked_model_round_trips_without_mask_operations(name, saved_by, tmp_path):
    model, samples = MODELS[name]()
    doc = imported(model, tmp_path, saved_by, name)
    assert all(get_spec(layer.type) is not None for layer in doc.layers.values()), \
        sorted(layer.type for layer in doc.layers.values())
    assert {layer.name for layer in doc.layers.values()} == {layer.name for layer in model.layers}
    keywords = {doc.layer_of(nid).name: dict(node.keyword_inputs) for nid, node in doc.nodes.items()
                if node.keyword_inputs}
    assert keywords == ({"gru": {"mask": 1}} if name == "explicit_mask" else {})
    assert not any(node.call_kwargs for node in doc.nodes.values())
    result = check(doc)
    assert result.status == "valid", [str(p) for p in result.problems]
    assert result.known_total == model.count_params()
    for out, tensor in zip(doc.outputs, model.outputs):
        assert result.nodes[out.node].output(out.index).shape == tuple(tensor.shape)
    feed = samples[0] if len(samples) == 1 else samples
    if saved_by == "keras":  # LayerLoom's .keras export has just built it
        _predict_equal(model, build_model(doc, compile=False), feed)
    scope: dict = {}
    exec(compile(export_python(doc), f"{name}.py", "exec"), scope)
    _predict_equal(model, scope["build_model"](), feed)


def test_the_check_reports_where_the_mask_flows(tmp_path):
    model, _ = masked_chain()
    model.save(tmp_path / "chain.keras")
    doc = import_model_file(tmp_path / "chain.keras")
    result = check(doc)
    carried = {doc.layer_of(nid).name: res.carries_mask(0) for nid, res in result.nodes.items()}
    assert carried == {"tokens": False, "embedding": True, "dense": True, "drop": True, "lstm": True,
                       "pool": False}


def test_a_mask_computed_differently_is_not_absorbed():
    """``mask=ops.not_equal(tokens, 1)`` is not what Embedding(mask_zero=True) re-creates."""
    import json

    from codegen.import_masks import absorb_implicit_masks

    x = keras.Input((None,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 8, mask_zero=True, name="embedding")(x)
    y = layers.LSTM(4, name="lstm")(e, mask=keras.ops.not_equal(x, 1))
    config = json.loads(keras.Model(x, y).to_json())
    kept = absorb_implicit_masks(config)
    names = [entry["name"] for entry in kept["config"]["layers"]]
    assert any(n.startswith("not_equal") for n in names)
    lstm = next(entry for entry in kept["config"]["layers"] if entry["name"] == "lstm")
    assert "mask" in lstm["inbound_nodes"][0]["kwargs"]
