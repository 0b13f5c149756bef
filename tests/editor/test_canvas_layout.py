"""The laid-out canvas: what ``layerloom render --geometry`` reports holds no overlap, no edge under
a card and no label on a card or another label, in both reading directions."""

from __future__ import annotations

import json

import pytest

from bench.graphs import residual_mlp
from editor import cli
from editor.canvas.scene import GraphScene
from editor.session import DocumentSession
from graph_core import loom_format, templates
from graph_core.layout import LEFT_RIGHT, TOP_BOTTOM, auto_layout_edit, view_orientation
from graph_core.routing import segments_cross_rect

pytestmark = pytest.mark.gui


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def check_geometry(geometry: dict) -> None:
    cards = {c["id"]: c["rect"] for c in geometry["cards"]}
    ids = sorted(cards)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert not _overlap(cards[a], cards[b]), f"cards {a} and {b} overlap"
    for edge in geometry["edges"]:
        assert len(edge["points"]) >= 2
        for nid, rect in cards.items():
            if nid not in (edge["source"], edge["target"]):
                assert not segments_cross_rect(edge["points"], rect, 1.0), \
                    f"edge {edge['source']}->{edge['target']} passes under {nid}"
    labels = [tuple(label["rect"]) for label in geometry["edge_labels"]]
    for i, a in enumerate(labels):
        for rect in cards.values():
            assert not _overlap(a, rect), "a shape label covers a card"
        for b in labels[i + 1:]:
            assert not _overlap(a, b), "two shape labels overlap"


def _scene_geometry(qtbot, doc, orientation):
    from editor.canvas.geometry import scene_geometry

    session = DocumentSession(doc)
    scene = GraphScene(session, doc)
    try:
        assert scene.auto_layout(orientation)
        assert view_orientation(doc) == orientation
        return scene_geometry(scene)
    finally:
        scene.close()
        session.close()


@pytest.mark.parametrize("orientation", [LEFT_RIGHT, TOP_BOTTOM])
@pytest.mark.parametrize("slug", ["inception", "multi-output", "residual-downsample", "siamese-vision"])
def test_auto_layout_draws_templates_cleanly(qtbot, slug, orientation):
    geometry = _scene_geometry(qtbot, templates.load_template(slug), orientation)
    check_geometry(geometry)
    assert geometry["edge_labels"], "shape labels are shown at full detail"


def test_large_model_is_drawn_cleanly_with_most_labels_shown(qtbot):
    doc = residual_mlp(300)
    geometry = _scene_geometry(qtbot, doc, LEFT_RIGHT)
    check_geometry(geometry)
    assert len(geometry["edge_labels"]) >= 0.9 * len(geometry["edges"])


def test_render_writes_geometry_that_follows_the_drawn_edges(tmp_path, capsys):
    doc = templates.load_template("inception")
    doc.apply(auto_layout_edit(doc))
    path = tmp_path / "inception.loom"
    loom_format.save(doc, str(path))
    out, geo = tmp_path / "inception.png", tmp_path / "inception.json"
    assert cli.main(["render", str(path), "-o", str(out), "--geometry", str(geo)]) == 0
    geometry = json.loads(geo.read_text())
    assert {c["id"] for c in geometry["cards"]} == set(doc.nodes)
    assert len(geometry["edges"]) == sum(len(n.inputs) for n in doc.nodes.values())
    check_geometry(geometry)


def _distance_to_polyline(p, points) -> float:
    best = float("inf")
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, ((ax + t * dx - p[0]) ** 2 + (ay + t * dy - p[1]) ** 2) ** 0.5)
    return best


def test_geometry_points_follow_the_drawn_curves(qtbot):
    doc = templates.load_template("inception")
    session = DocumentSession(doc)
    scene = GraphScene(session, doc)
    try:
        scene.auto_layout(LEFT_RIGHT)
        for edge in scene.edge_items():
            points = edge.route_points()
            for k in range(41):
                at = edge.path().pointAtPercent(k / 40)
                assert _distance_to_polyline((at.x(), at.y()), points) < 3.0
    finally:
        scene.close()
        session.close()


def test_switching_to_top_to_bottom_moves_ports_and_is_saved(qtbot):
    doc = templates.load_template("residual")
    session = DocumentSession(doc)
    scene = GraphScene(session, doc)
    try:
        scene.auto_layout(TOP_BOTTOM)
        item = scene.node_item(next(iter(doc.nodes)))
        assert item.port_pos("out", 0).y() == item.card_rect().height()
        assert item.port_pos("in", 0).y() == 0.0
        assert loom_format.document_to_dict(doc)["view"]["orientation"] == TOP_BOTTOM
        assert loom_format.loads(loom_format.dumps(doc)).extra["view"]["orientation"] == TOP_BOTTOM
        for node in doc.nodes.values():
            for ref in node.inputs:
                assert doc.nodes[ref.node].pos[1] < node.pos[1], "data flows down"
    finally:
        scene.close()
        session.close()


