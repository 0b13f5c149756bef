"""The rules of the canvas's wire drags and deletes (graph_core.wiring), without Qt."""

from __future__ import annotations

from graph_core.builder import GraphBuilder
from graph_core.document import TensorRef
from graph_core.edits import Compound, Connect
from graph_core.loom_format import document_to_dict
from graph_core.wiring import default_port_name, delete_edit, detached_copy, wire_drop, wire_edit


def branches():
    """x -> a, x -> b, concat(a, b) -> out (marked as the model output)."""
    b = GraphBuilder("branches")
    x = b.input("x", shape=(8,))
    a = b.layer("Dense", x, units=4, name="a")
    d = b.layer("Dense", x, units=4, name="b")
    cat = b.layer("Concatenate", [a, d], name="cat")
    out = b.layer("Dense", cat, units=1, name="out")
    b.output(out, loss="mse")
    return b.document, {"x": x.node, "a": a.node, "b": d.node, "cat": cat.node, "out": out.node}


def test_a_drop_that_closes_a_cycle_or_feeds_a_node_itself_is_refused():
    doc, n = branches()
    assert "cycle" in wire_drop(doc, TensorRef(n["out"], 0), n["a"], None).reason
    assert "own output" in wire_drop(doc, TensorRef(n["a"], 0), n["a"], None).reason


def test_connected_ports_of_a_two_input_layer_are_occupied():
    doc, n = branches()
    b = GraphBuilder(document=doc)
    diff = b.layer("Subtract", [TensorRef(n["a"], 0)], name="diff")
    occupied = wire_drop(doc, TensorRef(n["b"], 0), diff.node, 0,
                         port_name=lambda _d, _n, slot: f"slot #{slot}")
    assert occupied.slot == 0 and occupied.reason == "'diff' slot #0 is occupied: drag its connection away first"
    assert wire_drop(doc, TensorRef(n["b"], 0), diff.node, 1)[:2] == (None, None)  # its free port appends
    assert default_port_name(doc, diff.node, 1) == "input 1"
    # moving diff's input to its (shown) second port: judged without it, so the port is free
    work = detached_copy(doc, (diff.node, 0))
    assert wire_drop(work, TensorRef(n["a"], 0), diff.node, 1, detached=(diff.node, 0))[:2] == (None, None)


def test_a_merge_of_any_number_of_inputs_takes_a_drop_anywhere():
    doc, n = branches()
    assert wire_drop(doc, TensorRef(n["x"], 0), n["cat"], 0)[:2] == (0, None)  # inserted before a
    assert wire_drop(doc, TensorRef(n["x"], 0), n["cat"], 2)[:2] == (None, None)  # the free extra port
    assert wire_drop(doc, TensorRef(n["x"], 0), n["cat"], None)[:2] == (None, None)  # dropped on the card
    # a one-input layer says so in connection_refusal's words
    assert "occupied" in wire_drop(doc, TensorRef(n["b"], 0), n["out"], 0).reason


def test_a_detached_connection_is_judged_without_itself():
    doc, n = branches()
    before = document_to_dict(doc)
    work = detached_copy(doc, (n["cat"], 0))
    assert work is not doc and [r.node for r in work.nodes[n["cat"]].inputs] == [n["b"]]
    assert document_to_dict(doc) == before
    assert detached_copy(doc, None) is doc
    # the ports after the detached one move up: shown port 1 is slot 0 of the copy
    assert wire_drop(work, TensorRef(n["a"], 0), n["cat"], 1, detached=(n["cat"], 0))[:2] == (0, None)
    assert wire_drop(work, TensorRef(n["a"], 0), n["cat"], 2, detached=(n["cat"], 0))[:2] == (None, None)
    # without the detached edge, out -> cat would still close a cycle
    assert "cycle" in wire_drop(work, TensorRef(n["out"], 0), n["cat"], 0, detached=(n["cat"], 0)).reason


def test_the_edit_of_a_drop():
    doc, n = branches()
    source = TensorRef(n["x"], 0)
    assert wire_edit(source, n["cat"], 0, 0, detached=(n["cat"], 0)) is None  # dropped back
    connect = wire_edit(source, n["cat"], None, None)
    assert isinstance(connect, Connect) and (connect.target, connect.slot) == (n["cat"], None)
    doc.apply(connect)
    assert [r.node for r in doc.nodes[n["cat"]].inputs] == [n["a"], n["b"], n["x"]]
    reconnect = wire_edit(TensorRef(n["a"], 0), n["out"], None, None, detached=(n["cat"], 0))
    assert isinstance(reconnect, Compound) and reconnect.label == "Reconnect"


def test_delete_edit_merges_edges_and_nodes_into_one_undoable_step():
    doc, n = branches()
    before = document_to_dict(doc)
    assert delete_edit(doc, [], []) is None
    # the edge into a deleted node goes with it; the other edge is disconnected first
    edit = delete_edit(doc, [n["out"]], [(n["out"], 0), (n["cat"], 1)])
    assert isinstance(edit, Compound) and edit.label == "Delete 1 node"
    assert document_to_dict(doc) == before  # planning changed nothing
    doc.apply(edit)
    assert n["out"] not in doc.nodes and doc.outputs == []
    assert [r.node for r in doc.nodes[n["cat"]].inputs] == [n["a"]]
    doc.revert(edit)
    assert document_to_dict(doc) == before


def test_delete_edit_of_edges_only():
    doc, n = branches()
    before = document_to_dict(doc)
    one = delete_edit(doc, [], [(n["cat"], 0)])
    assert not isinstance(one, Compound)
    both = delete_edit(doc, [], [(n["cat"], 0), (n["cat"], 1), ("nowhere", 0), (n["cat"], 7)])
    assert isinstance(both, Compound) and both.label == "Disconnect" and len(both.edits) == 2
    doc.apply(both)
    assert doc.nodes[n["cat"]].inputs == []
    doc.revert(both)
    assert document_to_dict(doc) == before
