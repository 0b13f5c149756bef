"""Editing a call's keyword tensors and keywords (issue 9.2/9.4): the edits, their refusals and
undo, the keyword ports a card offers, and the check of what they pass."""

from __future__ import annotations

import pytest

from graph_core import check
from graph_core.builder import GraphBuilder
from graph_core.call_edits import (
    ConnectKeyword,
    SetCallKeyword,
    free_keyword_ports,
    keyword_port_at,
    main_port_count,
)
from graph_core.document import TensorRef
from graph_core.errors import EditError
from graph_core.loom_format import document_from_dict, document_to_dict
from graph_core.wiring import default_port_name, wire_drop, wire_edit


def encoder_decoder(decoder: str = "LSTM"):
    b = GraphBuilder("s2s")
    enc_in = b.input("enc_in", shape=(None, 8))
    dec_in = b.input("dec_in", shape=(None, 6))
    enc = b.layer("LSTM", enc_in, name="encoder", units=16, return_state=True)
    dec = b.layer(decoder, dec_in, name="decoder", units=16, return_sequences=True)
    b.output(dec)
    return b.document, enc.node, dec.node, dec_in.node


def test_connect_keyword_passes_states_in_order_and_undoes():
    doc, enc, dec, dec_in = encoder_decoder()
    assert free_keyword_ports(doc, dec) == [("initial_state", 0), ("mask", 0)]
    first = ConnectKeyword((enc, 1), dec, "initial_state")
    doc.apply(first)
    doc.apply(ConnectKeyword((enc, 2), dec, "initial_state"))
    node = doc.nodes[dec]
    assert node.keyword_inputs == {"initial_state": 2}
    assert [tuple(r) for r in node.inputs] == [(dec_in, 0), (enc, 1), (enc, 2)]
    assert free_keyword_ports(doc, dec) == [("mask", 0)]
    assert check(doc).status == "valid"
    assert [default_port_name(doc, dec, k) for k in range(3)] == ["input 0", "initial_state[0]", "initial_state[1]"]
    again = document_from_dict(document_to_dict(doc))
    assert again.nodes[dec].keyword_inputs == {"initial_state": 2}


def test_connect_keyword_refusals_name_the_layer():
    doc, enc, dec, _ = encoder_decoder()
    with pytest.raises(EditError, match="'decoder' does not take the keyword query_mask"):
        doc.apply(ConnectKeyword((enc, 1), dec, "query_mask"))
    doc.apply(ConnectKeyword((enc, 1), dec, "mask"))
    with pytest.raises(EditError, match="cycle"):
        doc.apply(ConnectKeyword((dec, 0), enc, "initial_state"))
    with pytest.raises(EditError, match="'decoder' mask is already given 1 tensor"):
        doc.apply(ConnectKeyword((enc, 2), dec, "mask"))


def test_undo_of_a_keyword_connection_restores_the_call():
    doc, enc, dec, dec_in = encoder_decoder()
    edit = ConnectKeyword((enc, 1), dec, "initial_state")
    doc.apply(edit)
    doc.revert(edit)
    assert doc.nodes[dec].keyword_inputs == {} and [tuple(r) for r in doc.nodes[dec].inputs] == [(dec_in, 0)]


def test_a_wrong_initial_state_count_or_shape_is_an_error_naming_the_layer():
    doc, enc, dec, _ = encoder_decoder("GRU")
    doc.apply(ConnectKeyword((enc, 1), dec, "initial_state"))
    assert check(doc).status == "valid"
    doc._set_inputs(dec, doc.nodes[dec].inputs + [(enc, 2)], {"initial_state": 2})  # as a file may say
    errors = check(doc).errors
    assert errors and errors[0].message.startswith("GRU 'decoder'") and "takes 1 initial state" in errors[0].message
    small = GraphBuilder("small")
    x = small.input("x", shape=(5, 4))
    h = small.input("h", shape=(3,))
    gru = small.layer("GRU", x, name="gru", units=8)
    small.output(gru)
    small.document.apply(ConnectKeyword(h, gru.node, "initial_state"))
    errors = check(small.document).errors
    assert errors and "GRU 'gru' initial_state[0] must have shape (batch, 8), got (None, 3)" in errors[0].message


def test_set_call_keyword_and_its_refusals():
    b = GraphBuilder("att")
    x = b.input("x", shape=(6, 8))
    mha = b.layer("MultiHeadAttention", [x, x], name="mha", num_heads=2, key_dim=4)
    b.output(mha)
    doc = b.document
    edit = SetCallKeyword(mha.node, "return_attention_scores", True)
    doc.apply(edit)
    result = check(doc)
    assert result.nodes[mha.node].outputs[1].shape == (None, 2, 6, 6)
    doc.revert(edit)
    assert doc.nodes[mha.node].call_kwargs == {}
    with pytest.raises(EditError, match="does not take initial_state"):
        doc.apply(SetCallKeyword(mha.node, "initial_state", True))
    with pytest.raises(EditError, match="true or false"):
        doc.apply(SetCallKeyword(mha.node, "training", "yes"))
    doc.apply(SetCallKeyword(mha.node, "training", False))
    assert doc.nodes[mha.node].call_kwargs == {"training": False}


def test_a_wire_dropped_on_a_free_keyword_port_connects_that_keyword():
    doc, enc, dec, _ = encoder_decoder()
    ports = main_port_count(doc, dec)
    assert ports == 1 and keyword_port_at(doc, dec, 1) == ("initial_state", 0)
    assert keyword_port_at(doc, dec, 2) == ("mask", 0) and keyword_port_at(doc, dec, 3) is None
    assert default_port_name(doc, dec, 1) == "initial_state[0]" and default_port_name(doc, dec, 2) == "mask"
    drop = wire_drop(doc, (enc, 1), dec, 1)
    assert drop.keyword == "initial_state" and drop.reason is None
    doc.apply(wire_edit((enc, 1), dec, 1, drop.slot, None, drop.keyword))
    assert doc.nodes[dec].keyword_inputs == {"initial_state": 1}
    assert wire_drop(doc, (dec, 0), enc, 1).reason  # a cycle, named


def test_free_main_ports_keep_their_names_after_keyword_inputs():
    from graph_core.edits import Connect, Disconnect

    b = GraphBuilder("att")
    q = b.input("q", shape=(6, 8))
    m = b.input("m", shape=(6, 6), dtype="bool")
    mha = b.layer("MultiHeadAttention", [q, q], name="mha", num_heads=2, key_dim=4)
    b.output(mha)
    doc = b.document
    doc.apply(ConnectKeyword(m, mha.node, "attention_mask"))
    names = [default_port_name(doc, mha.node, k) for k in range(main_port_count(doc, mha.node))]
    assert names == ["query", "value", "attention_mask", "key"]
    doc.apply(Connect(q, mha.node, 3))  # the free key port: a main input, before the keyword ones
    assert doc.nodes[mha.node].main_count == 3 and doc.nodes[mha.node].keyword_inputs == {"attention_mask": 1}
    lstm_doc, enc, dec, dec_in = encoder_decoder()
    lstm_doc.apply(ConnectKeyword((enc, 1), dec, "initial_state"))
    lstm_doc.apply(Disconnect(dec, 0))
    assert wire_drop(lstm_doc, TensorRef(dec_in, 0), dec, 1).reason is None  # the main port is free again
