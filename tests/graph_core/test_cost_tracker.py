"""The incremental cost (graph_core.cost.CostTracker following a document) equals the cost computed
from scratch through random edits, undos and redos; the peak kept as sizes change
(graph_core.cost_schedule.PeakTree) equals a walk of the schedule."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_core import check
from graph_core.analysis import Analyzer
from graph_core.cost import CostTracker, NodeCost, model_cost
from graph_core.cost_schedule import PeakTree, peak_activation, schedule_of
from graph_core.edits import SetConfig
from graph_core.errors import EditError
from graph_core.templates import list_templates, load_template
from tests.graph_core.test_incremental_check import _extra_edit, _padded
from tests.graph_core.test_properties import _random_edit
from tests.hypothesis_profiles import examples

SLUGS = [t.slug for t in list_templates()]


def _figures(cost) -> tuple:
    return (cost.macs, cost.weight_bytes, cost.activation_bytes, cost.peak_activation_bytes, cost.training_bytes,
            dict(cost.nodes), dict(cost.layer_weight_bytes), cost.model_nodes)


def _config_edit(doc, rnd: random.Random):
    """A config edit that keeps the graph (what the tracker updates without a new schedule)."""
    dense = [layer for layer in doc.layers.values() if layer.type == "Dense"]
    if dense and rnd.random() < 0.8:
        return SetConfig(rnd.choice(dense).id, "units", rnd.randint(1, 9))
    return _random_edit(doc, rnd)


def _edit_and_compare(doc, rnd: random.Random, steps: int, batch_size: int) -> None:
    analyzer = Analyzer(doc)
    tracker = CostTracker()
    tracker.follow(doc)
    handed_out = []
    done: list = []
    for step in range(steps):
        action = rnd.random()
        if action < 0.15 and done:
            doc.revert(done.pop())
        else:
            edit = _config_edit(doc, rnd) if action < 0.75 else (
                _extra_edit(doc, rnd) if rnd.random() < 0.4 else _random_edit(doc, rnd))
            if edit is None:
                continue
            try:
                doc.apply(edit)
            except EditError:
                continue
            done.append(edit)
        kept = tracker.compute(doc, analyzer.result(), batch_size)
        assert _figures(kept) == _figures(model_cost(doc, check(doc), batch_size)), f"step {step}"
        handed_out.append((kept, _figures(kept)))
    for cost, figures in handed_out:  # a cost handed out earlier never changes
        assert _figures(cost) == figures
    tracker.close()
    analyzer.close()


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(SLUGS), st.integers(0, 2**32 - 1), st.integers(1, 25), st.sampled_from([1, 3, 32]))
def test_a_followed_tracker_equals_the_cost_from_scratch_through_edits(slug, seed, steps, batch_size):
    _edit_and_compare(load_template(slug), random.Random(seed), steps, batch_size)


@settings(max_examples=examples(30), deadline=None)
@given(st.sampled_from(SLUGS), st.integers(0, 2**32 - 1), st.integers(1, 25))
def test_the_same_on_templates_with_a_long_branch(slug, seed, steps):
    _edit_and_compare(_padded(slug, 40), random.Random(seed), steps, 2)


@settings(max_examples=examples(80), deadline=None)
@given(st.sampled_from(SLUGS), st.data())
def test_the_peak_kept_as_sizes_change_equals_a_walk_of_the_schedule(slug, data):
    doc = load_template(slug)
    schedule = schedule_of(doc)
    size = st.integers(-1, 10_000).map(lambda v: None if v < 0 else v)  # unknown (None): now and then
    nodes = {nid: NodeCost(0, data.draw(st.integers(0, 10_000))) for nid in schedule.order}
    tree = PeakTree(schedule, nodes)
    assert tree.peak == peak_activation(schedule, nodes)
    for _ in range(data.draw(st.integers(1, 20))):
        nid = data.draw(st.sampled_from(schedule.order))
        new = NodeCost(0, data.draw(size))
        tree.replace(nid, nodes[nid].activation_bytes, new.activation_bytes)
        nodes[nid] = new
        assert tree.peak == peak_activation(schedule, nodes)


def test_a_config_edit_costs_the_nodes_it_changed_not_the_model():
    """After a config edit the kept tracker recomputes the changed nodes only (counted)."""
    doc = _padded("multi-output", 300)
    analyzer = Analyzer(doc)
    tracker = CostTracker()
    tracker.follow(doc)
    tracker.compute(doc, analyzer.result(), 4)
    dense = [layer for layer in doc.layers.values() if layer.type == "Dense"][150]
    counted = []
    original = tracker._node_cost
    tracker._node_cost = lambda *args: counted.append(args[1]) or original(*args)
    doc.apply(SetConfig(dense.id, "units", 5))
    tracker.compute(doc, analyzer.result(), 4)
    assert 1 <= len(counted) <= 3, counted  # the edited Dense and the one it feeds
    tracker.close()
    analyzer.close()
