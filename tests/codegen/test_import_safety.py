"""Import safety: files with code or custom classes are refused; broken files fail cleanly."""

from __future__ import annotations

import json
import os
import zipfile

import h5py
import keras
import numpy as np
import pytest
from keras import layers

from codegen.errors import ImportFailed, ImportRefused
from codegen.import_safety import check_safety
from codegen.importer import import_model_file, run_import_command

pytestmark = pytest.mark.keras


@keras.saving.register_keras_serializable(package="layerloom_tests")
class Doubler(layers.Layer):
    """A custom layer: importing it would mean running this module's code."""

    def call(self, x):
        return x * 2


def custom_activation(x):
    return keras.ops.relu(x) * 0.5


def assert_refused_everywhere(path, layer_name: str, why: str, tmp_path, capsys) -> None:
    """import_model_file, run_import_command and the CLI all refuse, and write nothing."""
    with pytest.raises(ImportRefused) as info:
        import_model_file(path)
    assert f"layer '{layer_name}'" in info.value.message and why in info.value.message
    assert str(path) in info.value.message
    out = tmp_path / f"{os.path.basename(str(path))}.loom"
    assert run_import_command(str(path), str(out)) == 1
    err = capsys.readouterr().err
    assert err.startswith("refused: ") and layer_name in err and "Traceback" not in err
    from editor.cli import main

    assert main(["import", str(path), "-o", str(out)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


# ------------------------------------------------------------------------------ refusals
@pytest.fixture(scope="module")
def lambda_files(tmp_path_factory):
    """A model whose Lambda writes a sentinel file when run (it runs once, while tracing)."""
    folder = tmp_path_factory.mktemp("lambda")
    sentinel = folder / "lambda_ran"
    x = keras.Input((4,), name="x")
    y = layers.Dense(3, name="dense")(x)
    y = layers.Lambda(lambda t, p=str(sentinel): (open(p, "w").close(), t * 2)[1], name="my_lambda")(y)
    model = keras.Model(x, y)
    paths = {"keras": folder / "lam.keras", "h5": folder / "lam.h5", "json": folder / "lam.json"}
    model.save(paths["keras"])
    model.save(paths["h5"])
    paths["json"].write_text(model.to_json())
    sentinel.unlink()
    return paths, sentinel


@pytest.mark.parametrize("fmt", ["keras", "h5", "json"])
def test_lambda_is_refused_and_never_run(lambda_files, fmt, tmp_path, capsys):
    paths, sentinel = lambda_files
    assert_refused_everywhere(paths[fmt], "my_lambda", "is a Lambda layer: it contains Python code, which "
                              "LayerLoom never runs; rebuild it from standard layers", tmp_path, capsys)
    assert not sentinel.exists()


def test_lambda_inside_a_nested_model_names_both(tmp_path):
    inner_in = keras.Input((4,), name="inner_in")
    inner = keras.Model(inner_in, layers.Lambda(lambda t: t + 1, name="hidden_code")(inner_in), name="inner")
    x = keras.Input((4,), name="x")
    path = tmp_path / "nested.keras"
    keras.Model(x, inner(x)).save(path)
    with pytest.raises(ImportRefused, match=r"layer 'hidden_code' \(inside model 'inner'\) is a Lambda layer"):
        import_model_file(path)


def test_custom_layer_class_is_refused(tmp_path, capsys):
    x = keras.Input((4,), name="x")
    path = tmp_path / "custom.keras"
    keras.Model(x, Doubler(name="doubler")(x)).save(path)
    assert_refused_everywhere(path, "doubler", "custom class 'Doubler'", tmp_path, capsys)


def test_custom_activation_function_is_refused(tmp_path):
    x = keras.Input((4,), name="x")
    path = tmp_path / "act.keras"
    keras.Model(x, layers.Dense(2, activation=custom_activation, name="odd")(x)).save(path)
    with pytest.raises(ImportRefused, match=r"layer 'odd'.*custom_activation.*'activation'"):
        import_model_file(path)


def _config_with(entry: dict) -> dict:
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
        "name": "m", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "x"}},
            {**entry, "name": entry["config"]["name"], "inbound_nodes": [{"args": [{
                "class_name": "__keras_tensor__", "config": {"shape": [None, 4], "dtype": "float32",
                                                             "keras_history": ["x", 0, 0]}}], "kwargs": {}}]}],
        "input_layers": [["x", 0, 0]], "output_layers": [[entry["config"]["name"], 0, 0]]}}


