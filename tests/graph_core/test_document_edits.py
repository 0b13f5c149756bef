"""Document model and reversible edits."""

import pytest

from graph_core import loom_format
from graph_core.builder import GraphBuilder
from graph_core.document import Output, TensorRef
from graph_core.edits import (
    DELETE,
    Compound,
    Connect,
    Disconnect,
    MakeIndependent,
    MarkOutput,
    Move,
    Rename,
    SetConfig,
    SetOutput,
    SetSetting,
    UnmarkOutput,
    add_layer,
    call_again,
    connection_refusal,
    delete_nodes,
    snake_case,
)
from graph_core.errors import EditError


def siamese():
    b = GraphBuilder("siamese")
    left = b.input("left", shape=[None, 128])
    right = b.input("right", shape=[None, 128])
    lo = b.layer("LSTM", left, name="shared_lstm", units=32)
    ro = b.call("shared_lstm", right)
    merged = b.layer("Concatenate", [lo, ro], name="merged", axis=-1)
    pred = b.layer("Dense", merged, name="predictions", units=1, activation="sigmoid")
    b.output(pred, loss="binary_crossentropy")
    return b.document


def snapshot(doc):
    return loom_format.dumps(doc)


def test_shared_layer_has_two_nodes():
    doc = siamese()
    lstm = doc.layer_by_name("shared_lstm")
    assert len(doc.nodes_of(lstm.id)) == 2
    assert doc.is_shared(lstm.id)
    assert not doc.is_shared(doc.layer_by_name("merged").id)


def test_events_are_emitted_for_each_edit():
    doc = siamese()
    events = []
    doc.subscribe(lambda d, e: events.append(e))
    lstm = doc.layer_by_name("shared_lstm")
    doc.apply(SetConfig(lstm.id, "units", 64))
    assert events[-1].kind == "config"
    assert events[-1].nodes == frozenset(doc.nodes_of(lstm.id))


@pytest.mark.parametrize("make_edit", [
    lambda d: SetConfig(d.layer_by_name("shared_lstm").id, "units", 8),
    lambda d: SetConfig(d.layer_by_name("merged").id, "axis", DELETE),
    lambda d: Rename(d.layer_by_name("merged").id, "joined"),
    lambda d: Move({n: (5, 7) for n in d.nodes}),
    lambda d: MakeIndependent(d.nodes_of(d.layer_by_name("shared_lstm").id)[1], "lx", "other_lstm"),
    lambda d: UnmarkOutput(0),
    lambda d: SetOutput(0, "loss_weight", 3.0),
    lambda d: SetSetting("compile", "optimizer", "adam"),
    lambda d: SetSetting("model", "name", "renamed"),
    lambda d: delete_nodes(d, [d.nodes_of(d.layer_by_name("merged").id)[0]]),
    lambda d: delete_nodes(d, list(d.nodes)),
    lambda d: Disconnect(d.nodes_of(d.layer_by_name("merged").id)[0], 0),
    lambda d: add_layer(d, "Dense", {"units": 4}, inputs=[TensorRef(d.input_nodes()[0], 0)]),
    lambda d: call_again(d, d.nodes_of(d.layer_by_name("shared_lstm").id)[0]),
])
def test_every_edit_reverts_exactly(make_edit):
    doc = siamese()
    before = snapshot(doc)
    edit = make_edit(doc)
    doc.apply(edit)
    assert snapshot(doc) != before
    doc.revert(edit)
    assert snapshot(doc) == before
    doc.apply(edit)  # redo works too
    assert snapshot(doc) != before


def test_connect_refuses_cycles_with_reason():
    doc = siamese()
    merged = doc.nodes_of(doc.layer_by_name("merged").id)[0]
    pred = doc.nodes_of(doc.layer_by_name("predictions").id)[0]
    reason = connection_refusal(doc, TensorRef(pred, 0), merged)
    assert "cycle" in reason and "predictions" in reason and "merged" in reason
    with pytest.raises(EditError, match="cycle"):
        doc.apply(Connect(TensorRef(pred, 0), merged))


def test_connect_refuses_occupied_single_input():
    doc = siamese()
    pred = doc.nodes_of(doc.layer_by_name("predictions").id)[0]
    left = doc.input_nodes()[0]
    assert "occupied" in connection_refusal(doc, TensorRef(left, 0), pred)
    assert "takes no inputs" in connection_refusal(doc, TensorRef(pred, 0), doc.input_nodes()[1])


