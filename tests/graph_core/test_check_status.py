"""Never a wrong number: unknown parts make totals unknown, dangling layers are counted apart, and a
document with layers LayerLoom cannot vouch for is "not checked"."""

from __future__ import annotations

from graph_core.analysis import check
from graph_core.builder import GraphBuilder


def _dangling():
    g = GraphBuilder("m")
    x = g.input(shape=[3])
    g.output(g.layer("Dense", x, units=5))
    g.layer("Dense", x, units=7, name="dangling")
    return g.document


def test_layers_reaching_no_output_are_not_counted_but_shown_apart():
    doc = _dangling()
    result = check(doc)
    assert (result.total, result.trainable) == (20, 20)  # Keras: 3*5 + 5
    assert result.unused_params == (28, 0)  # 3*7 + 7
    assert list(result.unused_layers) == [doc.layer_by_name("dangling").id]
    assert result.params_text() == "20 params + 28 in layers that reach no output"


def _with_unknown():
    g = GraphBuilder("m")
    x = g.input(shape=[4])
    h = g.layer("Dense", x, units=3)
    g.output(g.layer("STFTSpectrogram", h))
    return g.document


def test_a_layer_outside_the_catalog_makes_the_document_not_checked():
    doc = _with_unknown()
    result = check(doc)
    assert result.valid and result.status == "not checked"
    assert [doc.layer_of(n).type for n in result.unchecked] == ["STFTSpectrogram"]
    assert not result.params_known and result.known_total is None
    assert result.params_text().startswith("at least 15 params (1 layer unknown)")
    report = result.to_json(doc)
    assert report["status"] == "not checked" and report["params"]["total"] is None
    assert report["params"]["at_least"] == 15 and report["unchecked"] == ["stft_spectrogram"]


def test_a_fully_known_document_is_valid_with_an_exact_total():
    g = GraphBuilder("m")
    g.output(g.layer("Dense", g.input(shape=[4]), units=3))
    result = check(g.document)
    assert result.status == "valid" and result.known_total == 15 and not result.unchecked


def test_constant_initializer_by_name_is_an_error():
    g = GraphBuilder("m")
    g.output(g.layer("Dense", g.input(shape=[4]), units=3, bias_initializer="constant"))
    result = check(g.document)
    assert not result.valid
    problem = next(p for p in result.problems if p.code == "param.invalid")
    assert problem.param == "bias_initializer" and "Constant" in problem.message