@pytest.mark.parametrize("class_name, why", [
    ("TFSMLayer", "wraps a TensorFlow SavedModel"),
    ("TorchModuleWrapper", "wraps a PyTorch module"),
    ("JaxLayer", "wraps a JAX function"),
    ("FlaxLayer", "wraps a Flax module"),
])
def test_layers_wrapping_foreign_code_are_refused(class_name, why):
    entry = {"module": "keras.layers", "class_name": class_name, "registered_name": None,
             "config": {"name": "wrapped"}}
    with pytest.raises(ImportRefused, match=f"layer 'wrapped' is a {class_name}: it {why}") as info:
        check_safety(_config_with(entry))
    assert info.value.layer_name == "wrapped"


@pytest.mark.parametrize("entry, fragment", [
    ({"module": "my_package.layers", "class_name": "Dense", "registered_name": None,
      "config": {"name": "fake_dense", "units": 2}}, "custom class 'Dense' (module 'my_package.layers')"),
    ({"module": "keras.layers", "class_name": "Dense", "registered_name": "evil>Dense",
      "config": {"name": "fake_dense", "units": 2}}, "registered as 'evil>Dense'"),
    ({"class_name": "MyLegacyLayer", "config": {"name": "fake_dense"}}, "class 'MyLegacyLayer', which is not a Keras"),
    ({"module": "keras.layers", "class_name": "Dense", "registered_name": None, "config": {
        "name": "fake_dense", "units": 2, "kernel_initializer": {"module": "__main__", "class_name": "MyInit",
                                                                 "config": {}, "registered_name": "MyInit"}}},
     "for 'kernel_initializer' an object of the custom class 'MyInit'"),
    ({"module": "keras.layers", "class_name": "Dense", "registered_name": None, "config": {
        "name": "fake_dense", "units": 2, "activation": {"class_name": "__lambda__", "config": {"code": "AA=="}}}},
     "holds a Python lambda for 'activation'"),
])
def test_custom_classes_anywhere_are_refused(entry, fragment):
    with pytest.raises(ImportRefused, match="layer 'fake_dense'") as info:
        check_safety(_config_with(entry))
    assert fragment in info.value.message


def test_keras2_custom_objects_are_refused(tmp_path):
    config = {"class_name": "Sequential", "keras_version": "2.15.0", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "name": "in"}},
        {"class_name": "TFOpLambda", "config": {"name": "tf.math.add", "function": "math.add"}}]}}
    path = tmp_path / "k2.json"
    path.write_text(json.dumps(config))
    with pytest.raises(ImportRefused, match=r"layer 'tf.math.add' is a TFOpLambda"):
        import_model_file(path)


def test_subclassed_model_is_refused(tmp_path):
    path = tmp_path / "sub.json"
    path.write_text(json.dumps({"module": "my_models", "class_name": "MyModel", "config": {"name": "mine"},
                                "registered_name": "Custom>MyModel"}))
    with pytest.raises(ImportRefused, match=r"the model 'mine' is of the custom class 'MyModel'"):
        import_model_file(path)


# ------------------------------------------------------------------------------ broken files
@pytest.fixture(scope="module")
def good_keras_file(tmp_path_factory):
    x = keras.Input((4,), name="x")
    path = tmp_path_factory.mktemp("good") / "good.keras"
    keras.Model(x, layers.Dense(2, name="d")(x)).save(path)
    return path


