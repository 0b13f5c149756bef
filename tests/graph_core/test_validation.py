"""Validation: every kind of problem is found, named, located and explained; nothing raises."""

import pytest

from graph_core import check, loom_format
from graph_core.builder import GraphBuilder
from graph_core.document import TensorRef
from graph_core.edits import Connect, SetConfig
from graph_core.templates import list_templates, load_template


def codes(result):
    return [p.code for p in result.problems]


def problem(result, code):
    found = [p for p in result.problems if p.code == code]
    assert found, f"no {code} among {codes(result)}"
    return found[0]


def chain(*layers, input_shape=(16,), dtype=None, loss="mse"):
    b = GraphBuilder("chain")
    x = b.input("inp", shape=list(input_shape), dtype=dtype)
    for layer_type, config in layers:
        x = b.layer(layer_type, x, **config)
    b.output(x, loss=loss)
    return b.document


@pytest.mark.parametrize("template", [t.slug for t in list_templates()])
def test_every_template_is_valid_without_warnings(template):
    result = check(load_template(template))
    assert result.valid, [str(p) for p in result.problems]
    assert result.problems == []
    assert result.params_known


def test_cycle_lists_layers_in_order_and_explains_dag():
    data = {
        "format": "layerloom", "version": 1,
        "layers": [{"id": "a", "type": "Input", "name": "inp", "config": {"shape": [4]}},
                   {"id": "b", "type": "Add", "name": "add"},
                   {"id": "c", "type": "Dense", "name": "d1", "config": {"units": 4}},
                   {"id": "d", "type": "Dense", "name": "d2", "config": {"units": 4}}],
        "nodes": [{"id": "n1", "layer": "a"}, {"id": "n2", "layer": "b", "inputs": [["n1", 0], ["n4", 0]]},
                  {"id": "n3", "layer": "c", "inputs": [["n2", 0]]}, {"id": "n4", "layer": "d", "inputs": [["n3", 0]]}],
        "outputs": [{"node": "n3", "loss": "mse"}],
    }
    result = check(loom_format.document_from_dict(data))
    cyc = problem(result, "graph.cycle")
    assert "'add' → 'd1' → 'd2' → 'add'" in cyc.message
    assert "directed acyclic graph" in cyc.message
    assert set(cyc.node_ids) == {"n2", "n3", "n4"}
    assert not result.valid


def test_missing_and_surplus_inputs():
    b = GraphBuilder()
    x = b.input("x", shape=[4])
    lonely = b.layer("Concatenate", [x], name="cat")
    dense = b.layer("Dense", [], name="floating", units=3)
    b.output(lonely, loss="mse")
    b.output(dense, loss="mse")
    result = check(b.document)
    assert "at least 2" in problem(result, "graph.missing_input").message
    assert "'floating'" in [p for p in result.problems if "floating" in p.message][0].message
    doc = b.document
    dense_node = dense.node
    doc._set_inputs(dense_node, [x, x])  # surplus (bypassing edits on purpose)
    doc.revision += 1
    assert "surplus" in " ".join(codes(check(doc)))


def test_unreachable_node_warns_and_no_outputs_errors():
    b = GraphBuilder()
    x = b.input("x", shape=[4])
    y = b.layer("Dense", x, name="used", units=2)
    b.layer("Dense", x, name="dangling", units=2)
    result = check(b.document)
    assert problem(result, "graph.no_outputs").severity == "error"
    b.output(y, loss="mse")
    unused = problem(check(b.document), "graph.unused")
    assert "dangling" in unused.message and unused.severity == "warning"


def test_no_inputs():
    b = GraphBuilder()
    d = b.layer("Dense", [], units=2)
    b.output(d, loss="mse")
    assert "graph.no_inputs" in codes(check(b.document))


def test_duplicate_and_invalid_names():
    doc = chain(("Dense", {"units": 3, "name": "x y"}))
    assert "name.invalid" in codes(check(doc))
    doc = chain(("Dense", {"units": 3}), ("Dense", {"units": 3}))
    layers = list(doc.layers.values())
    layers[2].name = layers[1].name  # bypassing Rename on purpose: files can hold this
    assert problem(check(doc), "name.duplicate").severity == "error"


def test_parameter_constraint_violation_names_param():
    doc = chain(("Dense", {"units": 0}))
    p = problem(check(doc), "param.invalid")
    assert "units" in p.message and "Dense" in p.message


def test_concatenate_off_axis_mismatch_shows_both_shapes():
    b = GraphBuilder()
    a = b.input("a", shape=[8, 4])
    c = b.input("c", shape=[9, 4])
    b.output(b.layer("Concatenate", [a, c], name="cat", axis=-1), loss="mse")
    p = problem(check(b.document), "shape.concat_mismatch")
    assert "(None, 8, 4)" in p.message and "(None, 9, 4)" in p.message and "'cat'" in p.message


def test_residual_add_mismatch_hints_strided_1x1_conv():
    b = GraphBuilder()
    x = b.input("x", shape=[32, 32, 64])
    y = b.layer("Conv2D", x, filters=64, kernel_size=3, padding="same")
    y = b.layer("MaxPooling2D", y, pool_size=2)
    b.output(b.layer("Add", [y, x], name="residual_add"), loss="mse")
    p = problem(check(b.document), "shape.merge_mismatch")
    assert "(None, 16, 16, 64)" in p.message and "(None, 32, 32, 64)" in p.message
    assert "1×1 Conv2D" in p.hint and "strides" in p.hint


