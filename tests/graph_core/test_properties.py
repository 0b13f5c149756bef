"""Property tests: the validator never crashes, edits always revert, bad files fail cleanly."""

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_core import check, loom_format
from graph_core.catalog import CATALOG
from graph_core.document import TensorRef
from graph_core.edits import (
    DELETE,
    Connect,
    Disconnect,
    MakeIndependent,
    Move,
    Rename,
    SetConfig,
    add_layer,
    call_again,
    delete_nodes,
)
from graph_core.errors import EditError, LoomFormatError
from graph_core.templates import list_templates, load_template
from tests.hypothesis_profiles import examples

LAYER_TYPES = sorted(CATALOG)
CONFIG_VALUES = st.one_of(
    st.integers(-3, 300), st.floats(-2, 2, allow_nan=False), st.booleans(), st.none(),
    st.sampled_from(["same", "valid", "causal", "relu", "softmax", "float32", "int32", "bogus", ""]),
    st.lists(st.one_of(st.integers(-1, 40), st.none()), max_size=4),
)
CONFIG_KEYS = st.sampled_from(["units", "filters", "kernel_size", "strides", "padding", "axis", "rate",
                               "pool_size", "input_dim", "output_dim", "target_shape", "dims", "n",
                               "return_sequences", "return_state", "num_heads", "key_dim", "activation",
                               "shape", "dtype", "axes", "size", "cropping", "padding", "dilation_rate"])


@st.composite
def random_documents(draw):
    """Random graphs straight from JSON: any types, configs, wiring — cycles and dangling ones included."""
    count = draw(st.integers(1, 14))
    layers, nodes = [], []
    for i in range(count):
        layer_type = draw(st.sampled_from(LAYER_TYPES + ["Input", "Input", "Mystery"]))
        config = draw(st.dictionaries(CONFIG_KEYS, CONFIG_VALUES, max_size=4))
        if layer_type == "Input" and draw(st.booleans()):
            config["shape"] = draw(st.lists(st.one_of(st.integers(1, 12), st.none()), min_size=1, max_size=4))
        layers.append({"id": f"l{i}", "type": layer_type, "name": f"layer_{i}", "config": config})
    for i in range(count):
        k = draw(st.integers(0, 3))
        inputs = [[f"n{draw(st.integers(0, count - 1))}", draw(st.integers(0, 2))] for _ in range(k)]
        layer = draw(st.integers(0, count - 1)) if draw(st.integers(0, 4)) == 0 else i
        nodes.append({"id": f"n{i}", "layer": f"l{layer}", "inputs": inputs})
    outputs = [{"node": f"n{draw(st.integers(0, count - 1))}", "index": draw(st.integers(0, 1)),
                "loss": draw(st.sampled_from([None, "mse", "categorical_crossentropy", "binary_crossentropy", "x"]))}
               for _ in range(draw(st.integers(0, 2)))]
    return {"format": "layerloom", "version": 1, "layers": layers, "nodes": nodes, "outputs": outputs}


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_documents())
def test_random_graphs_never_crash_the_validator(data):
    doc = loom_format.document_from_dict(data)
    result = check(doc)
    for p in result.problems:
        assert p.severity in ("error", "warning") and p.code and p.message
        assert all(n in doc.nodes for n in p.node_ids)
    json.dumps(result.to_json(doc))


def _random_edit(doc, rnd: random.Random):
    nodes = list(doc.nodes)
    layers = list(doc.layers.values())
    choice = rnd.randrange(9)
    if choice == 0:
        t = rnd.choice(LAYER_TYPES)
        inputs = [TensorRef(rnd.choice(nodes), 0)] if nodes and t != "Input" else []
        return add_layer(doc, t, {"units": rnd.randint(1, 9)} if t == "Dense" else {}, inputs=inputs)
    if choice == 1 and len(nodes) > 1:
        return Connect(TensorRef(rnd.choice(nodes), 0), rnd.choice(nodes))
    if choice == 2 and nodes:
        nid = rnd.choice(nodes)
        if doc.nodes[nid].inputs:
            return Disconnect(nid, rnd.randrange(len(doc.nodes[nid].inputs)))
    if choice == 3 and layers:
        return SetConfig(rnd.choice(layers).id, rnd.choice(["units", "axis", "rate"]),
                         rnd.choice([DELETE, 3, -1, 0.5, "x"]))
    if choice == 4 and layers:
        return Rename(rnd.choice(layers).id, rnd.choice(["a", "b", "dense", "x_1"]))
    if choice == 5 and nodes:
        return Move({rnd.choice(nodes): (rnd.uniform(-500, 500), rnd.uniform(-500, 500))})
    if choice == 6 and nodes:
        return call_again(doc, rnd.choice(nodes))
    if choice == 7 and nodes:
        return delete_nodes(doc, rnd.sample(nodes, min(len(nodes), rnd.randint(1, 3))))
    if choice == 8 and nodes:
        nid = rnd.choice(nodes)
        return MakeIndependent(nid, doc.new_id("l"), doc.unique_name("copy"))
    return None


