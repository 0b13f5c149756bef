"""Preprocessing rules without Keras: inline vocabularies, file paths refused, encoded widths."""

from __future__ import annotations

from graph_core import check
from graph_core.builder import GraphBuilder
from graph_core.catalog import check_params, get_spec, resolve_config
from graph_core.layer_rules.augmentation import IDENTITY_AT_INFERENCE
from graph_core.layer_rules.preprocessing import lookup_depth
from graph_core.tensor import TensorSpec


def test_a_vocabulary_file_path_is_refused_with_a_message():
    for layer in ("StringLookup", "IntegerLookup", "TextVectorization"):
        ((param, message, hint),) = check_params(layer, {"vocabulary": "/etc/passwd"})
        assert param == "vocabulary" and "file path" in message and "never read" in hint


def test_opening_a_document_with_a_vocabulary_path_reports_it_and_cannot_build():
    b = GraphBuilder("paths")
    x = b.input("text", shape=(1,), dtype="string")
    b.output(b.layer("StringLookup", x, vocabulary="/home/someone/vocab.txt", name="ids"))
    result = check(b.document)
    assert not result.valid
    assert any(p.code == "layer.refused" and "never reads a file" in p.message and "ids" in p.message
               for p in result.problems)  # the allow-list (graph_core/allow_list.py) is the one home


def test_vocabulary_tokens_are_checked():
    assert check_params("StringLookup", {"vocabulary": ["a", "b"]}) == []
    assert "twice" in check_params("StringLookup", {"vocabulary": ["a", "a"]})[0][1]
    assert "integers" in check_params("IntegerLookup", {"vocabulary": ["a"]})[0][1]
    assert check_params("IntegerLookup", {"vocabulary": [3, 5]}) == []


def test_encoded_width_counts_special_tokens_once():
    config = resolve_config("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"})
    assert lookup_depth(config, None, "[UNK]") == 4
    with_oov = {**config, "vocabulary": ["[UNK]", "a", "b", "c"]}
    assert lookup_depth(with_oov, None, "[UNK]") == 4
    assert lookup_depth({**config, "vocabulary": None}, None, "[UNK]") is None
    padded = {**config, "vocabulary": None, "pad_to_max_tokens": True, "max_tokens": 50}
    assert lookup_depth(padded, None, "[UNK]") == 50
    spec = get_spec("StringLookup")
    (out,) = spec.infer(config, [TensorSpec((None, 1), "string")])
    assert out == TensorSpec((None, 4), "float32")


def test_augmentation_layers_say_they_are_identity_at_inference():
    assert {"RandomFlip", "RandomRotation", "RandomZoom", "MixUp"} <= IDENTITY_AT_INFERENCE
    assert "RandomCrop" not in IDENTITY_AT_INFERENCE  # center-crops at inference
    for layer in IDENTITY_AT_INFERENCE:
        assert "Identity at inference" in get_spec(layer).description
        assert get_spec(layer).category == "Augmentation"
