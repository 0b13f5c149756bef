"""The incremental check always equals a check from scratch, through random edits, undo and redo."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_core import check
from graph_core.analysis import Analyzer
from graph_core.document import Output, TensorRef
from graph_core.edits import Connect, MarkOutput, Rename, SetConfig, SetOutput, UnmarkOutput, add_layer
from graph_core.errors import EditError
from graph_core.templates import list_templates, load_template
from tests.graph_core.test_properties import _random_edit
from tests.hypothesis_profiles import examples


def _extra_edit(doc, rnd: random.Random):
    """Edits the shared generator does not make: outputs, names that clash, frozen and dtype configs,
    rewiring an input."""
    nodes, layers = list(doc.nodes), list(doc.layers.values())
    if not nodes:
        return None
    choice = rnd.randrange(7)
    if choice == 6:  # rewire: replace one input of a node with another tensor
        target = doc.nodes[rnd.choice(nodes)]
        if target.inputs:
            slot = rnd.randrange(len(target.inputs))
            return Connect(TensorRef(rnd.choice(nodes), 0), target.id, slot, replace=True)
        return None
    if choice == 0:
        return MarkOutput(Output(rnd.choice(nodes), rnd.choice([0, 0, 1]), loss=rnd.choice([None, "mse"])))
    if choice == 1 and doc.outputs:
        return UnmarkOutput(rnd.randrange(len(doc.outputs)))
    if choice == 2 and doc.outputs:
        return SetOutput(rnd.randrange(len(doc.outputs)), "loss",
                         rnd.choice(["mse", "categorical_crossentropy", "bogus", None]))
    if choice == 3:  # a clash with an existing name, or an invalid one
        return Rename(rnd.choice(layers).id, rnd.choice([rnd.choice(layers).name, "1bad", "ok_name"]))
    if choice == 4:
        return SetConfig(rnd.choice(layers).id, "trainable", rnd.choice([False, True, "no"]))
    return SetConfig(rnd.choice(layers).id, rnd.choice(["dtype", "units"]),
                     rnd.choice(["mixed_float16", "float64", 64, 65]))


def _target(doc, rnd: random.Random):
    """The document to edit: mostly the top level, sometimes a nested model's graph."""
    nested = [layer.subgraph for layer in doc.layers.values() if layer.subgraph is not None]
    return rnd.choice(nested) if nested and rnd.random() < 0.3 else doc


def _assert_same(incremental, full, doc) -> None:
    assert dict(incremental.nodes) == dict(full.nodes)  # outputs, params and problems of every node
    assert {n: r.config for n, r in incremental.nodes.items()} == {n: r.config for n, r in full.nodes.items()}
    assert incremental.problems == full.problems
    assert dict(incremental.layer_params) == dict(full.layer_params)
    assert (incremental.trainable, incremental.non_trainable, incremental.params_known) == (
        full.trainable, full.non_trainable, full.params_known)
    assert incremental.unchecked == full.unchecked
    assert (incremental.unused_params, incremental.unused_layers) == (full.unused_params, full.unused_layers)
    assert incremental.to_json(doc) == full.to_json(doc)


def _assert_names_indexed(doc) -> None:
    """The document's name index answers as a scan of its layers would."""
    names = [layer.name for layer in doc.layers.values()]
    for name in {*names, "dense", "absent"}:
        first = next((layer for layer in doc.layers.values() if layer.name == name), None)
        assert doc.layer_by_name(name) is first
    for base in ("dense", "copy", "x"):
        expected = base if base not in names else next(f"{base}_{k}" for k in range(2, 10**6)
                                                        if f"{base}_{k}" not in names)
        assert doc.unique_name(base) == expected


def _frozen(result) -> tuple:
    return dict(result.nodes), list(result.problems), dict(result.layer_params), result.total


