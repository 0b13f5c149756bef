"""Importing Keras model files (.keras, .h5, JSON) as documents: structure, configs, shapes."""

from __future__ import annotations

import json

import h5py
import keras
import numpy as np
import pytest
from keras import layers
from keras.src.ops.function import make_node_key

from codegen.errors import ImportFailed, ImportRefused
from codegen.importer import import_model_file, read_model_file, run_import_command
from graph_core import catalog, check, loom_format

pytestmark = pytest.mark.keras

FORMATS = ("keras", "h5", "json")


def save_all(model: keras.Model, folder, stem: str) -> dict:
    """Save ``model`` as .keras, .h5 and .json; return {format: path}."""
    paths = {"keras": folder / f"{stem}.keras", "h5": folder / f"{stem}.h5", "json": folder / f"{stem}.json"}
    model.save(paths["keras"])
    model.save(paths["h5"])
    paths["json"].write_text(model.to_json())
    return {k: str(v) for k, v in paths.items()}


def keras_calls(model: keras.Model) -> dict:
    """{layer name: [[(shape, dtype) per output] per call of the layer inside ``model``]}."""
    calls = {}
    for layer in model.layers:
        nodes = [n for i, n in enumerate(layer._inbound_nodes) if make_node_key(layer, i) in model._nodes]
        calls[layer.name] = [[(tuple(t.shape), t.dtype) for t in n.output_tensors] for n in nodes]
    return calls


def doc_calls(doc) -> dict:
    """The same as :func:`keras_calls`, from graph_core's check of a document."""
    result = check(doc)
    calls = {}
    for layer in doc.layers.values():
        calls[layer.name] = [[(s.shape, s.dtype) for s in result.output_specs(nid)] for nid in doc.nodes_of(layer.id)]
    return calls


def node_of(doc, layer_name: str, call: int = 0) -> str:
    return doc.nodes_of(doc.layer_by_name(layer_name).id)[call]


# ------------------------------------------------------------------------------ a rich model
@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    """Two inputs into a shared Dense, a nested functional model with two outputs, a nested
    Sequential, a Bidirectional LSTM on a third input; three outputs, compiled."""
    a = keras.Input((8,), name="left")
    b = keras.Input((8,), name="right")
    shared = layers.Dense(4, activation="relu", name="shared", kernel_initializer="he_normal",
                          kernel_regularizer=keras.regularizers.L2(0.01))
    merged = layers.Concatenate(name="merged")([shared(a), shared(b)])
    inner_in = keras.Input((8,), name="inner_in")
    inner = keras.Model(inner_in, [layers.Dense(3, name="head3")(inner_in), layers.Dense(2, name="head2")(inner_in)],
                        name="inner")
    o3, o2 = inner(merged)
    seq = keras.Sequential([keras.Input((3,), name="seq_in"), layers.Dense(5, name="s_dense"),
                            layers.LeakyReLU(name="s_act")], name="seq")
    y = seq(o3)
    text = keras.Input((6, 7), name="text")
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi")(text)
    pooled = layers.GlobalAveragePooling1D(name="pool")(bi)
    model = keras.Model([a, b, text], [y, o2, pooled], name="rich")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "mae", "mse"], loss_weights=[1.0, 0.5, 0.2],
                  metrics=[["mae"], [], ["mse"]])
    paths = save_all(model, tmp_path_factory.mktemp("rich"), "rich")
    return model, paths


