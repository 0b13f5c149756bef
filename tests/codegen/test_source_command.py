"""``layerloom import model.py -o X.loom [--model NAME]``: source in, .loom out, nothing run."""

from __future__ import annotations

from editor.cli import main
from graph_core import loom_format

SOURCE = """from keras import layers, Input, Model

x = Input(shape=(8,), name='features')
encoder = Model(x, layers.Dense(4, name='code')(x))
y = Input(shape=(8,), name='raw')
model = Model(y, layers.Dense(1, name='score')(encoder(y)))
model.compile(optimizer='adam', loss='mse')
"""


def test_import_writes_the_last_model_and_lists_the_others(tmp_path, capsys):
    src = tmp_path / "two_models.py"
    src.write_text(SOURCE)
    out = tmp_path / "out.loom"
    assert main(["import", str(src), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "imported model 'model'" in printed and "also defines encoder" in printed
    doc = loom_format.load(out)
    assert [layer.type for layer in doc.layers.values()] == ["Input", "Model", "Dense"]
    assert doc.outputs[0].loss == "mse" and doc.compile["optimizer"] == "adam"


def test_model_option_picks_another_model(tmp_path):
    src = tmp_path / "two_models.py"
    src.write_text(SOURCE)
    out = tmp_path / "encoder.loom"
    assert main(["import", str(src), "-o", str(out), "--model", "encoder"]) == 0
    assert loom_format.load(out).name == "encoder"


def test_unsupported_source_writes_nothing_and_names_the_line(tmp_path, capsys):
    src = tmp_path / "loop.py"
    src.write_text(SOURCE + "for i in range(2):\n    pass\n")
    out = tmp_path / "out.loom"
    assert main(["import", str(src), "-o", str(out)]) == 1
    assert f"{src}:8:1: a for loop is not supported" in capsys.readouterr().err
    assert not out.exists()


def test_unreadable_source(tmp_path, capsys):
    assert main(["import", str(tmp_path / "missing.py"), "-o", str(tmp_path / "x.loom")]) == 2
    src = tmp_path / "binary.py"
    src.write_bytes(b"\xff\xfe\x00bad")
    assert main(["import", str(src), "-o", str(tmp_path / "x.loom")]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_applications_named_with_weights_are_never_downloaded_or_read(tmp_path, capsys):
    src = tmp_path / "app.py"
    out = tmp_path / "app.loom"
    body = "x = Input((71, 71, 3))\ny = layers.GlobalAveragePooling2D()(base(x))\n"
    src.write_text("from keras import applications, layers, Input\n"
                   "base = applications.Xception(include_top=False)\n" + body)
    assert main(["import", str(src), "-o", str(out)]) == 0
    assert "applications not measured" in capsys.readouterr().out
    layer = loom_format.load(out).layer_by_name("base")
    assert layer.config["weights"] == "imagenet" and not layer.cache
    # a weights file named by the source is never read, and the document is refused as opening would
    out.unlink()
    src.write_text("from keras import applications, layers, Input\n"
                   "base = applications.Xception(include_top=False, weights='/etc/passwd')\n" + body)
    assert main(["import", str(src), "-o", str(out)]) == 1
    assert "/etc/passwd" in capsys.readouterr().err and not out.exists()