@settings(max_examples=examples(150), deadline=None)
@given(st.sampled_from([t.slug for t in list_templates()]), st.integers(0, 2**32 - 1), st.integers(1, 25))
def test_random_edit_sequences_revert_to_identical_document(slug, seed, steps):
    rnd = random.Random(seed)
    doc = load_template(slug)
    original = loom_format.dumps(doc)
    applied = []
    for _ in range(steps):
        edit = _random_edit(doc, rnd)
        if edit is None:
            continue
        before = loom_format.dumps(doc)
        try:
            doc.apply(edit)
        except EditError:
            assert loom_format.dumps(doc) == before  # a refused edit changes nothing
            continue
        applied.append(edit)
        check(doc)  # the validator copes with whatever the edits made
    for edit in reversed(applied):
        doc.revert(edit)
    assert loom_format.dumps(doc) == original


def _mutations(data, rnd: random.Random):
    """Yield one structurally mutated copy of a parsed .loom file."""
    data = json.loads(json.dumps(data))
    paths = []

    def walk(value, path):
        paths.append(path)
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + [k])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + [i])

    walk(data, [])
    path = rnd.choice(paths[1:])
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    junk = rnd.choice([None, True, -1, 2**70, 1.5, "", "n999", [], {}, ["n1"], ["n1", -3], [[1]], {"x": 1}])
    if rnd.random() < 0.4:
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    else:
        parent[path[-1]] = junk
    return data


TEMPLATE_TEXTS = [t.path.read_text() for t in list_templates()]


@settings(max_examples=examples(1500), deadline=None)
@given(st.integers(0, len(TEMPLATE_TEXTS) - 1), st.integers(0, 2**32 - 1))
def test_mutated_files_fail_only_with_the_loaders_error(index, seed):
    rnd = random.Random(seed)
    text = TEMPLATE_TEXTS[index]
    if rnd.random() < 0.25:
        cut = rnd.randrange(len(text))
        candidate = text[:cut] if rnd.random() < 0.5 else text[:cut] + rnd.choice("{}[],:\"\\x\x00é") + text[cut + 1:]
    else:
        candidate = json.dumps(_mutations(json.loads(text), rnd))
    try:
        doc = loom_format.loads(candidate, file="mutated.loom")
    except LoomFormatError as exc:
        assert exc.path.startswith("$") and exc.message
        assert "mutated.loom" in str(exc)
        return
    check(doc)  # whatever loads must also check without raising


def test_future_version_is_refused_with_path():
    data = json.loads(TEMPLATE_TEXTS[0])
    data["version"] = 7
    try:
        loom_format.loads(json.dumps(data))
    except LoomFormatError as exc:
        assert exc.path == "$.version" and "newer" in exc.message
    else:
        raise AssertionError("future version accepted")


def test_save_load_round_trip_is_identical(tmp_path):
    for info in list_templates():
        doc = loom_format.load(info.path)
        target = tmp_path / f"{info.slug}.loom"
        loom_format.save(doc, target)
        assert loom_format.dumps(loom_format.load(target)) == loom_format.dumps(doc)
        if "data" in doc.extra:  # data paths are written relative to the file saved, same files
            saved, original = json.loads(target.read_text()), json.loads(info.path.read_text())
            for item, before in zip(saved["data"]["sources"], original["data"]["sources"]):
                assert (target.parent / item.pop("path")).resolve() == (info.path.parent / before.pop("path")).resolve()
            assert saved == original
        else:
            assert target.read_text() == info.path.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_atomic_save_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    import os
    target = tmp_path / "model.loom"
    doc = load_template("mlp")
    loom_format.save(doc, target)
    before = target.read_text()

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    doc.name = "changed"
    try:
        loom_format.save(doc, target)
    except OSError:
        pass
    assert target.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.loom"]


@settings(max_examples=examples(120), deadline=None)
@given(st.sampled_from([t.slug for t in list_templates()]), st.integers(0, 2**32 - 1), st.integers(1, 20))
def test_incremental_analysis_always_equals_a_full_check(slug, seed, steps):
    from graph_core.analysis import Analyzer

    rnd = random.Random(seed)
    doc = load_template(slug)
    analyzer = Analyzer(doc)
    analyzer.result()
    for _ in range(steps):
        edit = _random_edit(doc, rnd)
        if edit is None:
            continue
        try:
            doc.apply(edit)
        except EditError:
            continue
        assert analyzer.result().to_json(doc) == check(doc).to_json(doc)


def test_keras_model_files_are_recognised_and_pointed_to_import(tmp_path):
    for name, head in (("m.keras", b"PK\x03\x04rest"), ("m.h5", b"\x89HDF\r\n\x1a\nrest")):
        path = tmp_path / name
        path.write_bytes(head)
        try:
            loom_format.load(path)
        except LoomFormatError as exc:
            assert "Keras model file" in exc.message and "import" in exc.message
        else:
            raise AssertionError("a Keras file loaded as a project")
