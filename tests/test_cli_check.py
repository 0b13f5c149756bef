"""`layerloom check` and `layerloom templates` (no Qt, no TensorFlow needed)."""

import json

import pytest

from editor.cli import main
from graph_core import loom_format
from graph_core.templates import list_templates


@pytest.mark.parametrize("slug", [t.slug for t in list_templates()])
def test_check_json_on_templates(slug, capsys):
    path = str(list_templates()[[t.slug for t in list_templates()].index(slug)].path)
    assert main(["check", path, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True
    assert set(report) >= {"valid", "problems", "nodes", "params"}
    assert report["params"]["total"] >= report["params"]["trainable"] > 0
    doc = loom_format.load(path)
    assert set(report["nodes"]) == set(doc.nodes)
    for node_id, info in report["nodes"].items():
        assert info["layer"] == doc.layer_of(node_id).name
        assert all(shape is None or shape[0] is None for shape in info["output_shapes"])


def test_check_human_output_and_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.loom"
    data = json.loads(list_templates()[0].path.read_text())
    data["layers"][1]["config"]["units"] = 0
    bad.write_text(json.dumps(data))
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "units" in out and "INVALID" in out and "Traceback" not in out

    broken = tmp_path / "broken.loom"
    broken.write_text('{"format": "layerloom", "version": 1, "nodes": [{"id": 3}]}')
    assert main(["check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "$.nodes[0].id" in err and "Traceback" not in err

    assert main(["check", str(tmp_path / "missing.loom"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["path"] == "$"


def test_templates_list_and_write(tmp_path, capsys):
    assert main(["templates"]) == 0
    listing = capsys.readouterr().out
    for slug in ("mlp", "clothing-price", "multi-input-qa", "multi-output", "inception", "residual",
                 "residual-downsample", "siamese-lstm", "siamese-vision"):
        assert slug in listing
    out = tmp_path / "s.loom"
    assert main(["templates", "siamese-lstm", "-o", str(out)]) == 0
    doc = loom_format.load(out)
    assert len(doc.nodes_of(doc.layer_by_name("shared_lstm").id)) == 2
    assert main(["templates", "nope", "-o", str(out)]) == 1
    assert "available" in capsys.readouterr().err


def test_check_cli_says_not_checked_and_exits_3(tmp_path, capsys):
    path = tmp_path / "m.loom"
    loom_format.save(_unknown_layer_document(), path)
    assert main(["check", str(path)]) == 3
    out = capsys.readouterr().out
    assert "NOT CHECKED" in out and "stft_spectrogram" in out and "at least 15 params" in out
    assert main(["check", str(path), "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["params"]["total"] is None


def _unknown_layer_document():
    from graph_core.builder import GraphBuilder

    g = GraphBuilder("m")
    h = g.layer("Dense", g.input(shape=[4]), units=3)
    g.output(g.layer("STFTSpectrogram", h))
    return g.document
