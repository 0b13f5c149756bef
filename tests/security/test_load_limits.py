"""Issue 12, findings 3-5: limits checked at load with the JSON path (1e400, huge integers and
indices, deep nesting, huge graphs), and whatever loads can be saved, checked and exported."""

from __future__ import annotations

import json
import time

import pytest

from codegen.python_export import export_python
from graph_core import check, loom_format
from graph_core.errors import LoomFormatError
from graph_core.file_limits import MAX_JSON_DEPTH, MAX_LAYERS, MAX_POSITION
from tests.security.corpus import loom_dict


def _text(data) -> str:
    return json.dumps(data)


def _dense(**config):
    return loom_dict("Dense", {"units": 2, **config})


CASES = {
    "units_1e400": (_text(_dense()).replace('"units": 2', '"units": 1e400'), "$.layers[1].config.units"),
    "l2_1e400": (_text(_dense(kernel_regularizer={"class_name": "L2", "config": {"l2": 0.5}})).replace(
        "0.5", "1e400"), "$.layers[1].config.kernel_regularizer.config.l2"),
    "learning_rate_1e400": (_text({**_dense(), "compile": {"optimizer": "adam", "learning_rate": 0.5}}).replace(
        "0.5", "-1e400"), "$.compile.learning_rate"),
    "pos_huge_int": (_text(_dense()).replace('"inputs": []', '"inputs": [], "pos": [' + "9" * 4000 + ', 0]'),
                     "$.nodes[0].pos[0]"),
    "pos_far_away": (_text(_dense()).replace('"inputs": []', '"inputs": [], "pos": [1e12, 0]'), "$.nodes[0].pos"),
    "epochs_2_53": (_text({**_dense(), "fit": {"epochs": 2 ** 53}}), "$.fit.epochs"),
    "loss_weight_huge_int": (_text(_dense()).replace('"index": 0', '"index": 0, "loss_weight": ' + "9" * 400),
                             "$.outputs[0].loss_weight"),
    "kernel_size_huge_int": (_text(loom_dict("Conv1D", {"filters": 2, "kernel_size": 10 ** 30})),
                             "$.layers[1].config.kernel_size"),
    "input_index_10e30": (_text(_dense()).replace('[["n1", 0]]', '[["n1", ' + str(10 ** 30) + "]]"),
                          "$.nodes[1].inputs[0][1]"),
    "input_index_1000": (_text(_dense()).replace('[["n1", 0]]', '[["n1", 1000]]'), "$.nodes[1].inputs[0]"),
    "output_index_1000": (_text(_dense()).replace('"index": 0', '"index": 1000'), "$.outputs[0].index"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_over_the_limit_is_refused_with_the_json_path(case):
    text, path = CASES[case]
    with pytest.raises(LoomFormatError) as info:
        loom_format.loads(text)
    assert info.value.path == path, info.value


def test_deep_config_nesting_is_refused_before_it_breaks_save():
    data = _dense()
    deep: dict = {}
    data["layers"][1]["config"]["extra"] = deep
    for _ in range(500):
        deep["x"] = {}
        deep = deep["x"]
    with pytest.raises(LoomFormatError, match=f"nested more than {MAX_JSON_DEPTH} levels"):
        loom_format.loads(json.dumps(data))


def test_deep_json_line_is_a_load_error_not_a_crash():
    with pytest.raises(LoomFormatError):
        loom_format.loads("[" * 100_000 + "]" * 100_000)


def test_nested_models_beyond_the_depth_limit_are_refused():
    graph = {"layers": [{"id": "i", "type": "Input", "name": "i", "config": {"shape": [2]}}],
             "nodes": [{"id": "n", "layer": "i", "inputs": []}], "outputs": [{"node": "n", "index": 0}]}
    for level in range(150):
        graph = {"layers": [graph["layers"][0], {"id": f"m{level}", "type": "Model", "name": f"m{level}",
                                                 "config": {"graph": graph}}],
                 "nodes": [{"id": "n", "layer": "i", "inputs": []},
                           {"id": "c", "layer": f"m{level}", "inputs": [["n", 0]]}],
                 "outputs": [{"node": "c", "index": 0}]}
    data = {"format": "layerloom", "version": 1, "name": "deep", **graph}
    with pytest.raises(LoomFormatError, match="nested more than"):
        loom_format.loads(json.dumps(data))


def test_huge_graphs_are_refused_fast():
    n = 200_000
    data = {"format": "layerloom", "version": 1, "name": "big",
            "layers": [{"id": f"l{i}", "type": "Dense", "name": f"d{i}", "config": {"units": 1}} for i in range(n)],
            "nodes": [], "outputs": []}
    text = json.dumps(data)
    start = time.perf_counter()
    with pytest.raises(LoomFormatError, match=f"more than {MAX_LAYERS} layers"):
        loom_format.loads(text)
    assert time.perf_counter() - start < 5


def test_the_largest_allowed_values_load_check_save_and_export():
    """What loads can be saved (and checked, and exported): the limits are below what breaks them."""
    data = loom_dict("Conv1D", {"filters": 2, "kernel_size": 2 ** 53})
    data["layers"][0]["config"]["shape"] = [2 ** 53, 3]
    data["nodes"][0]["pos"] = [MAX_POSITION, -MAX_POSITION]
    data["outputs"][0]["loss_weight"] = 1e308
    data["compile"] = {"optimizer": "adam", "learning_rate": 1e-308}
    doc = loom_format.loads(json.dumps(data))
    check(doc)
    again = loom_format.loads(loom_format.dumps(doc))
    assert loom_format.dumps(again) == loom_format.dumps(doc)
    export_python(doc)
