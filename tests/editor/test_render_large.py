"""``layerloom render`` and ``open`` with ``--allow-large``: files past the format's layer and node
limits are drawn when asked, refused with a message naming the option otherwise.

The limits are lowered for the test (the code reads them at each load), so a 60-node chain stands
for a file past them.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QImage

from bench.bench_canvas_scaling import chain_dict
from editor import cli
from graph_core import file_limits

pytestmark = pytest.mark.gui

NODES = 60


@pytest.fixture
def large_file(tmp_path, monkeypatch):
    """A chain of ``NODES`` nodes, past limits lowered to ``NODES - 10``."""
    monkeypatch.setattr(file_limits, "MAX_LAYERS", NODES - 10)
    monkeypatch.setattr(file_limits, "MAX_NODES", NODES - 10)
    path = tmp_path / "chain.loom"
    path.write_text(json.dumps(chain_dict(NODES)), encoding="utf-8")
    return path


def test_render_refuses_a_file_past_the_limits_and_names_the_option(large_file, tmp_path, capsys):
    out = tmp_path / "chain.png"
    assert cli.main(["render", str(large_file), "-o", str(out)]) == cli.EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert f"more than {NODES - 10} layers" in err and "--allow-large" in err
    assert not out.exists()


def test_render_allow_large_draws_every_node(large_file, tmp_path, capsys):
    out, geometry = tmp_path / "chain.png", tmp_path / "chain.json"
    code = cli.main(["render", str(large_file), "-o", str(out), "--geometry", str(geometry), "--allow-large"])
    assert code == 0, capsys.readouterr().err
    drawn = json.loads(geometry.read_text(encoding="utf-8"))
    assert len(drawn["cards"]) == NODES
    assert len(drawn["edges"]) == NODES - 1
    assert not QImage(str(out)).isNull()


def test_allow_large_keeps_its_own_ceiling(large_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(file_limits, "MAX_LARGE_ITEMS", NODES - 1)
    out = tmp_path / "chain.png"
    assert cli.main(["render", str(large_file), "-o", str(out), "--allow-large"]) == cli.EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert f"more than {NODES - 1} layers" in err and "--allow-large" not in err
    assert not out.exists()


def test_open_allow_large_paints_the_window(large_file, tmp_path, capsys):
    out = tmp_path / "window.png"
    assert cli.main(["open", str(large_file), "--screenshot", str(out)]) == cli.EXIT_UNREADABLE
    assert "--allow-large" in capsys.readouterr().err
    assert cli.main(["open", str(large_file), "--screenshot", str(out), "--allow-large"]) == 0
    assert QImage(str(out)).width() > 100