def test_merge_layers_accept_more_inputs():
    doc = siamese()
    merged = doc.nodes_of(doc.layer_by_name("merged").id)[0]
    left = doc.input_nodes()[0]
    assert connection_refusal(doc, TensorRef(left, 0), merged) is None


def test_compound_rolls_back_on_failure():
    doc = siamese()
    before = snapshot(doc)
    merged = doc.layer_by_name("merged")
    bad = Compound([SetConfig(merged.id, "axis", 1), Rename(merged.id, "predictions")])
    with pytest.raises(EditError):
        doc.apply(bad)
    assert snapshot(doc) == before


def test_remove_node_refuses_while_used():
    doc = siamese()
    from graph_core.edits import RemoveNode
    with pytest.raises(EditError, match="feeds"):
        doc.apply(RemoveNode(doc.input_nodes()[0]))


def test_mark_output_twice_is_refused():
    doc = siamese()
    out = doc.outputs[0]
    with pytest.raises(EditError, match="already"):
        doc.apply(MarkOutput(Output(out.node, 0)))


def test_config_edits_merge_for_typing():
    doc = siamese()
    lid = doc.layer_by_name("predictions").id
    first, second = SetConfig(lid, "units", 2), SetConfig(lid, "units", 3)
    assert first.merge(second) and first.value == 3
    assert not first.merge(SetConfig(lid, "activation", "relu"))


@pytest.mark.parametrize("name,expected", [
    ("Dense", "dense"), ("LSTM", "lstm"), ("Conv2DTranspose", "conv2d_transpose"),
    ("MaxPooling2D", "max_pooling2d"), ("GlobalAveragePooling1D", "global_average_pooling1d"),
    ("BatchNormalization", "batch_normalization"), ("ReLU", "re_lu"), ("MultiHeadAttention", "multi_head_attention"),
])
def test_snake_case_matches_keras_auto_names(name, expected):
    assert snake_case(name) == expected


def test_unique_names_and_ids():
    doc = siamese()
    assert doc.unique_name("merged") == "merged_2"
    assert doc.new_id("n") not in doc.nodes


def test_nested_model_changes_bubble_up():
    inner = GraphBuilder("encoder")
    x = inner.input("tokens", shape=[8])
    inner.output(inner.layer("Dense", x, units=4))
    outer = GraphBuilder("outer")
    a = outer.input("a", shape=[8])
    outer.output(outer.model_layer(inner.document, a, name="encoder"))
    doc = outer.document
    events = []
    doc.subscribe(lambda d, e: events.append(e))
    sub = doc.layer_by_name("encoder").subgraph
    sub.apply(SetConfig(sub.layer_by_name("dense").id, "units", 5))
    assert events and events[-1].kind == "config"
    assert doc.layer_by_name("encoder").id in events[-1].layers


def test_a_nested_model_is_named_by_its_layer():
    from graph_core.templates import load_template

    doc = load_template("model-as-layer")
    layer = doc.layer_by_name("encoder")
    assert layer.subgraph.name == "encoder" and layer.subgraph.parent_link == (doc, layer.id)
    rename = Rename(layer.id, "sentence_encoder")
    doc.apply(rename)
    assert layer.subgraph.name == "sentence_encoder"
    doc.revert(rename)
    assert layer.subgraph.name == "encoder"
    split = MakeIndependent(doc.nodes_of(layer.id)[1], "lx", "encoder_b")
    doc.apply(split)
    assert doc.layers["lx"].subgraph.name == "encoder_b"


def test_flow_path_is_the_shortest_data_path():
    from graph_core.builder import GraphBuilder
    from graph_core.graph_algorithms import flow_path

    b = GraphBuilder("paths")
    x = b.input("x", shape=(4,))
    a = b.layer("Dense", x, units=4)
    c = b.layer("Dense", a, units=4)
    d = b.layer("Add", [c, a])
    doc = b.document
    assert flow_path(doc, x.node, d.node) == [x.node, a.node, d.node]
    assert flow_path(doc, d.node, x.node) == []
    assert flow_path(doc, a.node, a.node) == [a.node]
