"""Python source import: the notes' code blocks equal what Keras builds when they run; every
template survives export → import source; Keras's positional argument order is respected."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.python_export import export_python
from graph_core import catalog, check
from graph_core.loom_format import document_to_dict
from graph_core.source_import import SourceImportError, import_source
from graph_core.source_import.keras_api import POSITIONAL_LIMIT
from graph_core.templates import list_templates, load_template

NOTES = Path(__file__).parents[1] / "data" / "keras-functional-api-notes.txt"


def notebook_cells(text: str) -> dict:
    """``{"In [9]@27": code}``: the code cells of the notes, verbatim (output and prose left out).

    A cell runs from its ``In [N]:`` line to the next cell, a line of underscores (printed
    output), a warning line, or a ``###`` heading followed by prose (``### equivilent`` followed
    by code is a comment inside the cell)."""
    lines = text.splitlines()
    cells, i = {}, 0
    while i < len(lines):
        if not re.match(r"^In \[[^\]]*\]:\s*$", lines[i]):
            i += 1
            continue
        body, j = [], i + 1
        while j < len(lines) and not re.match(r"^(In \[|_{5}|Instructions for updating)", lines[j]):
            if lines[j].startswith("#") and not _code_follows(lines, j):
                break
            body.append(lines[j])
            j += 1
        code = "\n".join(body).strip("\n")
        if code and not code.startswith("?"):
            cells[f"{lines[i].rstrip(':')}@{i + 1}"] = code
        i = j
    return cells


def _code_follows(lines: list, j: int) -> bool:
    rest = []
    for line in lines[j + 1:]:
        if re.match(r"^(In \[|_{5}|#)", line):
            break
        rest.append(line)
    text = "\n".join(rest).strip()
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return "(" in text


CELLS = notebook_cells(NOTES.read_text())


def cell(prefix: str, nth: int = 0) -> str:
    return [code for key, code in CELLS.items() if key.startswith(prefix)][nth]


def test_the_notes_have_the_expected_cells():
    assert len(CELLS) == 12
    assert "xception_base" in cell("In [None]", 2)
    assert "### equivilent" in cell("In [16]")


def canonical(data: dict) -> dict:
    """A document as data without ids, positions, caches or arguments equal to Keras defaults."""
    layers = {entry["id"]: entry for entry in data["layers"]}
    labels, seen = {}, {}
    for node in data["nodes"]:
        name = layers[node["layer"]]["name"]
        labels[node["id"]] = (name, seen.get(name, 0))
        seen[name] = seen.get(name, 0) + 1
    described = []
    for entry in data["layers"]:
        config = dict(entry["config"])
        graph = config.pop("graph", None)
        if entry["type"] in catalog.CATALOG:
            config = catalog.resolve_config(entry["type"], config)
        described.append((entry["name"], entry["type"], repr(sorted(config.items())),
                          repr(canonical(graph)) if graph else None))
    return {
        "name": data.get("name"),
        "layers": sorted(described),
        "nodes": sorted((labels[n["id"]], tuple((*labels[r[0]], r[1]) for r in n["inputs"]))
                        for n in data["nodes"]),
        "outputs": [(labels[o["node"]], o["index"], o.get("loss"), o.get("loss_weight", 1.0),
                     o.get("metrics", [])) for o in data["outputs"]],
        "compile": data.get("compile"),
        "fit": data.get("fit"),
    }


@pytest.mark.parametrize("slug", [t.slug for t in list_templates()])
def test_export_then_import_source_gives_the_same_document(slug):
    doc = load_template(slug)
    result = import_source(export_python(doc))
    assert result.model == "model"
    assert canonical(document_to_dict(result.document)) == canonical(document_to_dict(doc))


def test_positional_arguments_follow_keras_signatures():
    pytest.importorskip("keras")
    for layer_type, spec in catalog.CATALOG.items():
        if layer_type == "Input":  # keras.Input(shape, ...): read by its own rule
            continue
        from codegen.build import keras_layer_class

        cls = keras_layer_class(layer_type)
        signature = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")]
        ours = [p.name for p in spec.params][:POSITIONAL_LIMIT]
        common = min(len(ours), len(signature))  # Keras takes no more positionals than it names
        assert signature[:common] == ours[:common], layer_type


# ------------------------------------------------------------------ the notes, against Keras
def run_in_keras(code: str) -> dict:
    """Execute a notes block (test only) and return its namespace; errors after the model
    is built (``model.fit`` on data the block never defines) are ignored, as in a notebook."""
    import keras  # noqa: F401

    namespace: dict = {}
    for stmt in ast.parse(code).body:
        snippet = ast.Module([stmt], type_ignores=[])
        try:
            exec(compile(snippet, "<notes>", "exec"), namespace)  # the test (only) runs the block in Keras
        except (NameError, ValueError) as exc:
            if "fit" not in ast.unparse(stmt) and "evaluate" not in ast.unparse(stmt):
                raise AssertionError(f"the block fails in Keras: {exc}") from exc
    return namespace


def layer_calls(model) -> list:
    """Sorted ``(class, output shapes, params)`` of every layer of a Keras model."""
    rows = []
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer":
            continue
        shapes = layer.output.shape if not isinstance(layer.output, list) else [t.shape for t in layer.output]
        rows.append((layer.__class__.__name__, repr(shapes), layer.count_params()))
    return sorted(rows)


def assert_same_as_keras(doc, model) -> None:
    from codegen.applications import fill_application_caches
    from codegen.build import build_model

    fill_application_caches(doc)
    result = check(doc)
    assert result.valid, [str(p) for p in result.errors]
    ours = build_model(doc, compile=False)
    assert result.total == model.count_params() == ours.count_params()
    assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in model.outputs]
    assert [s.shape for out in doc.outputs for s in result.output_specs(out.node)[out.index:out.index + 1]] \
        == [tuple(t.shape) for t in model.outputs]
    renamed = {"Functional": "Functional", "Sequential": "Functional"}
    assert [(renamed.get(c, c), s, p) for c, s, p in layer_calls(ours)] == \
        [(renamed.get(c, c), s, p) for c, s, p in layer_calls(model)]


MODEL_BLOCKS = [  # (cells joined in notebook order, the model variable Keras builds)
    (("In [9]",), "model"),
    (("In [9]",), "seq_model"),
    (("In [9]", "In [10]"), "model"),
    (("In [11]",), "model"),
    (("In [15]",), "model"),
    (("In [15]", "In [16]"), "model"),
    (("In [7]",), "model"),
]


@pytest.mark.keras
@pytest.mark.parametrize("cells,var", MODEL_BLOCKS, ids=["+".join(c) + ":" + v for c, v in MODEL_BLOCKS])
def test_each_model_block_of_the_notes_equals_keras(cells, var):
    code = "\n".join(cell(c) for c in cells)
    result = import_source(code, model=var if var != "model" else None)
    assert result.model == var
    namespace = run_in_keras(code)
    assert_same_as_keras(result.document, namespace[var])


FRAGMENTS = [  # (cells, input variables, output variables)
    (("In [2]",), ["x"], ["output"]),
    (("In [2]", "In [None]@236"), ["x"], ["output", "y"]),
    (("In [2]", "In [3]"), ["x"], ["output", "y"]),
]


@pytest.mark.keras
@pytest.mark.parametrize("cells,inputs,outputs", FRAGMENTS, ids=["+".join(f[0]) for f in FRAGMENTS])
def test_each_fragment_of_the_notes_equals_keras(cells, inputs, outputs):
    import keras

    code = "\n".join(_cell_by_key(c) for c in cells)
    result = import_source(code)
    assert result.model is None
    namespace = run_in_keras(code)
    model = keras.Model([namespace[v] for v in inputs], [namespace[v] for v in outputs])
    assert_same_as_keras(result.document, model)


def _cell_by_key(key: str) -> str:
    return [code for k, code in CELLS.items() if k.startswith(key)][0]


@pytest.mark.keras
@pytest.mark.slow
def test_the_siamese_vision_block_equals_keras():
    import keras

    code = cell("In [None]", 2)
    assert "xception_base" in code
    result = import_source(code)
    namespace = run_in_keras(code)
    model = keras.Model([namespace["left_input"], namespace["right_input"]], namespace["merged_features"])
    doc = result.document
    from codegen.applications import fill_application_caches

    fill_application_caches(doc)
    res = check(doc)
    assert res.valid
    assert res.total == model.count_params()
    assert [s.shape for s in res.output_specs(doc.outputs[0].node)] == [tuple(model.outputs[0].shape)]


def test_the_residual_blocks_alone_name_the_undefined_tensor():
    with pytest.raises(SourceImportError) as info:
        import_source(_cell_by_key("In [None]@236"))
    assert info.value.line == 2 and "'x'" in info.value.message


def test_the_notes_embedding_mistake_is_linted():
    doc = import_source(cell("In [11]")).document
    codes = [p.code for p in check(doc).problems]
    assert codes.count("lint.embedding_swapped") == 2


# ------------------------------------------------------------------ more round trips
def _round_trip(doc) -> None:
    again = import_source(export_python(doc)).document
    assert canonical(document_to_dict(again)) == canonical(document_to_dict(doc))


def test_round_trip_of_several_outputs_of_one_layer_and_generic_layers():
    from graph_core.builder import GraphBuilder

    b = GraphBuilder("states")
    x = b.input("seq", shape=(5, 4))
    lstm = b.layer("LSTM", x, units=3, return_state=True, name="lstm")
    b.output(lstm, loss="mse")
    b.output((lstm.node, 2), loss="mae", loss_weight=0.5)
    _round_trip(b.document)
    b = GraphBuilder("generic")
    x = b.input("features", shape=(8,))
    x = b.layer("GaussianDropout", x, rate=0.25, name="noise")
    x = b.layer("Dense", x, units=4, kernel_regularizer={"class_name": "L2", "config": {"l2": 0.01}}, name="d")
    b.output(b.layer("Dense", x, units=2, name="out"), loss="mse", metrics=["mae"])
    b.document.compile = {"optimizer": "adamw", "learning_rate": 0.003}
    _round_trip(b.document)


@pytest.mark.keras
def test_round_trip_of_a_rich_keras_model():
    import json

    import keras
    from keras import layers

    from codegen.importer import document_from_config

    a, b = keras.Input((8,), name="left"), keras.Input((8,), name="right")
    shared = layers.Dense(4, activation="relu", name="shared", kernel_initializer="he_normal",
                          kernel_regularizer=keras.regularizers.L2(0.01))
    merged = layers.Concatenate(name="merged")([shared(a), shared(b)])
    inner_in = keras.Input((8,), name="inner_in")
    inner = keras.Model(inner_in, [layers.Dense(3, name="head3")(inner_in), layers.Dense(2, name="head2")(inner_in)],
                        name="inner")
    o3, o2 = inner(merged)
    seq = keras.Sequential([keras.Input((3,), name="seq_in"), layers.Dense(5, name="s_dense"),
                            layers.LeakyReLU(name="s_act")], name="seq")
    text = keras.Input((6, 7), name="text")
    pooled = layers.GlobalAveragePooling1D(name="pool")(
        layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi")(text))
    model = keras.Model([a, b, text], [seq(o3), o2, pooled], name="rich")
    _round_trip(document_from_config(json.loads(model.to_json())))


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=5, max_size=5, unique=True), loss=st.text(max_size=10),
       model_name=st.text(min_size=1, max_size=10))
def test_round_trip_with_any_names(names, loss, model_name):
    from graph_core.builder import GraphBuilder

    b = GraphBuilder(model_name)
    left = b.input(names[0], shape=(None, 4))
    right = b.input(names[1], shape=(None, 4))
    shared = b.layer("LSTM", left, units=3, name=names[2])
    again = b.call(names[2], right)
    merged = b.layer("Concatenate", [shared, again], name=names[3])
    b.output(b.layer("Dense", merged, units=1, name=names[4]), loss=loss or None)
    _round_trip(b.document)


def test_a_training_script_is_read_through_build_model_and_its_fit_literal():
    doc = load_template("iris")
    result = import_source(export_python(doc))  # imports argparse, csv…: none of it is read
    assert result.document.fit["validation_split"] == doc.fit["validation_split"] == 0.2
    assert any("data (SOURCES) is not imported" in note for note in result.notes)
    assert "data" not in result.document.extra
