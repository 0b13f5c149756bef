"""Operation nodes end to end: a Keras model full of operators and slicing imports, checks with
Keras's shapes and dtypes at every node, exports to Python that rebuilds it with equal predictions,
saves through LayerLoom's own ``.keras`` export and imports again; random graphs mixing operations
and layers agree with Keras on whether they build and on their output shapes."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers, ops

from codegen.build import build_model
from codegen.importer import import_model_file
from codegen.keras_export import save_keras
from codegen.python_export import export_python
from graph_core import check
from graph_core.builder import GraphBuilder
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.keras


def operator_model() -> keras.Model:
    """Operators, constants on either side, slicing of every kind, reductions, shape ops, masks."""
    keras.backend.clear_session()  # Keras's own names (concatenate, concatenate_1…) start afresh
    a = keras.Input((6, 8), name="a")
    b = keras.Input((8,), name="b")
    ids = keras.Input((6,), dtype="int32", name="ids")
    h = layers.Dense(8, name="proj")(a)
    low, high = ops.split(h, 2, axis=-1)
    h = ops.concatenate([high, low], axis=-1)
    x = h * 2.0 + b[:, None, :] - 1.5
    x = 3.0 - x / (ops.abs(x) + 1.0) ** 2
    x = ops.where(x > 0.5, x, 0.0)
    first = x[:, 0]
    last = x[:, -1, ::2]
    mid = x[..., 1:5]
    mask = ops.any(ops.not_equal(ids, 0)[:, :, None], axis=-1, keepdims=True)
    weighted = mid * ops.cast(mask, "float32")
    pooled = ops.mean(weighted, axis=1)
    tall = ops.reshape(ops.concatenate([first, last, pooled], axis=-1), (-1, 4, 4))
    scores = ops.softmax(ops.matmul(tall, ops.transpose(tall, (0, 2, 1))), axis=-1)
    mixed = ops.einsum("bij,bjk->bik", scores, tall)
    summed = ops.sum(ops.expand_dims(mixed, -1), axis=-1) // 1.0
    top = ops.max(ops.sqrt(ops.relu(summed) + 1e-3), axis=[1, 2])
    out = layers.Dense(3, name="head")(ops.stack([top, ops.min(mixed, axis=(1, 2))], axis=-1))
    clipped = ops.clip(ops.squeeze(ops.expand_dims(out, 1), axis=1), -1.0, 1.0)
    logits = ops.log(ops.exp(clipped) + ops.sigmoid(clipped)) * -1
    return keras.Model([a, b, ids], [logits, ops.cast(mask, "int32")], name="operators")


def _samples(model: keras.Model) -> list:
    rng = np.random.default_rng(0)
    out = []
    for tensor in model.inputs:
        shape = (4, *tensor.shape[1:])
        out.append(rng.integers(0, 3, size=shape).astype("int32") if "int" in str(tensor.dtype)
                   else rng.standard_normal(shape).astype("float32"))
    return out


def _assert_same_predictions(original: keras.Model, rebuilt: keras.Model) -> None:
    for layer in original.layers:
        if layer.weights:
            rebuilt.get_layer(layer.name).set_weights(layer.get_weights())
    x = _samples(original)
    for want, got in zip(original.predict(x, verbose=0), rebuilt.predict(x, verbose=0)):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


def _import(model: keras.Model, path):
    model.save(path)
    return import_model_file(path)


def test_operator_model_round_trips(tmp_path):
    model = operator_model()
    doc = _import(model, tmp_path / "operators.keras")
    assert sum(layer.type.startswith("ops.") for layer in doc.layers.values()) > 40
    result = check(doc)
    assert result.status == "valid", [p.message for p in result.errors]
    assert result.known_total == model.count_params()
    by_name = {doc.layer_of(nid).name: nid for nid in doc.nodes}
    for op in model.operations:  # every node's shape and dtype equal Keras's
        if op.name in by_name and op._inbound_nodes:
            spec = result.nodes[by_name[op.name]].output(0)
            keras_out = op._inbound_nodes[0].outputs[0]
            assert spec.shape == tuple(keras_out.shape), op.name
            assert spec.dtype == keras.backend.standardize_dtype(keras_out.dtype), op.name
    source = export_python(doc)
    assert "concatenate * 2.0" in source and "keras.ops.split(proj, 2, axis=-1)" in source
    assert "[:, None, :]" in source and "[:, -1, ::2]" in source
    assert "keras.ops.mean(" in source and 'keras.ops.einsum("bij,bjk->bik"' in source
    assert "keras.ops.where(" in source and " - 1.5" in source
    scope: dict = {}
    exec(compile(source, "operators.py", "exec"), scope)
    _assert_same_predictions(model, scope["build_model"]())
    _assert_same_predictions(model, build_model(doc, compile=False))


def test_layerloom_keras_export_of_operations_imports_again(tmp_path):
    model = operator_model()
    doc = _import(model, tmp_path / "operators.keras")
    path = save_keras(doc, tmp_path / "again.keras")
    again = import_model_file(path)
    assert [(layer.type, layer.name, layer.config) for layer in again.layers.values()] == \
           [(layer.type, layer.name, layer.config) for layer in doc.layers.values()]
    assert check(again).status == "valid"
    _assert_same_predictions(model, keras.models.load_model(path))


# --------------------------------------------------------------------------- random graphs
UNARY = [("ops.relu", {}), ("ops.exp", {}), ("ops.negative", {}), ("ops.mean", {"axis": -1, "keepdims": True}),
         ("ops.sum", {"axis": 1}), ("ops.softmax", {}), ("ops.multiply", {"x2": 0.5}), ("ops.add", {"x1": 1}),
         ("ops.get_item", {"key": [{"slice": [None, None, None]}, {"slice": [None, 3, None]}]}),
         ("ops.get_item", {"key": ["...", None]}), ("ops.expand_dims", {"axis": 1}),
         ("ops.squeeze", {"axis": -1}), ("ops.reshape", {"newshape": [-1, 2]}), ("ops.transpose", {}),
         ("ops.cast", {"dtype": "int32"}), ("ops.not_equal", {"x2": 0}), ("ops.any", {"axis": -1})]
LAYERS = [("Dense", {"units": 4}), ("Flatten", {}), ("Dense", {"units": 3})]
BINARY = [("ops.add", {}), ("ops.multiply", {}), ("ops.concatenate", {"axis": -1}), ("ops.matmul", {}),
          ("ops.maximum", {}), ("ops.greater", {}), ("ops.where", {"x2": 0.0})]


@st.composite
def graphs(draw):
    b = GraphBuilder("random")
    tensors = [b.input("x", (draw(st.sampled_from([3, 4, 6])),)), b.input("y", (4, 3))]
    for _ in range(draw(st.integers(2, 6))):
        if draw(st.booleans()):
            kind, config = draw(st.sampled_from(BINARY))
            args = [draw(st.sampled_from(tensors)), draw(st.sampled_from(tensors))]
        else:
            kind, config = draw(st.sampled_from(UNARY + LAYERS))
            args = [draw(st.sampled_from(tensors))]
        tensors.append(b.layer(kind, args, **config))
    b.output(tensors[-1])
    return b.document


@pytest.mark.slow
@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_agree_with_keras_on_build_and_shapes(doc):
    result = check(doc)
    try:
        model = build_model(doc, compile=False, validate=False)
    except Exception:
        model = None
    finally:
        keras.backend.clear_session()
    unused = {nid for lid in result.unused_layers for nid in doc.nodes_of(lid)}  # Keras leaves them out
    errors = [p.message for p in result.errors if not set(p.node_ids) <= unused]
    assert (model is not None) == (not errors), errors
    if model is not None:
        out = doc.outputs[0]
        spec = result.nodes[out.node].output(out.index)
        assert spec.shape == tuple(model.outputs[0].shape)
        assert spec.dtype == keras.backend.standardize_dtype(model.outputs[0].dtype)


def test_a_model_whose_output_is_an_operation_trains_in_layerloom_and_in_the_exported_code():
    from codegen.fit import fit_synthetic

    b = GraphBuilder("ops_out")
    x = b.input("x", (4,))
    b.output(b.layer("ops.multiply", b.layer("Dense", x, name="d", units=3), name="features", x2=2.0),
             loss="mse")
    b.output(b.layer("Dense", x, name="score", units=1), loss="mse", loss_weight=0.5)
    doc = b.document
    doc.fit = {**doc.fit, "epochs": 1, "samples": 16}
    assert fit_synthetic(doc).epochs_run == 1
    scope: dict = {}
    exec(compile(export_python(doc), "ops_out.py", "exec"), scope)
    model = scope["build_model"]()
    data, targets = scope["make_data"](16)
    history = model.fit(data, targets, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_summary_step_through_and_profile_follow_operation_nodes():
    from codegen.profile import profile_model
    from codegen.summary import summarize
    from codegen.trace import trace_document

    b = GraphBuilder("ops_views")
    x = b.input("x", (6,))
    half = b.layer("ops.get_item", b.layer("ops.multiply", x, name="scaled", x2=2.0), name="half",
                   key=[{"slice": [None, None, None]}, {"slice": [None, 3, None]}])
    b.output(b.layer("Dense", b.layer("ops.mean", half, name="avg", axis=-1, keepdims=True), name="out", units=2))
    doc = b.document
    assert "scaled" in str(summarize(doc))
    trace = trace_document(doc)
    half_node = doc.nodes_of(doc.layer_by_name("half").id)[0]
    assert trace.nodes[half_node].outputs[0]["shape"][1:] == [3]
    profiled = profile_model(doc, repeats=1)
    assert {entry["layer"] for entry in profiled["nodes"].values()} == {"scaled", "half", "avg", "out"}