def _broken_files(folder, good) -> dict:
    data = good.read_bytes()
    files = {}

    def put(name, content):
        path = folder / name
        path.write_bytes(content)
        files[name] = path

    put("truncated.keras", data[: len(data) // 2])
    put("random.keras", np.random.RandomState(0).bytes(4096))
    put("empty.keras", b"")
    put("zeros.h5", b"\x00" * 100)
    with zipfile.ZipFile(folder / "noconfig.keras", "w") as z:
        z.writestr("metadata.json", "{}")
    files["noconfig.keras"] = folder / "noconfig.keras"
    with zipfile.ZipFile(folder / "badjson.keras", "w") as z:
        z.writestr("config.json", '{"class_name": "Functional", "config": ')
    files["badjson.keras"] = folder / "badjson.keras"
    with zipfile.ZipFile(folder / "notmodel.keras", "w") as z:
        z.writestr("config.json", "[1, 2, 3]")
    files["notmodel.keras"] = folder / "notmodel.keras"
    put("list.json", b"[1, 2, 3]")
    put("other.json", b'{"hello": "world"}')
    put("project.json", b'{"format": "layerloom", "version": 1, "layers": []}')
    put("text.json", b"this is not json at all")
    put("binary.json", bytes(range(256)))
    ghost = {"class_name": "__keras_tensor__", "config": {"shape": [None, 2], "keras_history": ["ghost", 0, 0]}}
    put("broken_graph.json", json.dumps({"module": "keras", "class_name": "Functional", "config": {
        "name": "m", "layers": [{"module": "keras.layers", "class_name": "Dense", "name": "d",
                                 "config": {"name": "d", "units": 2},
                                 "inbound_nodes": [{"args": [ghost], "kwargs": {}}]}],
        "input_layers": [], "output_layers": [["d", 0, 0]]}}).encode())
    with h5py.File(folder / "plain.h5", "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    files["plain.h5"] = folder / "plain.h5"
    x = keras.Input((4,), name="x")
    weights_model = keras.Model(x, layers.Dense(2, name="d")(x))
    weights_model.save_weights(folder / "only.weights.h5")
    files["only.weights.h5"] = folder / "only.weights.h5"
    h5_bytes = (folder / "only.weights.h5").read_bytes()
    put("truncated.h5", h5_bytes[: len(h5_bytes) // 3])
    with h5py.File(folder / "badconfig.h5", "w") as f:
        f.attrs["model_config"] = b"{not json"
    files["badconfig.h5"] = folder / "badconfig.h5"
    return files


EXPECTED = {
    "truncated.keras": "not a readable .keras archive",
    "random.keras": "neither a .keras archive, an HDF5 (.h5) file nor JSON text",
    "empty.keras": "the file is empty",
    "zeros.h5": "neither a .keras archive",
    "noconfig.keras": "the archive has no config.json",
    "badjson.keras": "config.json is not valid JSON (line 1",
    "notmodel.keras": "config.json is not a Keras model config",
    "list.json": "is not a Keras model config",
    "other.json": "is not a Keras model config",
    "project.json": "this is a LayerLoom project",
    "text.json": "neither a .keras archive",
    "binary.json": "neither a .keras archive",
    "broken_graph.json": "layer 'd' call 0 refers to layer 'ghost', which the model does not have",
    "plain.h5": "holds no Keras model",
    "only.weights.h5": "holds only weights",
    "truncated.h5": "not a readable HDF5 file",
    "badconfig.h5": "model_config is not valid JSON",
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory, good_keras_file):
    return _broken_files(tmp_path_factory.mktemp("broken"), good_keras_file)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_files_fail_with_a_clear_message(broken, name, tmp_path, capsys):
    path = broken[name]
    with pytest.raises(ImportFailed) as info:
        import_model_file(path)
    message = str(info.value)
    assert message.startswith(str(path)) and EXPECTED[name] in message
    out = tmp_path / "out.loom"
    assert run_import_command(str(path), str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and EXPECTED[name] in err and "Traceback" not in err
    assert not out.exists()


def test_missing_file_and_folder(tmp_path, capsys):
    with pytest.raises(ImportFailed, match="no such file"):
        import_model_file(tmp_path / "nope.keras")
    with pytest.raises(ImportFailed, match="is a folder, not a model file"):
        import_model_file(tmp_path)
    from editor.cli import main

    out = tmp_path / "x.loom"
    assert main(["import", str(tmp_path / "nope.h5"), "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()


def test_unwritable_output_is_reported(good_keras_file, tmp_path, capsys):
    out = tmp_path / "missing_folder" / "x.loom"
    assert run_import_command(str(good_keras_file), str(out)) == 2
    assert "cannot write" in capsys.readouterr().err


def test_deeply_nested_json_fails_cleanly(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ImportFailed, match="deep.json"):
        import_model_file(path)
