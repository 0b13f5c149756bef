"""Big keras.applications models, imported through codegen, are laid out to fit a screen and drawn
without an edge under a card or a crossing (the aspect ratio of the drawing stays within 1:4 .. 4:1)."""

from __future__ import annotations

import json

import pytest

from graph_core.layout import LEFT_RIGHT, TOP_BOTTOM, layered_layout
from tests.graph_core.layout_checks import (
    aspect,
    card_rects,
    drawn_crossings,
    edges_through_cards,
    overlapping_cards,
    routed_edges,
)

pytestmark = [pytest.mark.keras, pytest.mark.slow]

# InceptionResNetV2 is laid out from its config (its CustomScaleLayer needs no shape rule to be drawn)
APPLICATIONS = ("MobileNetV2", "DenseNet121", "InceptionV3", "InceptionResNetV2")


@pytest.fixture(scope="session")
def imported_applications():
    """``{name: document}`` imported from each model's JSON config (weights=None), once a session."""
    import keras

    from codegen.importer import document_from_config

    docs = {}
    for name in APPLICATIONS:
        model = getattr(keras.applications, name)(weights=None)
        docs[name] = document_from_config(json.loads(model.to_json()))
    return docs


@pytest.mark.parametrize("orientation", [LEFT_RIGHT, TOP_BOTTOM])
@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_fits_a_screen_with_clean_edges(imported_applications, name, orientation):
    doc = imported_applications[name]
    assert len(doc.nodes) > 150
    layout = layered_layout(doc, orientation)
    rects = card_rects(doc, layout.positions)
    assert 0.25 <= aspect(rects) <= 4.0
    assert overlapping_cards(rects) == []
    edges = routed_edges(doc, layout.positions, orientation)
    assert edges_through_cards(rects, edges) == []
    assert drawn_crossings(edges) == 0  # Graphviz dot draws these with none either (bench_layout)


def test_import_lays_the_model_out_in_bands(imported_applications):
    doc = imported_applications["MobileNetV2"]
    rects = card_rects(doc, {nid: node.pos for nid, node in doc.nodes.items()})
    assert 0.25 <= aspect(rects) <= 4.0
