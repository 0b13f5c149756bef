"""Concept notes beside the canvas: each template's note, plus the concepts its graph uses."""

from __future__ import annotations

import pytest

from editor.concept_note import concept_notes
from editor.session import DocumentSession
from graph_core.source_import import import_source
from graph_core.templates import list_templates, load_template
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("info", list_templates(), ids=lambda t: t.slug)
def test_each_template_opens_with_its_note(make_window, info):
    window = make_window(DocumentSession(load_template(info.slug)))
    assert window.concept_dock.isVisible()
    text = window.concept_note.label.text()
    assert info.title.split(" (")[0] in text and info.note[:40] in text.replace("&#x27;", "'")


def test_notes_name_the_concepts_a_graph_uses():
    titles = [t for t, _ in concept_notes(load_template("siamese-lstm"))]
    assert titles[1:] == ["Shared layer", "Several inputs", "A directed acyclic graph"]
    weighted = dict(concept_notes(load_template("multi-output")))
    assert "Loss weights balance" in weighted["Several outputs"]
    assert "A model as a layer" in dict(concept_notes(load_template("model-as-layer")))
    plain = import_source("from keras import layers, Input, Model\nx = Input((3,))\n"
                          "m = Model(x, layers.Dense(2)(x))\n").document
    assert concept_notes(plain) == []


def test_the_note_follows_edits(make_window, qtbot):
    from graph_core.edits import call_again

    doc = load_template("mlp")
    window = make_window(DocumentSession(doc))
    assert "Shared layer" not in window.concept_note.label.text()
    dense = [nid for nid in doc.nodes if doc.layer_of(nid).type == "Dense"][0]
    window.session.push(call_again(doc, dense, inputs=[(doc.input_nodes()[0], 0)]))
    qtbot.waitUntil(lambda: "Shared layer" in window.concept_note.label.text())
