"""Layered layout and edge routing: no overlaps, no edge under a card, few crossings, wrapped bands."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.bench_layout import former_columns
from bench.graphs import branchy_chain, residual_mlp
from graph_core import templates
from graph_core.builder import GraphBuilder
from graph_core.layout import LEFT_RIGHT, TOP_BOTTOM, auto_layout_edit, layered_layout
from graph_core.routing import Obstacles, count_crossings, segments_cross_rect
from tests.graph_core.layout_checks import (
    aspect,
    card_rects,
    drawn_crossings,
    edges_through_cards,
    overlapping_cards,
    routed_edges,
)

ORIENTATIONS = (LEFT_RIGHT, TOP_BOTTOM)


def random_dag(seed: int, size: int, fan: int = 3):
    """A random valid-looking DAG: each new node reads one to ``fan`` earlier nodes."""
    rng = random.Random(seed)
    b = GraphBuilder(f"random_{seed}")
    refs = [b.input("x", shape=(8,))]
    for _ in range(size):
        k = rng.randint(1, min(fan, len(refs)))
        picks = rng.sample(refs[-12:], min(k, len(refs[-12:])))
        if len(picks) == 1:
            refs.append(b.layer("Dense", picks[0], units=8))
        else:
            refs.append(b.layer("Add", picks))
    return b.document


def _check_drawing(doc, orientation):
    layout = layered_layout(doc, orientation)
    rects = card_rects(doc, layout.positions)
    assert set(rects) == set(doc.nodes)
    assert overlapping_cards(rects) == []
    edges = routed_edges(doc, layout.positions, orientation)
    assert edges_through_cards(rects, edges) == []
    return layout, rects, edges


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), size=st.integers(1, 60), orientation=st.sampled_from(ORIENTATIONS))
def test_random_graphs_have_no_overlaps_and_no_edge_under_a_card(seed, size, orientation):
    _check_drawing(random_dag(seed, size), orientation)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("slug", [t.slug for t in templates.list_templates()])
def test_templates_are_drawn_cleanly(slug, orientation):
    doc = templates.load_template(slug)
    layout, rects, edges = _check_drawing(doc, orientation)
    if len(doc.nodes) <= 6:
        assert layout.bands == 1, "a short model is not wrapped"
    if layout.bands > 1:
        assert 0.25 <= aspect(rects) <= 4.0
    assert max(layout.size) <= 2000.0 or 0.25 <= aspect(rects) <= 4.0


@pytest.mark.parametrize("slug", [t.slug for t in templates.list_templates()])
def test_crossings_are_not_worse_than_the_former_column_layout(slug):
    doc = templates.load_template(slug)
    before = former_columns(doc)
    straight = [((ref.node, nid), [(before[ref.node][0] + 184, before[ref.node][1] + 40),
                                   (before[nid][0], before[nid][1] + 40)])
                for nid, node in doc.nodes.items() for ref in node.inputs]
    after = routed_edges(doc, layered_layout(doc).positions)
    assert drawn_crossings(after) <= drawn_crossings(straight)


@pytest.mark.slow
@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("make", [residual_mlp, branchy_chain], ids=["residual_mlp", "branchy_chain"])
def test_long_models_wrap_into_bands_of_screen_shape(make, orientation):
    doc = make(800)
    start = time.perf_counter()
    layout, rects, edges = _check_drawing(doc, orientation)
    elapsed = time.perf_counter() - start
    assert layout.bands > 4
    assert 0.25 <= aspect(rects) <= 4.0
    assert layout.crossings == 0
    assert drawn_crossings(edges) <= 20
    assert elapsed < 10.0  # generous: the budget (300 ms for the layout) is checked in bench/


def test_chain_is_straight_and_skip_edges_pass_beside_the_cards():
    b = GraphBuilder("skip")
    x = b.input("x", shape=(8,))
    y = b.layer("Dense", x, units=8)
    y = b.layer("Dense", y, units=8)
    y = b.layer("Dense", y, units=8)
    b.output(b.layer("Add", [x, y]))
    doc = b.document
    layout, rects, edges = _check_drawing(doc, LEFT_RIGHT)
    chain = [n for n in doc.nodes if doc.layer_of(n).type == "Dense"]
    assert len({layout.positions[n][1] for n in chain}) == 1, "the chain is one straight row"
    skip = next(points for (src, dst), points in edges if doc.layer_of(src).type == "Input"
                and doc.layer_of(dst).type == "Add")
    assert len(skip) > 2, "the skip edge bends around the chain instead of running under it"


def test_top_to_bottom_flows_down():
    doc = templates.load_template("residual")
    layout = layered_layout(doc, TOP_BOTTOM)
    for nid, node in doc.nodes.items():
        for ref in node.inputs:
            assert layout.positions[ref.node][1] < layout.positions[nid][1]


def test_layout_is_deterministic_and_the_edit_moves_every_node():
    doc = templates.load_template("inception")
    assert layered_layout(doc).positions == layered_layout(doc).positions
    edit = auto_layout_edit(doc, TOP_BOTTOM)
    assert set(edit.positions) == set(doc.nodes)


def test_unknown_orientation_is_refused():
    with pytest.raises(ValueError, match="orientation"):
        layered_layout(templates.load_template("mlp"), "RL")


def test_backward_edges_are_routed_around_every_card():
    rects = {"a": (0, 0, 100, 60), "b": (300, 0, 100, 60), "c": (600, 0, 100, 60), "d": (300, 200, 100, 60)}
    obstacles = Obstacles(rects)
    points = obstacles.route((700, 30), (0, 30))  # from c's output back to a's input
    for cid in ("b", "d"):
        assert not segments_cross_rect(points, rects[cid])
    assert obstacles.hits((320, 10, 20, 20)) and not obstacles.hits((320, 10, 20, 20), ignore=("b",))


def test_a_long_edge_takes_a_detour_rather_than_cross_a_short_edge():
    # a long edge s -> t could squeeze between a and b, then cross the short edge a -> c
    rects = {"s": (0, 80, 100, 60), "a": (300, 0, 100, 80), "b": (300, 116, 100, 84),
             "c": (600, 130, 100, 80), "t": (900, 80, 100, 60)}
    short = [(400, 40), (600, 170)]
    squeezed = Obstacles(rects).route((100, 110), (900, 110))
    assert count_crossings([squeezed, short]) == 1  # the situation the links are for
    routed = Obstacles(rects, links=[tuple(short)]).route((100, 110), (900, 110))
    assert count_crossings([routed, short]) == 0
    assert not any(segments_cross_rect(routed, r) for cid, r in rects.items() if cid not in "st")


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_bands_are_left_and_entered_without_crossings(orientation):
    doc = residual_mlp(400)
    layout, _rects, edges = _check_drawing(doc, orientation)
    assert layout.bands > 1
    assert drawn_crossings(edges) == 0