def test_an_edge_is_rerouted_when_a_card_is_moved_onto_it(qtbot):
    from graph_core.edits import Move

    doc = templates.load_template("multi-output")
    session = DocumentSession(doc)
    scene = GraphScene(session, doc)
    try:
        scene.auto_layout(LEFT_RIGHT)
        edge = max(scene.edge_items(), key=lambda e: e.boundingRect().width())
        points = edge.route_points()
        (ax, ay), (bx, by) = max(zip(points, points[1:]), key=lambda s: abs(s[1][0] - s[0][0]))
        assert ay == by, "the longest run of the band return is horizontal"
        mover = next(n for n in doc.nodes if n not in (edge.source.node_id, edge.target.node_id)
                     and all(e.source.node_id != n and e.target.node_id != n for e in [edge]))
        height = scene.node_item(mover).card_rect().height()
        assert session.push(Move({mover: ((ax + bx) / 2 - 92, ay - height / 2)}), doc)
        from editor.canvas.geometry import scene_geometry

        check_geometry(scene_geometry(scene))
    finally:
        scene.close()
        session.close()


def _tables_from_qt(scene) -> tuple:
    """The cards and edge ports as the router's tables should hold them, read from Qt anew."""
    from editor.canvas.routing import _ends, _rect_tuple

    cards = {nid: _rect_tuple(item.solid_rect.translated(item.scenePos())) for nid, item in scene._nodes.items()}
    return cards, {edge: _ends(edge) for edge in scene.edge_items()}


def test_routing_tables_follow_every_edit(qtbot):
    """The cards and ports the router avoids are kept card by card as edits add, move, resize,
    rewire and remove cards: after each edit they equal what Qt reports."""
    from graph_core.document import TensorRef
    from graph_core.edits import Connect, Move, RemoveNode, SetConfig, add_layer

    doc = templates.load_template("inception")
    session = DocumentSession(doc)
    scene = GraphScene(session, doc)
    try:
        scene.auto_layout(LEFT_RIGHT)
        first = next(iter(doc.nodes))
        added = add_layer(doc, "Dense", {"units": 3}, inputs=[TensorRef(first, 0)], pos=(40.0, 900.0))
        concat = next(layer for layer in doc.layers.values() if layer.type == "Concatenate")
        edits = [added, Move({first: (-300.0, 40.0)}), Move({added.node.id: (600.0, 950.0)}),
                 Connect(TensorRef(added.node.id, 0), doc.nodes_of(concat.id)[0]),  # a port more
                 SetConfig(added.layer.id, "units", 5)]
        for edit in edits:
            assert session.push(edit, doc)
            scene.router.obstacles()  # what a route reads
            assert (scene._cards_now, scene._link_ends) == _tables_from_qt(scene)
        session.undo_stack.undo()  # the config, then the connection
        session.undo_stack.undo()
        assert session.push(RemoveNode(added.node.id), doc)
        scene.router.obstacles()
        assert (scene._cards_now, scene._link_ends) == _tables_from_qt(scene)
    finally:
        scene.close()
        session.close()


@pytest.mark.parametrize("orientation", [LEFT_RIGHT, TOP_BOTTOM])
def test_a_graph_drawn_in_parts_has_the_geometry_of_one_scene(tmp_path, monkeypatch, orientation):
    from editor import render_chunks
    from editor.render import render_document
    from graph_core.layout import set_view_orientation

    doc = residual_mlp(160)
    set_view_orientation(doc, orientation)
    doc.apply(auto_layout_edit(doc, orientation))
    whole, parts = tmp_path / "whole.json", tmp_path / "parts.json"
    render_document(doc, str(tmp_path / "whole.png"), str(whole))
    monkeypatch.setattr(render_chunks, "CHUNK_NODES", 40)  # four parts
    render_document(doc, str(tmp_path / "parts.png"), str(parts))
    one, many = json.loads(whole.read_text()), json.loads(parts.read_text())
    assert sorted(map(str, many["cards"])) == sorted(map(str, one["cards"]))
    by_ends = {(e["source"], e["target"]): e["points"] for e in one["edges"]}
    assert len(many["edges"]) == len(one["edges"])
    assert all(by_ends[(e["source"], e["target"])] == e["points"] for e in many["edges"])
    assert sorted(map(str, many["edge_labels"])) == sorted(map(str, one["edge_labels"]))
    check_geometry(many)


def test_a_finished_part_lets_its_items_go(monkeypatch):
    """Drawing in parts is bounded in memory only if a part, once drawn, keeps none of its items."""
    import gc
    import weakref

    from editor import render_chunks

    monkeypatch.setattr(render_chunks, "CHUNK_NODES", 40)
    doc = residual_mlp(160)
    doc.apply(auto_layout_edit(doc, LEFT_RIGHT))
    session = DocumentSession(doc)
    drawing = render_chunks.Drawing(session, doc)
    earlier: list = []
    try:
        for scene, _own in drawing.scenes():
            gc.collect()
            assert all(ref() is None for ref in earlier), "a finished part still holds its items"
            earlier = [weakref.ref(item) for item in [*scene.edge_items(), *scene.node_items()]]
            assert earlier
    finally:
        drawing.close()
        session.close()
    gc.collect()
    assert all(ref() is None for ref in earlier)
