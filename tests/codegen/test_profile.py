"""Measured latency (codegen.profile, ``layerloom profile``): per-layer times add up to the model's."""

from __future__ import annotations

import json

import pytest

from codegen.build import used_nodes
from codegen.profile import profile_model
from codegen.worker_tasks import build_error_fields
from editor.cli import main
from graph_core.templates import list_templates, load_template

pytestmark = [pytest.mark.keras, pytest.mark.slow]


def test_layer_times_add_up_to_the_model_time():
    doc = load_template("inception")  # convolutions dominate: the functional model's bookkeeping is small
    for _attempt in range(3):  # the machine is shared: a burst of load can hit one side's median
        report = profile_model(doc, batch_size=4, repeats=9)
        if abs(report["total_ms"] - report["model_ms"]) <= 0.2 * report["model_ms"]:
            break
    expected = [n for n in used_nodes(doc) if doc.layer_of(n).type != "Input"]
    assert list(report["nodes"]) == expected
    assert all(entry["ms"] > 0 and entry["layer"] == doc.layer_of(nid).name
               for nid, entry in report["nodes"].items())
    assert report["total_ms"] == pytest.approx(sum(e["ms"] for e in report["nodes"].values()))
    assert abs(report["total_ms"] - report["model_ms"]) <= 0.2 * report["model_ms"], report
    convs = [e["ms"] for nid, e in report["nodes"].items() if doc.layer_of(nid).type == "Conv2D"]
    assert max(convs) > max(e["ms"] for nid, e in report["nodes"].items() if doc.layer_of(nid).type == "Dense")


def test_cli_profile_json_and_errors(tmp_path, capsys):
    path = {t.slug: str(t.path) for t in list_templates()}["siamese-lstm"]
    assert main(["profile", path, "--batch-size", "2", "--repeats", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"nodes", "total_ms", "model_ms"}
    shared = [e for e in report["nodes"].values() if e["layer"] == "shared_lstm"]
    assert len(shared) == 2  # one entry per call of the shared layer
    bad = tmp_path / "bad.loom"
    data = json.loads(open(path).read())
    data["outputs"] = []
    bad.write_text(json.dumps(data))
    assert main(["profile", str(bad)]) == 1
    assert "no output" in capsys.readouterr().err
    assert main(["profile", path, "--batch-size", "0"]) == 2


def test_worker_profile_job_replies_profiled_or_profile_failed():
    from editor.worker import server
    from editor.worker.profile_job import run_profile
    from graph_core.loom_format import document_to_dict

    sent = []

    class Channel:
        def send(self, message):
            sent.append(message)

    doc = load_template("mlp")
    request = {"id": 5, "kind": "profile", "revision": 3, "doc": document_to_dict(doc),
               "params": {"batch_size": 2, "repeats": 2}}
    run_profile(Channel(), request, server._document, build_error_fields)
    reply = sent[-1]
    assert reply["kind"] == "profiled" and reply["id"] == 5 and reply["revision"] == 3
    assert set(reply["nodes"]) == {n for n in doc.nodes if doc.layer_of(n).type != "Input"}
    assert reply["batch_size"] == 2 and reply["model_ms"] > 0
    broken = dict(request, doc=dict(request["doc"], outputs=[]))
    run_profile(Channel(), broken, server._document, build_error_fields)
    assert sent[-1]["kind"] == "profile_failed" and "no output" in sent[-1]["message"]
