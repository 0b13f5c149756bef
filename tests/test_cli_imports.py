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
#: top-level modules loaded and whether the garbage collector runs again. The command's exit
#: without finalization (``editor.cli._exit_now``) is replaced by a note that it was asked for.
_PROBE = """
import gc, json, sys
from editor import cli
cli._exit_now = lambda code: print("EXIT_NOW", code)
sys.argv = ["layerloom", *sys.argv[1:]]
try:
    cli.main()
except SystemExit:
    pass
print("GC " + json.dumps(gc.isenabled()))
print("MODULES " + json.dumps(sorted(sys.modules)))
"""

#: Standard-library modules the check command has no use for, and their import cost on the
#: 2-core benchmark machine: ``dataclasses`` imports ``inspect`` (with ast, dis, tokenize), about
#: 15 ms, and compiles each decorated class's methods (about 1 ms a class); ``typing`` costs about
#: 5 ms, and its NamedTuple compiles every field's annotation. graph_core's records are plain
#: classes and named tuples (graph_core/records.py).
NOT_FOR_CHECK = ("dataclasses", "inspect", "ast", "typing")


def _probe(*args: str) -> tuple:
    """``(modules loaded, the probe's output)`` of a command run as the console script runs it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    assert lines, done.stdout + done.stderr
    assert "GC true" in done.stdout, "the garbage collector stayed paused after the command"
    return set(json.loads(lines[-1][len("MODULES "):])), done.stdout


def _loaded(*args: str) -> set:
    """The top-level packages a command run as the console script loads."""
    return {name.split(".")[0] for name in _probe(*args)[0]}


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


@pytest.mark.parametrize("args", [("check", str(TEMPLATE)), ("check", "--json", str(TEMPLATE))],
                         ids=["check", "check-json"])
def test_check_imports_no_dataclasses_and_exits_without_finalization(args):
    modules, output = _probe(*args)
    assert "graph_core.analysis" in modules  # the probe really checked the file
    assert not modules & set(NOT_FOR_CHECK), f"check imported {sorted(modules & set(NOT_FOR_CHECK))}"
    assert "EXIT_NOW 0" in output


def test_editor_and_help_exit_the_usual_way():
    assert "EXIT_NOW" not in _probe("--help")[1]  # argparse's own exit


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_quick_exit_delivers_all_output_and_the_exit_code(tmp_path, as_json):
    """The console script's exit without finalization flushes what it printed first: a report
    longer than a pipe's buffer arrives whole, and an invalid file still exits 1."""
    count = 2_000  # a chain of Dense layers with no units: an error each, 2 lines of report each
    layers = [{"id": "in", "type": "Input", "name": "x", "config": {"shape": [4]}}]
    nodes = [{"id": "n_in", "layer": "in", "inputs": []}]
    for i in range(count):
        layers.append({"id": f"d{i}", "type": "Dense", "name": f"dense_{i}", "config": {"units": 0}})
        nodes.append({"id": f"n{i}", "layer": f"d{i}", "inputs": [[nodes[-1]["id"], 0]]})
    data = {"format": "layerloom", "version": 1, "name": "m", "layers": layers, "nodes": nodes,
            "outputs": [{"node": nodes[-1]["id"]}]}
    path = tmp_path / "many-problems.loom"
    path.write_text(json.dumps(data))
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONUNBUFFERED", None)  # the pipe is block-buffered, as it is for most users
    argv = [sys.executable, "-m", "editor.cli", "check", *(["--json"] if as_json else []), str(path)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(done.stdout) > 65_536 and done.stdout.endswith("\n")  # the last, buffered, write too
    if as_json:
        report = json.loads(done.stdout)
        assert report["valid"] is False and len(report["problems"]) >= count
    else:
        assert done.stdout.rstrip().splitlines()[-2].startswith(f"{path}: INVALID")


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
