"""The Keras-side CLI commands through ``editor.cli.main``: results, exit codes, messages,
and never a traceback."""

from __future__ import annotations

import json

import pytest

from codegen.python_export import export_python
from editor.cli import main
from graph_core import loom_format
from graph_core.builder import GraphBuilder
from graph_core.templates import load_template, template_path

pytestmark = pytest.mark.keras


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture()
def invalid_file(tmp_path):
    b = GraphBuilder("broken")
    x = b.input("features", shape=(8,))
    b.output(b.layer("Dense", x, units=0, name="no_units"), loss="mse")
    path = tmp_path / "broken.loom"
    loom_format.save(b.document, path)
    return path


@pytest.fixture()
def garbage_file(tmp_path):
    path = tmp_path / "garbage.loom"
    path.write_text("{not json", encoding="utf-8")
    return path


def test_summary(capsys):
    code, out, _err = _run(capsys, "summary", str(template_path("multi-output")))
    assert code == 0
    assert 'Model: "social_media"' in out and "Total params: 14,146,316" in out
    assert "Connected to" not in out or "posts" in out


def test_fit_prints_per_epoch_losses_per_output(capsys):
    code, out, _err = _run(capsys, "fit", str(template_path("multi-output")), "--epochs", "2",
                           "--samples", "8", "--batch-size", "4", "--seed", "1")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2 and lines[1].startswith("epoch 2/2: loss ")
    assert all(name in lines[0] for name in ("age", "income", "gender"))
    assert "seed 1" in out


def test_export_python(capsys, tmp_path):
    out_file = tmp_path / "model.py"
    code, out, _err = _run(capsys, "export", str(template_path("siamese-lstm")), "-o", str(out_file))
    assert code == 0 and "wrote" in out
    assert out_file.read_text(encoding="utf-8") == export_python(load_template("siamese-lstm"))


def test_export_keras(capsys, tmp_path):
    import keras

    out_file = tmp_path / "model.keras"
    code, _out, _err = _run(capsys, "export", str(template_path("mlp")), "-o", str(out_file))
    assert code == 0
    model = keras.models.load_model(out_file)
    assert model.name == "mlp" and model.count_params() == 3466
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no temporary file left


@pytest.mark.parametrize("out", ["model.txt", "model"])
def test_unknown_export_extension(capsys, tmp_path, out):
    code, _out, err = _run(capsys, "export", str(template_path("mlp")), "-o", str(tmp_path / out))
    assert code == 2
    assert ".py" in err and ".keras" in err
    assert not (tmp_path / out).exists()


@pytest.mark.parametrize("command", [["summary"], ["fit"], ["export", "-o", "x.py"]])
def test_unreadable_file_exits_2(capsys, garbage_file, tmp_path, command):
    argv = [command[0], str(garbage_file), *command[1:]]
    if command[0] == "export":
        argv[-1] = str(tmp_path / "x.py")
    code, _out, err = _run(capsys, *argv)
    assert code == 2
    assert "not valid JSON" in err and "garbage.loom" in err


def test_missing_file_exits_2(capsys, tmp_path):
    code, _out, err = _run(capsys, "summary", str(tmp_path / "nope.loom"))
    assert code == 2 and "cannot read" in err


@pytest.mark.parametrize("command", ["summary", "fit", "export"])
def test_invalid_document_exits_1_listing_problems(capsys, invalid_file, tmp_path, command):
    argv = [command, str(invalid_file)] + (["-o", str(tmp_path / "x.py")] if command == "export" else [])
    code, _out, err = _run(capsys, *argv)
    assert code == 1
    assert "invalid" in err and "no_units" in err and "units" in err
    assert not (tmp_path / "x.py").exists()


def test_keras_refusal_exits_1(capsys, tmp_path):
    b = GraphBuilder("download")
    x = b.input("image", shape=(75, 75, 3))
    x = b.layer("Application", x, application="MobileNetV3Small", include_top=False,
                weights="imagenet", name="backbone")
    b.output(b.layer("GlobalAveragePooling2D", x, name="pool"), loss="mse")
    path = tmp_path / "download.loom"
    loom_format.save(b.document, path)
    code, _out, err = _run(capsys, "export", str(path), "-o", str(tmp_path / "m.keras"))
    assert code == 1
    assert "backbone" in err and "download" in err


def test_bad_fit_argument_exits_2(capsys):
    code, _out, err = _run(capsys, "fit", str(template_path("mlp")), "--epochs", "0")
    assert code == 2 and "--epochs" in err


def test_import_delegates_to_the_importer(capsys, monkeypatch, tmp_path):
    import codegen.importer

    calls = []
    monkeypatch.setattr(codegen.importer, "run_import_command",
                        lambda src, out: calls.append((src, out)) or 0)
    code, _out, _err = _run(capsys, "import", "model.keras", "-o", str(tmp_path / "m.loom"))
    assert code == 0 and calls == [("model.keras", str(tmp_path / "m.loom"))]


def test_summary_measures_missing_application_cache(capsys, tmp_path):
    doc = load_template("siamese-vision")
    doc.layer_by_name("xception_base").cache = None
    path = tmp_path / "vision.loom"
    loom_format.save(doc, path)
    code, out, _err = _run(capsys, "summary", str(path))
    assert code == 0 and "Total params: 20,865,577" in out
    assert json.loads(path.read_text())["layers"][2].get("cache") is None  # file untouched
