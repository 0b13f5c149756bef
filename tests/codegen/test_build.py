"""Document → keras.Model: names, inputs/outputs order, shared weights, nested models,
applications, generic Keras layers, compile settings and errors in the user's terms."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codegen.build import build_model, compile_settings, make_optimizer, used_nodes
from codegen.errors import BuildError
from graph_core import check
from graph_core.builder import GraphBuilder
from graph_core.templates import load_template
from tests.codegen.helpers import SLUGS, built

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_builds_like_the_document(slug):
    doc, model = built(slug)
    assert model.name == doc.name
    assert [t.name for t in model.inputs] == [doc.layer_of(n).name for n in doc.input_nodes()]
    assert list(model.output_names) == [doc.layer_of(o.node).name for o in doc.outputs]
    keras_names = {layer.name for layer in model.layers}
    used = {doc.layer_of(n).name for n in used_nodes(doc)}
    assert used == keras_names
    result = check(doc)
    assert model.count_params() == result.total


def test_importing_build_does_not_load_tensorflow():
    code = ("import sys, codegen.build, codegen.summary, codegen.fit, codegen.synthetic, "
            "codegen.applications, codegen.keras_export, codegen.commands\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'loaded'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_shared_layer_is_one_instance_called_twice():
    doc, model = built("siamese-lstm")
    lstm = model.get_layer("shared_lstm")
    assert len(lstm._inbound_nodes) == 2
    assert len(lstm.trainable_weights) == 3  # one kernel, recurrent kernel and bias


def test_nested_model_is_a_keras_model_called_at_each_node():
    import keras

    doc, model = built("model-as-layer")
    encoder = model.get_layer("encoder")
    assert isinstance(encoder, keras.Model)
    assert [layer.name for layer in encoder.layers] == ["tokens", "embedding", "bidirectional"]
    assert len(encoder._inbound_nodes) == 2


def test_application_is_a_shared_keras_application():
    doc, model = built("siamese-vision")
    base = model.get_layer("xception_base")
    assert base.name == "xception_base"
    assert len(base._inbound_nodes) == 2
    assert base.count_params() == 20_861_480


def test_multi_output_compile_uses_dicts_keyed_by_output_name():
    doc = load_template("multi-output")
    settings = compile_settings(doc)
    assert settings["loss"] == {"age": "mse", "income": "categorical_crossentropy",
                                "gender": "binary_crossentropy"}
    assert settings["loss_weights"] == {"age": 0.25, "income": 1.0, "gender": 10.0}
    assert "metrics" not in settings
    _doc, model = built("multi-output")
    assert model.optimizer.__class__.__name__ == "RMSprop"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)


def test_single_output_compile_uses_plain_form():
    settings = compile_settings(load_template("mlp"))
    assert settings == {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}


def test_outputs_of_one_layer_use_the_list_form():
    b = GraphBuilder("states")
    x = b.input("seq", shape=(5, 4))
    lstm = b.layer("LSTM", x, units=3, return_state=True, name="lstm")
    b.output(lstm, loss="mse")
    b.output((lstm.node, 1), loss="mae", loss_weight=0.5)
    settings = compile_settings(b.document)
    assert settings == {"loss": ["mse", "mae"], "loss_weights": [1.0, 0.5]}
    model = build_model(b.document)
    assert len(model.outputs) == 2


def test_optimizer_from_name_and_learning_rate():
    doc = load_template("mlp")
    doc.compile = {"optimizer": "adam", "learning_rate": 0.01}
    optimizer = make_optimizer(doc)
    assert optimizer.__class__.__name__ == "Adam"
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    doc.compile = {"optimizer": "no_such_optimizer", "learning_rate": 0.01}
    with pytest.raises(BuildError, match="no_such_optimizer"):
        make_optimizer(doc)


def test_invalid_document_is_refused_naming_the_layer():
    b = GraphBuilder("bad")
    x = b.input("features", shape=(8,))
    b.output(b.layer("Dense", x, units=0, name="broken"), loss="mse")
    with pytest.raises(BuildError) as info:
        build_model(b.document)
    assert info.value.layer_name == "broken"
    assert "broken" in info.value.message


def test_keras_error_is_reported_with_the_layer_name():
    b = GraphBuilder("bad")
    x = b.input("features", shape=(8,))
    b.output(b.layer("Dense", x, units=0, name="broken"), loss="mse")
    with pytest.raises(BuildError) as info:
        build_model(b.document, validate=False)
    assert info.value.layer_name == "broken"
    assert info.value.message.startswith("Dense 'broken': ")


def test_generic_builtin_layer_is_deserialized_from_its_keras_config():
    b = GraphBuilder("generic")
    x = b.input("features", shape=(8,))
    x = b.layer("GaussianDropout", x, rate=0.25, name="noise")
    b.output(b.layer("Dense", x, units=2, name="out"), loss="mse")
    model = build_model(b.document)
    layer = model.get_layer("noise")
    assert layer.__class__.__name__ == "GaussianDropout"
    assert layer.rate == 0.25


@pytest.mark.parametrize("layer_type", ["Lambda", "NoSuchLayer", "os.system"])
def test_code_running_or_unknown_layers_are_refused(layer_type):
    b = GraphBuilder("refused")
    x = b.input("features", shape=(8,))
    b.output(b.layer(layer_type, x, name="odd"), loss="mse")
    with pytest.raises(BuildError) as info:
        build_model(b.document)
    assert info.value.layer_name == "odd"


def test_wrapped_layers_and_attention_are_called_correctly():
    b = GraphBuilder("wrappers")
    x = b.input("seq", shape=(6, 4))
    seq = b.layer("Bidirectional", x, layer={"type": "LSTM", "config": {"units": 3,
                                                                         "return_sequences": True}},
                  name="bi")
    att = b.layer("MultiHeadAttention", [seq, seq], num_heads=2, key_dim=4, name="att")
    td = b.layer("TimeDistributed", att, layer={"type": "Dense", "config": {"units": 2}}, name="td")
    b.output(b.layer("GlobalAveragePooling1D", td, name="pool"), loss="mse")
    doc = b.document
    model = build_model(doc)
    assert model.count_params() == check(doc).total
    assert tuple(model.output.shape) == (None, 2)


def test_imagenet_weights_are_never_downloaded():
    b = GraphBuilder("app")
    x = b.input("image", shape=(75, 75, 3))
    x = b.layer("Application", x, application="MobileNetV3Small", include_top=False,
                weights="imagenet", name="backbone")
    b.output(b.layer("GlobalAveragePooling2D", x, name="pool"), loss="mse")
    with pytest.raises(BuildError, match="never") as info:
        build_model(b.document)
    assert info.value.layer_name == "backbone"


def test_unused_branch_is_left_out():
    b = GraphBuilder("unused")
    x = b.input("features", shape=(8,))
    b.layer("Dense", x, units=4, name="dangling")
    b.output(b.layer("Dense", x, units=2, name="out"), loss="mse")
    model = build_model(b.document)
    assert "dangling" not in {layer.name for layer in model.layers}


def test_error_inside_a_nested_model_names_the_model_layer():
    sub = GraphBuilder("encoder")
    t = sub.input("tokens", shape=(4,))
    sub.output(sub.layer("Dense", t, units=0, name="inner"))
    b = GraphBuilder("outer")
    x = b.input("features", shape=(4,))
    b.output(b.model_layer(sub.document, x, name="encoder"), loss="mse")
    doc = b.document
    with pytest.raises(BuildError) as info:
        build_model(doc, validate=False)
    assert info.value.layer_name == "encoder"
    assert info.value.node_id in doc.nodes
    assert info.value.message.startswith("Model 'encoder': Dense 'inner': ")
    with pytest.raises(BuildError) as info:
        build_model(doc)
    assert info.value.layer_name == "encoder"
