"""Issue 12, finding 4: `layerloom import` never prints a traceback — 1e400 in units, an L2 factor or
the learning rate, and 150 nested Sequentials are clear errors."""

from __future__ import annotations

import json

import pytest

from editor.cli import main
from tests.security.corpus import keras_layer, keras_model


def _nested_sequentials(levels: int) -> dict:
    model = {"module": "keras", "class_name": "Sequential", "config": {"name": "s0", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "i0"}},
        {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "name": "d0"}}]}}
    for level in range(1, levels):
        model = {"module": "keras", "class_name": "Sequential", "config": {"name": f"s{level}", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, 4], "name": f"i{level}"}}, model]}}
    return model


def _texts() -> dict:
    units = json.dumps(keras_model(keras_layer("Dense", {"units": 7}, "d"))).replace('"units": 7', '"units": 1e400')
    l2 = json.dumps(keras_model(keras_layer("Dense", {"units": 2, "kernel_regularizer": {
        "module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.5}, "registered_name": None}}, "d")))
    model = keras_model(keras_layer("Dense", {"units": 2}, "d"))
    model["compile_config"] = {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                             "config": {"learning_rate": 0.5}, "registered_name": None},
                               "loss": "mse"}
    return {"units_1e400": units, "l2_1e400": l2.replace("0.5", "1e400"),
            "learning_rate_1e400": json.dumps(model).replace("0.5", "1e400"),
            "nested_sequentials_150": json.dumps(_nested_sequentials(150))}


TEXTS = _texts()


@pytest.mark.parametrize("case", sorted(TEXTS))
def test_import_of_corpus_file_is_a_clear_error(case, tmp_path, capsys):
    src = tmp_path / f"{case}.json"
    src.write_text(TEXTS[case])
    out = tmp_path / "out.loom"
    code = main(["import", str(src), "-o", str(out)])
    err = capsys.readouterr().err
    assert code in (1, 2) and "Traceback" not in err and err.startswith(("error: ", "refused: ")), err
    assert not out.exists()
