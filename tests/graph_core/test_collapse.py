"""Collapse a selection into a nested model and expand it back: one undoable edit each, shapes and
parameter counts unchanged."""

from __future__ import annotations

import pytest

from graph_core import check, loom_format, templates
from graph_core.builder import GraphBuilder
from graph_core.collapse import collapse_edit, expand_edit
from graph_core.errors import EditError


def _summary(doc) -> tuple:
    result = check(doc)
    shapes = tuple(result.nodes[out.node].output(out.index) for out in doc.outputs)
    return shapes, result.total, result.trainable, [p.code for p in result.problems if p.is_error]


def _by_name(doc, *names) -> list:
    return [doc.nodes_of(doc.layer_by_name(n).id)[0] for n in names]


def _residual():
    b = GraphBuilder("res")
    x = b.input("x", shape=(16, 16, 8))
    y = b.layer("Conv2D", x, name="c1", filters=8, kernel_size=3, padding="same", activation="relu")
    y = b.layer("BatchNormalization", y, name="bn")
    y = b.layer("Conv2D", y, name="c2", filters=8, kernel_size=3, padding="same")
    z = b.layer("Add", [x, y], name="add")
    b.output(b.layer("Dense", b.layer("GlobalAveragePooling2D", z, name="gap"), name="head", units=3),
             loss="categorical_crossentropy", metrics=["accuracy"])
    return b.document


def test_collapse_keeps_shapes_and_params_and_undoes_exactly():
    doc = _residual()
    before = _summary(doc)
    text = loom_format.dumps(doc)
    edit = collapse_edit(doc, _by_name(doc, "c1", "bn", "c2", "add"), "res_block")
    doc.apply(edit)
    block = doc.layer_by_name("res_block")
    assert block.type == "Model" and len(block.subgraph.nodes) == 5  # its Input + the 4 layers
    assert {lay.name for lay in doc.layers.values()} == {"x", "res_block", "gap", "head"}
    assert _summary(doc) == before
    doc.revert(edit)
    assert loom_format.dumps(doc) == text


def test_expand_restores_the_graph_with_the_same_shapes_and_params():
    doc = _residual()
    before = _summary(doc)
    doc.apply(collapse_edit(doc, _by_name(doc, "c1", "bn", "c2", "add"), "res_block"))
    model_node = doc.nodes_of(doc.layer_by_name("res_block").id)[0]
    expand = expand_edit(doc, model_node)
    doc.apply(expand)
    assert {lay.name for lay in doc.layers.values()} == {"x", "c1", "bn", "c2", "add", "gap", "head"}
    assert _summary(doc) == before
    doc.revert(expand)
    assert doc.layer_by_name("res_block") is not None and _summary(doc) == before


@pytest.mark.parametrize("slug", ["inception", "multi-output", "residual-downsample"])
def test_collapsing_the_middle_of_templates_round_trips(slug):
    doc = templates.load_template(slug)
    before = _summary(doc)
    inputs = set(doc.input_nodes())
    outputs = {out.node for out in doc.outputs}
    middle = [n for n in doc.nodes if n not in inputs and n not in outputs][1:-1]
    edit = collapse_edit(doc, middle)
    doc.apply(edit)
    assert _summary(doc) == before
    model = next(n for n in doc.nodes if doc.layer_of(n).type == "Model")
    doc.apply(expand_edit(doc, model))
    assert _summary(doc) == before
    assert loom_format.loads(loom_format.dumps(doc)) is not None


def test_output_settings_follow_the_collapsed_output():
    doc = _residual()
    doc.apply(collapse_edit(doc, _by_name(doc, "gap", "head"), "top"))
    out = doc.outputs[0]
    assert doc.layer_of(out.node).name == "top"
    assert (out.loss, out.metrics) == ("categorical_crossentropy", ["accuracy"])


def test_refusals_name_the_reason():
    doc = _residual()
    with pytest.raises(EditError, match="model input"):
        collapse_edit(doc, _by_name(doc, "x", "c1"))
    with pytest.raises(EditError, match="reads the block and feeds it again"):
        collapse_edit(doc, _by_name(doc, "c1", "add"))  # bn and c2 lie on a path out and back in
    with pytest.raises(EditError, match="select the nodes"):
        collapse_edit(doc, [])
    with pytest.raises(EditError, match="not a nested model"):
        expand_edit(doc, _by_name(doc, "c1")[0])
    shared = templates.load_template("siamese-lstm")
    calls = [n for n in shared.nodes if shared.is_shared(shared.nodes[n].layer)]
    with pytest.raises(EditError, match="also called outside"):
        collapse_edit(shared, calls[:1])


def test_tidied_lays_out_only_when_cards_would_overlap():
    from graph_core.collapse import tidied
    from graph_core.edits import Compound, Move
    from graph_core.layout import auto_layout_edit

    doc = _residual()
    doc.apply(auto_layout_edit(doc))
    where_c2_was = doc.nodes[_by_name(doc, "c2")[0]].pos
    doc.apply(collapse_edit(doc, _by_name(doc, "c1", "bn", "c2", "add"), "res_block"))
    model = doc.nodes_of(doc.layer_by_name("res_block").id)[0]
    assert tidied(doc, expand_edit(doc, model)).edits[-1].__class__ is not Move, "room enough: no layout"
    doc.apply(Move({_by_name(doc, "gap")[0]: where_c2_was}))  # something now stands in the way
    text = loom_format.dumps(doc)
    edit = tidied(doc, expand_edit(doc, model))
    assert loom_format.dumps(doc) == text, "trying the edit leaves the document as it was"
    assert isinstance(edit, Compound) and isinstance(edit.edits[-1], Move)
    doc.apply(edit)
    from tests.graph_core.layout_checks import card_rects, overlapping_cards

    assert overlapping_cards(card_rects(doc, {n: node.pos for n, node in doc.nodes.items()})) == []
    doc.revert(edit)
    assert loom_format.dumps(doc) == text
