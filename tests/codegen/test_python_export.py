"""Python export: golden files, lint-clean code, no Keras needed to export, code that builds
exactly the model LayerLoom builds, data equal to the synthetic fit's, and no way for text in
a document to become code."""

from __future__ import annotations

import ast
import inspect
import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.errors import ExportRefused
from codegen.python_export import export_python, identifier, positional_params, string
from codegen.synthetic import synthetic_data
from graph_core import catalog, check
from graph_core.builder import GraphBuilder
from graph_core.templates import load_template
from tests.codegen.helpers import SLUGS, built, structure
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.keras

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _ruff() -> str | None:
    local = Path(sys.executable).with_name("ruff")
    return str(local) if local.exists() else shutil.which("ruff")


def _exec(source: str, name: str = "exported") -> dict:
    namespace = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def exports():
    return {slug: export_python(load_template(slug), GOLDEN / f"{slug}.py") for slug in SLUGS}


@pytest.mark.parametrize("slug", SLUGS)
def test_golden_file(slug, exports):
    path = GOLDEN / f"{slug}.py"
    if UPDATE:
        path.write_text(exports[slug], encoding="utf-8")
    assert path.exists(), f"missing {path}; run with UPDATE_GOLDEN=1"
    assert exports[slug] == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("slug", SLUGS)
def test_given_check_result_gives_the_same_export(slug, exports):
    """The editor and ``layerloom export`` pass the check result they have; the text is the same
    as when the export checks the model itself (the golden files)."""
    doc = load_template(slug)
    assert export_python(doc, GOLDEN / f"{slug}.py", result=check(doc)) == exports[slug]


