"""DocumentSession follows every document of the project explicitly: the top level and each
nested model's graph, as they come and go with their Model layers."""

from __future__ import annotations

import pytest

from editor.session import DocumentSession
from graph_core.builder import GraphBuilder
from graph_core.edits import SetConfig, add_layer, delete_nodes

pytestmark = pytest.mark.gui


def encoder():
    b = GraphBuilder("encoder")
    x = b.input("tokens", shape=(16,))
    b.output(b.layer("Dense", x, units=8, name="code"))
    return b.document


def project():
    b = GraphBuilder("outer")
    x = b.input("x", shape=(16,))
    enc = b.model_layer(encoder(), x, name="enc")
    b.output(b.layer("Dense", enc, units=1, name="out"), loss="mse")
    return b.document, enc.node


def test_every_nested_document_is_watched_from_the_start(qtbot):
    doc, enc_node = project()
    session = DocumentSession(doc)
    inner = doc.layer_of(enc_node).subgraph
    assert session.watched_documents() == [doc, inner]
    checked = []
    session.checked.connect(lambda d, result: checked.append((d, result.total)))
    dense = inner.layer_by_name("code")
    assert session.push(SetConfig(dense.id, "units", 4), inner)
    # the nested result first, then the outer one (its Model layer changed)
    assert [d for d, _ in checked] == [inner, doc]
    assert checked[0][1] == 16 * 4 + 4
    assert session.result(inner).total == 16 * 4 + 4
    session.close()


def test_nested_documents_come_and_go_with_their_layers(qtbot):
    doc, enc_node = project()
    session = DocumentSession(doc)
    add = add_layer(doc, "Model", pos=(0.0, 300.0))
    assert session.push(add)
    fresh = doc.layers[add.node.layer].subgraph
    assert fresh in session.watched_documents()
    inner = doc.layer_of(enc_node).subgraph
    assert session.push(delete_nodes(doc, [enc_node]))
    assert inner not in session.watched_documents() and fresh in session.watched_documents()
    session.undo_stack.undo()
    assert inner in session.watched_documents()
    session.close()
    assert session.watched_documents() == []


def test_asking_for_a_result_does_not_start_watching(qtbot):
    doc, _ = project()
    session = DocumentSession(doc)
    other, _ = project()
    assert session.result(other).total > 0  # a one-off check
    assert other not in session.watched_documents()
    with pytest.raises(KeyError, match="outer"):
        session.analyzer(other)
    seen = []
    session.changed.connect(lambda d, _event: seen.append(d))
    other.apply(SetConfig(other.layer_by_name("out").id, "units", 2))
    assert seen == []
    session.close()
