"""Synthetic data: shapes, dtypes and ranges per input and per loss kind, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.data_plan import LENGTHS, choose_length, embedding_bound, plan_data
from codegen.synthetic import synthetic_data
from graph_core.builder import GraphBuilder
from graph_core.templates import load_template
from tests.codegen.helpers import classifier

pytestmark = pytest.mark.keras


def test_categorical_targets_are_one_hot():
    data = synthetic_data(classifier("categorical_crossentropy", units=5), samples=40, seed=1)
    assert data.x.shape == (40, 8) and data.x.dtype == np.float32
    assert ((0 <= data.x) & (data.x < 1)).all()
    assert data.y.shape == (40, 5) and data.y.dtype == np.float32
    assert (data.y.sum(axis=1) == 1).all() and set(np.unique(data.y)) == {0.0, 1.0}


def test_sparse_targets_are_class_ids():
    data = synthetic_data(classifier("sparse_categorical_crossentropy", units=4), samples=50, seed=2)
    assert data.y.shape == (50,)
    assert np.issubdtype(data.y.dtype, np.integer)
    assert data.y.min() >= 0 and data.y.max() < 4


@pytest.mark.parametrize("loss", ["binary_crossentropy", "hinge"])
def test_binary_targets_are_zeros_and_ones(loss):
    data = synthetic_data(classifier(loss, units=1, activation="sigmoid"), samples=64, seed=3)
    assert data.y.shape == (64, 1) and data.y.dtype == np.float32
    assert set(np.unique(data.y)) == {0.0, 1.0}


@pytest.mark.parametrize("loss", ["poisson", "msle", "mape"])
def test_positive_targets(loss):
    data = synthetic_data(classifier(loss, units=2, activation="softplus"), samples=30, seed=4)
    assert data.y.shape == (30, 2) and data.y.dtype == np.float32
    assert (data.y > 0).all()


@pytest.mark.parametrize("loss", ["mse", "mae", "mean_squared_error", "huber"])
def test_float_targets(loss):
    data = synthetic_data(classifier(loss, units=2, activation="linear"), samples=30, seed=5)
    assert data.y.shape == (30, 2) and data.y.dtype == np.float32
    assert (data.y < 0).any() and (data.y > 0).any()


def test_reproducible_and_seed_dependent():
    doc = load_template("multi-output")
    a = synthetic_data(doc, samples=6, seed=7)
    b = synthetic_data(doc, samples=6, seed=7)
    c = synthetic_data(doc, samples=6, seed=8)
    for left, right in zip(a.inputs + a.targets, b.inputs + b.targets):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a.x, c.x)


def test_multi_output_targets_are_keyed_by_output_name():
    data = synthetic_data(load_template("multi-output"), samples=10, seed=0)
    assert list(data.y) == ["age", "income", "gender"]
    assert data.y["age"].shape == (10, 1)
    assert (data.y["income"].sum(axis=1) == 1).all()
    assert set(np.unique(data.y["gender"])) <= {0.0, 1.0}


def test_token_ids_stay_below_the_smallest_embedding_input_dim():
    data = synthetic_data(load_template("multi-input-qa"), samples=100, seed=0)
    for ids in data.inputs:
        assert ids.dtype == np.int32 and ids.shape == (100, 8)
        assert ids.min() >= 0 and ids.max() < 10000
    # an input feeding two embeddings, one of them inside a nested model
    sub = GraphBuilder("encoder")
    t = sub.input("tokens", shape=(None,), dtype="int32")
    sub.output(sub.layer("Embedding", t, input_dim=7, output_dim=4, name="small_vocab"))
    b = GraphBuilder("outer")
    ids = b.input("ids", shape=(None,), dtype="int32")
    wide = b.layer("Embedding", ids, input_dim=50, output_dim=4, name="wide_vocab")
    enc = b.model_layer(sub.document, ids, name="encoder")
    merged = b.layer("Concatenate", [wide, enc])
    b.output(b.layer("GlobalAveragePooling1D", merged), loss="mse")
    doc = b.document
    assert embedding_bound(doc, doc.input_nodes()[0]) == 7
    data = synthetic_data(doc, samples=200, seed=0)
    assert data.x.max() < 7 and data.x.min() >= 0


def test_integer_input_without_embedding_gets_small_ints_and_bool_inputs_bools():
    b = GraphBuilder("ints")
    i = b.input("counts", shape=(3,), dtype="int64")
    f = b.input("flags", shape=(3,), dtype="bool")
    x = b.layer("Concatenate", [i, f])
    b.output(b.layer("Dense", x, units=1), loss="mse")
    data = synthetic_data(b.document, samples=20, seed=0)
    counts, flags = data.inputs
    assert counts.dtype == np.int64 and 0 <= counts.min() and counts.max() < 10
    assert flags.dtype == bool


def test_variable_length_is_the_smallest_that_fits():
    length, result = choose_length(load_template("siamese-lstm"))
    assert length == LENGTHS[0] and result.valid
    length, result = choose_length(load_template("multi-output"))
    assert length == 512 and result.valid  # 5 convs of 5 and two pools of 5 need ~300 steps
    assert choose_length(load_template("mlp"))[0] is None
    assert plan_data(load_template("multi-output")).inputs[0].shape == (512,)


def test_unknown_target_shapes_come_from_keras():
    from tests.codegen.helpers import built

    doc, model = built("siamese-vision")
    doc = doc.clone()
    from graph_core.edits import SetLayerCache

    doc.apply(SetLayerCache(doc.layer_by_name("xception_base").id, None))
    assert plan_data(doc).targets[0].shape is None
    data = synthetic_data(doc, samples=1, seed=0, model=model)
    assert data.y.shape == (1, 1)
    assert data.inputs[0].shape == (1, 250, 250, 3)
