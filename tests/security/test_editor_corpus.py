"""Issue 12, finding 4: the editor opens files at the limits (largest integers, far output indices,
huge settings) without an OverflowError, a hang or a port per index; the inspector and the
training panel show them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from editor.session import DocumentSession
from graph_core import loom_format
from graph_core.file_limits import MAX_OUTPUT_INDEX, MAX_POSITION
from tests.editor.window_fixtures import *  # noqa: F403
from tests.security.corpus import loom_dict

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


def _at_the_limits() -> str:
    d = loom_dict("Dense", {"units": 2 ** 53, "activation": "relu"}, name="huge\x1b[31m values")
    d["layers"].append({"id": "l3", "type": "Dense", "name": "reads_far", "config": {"units": 2 ** 53}})
    d["nodes"].append({"id": "n3", "layer": "l3", "inputs": [["n2", MAX_OUTPUT_INDEX]],
                       "pos": [MAX_POSITION, -MAX_POSITION]})
    d["outputs"] = [{"node": "n3", "index": MAX_OUTPUT_INDEX, "loss": "mse", "loss_weight": 1e308},
                    {"node": "n2", "index": 0}]
    d["fit"] = {"epochs": 100_000, "batch_size": 1_000_000, "samples": 100_000_000, "seed": 2 ** 31 - 1}
    d["compile"] = {"optimizer": "adam", "learning_rate": 1e308}
    return json.dumps(d)


def test_window_shows_a_document_at_the_limits(make_window, qtbot):
    start = time.perf_counter()
    session = DocumentSession(loom_format.loads(_at_the_limits()))
    window = make_window(session)
    scene = window.current_scene()
    for node_id in session.document.nodes:  # the inspector of every layer, then all of them
        scene.select_nodes([node_id])
    scene.select_nodes(list(session.document.nodes))
    assert time.perf_counter() - start < 20
    ports = [item for item in scene.items() if type(item).__name__.endswith("Port")]
    assert len(ports) < 50  # not one port per index


def test_open_screenshot_of_a_document_at_the_limits(tmp_path):
    """The whole app (inspector, problems, summary, code and training panels) through the CLI."""
    src, png = tmp_path / "limits.loom", tmp_path / "limits.png"
    src.write_text(_at_the_limits())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "LAYERLOOM_SETTINGS": str(tmp_path / "s.ini"), "LAYERLOOM_RECOVERY_DIR": str(tmp_path / "r")}
    proc = subprocess.run([sys.executable, "-m", "editor.cli", "open", str(src), "--screenshot", str(png)],
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert png.stat().st_size > 10_000


def test_open_screenshot_refuses_hostile_files_with_the_json_path(tmp_path):
    from tests.security.corpus import hostile_loom_documents

    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "LAYERLOOM_SETTINGS": str(tmp_path / "s.ini"), "LAYERLOOM_RECOVERY_DIR": str(tmp_path / "r")}
    for case in ("tfsm_layer", "string_lookup_vocabulary", "get_file_function"):
        data, path = hostile_loom_documents()[case]
        src, png = tmp_path / f"{case}.loom", tmp_path / f"{case}.png"
        src.write_text(json.dumps(data))
        proc = subprocess.run([sys.executable, "-m", "editor.cli", "open", str(src), "--screenshot", str(png)],
                              capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
        assert proc.returncode == 2 and path in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert not png.exists()


def test_file_open_of_a_hostile_file_keeps_the_current_document(make_window, tmp_path, fake_dialogs):
    from tests.security.corpus import hostile_loom_documents

    window = make_window("mlp")
    src = tmp_path / "tfsm.loom"
    src.write_text(json.dumps(hostile_loom_documents()["tfsm_layer"][0]))
    before = window.session.document
    assert window.files.open(str(src)) is False
    assert window.session.document is before
    (title, message), = fake_dialogs.errors
    assert "TFSMLayer is refused" in message