@pytest.fixture(scope="module")
def rich_docs(rich):
    _model, paths = rich
    return {fmt: import_model_file(paths[fmt]) for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_layers_nodes_inputs_outputs(rich, rich_docs, fmt):
    model, _paths = rich
    doc = rich_docs[fmt]
    assert doc.name == "rich"
    assert [layer.name for layer in doc.layers.values()][:3] == ["left", "right", "text"]
    assert {layer.name for layer in doc.layers.values()} == {layer.name for layer in model.layers}
    assert [doc.layer_of(n).name for n in doc.input_nodes()] == ["left", "right", "text"]
    assert [doc.node_label(o.node) for o in doc.outputs] == ["seq", "inner", "pool"]
    assert [o.index for o in doc.outputs] == [0, 1, 0]
    assert len(doc.nodes) == 10


@pytest.mark.parametrize("fmt", FORMATS)
def test_shared_layer_keeps_every_call(rich_docs, fmt):
    doc = rich_docs[fmt]
    shared = doc.layer_by_name("shared")
    calls = doc.nodes_of(shared.id)
    assert len(calls) == 2 and doc.is_shared(shared.id)
    left, right = node_of(doc, "left"), node_of(doc, "right")
    assert [list(doc.nodes[c].inputs) for c in calls] == [[(left, 0)], [(right, 0)]]
    assert list(doc.nodes[node_of(doc, "merged")].inputs) == [(calls[0], 0), (calls[1], 0)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_nested_functional_and_sequential(rich_docs, fmt):
    doc = rich_docs[fmt]
    inner = doc.layer_by_name("inner")
    assert inner.type == "Model"
    sub = inner.subgraph
    assert [layer.name for layer in sub.layers.values()] == ["inner_in", "head3", "head2"]
    assert sub.layer_by_name("inner_in").config == {"shape": [8], "dtype": "float32"}
    assert [sub.layer_of(o.node).name for o in sub.outputs] == ["head3", "head2"]
    assert list(doc.nodes[node_of(doc, "inner")].inputs) == [(node_of(doc, "merged"), 0)]
    assert list(doc.nodes[node_of(doc, "seq")].inputs) == [(node_of(doc, "inner"), 0)]
    seq = doc.layer_by_name("seq").subgraph
    assert [(layer.type, layer.name) for layer in seq.layers.values()] == [
        ("Input", "seq_in"), ("Dense", "s_dense"), ("LeakyReLU", "s_act")]
    assert seq.layer_by_name("seq_in").config == {"shape": [3], "dtype": "float32"}
    assert [len(seq.nodes[n].inputs) for n in seq.nodes] == [0, 1, 1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_layer_configs_keep_only_what_differs_from_keras(rich_docs, fmt):
    doc = rich_docs[fmt]
    shared = doc.layer_by_name("shared").config
    assert shared == {"units": 4, "activation": "relu", "kernel_initializer": "he_normal",
                      "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2",
                                             "config": {"l2": 0.01}, "registered_name": None}}
    assert doc.layer_by_name("merged").config == {}
    assert doc.layer_by_name("bi").config == {"layer": {"type": "LSTM", "config": {"return_sequences": True,
                                                                                   "units": 3}}}
    assert doc.layer_by_name("left").config == {"shape": [8], "dtype": "float32"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_shapes_and_params_agree_with_keras(rich, rich_docs, fmt):
    model, _paths = rich
    doc = rich_docs[fmt]
    result = check(doc)
    assert result.valid, [str(p) for p in result.errors]
    assert result.params_known and result.total == model.count_params()
    assert doc_calls(doc) == keras_calls(model)


def test_compile_settings_per_output(rich_docs):
    for fmt in FORMATS:  # Keras 3's to_json() carries the compile config too (without the optimizer)
        doc = rich_docs[fmt]
        optimizer = ("adam", 0.01) if fmt != "json" else ("rmsprop", 0.001)
        assert (doc.compile["optimizer"], doc.compile["learning_rate"]) == optimizer
        assert [(o.loss, o.loss_weight, o.metrics) for o in doc.outputs] == [
            ("mse", 1.0, ["mae"]), ("mae", 0.5, []), ("mse", 0.2, ["mse"])]


def test_layout_is_layered(rich_docs):
    doc = rich_docs["keras"]
    positions = [doc.nodes[n].pos for n in doc.nodes]
    assert len(set(positions)) == len(positions)
    for node in doc.nodes.values():
        for ref in node.inputs:
            assert doc.nodes[ref.node].pos[0] < node.pos[0]
    assert {doc.nodes[n].pos[0] for n in doc.input_nodes()} == {0.0}
    sub = doc.layer_by_name("inner").subgraph
    assert len({n.pos for n in sub.nodes.values()}) == len(sub.nodes)


def test_imported_document_survives_a_loom_round_trip(rich_docs, tmp_path):
    doc = rich_docs["keras"]
    path = tmp_path / "rich.loom"
    loom_format.save(doc, path)
    again = loom_format.load(path)
    assert loom_format.dumps(again) == loom_format.dumps(doc)
    assert again.extra["imported_from"] == {"file": "rich.keras", "format": "keras", "keras_version": keras.__version__}


# ------------------------------------------------------------------------------ more shapes of model
def test_sequential_top_level_gets_an_input(tmp_path):
    model = keras.Sequential([keras.Input((10,), name="features"), layers.Dense(6, activation="tanh", name="dense"),
                              layers.Dropout(0.25, name="dropout"), layers.Dense(2, name="dense_1")], name="stack")
    model.compile(optimizer="sgd", loss="mse")
    paths = save_all(model, tmp_path, "stack")
    for fmt in FORMATS:
        doc = import_model_file(paths[fmt])
        assert [(layer.type, layer.name) for layer in doc.layers.values()] == [
            ("Input", "features"), ("Dense", "dense"), ("Dropout", "dropout"), ("Dense", "dense_1")]
        assert doc.layer_by_name("dropout").config == {"rate": 0.25}
        assert check(doc).total == model.count_params()
        assert len(doc.outputs) == 1 and doc.layer_of(doc.outputs[0].node).name == "dense_1"
    assert import_model_file(paths["keras"]).compile == {"optimizer": "sgd", "learning_rate": 0.01}


def test_sequential_built_without_input_layer(tmp_path):
    model = keras.Sequential([layers.Dense(5, name="d5"), layers.Dense(2, name="d2")], name="late")
    model.build((None, 4))
    path = tmp_path / "late.json"
    path.write_text(model.to_json())
    doc = import_model_file(path)
    assert doc.layer_of(doc.input_nodes()[0]).config["shape"] == [4]
    assert check(doc).total == model.count_params()


def test_unbuilt_sequential_fails_clearly(tmp_path):
    path = tmp_path / "unbuilt.json"
    path.write_text(json.dumps({"module": "keras", "class_name": "Sequential", "config": {
        "name": "unbuilt", "layers": [{"module": "keras.layers", "class_name": "Dense",
                                        "config": {"name": "d", "units": 2}, "registered_name": None}]}}))
    with pytest.raises(ImportFailed, match="never built"):
        import_model_file(path)


def test_conv_recurrent_and_dtypes_match_keras(tmp_path):
    image = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="conv")(image)
    x = layers.BatchNormalization(momentum=0.9, name="bn")(x)
    x = layers.ReLU(6.0, name="relu6")(x)
    x = layers.DepthwiseConv2D(3, name="dw")(x)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.Conv2DTranspose(4, 2, strides=2, name="up")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    tokens = keras.Input((12,), dtype="int32", name="tokens")
    e = layers.Embedding(100, 16, mask_zero=False, name="embed")(tokens)
    e, h, c = layers.LSTM(8, return_sequences=True, return_state=True, name="lstm")(e)
    e = layers.GRU(4, name="gru")(e)
    both = layers.Concatenate(name="both")([x, e, h])
    out = layers.Dense(3, activation="softmax", name="out")(both)
    model = keras.Model([image, tokens], out, name="mixed")
    path = tmp_path / "mixed.keras"
    model.save(path)
    doc = import_model_file(path)
    assert doc.layer_by_name("tokens").config == {"shape": [12], "dtype": "int32"}
    assert doc.layer_by_name("conv").config == {"filters": 8, "kernel_size": [3, 3], "strides": [2, 2],
                                                "padding": "same", "use_bias": False}
    assert doc.layer_by_name("bn").config == {"momentum": 0.9}
    assert doc.layer_by_name("pool").config == {}
    assert doc.layer_by_name("lstm").config == {"units": 8, "return_sequences": True, "return_state": True}
    lstm_node = node_of(doc, "lstm")
    assert list(doc.nodes[node_of(doc, "both")].inputs) == [(node_of(doc, "gap"), 0), (node_of(doc, "gru"), 0),
                                                           (lstm_node, 1)]
    result = check(doc)
    assert result.valid, [str(p) for p in result.errors]
    assert result.total == model.count_params()
    assert doc_calls(doc) == keras_calls(model)


def test_layer_outside_the_catalog_is_kept_with_its_config(tmp_path, outside_catalog):
    # every keras.layers class is in the catalog: take one out to stand for a class that a
    # newer Keras adds
    outside_catalog("GaussianDropout")
    inputs = keras.Input((5,), name="x")
    noisy = layers.GaussianDropout(0.3, name="noisy")(inputs)
    out = layers.Dense(2, name="out")(noisy)
    model = keras.Model(inputs, out)
    path = tmp_path / "generic.keras"
    model.save(path)
    doc = import_model_file(path)
    layer = doc.layer_by_name("noisy")
    assert layer.type == "GaussianDropout"
    assert layer.config == {"rate": 0.3, "seed": None}
    result = check(doc)
    assert "layer.unknown_type" in {p.code for p in result.problems}
    assert result.output_specs(node_of(doc, "noisy")) == []  # unknown, never guessed
    again = layers.GaussianDropout.from_config({**layer.config, "name": layer.name})
    assert again.get_config() == model.get_layer("noisy").get_config()


def test_frozen_layer_and_nested_application_model(tmp_path):
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None)
    base.trainable = False
    image = keras.Input((32, 32, 3), name="image")
    features = base(image, training=False)
    head = layers.Dense(4, name="head", trainable=False)(layers.GlobalAveragePooling2D(name="gap")(features))
    model = keras.Model(image, head, name="transfer")
    path = tmp_path / "transfer.keras"
    model.save(path)
    doc = import_model_file(path)
    nested = doc.layer_by_name(base.name)
    assert nested.type == "Model" and nested.config.get("trainable") is False
    assert len(nested.subgraph.layers) == len(base.layers)
    assert doc.layer_by_name("head").config == {"units": 4, "trainable": False}
    assert all(layer.config.get("trainable") is False for layer in nested.subgraph.layers.values()
               if layer.type != "Input")
    sub_result = check(nested.subgraph)
    if not catalog.check_params("Dense", {"units": 1, "trainable": False}):
        assert sub_result.total == base.count_params()
    else:  # the catalog does not accept the base-Layer argument ``trainable`` yet
        assert {p.code for p in sub_result.errors} == {"param.invalid"}
        assert all("trainable" in p.message for p in sub_result.errors)


def test_keras2_legacy_h5(tmp_path):
    path = tmp_path / "legacy.h5"
    write_keras2_h5(path)
    doc = import_model_file(path, keras_upgrade="never")
    assert [doc.layer_of(n).name for n in doc.input_nodes()] == ["left", "right", "steps"]
    inner = doc.layer_by_name("inner")
    calls = doc.nodes_of(inner.id)
    assert inner.type == "Model" and len(calls) == 2
    shared_calls = doc.nodes_of(doc.layer_by_name("shared").id)
    assert [list(doc.nodes[c].inputs) for c in calls] == [[(shared_calls[0], 0)], [(shared_calls[1], 0)]]
    assert list(doc.nodes[node_of(doc, "merged")].inputs) == [(calls[0], 0), (calls[1], 0)]
    assert [(doc.node_label(o.node), o.loss) for o in doc.outputs] == [
        ("out", "binary_crossentropy"), ("inner (call 2)", "mse"), ("seq_lstm", "mse")]
    assert doc.outputs[0].metrics == ["accuracy"]
    assert doc.compile == {"optimizer": "adam", "learning_rate": 0.001}
    assert doc.layer_by_name("leaky").config == {"negative_slope": 0.2}
    assert doc.layer_by_name("seq_lstm").config == {"units": 6}
    result = check(doc)
    assert result.valid, [str(p) for p in result.errors]
    assert result.total == (8 * 4 + 4) + (4 * 3 + 3) + (6 * 1 + 1) + 4 * 6 * (6 + 6 + 1)
    assert read_model_file(path).legacy
    assert import_model_file(path).extra.get("import_notes") is None  # auto: translated directly


def test_keras2_config_upgraded_by_keras_in_a_child_process(tmp_path):
    path = tmp_path / "legacy_simple.json"
    path.write_text(json.dumps(keras2_config(nested=False, lstm=False)))
    doc = import_model_file(path, keras_upgrade="always")
    assert doc.extra["import_notes"] == ["the Keras 2 config was upgraded by Keras 3's legacy loader"]
    direct = import_model_file(path, keras_upgrade="never")
    assert {(layer.name, layer.type, json.dumps(layer.config, sort_keys=True)) for layer in doc.layers.values()} == {
        (layer.name, layer.type, json.dumps(layer.config, sort_keys=True)) for layer in direct.layers.values()}
    assert check(doc).total == check(direct).total


def test_keras_child_process_is_killed_on_timeout(tmp_path):
    path = tmp_path / "legacy_simple.json"
    path.write_text(json.dumps(keras2_config(nested=False, lstm=False)))
    with pytest.raises(ImportFailed, match=r"legacy_simple.json: timed out after 0.05 s"):
        import_model_file(path, timeout=0.05, keras_upgrade="always")


def test_keras_ops_in_the_graph_become_operation_layers(tmp_path):
    x = keras.Input((4,), name="x")
    y = layers.Dense(2, name="d")(keras.ops.add(x, 1.0))
    path = tmp_path / "ops.keras"
    keras.Model(x, y).save(path)
    doc = import_model_file(path)
    (op,) = [layer for layer in doc.layers.values() if layer.type.startswith("ops.")]
    assert op.type == "ops.add" and op.config == {"x2": 1.0}
    assert not check(doc).errors


def test_multi_head_attention_call_and_keyword_inputs(tmp_path):
    q = keras.Input((5, 8), name="q")
    v = keras.Input((7, 8), name="v")
    att = layers.MultiHeadAttention(2, 4, name="mha")(q, v)
    seq, h, c = layers.LSTM(3, return_state=True, return_sequences=True, name="enc")(att)
    dec = layers.LSTM(3, name="dec")(seq, initial_state=[h, c])
    path = tmp_path / "att.keras"
    keras.Model([q, v], dec).save(path)
    doc = import_model_file(path)
    mha = node_of(doc, "mha")
    assert list(doc.nodes[mha].inputs) == [(node_of(doc, "q"), 0), (node_of(doc, "v"), 0)]
    assert doc.layer_by_name("mha").config == {"num_heads": 2, "key_dim": 4, "attention_axes": [1]}
    dec = doc.nodes[node_of(doc, "dec")]
    enc = node_of(doc, "enc")
    assert list(dec.inputs) == [(enc, 0), (enc, 1), (enc, 2)]
    assert dec.keyword_inputs == {"initial_state": 2} and dec.main_inputs == [(enc, 0)]
    assert loom_format.document_to_dict(doc)["nodes"][list(doc.nodes).index(dec.id)]["keyword_inputs"] == {
        "initial_state": [1, 2]}
    result = check(doc)
    assert result.valid, [str(p) for p in result.errors]


def test_run_import_command_writes_the_loom_file(rich, tmp_path, capsys):
    _model, paths = rich
    out = tmp_path / "rich.loom"
    assert run_import_command(paths["keras"], str(out)) == 0
    line = capsys.readouterr().out.strip().splitlines()[0]
    assert "9 layers (2 nested models), 10 nodes, 3 inputs, 3 outputs" in line
    assert "check: 0 errors" in line
    assert loom_format.load(out).layer_by_name("shared") is not None


def test_cli_import(rich, tmp_path, capsys):
    from editor.cli import main

    _model, paths = rich
    out = tmp_path / "cli.loom"
    assert main(["import", paths["h5"], "-o", str(out)]) == 0
    assert out.exists()
    assert "3 inputs, 3 outputs" in capsys.readouterr().out


# ------------------------------------------------------------------------------ Keras 2 files
def _dense(name, units, inbound, activation="linear"):
    return {"class_name": "Dense", "name": name, "inbound_nodes": inbound, "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
        "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}}


def _input(name, batch_shape):
    return {"class_name": "InputLayer", "name": name, "inbound_nodes": [], "config": {
        "batch_input_shape": batch_shape, "dtype": "float32", "sparse": False, "ragged": False, "name": name}}


def keras2_config(nested: bool = True, lstm: bool = True) -> dict:
    """A model config as tf.keras 2.15 wrote it: legacy inbound node lists, a nested model whose
    call nodes count from 1, a LeakyReLU with ``alpha``, an LSTM with ``time_major``."""
    layers_ = [_input("left", [None, 8]), _input("right", [None, 8]),
               _dense("shared", 4, [[["left", 0, 0, {}]], [["right", 0, 0, {}]]], "relu")]
    if nested:
        layers_.append({"class_name": "Functional", "name": "inner", "config": {
            "name": "inner", "trainable": True,
            "layers": [_input("input_2", [None, 4]), _dense("inner_dense", 3, [[["input_2", 0, 0, {}]]])],
            "input_layers": [["input_2", 0, 0]], "output_layers": [["inner_dense", 0, 0]]},
            "inbound_nodes": [[["shared", 0, 0, {}]], [["shared", 1, 0, {}]]]})
        merged_in = [[["inner", 1, 0, {}], ["inner", 2, 0, {}]]]
    else:
        merged_in = [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]
    layers_.append({"class_name": "Concatenate", "name": "merged", "inbound_nodes": merged_in,
                    "config": {"name": "merged", "trainable": True, "dtype": "float32", "axis": -1}})
    layers_.append({"class_name": "LeakyReLU", "name": "leaky", "inbound_nodes": [[["merged", 0, 0, {}]]],
                    "config": {"name": "leaky", "trainable": True, "dtype": "float32", "alpha": 0.2}})
    layers_.append(_dense("out", 1, [[["leaky", 0, 0, {}]]], "sigmoid"))
    inputs = [["left", 0, 0], ["right", 0, 0]]
    outputs = [["out", 0, 0]] + ([["inner", 2, 0]] if nested else [])
    if lstm:
        layers_.append(_input("steps", [None, 5, 6]))
        layers_.append({"class_name": "LSTM", "name": "seq_lstm", "inbound_nodes": [[["steps", 0, 0, {}]]], "config": {
            "name": "seq_lstm", "trainable": True, "dtype": "float32", "return_sequences": False,
            "return_state": False, "go_backwards": False, "stateful": False, "unroll": False, "time_major": False,
            "units": 6, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "unit_forget_bias": True,
            "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
            "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2}})
        inputs.append(["steps", 0, 0])
        outputs.append(["seq_lstm", 0, 0])
    return {"class_name": "Functional", "keras_version": "2.15.0", "backend": "tensorflow", "config": {
        "name": "legacy_model", "trainable": True, "layers": layers_, "input_layers": inputs,
        "output_layers": outputs}}


def write_keras2_h5(path) -> None:
    """An .h5 file laid out as tf.keras 2 saved it (attributes only; no weights needed)."""
    training = {"loss": {"out": "binary_crossentropy", "inner": "mse", "seq_lstm": "mse"},
                "metrics": [["accuracy"], [], []], "loss_weights": None,
                "optimizer_config": {"class_name": "Adam", "config": {"name": "Adam",
                                                                      "learning_rate": 0.0010000000474974513}}}
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(keras2_config()).encode()
        f.attrs["training_config"] = json.dumps(training).encode()
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.create_group("model_weights").attrs["layer_names"] = np.array([b"out"])


def test_operations_lacking_are_refused_without_suggesting_layers_that_do_not_exist(tmp_path):
    x = keras.Input((6,), name="x")
    y = layers.Dense(2, name="d")(keras.ops.sort(x[:, :4], axis=-1))
    path = tmp_path / "ops.keras"
    keras.Model(x, y).save(path)
    with pytest.raises((ImportFailed, ImportRefused)) as info:
        import_model_file(path)
    message = str(info.value)
    assert "module 'keras.src.ops" in message and "'Sort'" in message and "keras.ops.sort" in message
    assert "layer 'sort'" in message and "Operations category" in message
    assert "keras.layers.Sort" not in message and not hasattr(layers, "Sort")