def _edit_and_compare(doc, rnd: random.Random, steps: int, batch: int = 1) -> None:
    """Random edits, undos and redos, ``batch`` at a time between two checks; after each batch the
    incremental result equals a check from scratch, and results handed out earlier never change."""
    analyzer = Analyzer(doc)
    earlier = analyzer.result()
    earlier_contents = _frozen(earlier)
    done: list = []  # (document, edit), undo order
    undone: list = []
    for step in range(steps):
        action = rnd.random()
        if action < 0.2 and done:
            target, edit = done.pop()
            target.revert(edit)
            undone.append((target, edit))
        elif action < 0.3 and undone:
            target, edit = undone.pop()
            target.apply(edit)
            done.append((target, edit))
        else:
            target = _target(doc, rnd)
            edit = _extra_edit(target, rnd) if rnd.random() < 0.4 else _random_edit(target, rnd)
            if edit is None:
                continue
            try:
                target.apply(edit)
            except EditError:
                continue
            done.append((target, edit))
            undone.clear()
        if step % batch:
            continue
        result = analyzer.result()
        _assert_same(result, check(doc), doc)
        for graph in doc.iter_documents():
            _assert_names_indexed(graph)
        assert _frozen(earlier) == earlier_contents  # a result handed out earlier never changes
        earlier, earlier_contents = result, _frozen(result)


@settings(max_examples=examples(80), deadline=None)
@given(st.sampled_from([t.slug for t in list_templates()]), st.integers(0, 2**32 - 1), st.integers(1, 30))
def test_incremental_check_equals_a_full_check_through_edits_undo_and_redo(slug, seed, steps):
    _edit_and_compare(load_template(slug), random.Random(seed), steps)


def _padded(slug: str, length: int):
    """A template with a chain of ``length`` Dense layers hanging off its first Input (reaching no
    output): large enough that a structural edit is applied as a delta
    (graph_core.structure_delta), not by recomputing the graph."""
    doc = load_template(slug)
    start = doc.input_nodes()[0]
    ref = TensorRef(start, 0)
    for _ in range(length):
        edit = add_layer(doc, "Dense", {"units": 4}, inputs=[ref])
        doc.apply(edit)
        ref = TensorRef(edit.node.id, 0)
    return doc


@settings(max_examples=examples(80), deadline=None)
@given(st.sampled_from([t.slug for t in list_templates()]), st.integers(0, 2**32 - 1), st.integers(1, 40),
       st.integers(1, 3))
def test_structural_edits_applied_as_deltas_equal_a_full_check(slug, seed, steps, batch):
    _edit_and_compare(_padded(slug, 60), random.Random(seed), steps, batch)


def test_a_config_edit_re_checks_only_the_nodes_it_affects():
    from bench.graphs import residual_mlp

    doc = residual_mlp(200)
    analyzer = Analyzer(doc)
    analyzer.result()
    middle = [layer for layer in doc.layers.values() if layer.type == "Dense"][20]
    evaluated = []
    original = analyzer._evaluate_node
    analyzer._evaluate_node = lambda nid, *rest: evaluated.append(nid) or original(nid, *rest)
    doc.apply(SetConfig(middle.id, "units", 65))
    result = analyzer.result()
    # the Dense itself, the Dropout after it, the Dense after that (whose output is unchanged): no more
    assert len(evaluated) == 3
    _assert_same(result, check(doc), doc)


def test_snapshots_keep_their_contents_while_the_table_changes():
    from graph_core.versioned_map import VersionedMap

    table = VersionedMap()
    table["a"], table["b"] = 1, 2
    first = table.snapshot()
    table["a"] = 10
    del table["b"]
    table["c"] = 3
    second = table.snapshot()
    assert table.snapshot() is second  # nothing changed since
    table["a"] = 100
    assert dict(first) == {"a": 1, "b": 2} and first.get("c") is None and "b" in first
    assert dict(second.items()) == {"a": 10, "c": 3} and "b" not in second and len(second) == 2
    assert dict(table.snapshot()) == {"a": 100, "c": 3}
    assert first == {"a": 1, "b": 2} and second != first
    assert table["a"] == table.get("a") == 100 and "c" in table and len(table) == 2 and set(table) == {"a", "c"}


def test_a_snapshot_says_which_keys_changed_since_an_older_one():
    from graph_core.versioned_map import VersionedMap

    table = VersionedMap()
    table["a"], table["b"] = 1, 2
    first = table.snapshot()
    table["a"] = 10
    del table["b"]
    second = table.snapshot()
    table["c"] = 3
    third = table.snapshot()
    assert third.changed_since(first) == {"a", "b", "c"}
    assert third.changed_since(second) == {"c"} and second.changed_since(first) == {"a", "b"}
    assert third.changed_since(third) == set()
    assert first.changed_since(third) is None  # not an earlier snapshot
    assert third.changed_since(VersionedMap().snapshot()) is None  # another table
    differ = {k for k in set(dict(first)) | set(dict(third)) if first.get(k) != third.get(k)}
    assert differ <= third.changed_since(first)
