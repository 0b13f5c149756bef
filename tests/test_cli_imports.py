"""Import boundaries of the quick commands: ``layerloom --help``, ``check``, ``templates``.

Each command runs in a fresh Python (as the console script would) and the modules it left in
``sys.modules`` are inspected: commands that do not draw import no Qt, none imports Keras,
TensorFlow or another Keras backend, and checking a valid graph does not import networkx (it is
only needed to report a cycle); the garbage collector paused while a command starts
(editor/start_up_gc.py) runs again afterwards. Start-up time itself is measured by
bench/bench_cli_startup.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "assets" / "examples" / "multi-output.loom"

QT = ("PySide6", "shiboken6")
KERAS = ("keras", "tensorflow", "tf_keras", "jax", "torch")

#: Runs ``editor.cli.main`` as the console script does (arguments from sys.argv), then prints the
#: top-level modules loaded and whether the garbage collector runs again.
_PROBE = """
import gc, json, sys
from editor.cli import main
sys.argv = ["layerloom", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("GC " + json.dumps(gc.isenabled()))
print("MODULES " + json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""


def _loaded(*args: str) -> set:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    assert lines, done.stdout + done.stderr
    assert "GC true" in done.stdout, "the garbage collector stayed paused after the command"
    return set(json.loads(lines[-1][len("MODULES "):]))


@pytest.mark.parametrize("args", [
    ("--help",),
    ("check", str(TEMPLATE)),
    ("check", "--json", str(TEMPLATE)),
    ("templates",),
], ids=["help", "check", "check-json", "templates"])
def test_quick_commands_import_no_qt_keras_or_networkx(args):
    loaded = _loaded(*args)
    assert "editor" in loaded and "argparse" in loaded  # the probe really ran the command line
    assert not loaded & set(QT), f"layerloom {' '.join(args)} imported Qt: {sorted(loaded & set(QT))}"
    assert not loaded & set(KERAS), f"layerloom {' '.join(args)} imported {sorted(loaded & set(KERAS))}"
    assert "networkx" not in loaded, f"layerloom {' '.join(args)} imported networkx"


def test_check_of_a_cycle_still_reports_it(tmp_path):
    """networkx is loaded on demand: the cycle of a cyclic file is still found and named."""
    data = json.loads(TEMPLATE.read_text())
    first = next(node for node in data["nodes"] if node["inputs"])
    consumer = next(n for n in data["nodes"] if any(ref[0] == first["id"] for ref in n["inputs"]))
    first["inputs"] = [[consumer["id"], 0]]  # the first computed node now feeds on its consumer
    path = tmp_path / "cycle.loom"
    path.write_text(json.dumps(data))
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "editor.cli", "check", str(path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[graph.cycle]" in done.stderr + done.stdout, done.stdout + done.stderr


def test_start_up_pause_leaves_a_collector_someone_else_turned_off_alone():
    import gc

    from editor import start_up_gc

    was = gc.isenabled()
    try:
        gc.disable()
        start_up_gc.pause()
        start_up_gc.resume()
        assert not gc.isenabled()
        gc.enable()
        start_up_gc.pause()
        assert not gc.isenabled()
        start_up_gc.resume()
        assert gc.isenabled()
    finally:
        gc.unfreeze()  # resume() froze this test process's objects
        (gc.enable if was else gc.disable)()
