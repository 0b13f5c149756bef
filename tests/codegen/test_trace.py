"""Tracing one sample: every node's values equal Keras's own layer outputs on the same inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codegen.build import build_model, call_layer
from codegen.synthetic import synthetic_data
from codegen.trace import load_sample, preview, statistics, trace_document
from editor.cli import main
from graph_core.templates import list_templates, load_template
from tests.codegen.helpers import HEAVY

pytestmark = pytest.mark.keras

LIGHT = [t.slug for t in list_templates() if t.slug != HEAVY]


def _check_against_keras(slug: str, tmp_path):
    import keras

    doc = load_template(slug)
    keras.utils.set_random_seed(3)
    model = build_model(doc, compile=False)
    weights = tmp_path / f"{slug}.weights.h5"
    model.save_weights(weights)
    names = [doc.layer_of(n).name for n in doc.input_nodes()]
    drawn = synthetic_data(doc, samples=1, seed=11).inputs  # variable lengths get a fitting size
    sample = {name: array[0] for name, array in zip(names, drawn)}
    trace = trace_document(doc, sample, weights=str(weights), seed=5)
    values = {}
    for nid in trace.order:
        node = doc.nodes[nid]
        layer = doc.layer_of(nid)
        if layer.type == "Input":
            values[nid] = [sample[layer.name][None]]
        else:
            args = [values[r.node][r.index] for r in node.inputs]
            out = call_layer(model.get_layer(layer.name), layer, node, args)
            values[nid] = [np.asarray(v) for v in (out if isinstance(out, (list, tuple)) else [out])]
        expected = [statistics(v) for v in values[nid]]
        for got, want in zip(trace.nodes[nid].outputs, expected):
            assert got["shape"] == want["shape"] and got["dtype"] == want["dtype"], (slug, layer.name)
            for key in ("mean", "std", "min", "max"):
                assert got[key] == pytest.approx(want[key], rel=1e-4, abs=1e-5), (slug, layer.name, key)
    assert set(trace.order) == set(doc.nodes)


@pytest.mark.parametrize("slug", LIGHT)
def test_every_node_equals_keras_on_the_same_sample_and_weights(slug, tmp_path):
    _check_against_keras(slug, tmp_path)


@pytest.mark.slow
def test_the_application_template_traces_too(tmp_path):
    _check_against_keras(HEAVY, tmp_path)


def test_trace_cli_json_with_a_sample_file(tmp_path, capsys):
    path = str([t.path for t in list_templates() if t.slug == "siamese-lstm"][0])
    sample = tmp_path / "sample.npz"
    np.savez(sample, left=np.ones((5, 128), np.float32), right=np.zeros((5, 128), np.float32))
    assert main(["trace", path, "--json", "--input", str(sample), "--seed", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    left = [nid for nid, info in report["nodes"].items() if info["layer"] == "left"][0]
    assert report["nodes"][left]["outputs"][0] == {"shape": [1, 5, 128], "dtype": "float32", "mean": 1.0,
                                                   "std": 0.0, "min": 1.0, "max": 1.0}
    calls = [info["call"] for info in report["nodes"].values() if info["layer"] == "shared_lstm"]
    assert calls == [1, 2]
    assert main(["trace", path, "--json", "--seed", "2"]) == 0
    again = capsys.readouterr().out
    assert main(["trace", path, "--json", "--seed", "2"]) == 0
    assert capsys.readouterr().out == again  # a seeded synthetic sample and init are reproducible


def test_bad_samples_are_refused_with_a_message(tmp_path, capsys):
    path = str([t.path for t in list_templates() if t.slug == "siamese-lstm"][0])
    sample = tmp_path / "wrong.npz"
    np.savez(sample, left=np.ones((5, 128), np.float32))
    assert main(["trace", path, "--input", str(sample)]) == 2
    assert "no array for input 'right'" in capsys.readouterr().err
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, left=np.array([object()], dtype=object), right=np.ones((5, 128)))
    doc = load_template("siamese-lstm")
    with pytest.raises(Exception, match="plain arrays"):
        load_sample(str(pickled), doc)


def test_previews_are_small():
    assert preview(np.arange(10.0).reshape(1, 10)) == [[float(v) for v in range(10)]]
    maps = preview(np.random.default_rng(0).random((1, 64, 64, 8)))
    assert len(maps) <= 32 and len(maps[0]) <= 128


def test_the_new_commands_load_no_tensorflow_until_run():
    import subprocess
    import sys

    code = ("import sys, codegen.trace, codegen.trace_command, codegen.source_command, graph_core.fixes, "
            "graph_core.source_import\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'loaded'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
