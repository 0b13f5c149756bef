"""String inputs: synthetic words from the vocabularies they feed, in LayerLoom's fit and in
the exported Python (same draws)."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.data_plan import plan_data
from codegen.fit import fit_synthetic
from codegen.python_export import export_python
from codegen.synthetic import synthetic_data
from codegen.synthetic_text import FALLBACK_WORDS, OOV_WORD
from graph_core.builder import GraphBuilder

pytestmark = pytest.mark.keras

VOCAB = ["the", "cat", "sat", "on", "mat"]


def _text_doc(layer: str = "TextVectorization", vocabulary=VOCAB):
    b = GraphBuilder("text")
    x = b.input("text", shape=(1,), dtype="string")
    if layer == "TextVectorization":
        x = b.layer(layer, x, vocabulary=vocabulary, output_sequence_length=5, name="vectorize")
    else:
        x = b.layer(layer, x, vocabulary=vocabulary, name="vectorize")
    x = b.layer("Embedding", x, input_dim=8, output_dim=3)
    x = b.layer("Flatten", x)
    b.output(b.layer("Dense", x, units=1, activation="sigmoid", name="out"),
             loss="binary_crossentropy")
    return b.document


def test_plan_draws_sentences_for_text_vectorization_and_tokens_for_lookups():
    (text,) = plan_data(_text_doc()).inputs
    assert text.kind == "text" and text.words == tuple(VOCAB)
    (tokens,) = plan_data(_text_doc("StringLookup")).inputs
    assert tokens.kind == "tokens"
    (fallback,) = plan_data(_text_doc(vocabulary=None)).inputs
    assert fallback.words == FALLBACK_WORDS


def test_synthetic_strings_use_the_vocabulary_and_fit_runs():
    doc = _text_doc()
    data = synthetic_data(doc, samples=16, seed=3)
    words = {w for sentence in data.x[:, 0] for w in sentence.split()}
    assert words <= set(VOCAB) | {OOV_WORD} and len(words) > 2
    tokens = synthetic_data(_text_doc("StringLookup"), samples=16, seed=3).x
    assert set(tokens[:, 0]) <= set(VOCAB) | {OOV_WORD}
    result = fit_synthetic(doc, epochs=1, samples=16)
    assert np.isfinite(result["loss"][0])


def test_exported_python_draws_the_same_strings():
    doc = _text_doc()
    namespace = {"__name__": "exported"}
    exec(compile(export_python(doc), "<exported>", "exec"), namespace)
    x, _y = namespace["make_data"](8, 0)
    ours = synthetic_data(doc, samples=8, seed=0).x
    assert [s.decode() for s in x.numpy()[:, 0]] == list(ours[:, 0])
