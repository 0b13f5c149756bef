"""`layerloom check FILE --fix -o FIXED`: safe fixes applied and listed, choices left alone."""

from editor.cli import main
from graph_core import check, loom_format
from graph_core.source_import import import_source

H = "import keras\nfrom keras import layers\n"


def _save(tmp_path, source: str):
    path = tmp_path / "broken.loom"
    loom_format.save(import_source(H + source).document, path)
    return path


def test_fix_applies_the_safe_fixes_and_lists_the_others(tmp_path, capsys):
    path = _save(tmp_path, "t = keras.Input((None,), dtype='int32')\ne = layers.Embedding(64, 10000)(t)\n"
                           "x = keras.Input((8, 8, 3))\nf = layers.Dense(4)(x)\n"
                           "m = keras.Model([t, x], [layers.LSTM(4)(e), f])\n")
    original = path.read_text()
    out = tmp_path / "fixed.loom"
    assert main(["check", str(path), "--fix", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fixed: Swap input_dim and output_dim of 'e'" in printed
    assert "fixed: Use loss mse" in printed
    assert "not applied (your choice): Insert Flatten before 'f'" in printed
    fixed = loom_format.load(out)
    assert fixed.layer_by_name("e").config == {"input_dim": 10000, "output_dim": 64}
    assert [p.code for p in check(fixed).problems] == ["lint.dense_spatial"]
    assert path.read_text() == original  # the original file is not changed


def test_fix_of_an_invalid_model_and_missing_output(tmp_path, capsys):
    path = _save(tmp_path, "x = keras.Input((16, 16, 64))\ny = layers.Conv2D(128, 3, padding='same')(x)\n"
                           "y = layers.MaxPooling2D(2, strides=2)(y)\nm = keras.Model(x, layers.add([y, x]))\n"
                           "m.compile(loss='mse')\n")
    assert main(["check", str(path)]) == 1
    assert main(["check", str(path), "--fix"]) == 2
    assert "needs -o" in capsys.readouterr().err
    out = tmp_path / "fixed.loom"
    assert main(["check", str(path), "--fix", "-o", str(out)]) == 0
    assert "1×1 Conv2D (128 filters, strides 2) on the shortcut" in capsys.readouterr().out
    assert check(loom_format.load(out)).valid
