"""Calls with arguments besides their main inputs (issue 9): ``initial_state``, ``training``,
``use_causal_mask``, ``return_attention_scores``. Each model is built in Keras, saved, imported,
checked (shapes equal Keras's), built again and exported to Python; both rebuilt models predict
what the original predicts once its weights are copied. LayerLoom's own ``.keras`` export round
trips the same way."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from codegen.build import build_model
from codegen.python_export import export_python
from graph_core import check
from tests.codegen.helpers import imported

pytestmark = pytest.mark.keras


def seq2seq():
    enc_in = keras.Input((None, 8), name="encoder_input")
    dec_in = keras.Input((None, 6), name="decoder_input")
    _, h, c = layers.LSTM(16, return_state=True, name="encoder")(enc_in)
    seq = layers.LSTM(16, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    out = layers.Dense(6, activation="softmax", name="next_token")(seq)
    return keras.Model([enc_in, dec_in], out), [(2, 5, 8), (2, 4, 6)]


def gru_with_state():
    x = keras.Input((5, 4), name="x")
    s = keras.Input((3,), name="state")
    y = layers.GRU(3, name="gru")(x, initial_state=s)
    return keras.Model([x, s], y), [(2, 5, 4), (2, 3)]


def always_dropout():
    x = keras.Input((10,), name="x")
    h = layers.Dense(8, activation="relu", name="h")(x)
    y = layers.Dropout(0.0, name="mc_dropout")(h, training=True)  # rate 0: deterministic predictions
    return keras.Model(x, layers.Dense(1, name="y")(y)), [(3, 10)]


def decoder_block():
    x = keras.Input((6, 8), name="tokens")
    attended, scores = layers.MultiHeadAttention(2, 4, name="self_attention")(
        x, x, use_causal_mask=True, return_attention_scores=True)
    h = layers.LayerNormalization(name="norm")(layers.Add(name="residual")([x, attended]))
    return keras.Model(x, [layers.Dense(8, name="ffn")(h), scores]), [(2, 6, 8)]


MODELS = {"seq2seq": seq2seq, "gru_with_state": gru_with_state, "always_dropout": always_dropout,
          "decoder_block": decoder_block}


def _predict_equal(original, rebuilt, samples):
    for layer in original.layers:
        if layer.weights:
            rebuilt.get_layer(layer.name).set_weights(layer.get_weights())
    want = original.predict(samples, verbose=0)
    got = rebuilt.predict(samples, verbose=0)
    for a, b in zip(want if isinstance(want, list) else [want], got if isinstance(got, list) else [got]):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("saved_by", ["keras", "layerloom"])
def test_round_trip_keeps_the_call_arguments(name, saved_by, tmp_path):
    model, input_shapes = MODELS[name]()
    doc = imported(model, tmp_path, saved_by, name)
    result = check(doc)
    assert result.status == "valid", [str(p) for p in result.problems]
    for out, tensor in zip(doc.outputs, model.outputs):
        assert result.nodes[out.node].output(out.index).shape == tuple(tensor.shape)
    assert result.known_total == model.count_params()
    rng = np.random.default_rng(0)
    samples = [rng.normal(size=s).astype("float32") for s in input_shapes]
    samples = samples[0] if len(samples) == 1 else samples
    _predict_equal(model, build_model(doc, compile=False), samples)
    scope: dict = {}
    exec(compile(export_python(doc), f"{name}.py", "exec"), scope)
    _predict_equal(model, scope["build_model"](), samples)


def test_exported_code_reads_like_the_keras_call():
    import json

    from codegen.importer import document_from_config

    def source(factory):
        model, _ = factory()
        return " ".join(export_python(document_from_config(json.loads(model.to_json()))).split())

    assert "decoder_input, initial_state=[encoder_1, encoder_2]" in source(seq2seq)
    assert "(h, training=True)" in source(always_dropout)
    assert "(tokens, tokens, use_causal_mask=True, return_attention_scores=True)" in source(decoder_block)