@pytest.mark.parametrize("layers,input_shape,dtype,code", [
    ([("Dense", {"units": 4})], (None,), None, "shape.undefined_dim"),
    ([("Flatten", {})], (None, 8), None, "shape.undefined_dim"),
    ([("Conv2D", {"filters": 4, "kernel_size": 3})], (32,), None, "shape.rank"),
    ([("LSTM", {"units": 4})], (8, 8, 3), None, "shape.rank"),
    ([("Embedding", {"input_dim": 100, "output_dim": 8})], (10,), None, "dtype.embedding_float"),
    ([("Conv2D", {"filters": 4, "kernel_size": 5})], (3, 3, 1), None, "shape.negative_dim"),
    ([("Reshape", {"target_shape": [7]})], (8,), None, "shape.reshape_size"),
])
def test_shape_incompatibilities(layers, input_shape, dtype, code):
    result = check(chain(*layers, input_shape=input_shape, dtype=dtype))
    p = problem(result, code)
    assert p.hint, p
    assert not result.valid


def test_shared_layer_on_incompatible_shapes():
    b = GraphBuilder()
    left = b.input("left", shape=[None, 128])
    right = b.input("right", shape=[None, 64])
    lo = b.layer("LSTM", left, name="shared_lstm", units=8)
    ro = b.call("shared_lstm", right)
    b.output(b.layer("Concatenate", [lo, ro]), loss="mse")
    p = problem(check(b.document), "shape.shared_incompatible")
    assert "(None, None, 128)" in p.message and "(None, None, 64)" in p.message


def test_loss_must_fit_output():
    doc = chain(("Dense", {"units": 1}), loss="categorical_crossentropy")
    assert problem(check(doc), "loss.mismatch").severity == "error"
    doc = chain(("Dense", {"units": 5, "activation": "sigmoid"}), loss="binary_crossentropy")
    assert problem(check(doc), "loss.mismatch").severity == "warning"
    doc = chain(("Dense", {"units": 5}), loss="no_such_loss")
    assert problem(check(doc), "loss.unknown").severity == "error"


def test_embedding_arguments_swapped_warning():
    doc = chain(("Embedding", {"input_dim": 64, "output_dim": 10000}), ("GlobalAveragePooling1D", {}),
                input_shape=(None,), dtype="int32")
    result = check(doc)
    p = problem(result, "lint.embedding_swapped")
    assert p.severity == "warning" and result.valid


def test_nested_model_shapes_and_params_flow_through():
    doc = load_template("model-as-layer")
    result = check(doc)
    encoder = doc.layer_by_name("encoder")
    assert len(doc.nodes_of(encoder.id)) == 2
    sub_total = check(encoder.subgraph).total
    assert result.layer_params[encoder.id] == (sub_total, 0)


def test_incremental_analyzer_matches_full_check_after_edits():
    from graph_core.analysis import Analyzer

    doc = load_template("multi-output")
    analyzer = Analyzer(doc)
    analyzer.result()
    dense = doc.layer_by_name("dense")
    doc.apply(SetConfig(dense.id, "units", 64))
    assert analyzer.result().to_json(doc) == check(doc).to_json(doc)
    age = doc.layer_by_name("age")
    doc.apply(SetConfig(age.id, "units", 3))
    assert analyzer.result().to_json(doc) == check(doc).to_json(doc)


def test_connect_edit_updates_incremental_result():
    from graph_core.analysis import Analyzer

    b = GraphBuilder()
    x = b.input("x", shape=[4])
    cat = b.layer("Concatenate", [x], name="cat")
    b.output(cat, loss="mse")
    doc = b.document
    analyzer = Analyzer(doc)
    assert not analyzer.result().valid
    doc.apply(Connect(TensorRef(x.node, 0), cat.node))
    assert analyzer.result().valid
    assert analyzer.result().output_specs(cat.node)[0].shape == (None, 8)


def test_parent_result_is_fresh_after_an_edit_inside_a_nested_model():
    from graph_core.analysis import Analyzer

    doc = load_template("model-as-layer")
    analyzer = Analyzer(doc)
    seen = []
    doc.subscribe(lambda d, e: seen.append(analyzer.result().total))
    sub = doc.layer_by_name("encoder").subgraph
    sub.apply(SetConfig(sub.layer_by_name("embedding").id, "output_dim", 32))
    assert seen[-1] == check(doc).total != 344961


def test_nested_outputs_need_no_loss():
    doc = load_template("model-as-layer")
    assert check(doc.layer_by_name("encoder").subgraph).problems == []


def test_deleting_both_calls_feeding_one_merge():
    from graph_core.edits import delete_nodes

    doc = load_template("model-as-layer")
    before = loom_format.dumps(doc)
    edit = delete_nodes(doc, doc.nodes_of(doc.layer_by_name("encoder").id))
    doc.apply(edit)
    assert doc.layer_by_name("encoder") is None
    doc.revert(edit)
    assert loom_format.dumps(doc) == before
