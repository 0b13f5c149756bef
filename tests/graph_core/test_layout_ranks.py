"""Step 1 of the layout (graph_core/layout_ranks.py): the rank of every node, computed on integer
node numbers, equals the definition written over node ids — longest distance from an input
(``graph_algorithms.generations``), each non-Input node pulled next to its nearest consumer,
empty layers dropped — on random graphs with cycles and repeated inputs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_core.graph_algorithms import generations
from graph_core.layout_ranks import node_ranks, numbered_graph
from graph_core.loom_format import document_from_dict
from tests.hypothesis_profiles import examples


def ranks_by_definition(doc) -> dict:
    """``{node id: layer}`` from the definition, over node ids (slow and plain)."""
    column_of = {nid: i for i, column in enumerate(generations(doc)) for nid in column}
    consumers = {nid: [c for c, node in doc.nodes.items() for ref in node.inputs if ref.node == nid]
                 for nid in doc.nodes}
    for column in reversed(generations(doc)):
        for nid in column:
            if doc.layer_of(nid).type == "Input" or not consumers[nid]:
                continue
            nearest = min(column_of[c] for c in consumers[nid]) - 1
            column_of[nid] = max(column_of[nid], nearest)
    used = sorted(set(column_of.values()))
    return {nid: used.index(c) for nid, c in column_of.items()}


@st.composite
def graphs(draw):
    """A document of 1-25 nodes; inputs drawn from any node (so cycles too), repeats allowed."""
    n = draw(st.integers(1, 25))
    layers, nodes = [], []
    for i in range(n):
        is_input = i == 0 or draw(st.integers(0, 9)) == 0
        layers.append({"id": f"l{i}", "type": "Input" if is_input else "Dense", "name": f"layer_{i}",
                       "config": {"shape": [4]} if is_input else {"units": 4}})
        sources = [] if is_input else draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
        nodes.append({"id": f"n{i}", "layer": f"l{i}", "pos": [0, 0],
                      "inputs": [[f"n{s}", 0] for s in sources]})
    return document_from_dict({"format": "layerloom", "version": 1, "name": "g", "layers": layers,
                               "nodes": nodes, "outputs": []})


@settings(max_examples=examples(150))
@given(graphs())
def test_ranks_equal_the_definition(doc):
    numbered = numbered_graph(doc)
    assert dict(zip(numbered.ids, node_ranks(numbered))) == ranks_by_definition(doc)


def test_a_branch_is_pulled_next_to_its_consumer():
    doc = document_from_dict({
        "format": "layerloom", "version": 1, "name": "g", "outputs": [],
        "layers": [{"id": "Li", "type": "Input", "name": "x", "config": {"shape": [4]}}]
        + [{"id": f"L{k}", "type": "Dense", "name": f"d{k}", "config": {"units": 4}} for k in range(4)]
        + [{"id": "La", "type": "Add", "name": "add", "config": {}}],
        "nodes": [{"id": "x", "layer": "Li", "inputs": [], "pos": [0, 0]},
                  {"id": "d0", "layer": "L0", "inputs": [["x", 0]], "pos": [0, 0]},
                  {"id": "d1", "layer": "L1", "inputs": [["d0", 0]], "pos": [0, 0]},
                  {"id": "d2", "layer": "L2", "inputs": [["d1", 0]], "pos": [0, 0]},
                  {"id": "short", "layer": "L3", "inputs": [["x", 0]], "pos": [0, 0]},
                  {"id": "add", "layer": "La", "inputs": [["d2", 0], ["short", 0]], "pos": [0, 0]}]})
    numbered = numbered_graph(doc)
    rank = dict(zip(numbered.ids, node_ranks(numbered)))
    assert rank == {"x": 0, "d0": 1, "d1": 2, "d2": 3, "short": 3, "add": 4}