def test_exports_pass_ruff(exports, tmp_path):
    ruff = _ruff()
    assert ruff is not None, "ruff is a test dependency (pyproject's test extra)"
    for slug, text in exports.items():
        ast.parse(text)
        (tmp_path / f"{slug.replace('-', '_')}.py").write_text(text, encoding="utf-8")
    done = subprocess.run([ruff, "check", "--isolated", "--no-cache", "--select", "E,W,F",
                           "--line-length", "88", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_export_needs_no_tensorflow():
    code = ("import sys\n"
            "from codegen.python_export import export_python\n"
            "from graph_core.templates import list_templates, load_template\n"
            "for t in list_templates():\n"
            "    export_python(load_template(t.slug))\n"
            "loaded = [m for m in ('tensorflow', 'keras', 'numpy') if m in sys.modules]\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("slug", SLUGS)
def test_exported_code_builds_the_same_model(slug, exports):
    doc, model = built(slug)
    exported = _exec(exports[slug])["build_model"]()
    assert exported.count_params() == model.count_params()
    apps = [layer.name for layer in doc.layers.values() if layer.type == "Application"]
    assert structure(exported, apps) == structure(model, apps)
    assert type(exported.optimizer) is type(model.optimizer)
    assert float(exported.optimizer.learning_rate) == pytest.approx(float(model.optimizer.learning_rate))


@pytest.mark.parametrize("slug", ["multi-output", "model-as-layer", "clothing-price"])
def test_exported_data_equals_the_synthetic_fit_data(slug, exports):
    doc = load_template(slug)
    x, y = _exec(exports[slug])["make_data"](9, seed=4)
    data = synthetic_data(doc, samples=9, seed=4)
    xs = list(x.values()) if isinstance(x, dict) else [x]
    ys = list(y.values()) if isinstance(y, dict) else (y if isinstance(y, list) else [y])
    for mine, theirs in zip(xs + ys, data.inputs + data.targets):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("slug", ["mlp", "multi-output", "model-as-layer"])
def test_running_the_script_fits_and_prints_losses(slug):
    doc = load_template(slug)
    doc.fit = {"epochs": 2, "batch_size": 8, "samples": 16, "seed": 0}
    out = io.StringIO()
    with redirect_stdout(out):
        _exec(export_python(doc), "__main__")
    text = out.getvalue()
    assert "epoch 1: loss " in text and "epoch 2: loss " in text
    if slug == "multi-output":
        assert "(age_loss " in text and "gender_loss" in text


def test_shared_layer_assigned_once_and_called_at_each_site(exports):
    text = exports["siamese-lstm"]
    assert 'shared_lstm = layers.LSTM(32, name="shared_lstm")\n' in text
    assert "shared_lstm_1 = shared_lstm(left)" in text
    assert "shared_lstm_2 = shared_lstm(right)" in text


def test_person_like_code(exports):
    assert 'x = ' not in exports["mlp"].split("def make_data")[0]
    assert 'layers.Dense(32, activation="relu", name="dense")(input_)' in exports["mlp"]
    assert "def build_encoder():" in exports["model-as-layer"]
    assert "encoder = build_encoder()" in exports["model-as-layer"]
    assert "layers.Bidirectional(layers.LSTM(32), name=" in exports["model-as-layer"]
    assert "keras.applications.Xception(" in exports["siamese-vision"]
    assert "include_top=False, weights=None" in exports["siamese-vision"]
    assert "keras.optimizers.Adam(learning_rate=0.001)" in exports["clothing-price"]
    assert 'layers.MaxPooling1D(5, name="max_pooling1d")' in exports["multi-output"]
    assert 'loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0}' in exports["multi-output"]
    assert "from keras import layers" in exports["mlp"]


@pytest.mark.parametrize("layer_type", sorted(set(catalog.CATALOG) - {"Input"}))
def test_positional_arguments_follow_the_keras_signature(layer_type):
    spec = catalog.get_spec(layer_type)
    config = {p.name: 1 for p in spec.params if p.required}
    config.update({"pool_size": 2} if spec.param("pool_size") else {})
    names = positional_params(layer_type, config)
    if not names:
        return
    from codegen.build import keras_layer_class

    cls = keras_layer_class(layer_type)
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert params[:len(names)] == names


def test_hostile_text_stays_inside_string_literals():
    evil = 'x"); __import__("os").system("echo pwned") #\n'
    b = GraphBuilder(evil)
    x = b.input(evil, shape=(4,))
    x = b.layer("Dense", x, units=2, name="class")
    x = b.layer("Dense", x, units=2, name="'''\nimport os\n'''")
    x = b.layer("Flatten", x, **{"a b": evil, "c": evil})
    b.output(b.layer("Dense", x, units=2, name="print"), loss=evil, metrics=[evil])
    doc = b.document
    doc.compile = {"optimizer": evil, "learning_rate": 0.1}
    text = export_python(doc)
    tree = ast.parse(text)
    imports = [ast.unparse(node) for node in ast.walk(tree)
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert imports == ["import keras", "import numpy as np", "from keras import layers"]
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not names & {"os", "__import__", "system", "class"}
    strings = [node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert evil in strings
    called = {ast.unparse(node.func) for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))}
    assert not any("system" in name or "import" in name for name in called), called
    _exec(text)  # defining the functions runs nothing


def test_hostile_types_and_dtypes_are_refused_not_written():
    b = GraphBuilder("m")
    x = b.input("x", shape=(4,), dtype='int32"); import os; ("')
    b.output(b.layer("Evil Layer(); import os", x))
    with pytest.raises(ExportRefused, match=r"\$\.layers\[0\]\.config\.dtype.*not a built-in Keras dtype"):
        export_python(b.document)


def test_identifiers_are_sanitized():
    assert identifier("dense-1.x") == "dense_1_x"
    assert identifier("1x1") == "layer_1x1"
    assert identifier("class") == "class_"
    assert identifier("input") == "input_"
    assert identifier("l") == "l_"
    assert identifier("été") == "_t_"
    assert string("it's") == '"it\'s"' or string("it's") == "\"it's\""
    assert string('say "hi"') == "'say \"hi\"'"


def test_generic_layers_pass_their_config_through(outside_catalog):
    # every keras.layers class is in the catalog: take one out to stand for a newer class
    outside_catalog("GaussianDropout")
    b = GraphBuilder("generic")
    x = b.input("features", shape=(8,))
    x = b.layer("GaussianDropout", x, rate=0.25, name="noise")
    b.output(b.layer("Dense", x, units=2, name="out"), loss="mse")
    text = export_python(b.document)
    assert 'layers.GaussianDropout(rate=0.25, name="noise")' in text
    from codegen.build import build_model

    assert structure(_exec(text)["build_model"]()) == structure(build_model(b.document))


def test_multiple_outputs_of_one_layer_are_unpacked():
    b = GraphBuilder("states")
    x = b.input("seq", shape=(5, 4))
    lstm = b.layer("LSTM", x, units=3, return_state=True, name="lstm")
    b.output(lstm, loss="mse")
    b.output((lstm.node, 2), loss="mae")
    text = export_python(b.document)
    assert "lstm_0, lstm_1, lstm_2 = layers.LSTM(3, return_state=True" in text
    assert "outputs=[lstm_0, lstm_2]" in text
    from codegen.build import build_model

    assert structure(_exec(text)["build_model"]()) == structure(build_model(b.document))


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.text(min_size=1, max_size=12), min_size=5, max_size=5, unique=True),
       loss=st.text(max_size=10), model_name=st.text(max_size=10))
def test_any_names_give_valid_python_with_names_as_literals(names, loss, model_name):
    b = GraphBuilder(model_name)
    left = b.input(names[0], shape=(None, 4))
    right = b.input(names[1], shape=(None, 4))
    shared = b.layer("LSTM", left, units=3, name=names[2])
    again = b.call(names[2], right)
    merged = b.layer("Concatenate", [shared, again], name=names[3])
    b.output(b.layer("Dense", merged, units=1, name=names[4]), loss=loss or None)
    text = export_python(b.document)
    tree = ast.parse(text)
    constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    assert set(names) <= constants
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert len(imports) == 3
