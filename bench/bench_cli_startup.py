"""Start-up benchmark of the command line: ``layerloom --help`` and ``layerloom check FILE``.

Each command is launched as a fresh process (the real ``layerloom`` console script next to this
Python, and ``python -m editor.cli``), interleaved with the baseline ``python -c pass`` so every
figure sees the same machine load; the table gives each command's median wall time over the runs
and its ratio to the baseline's median. Files checked: the 14-node template (``multi-output``),
``inception``, and the 800-layer benchmark graph (bench/graphs.py ``residual_mlp``) saved as .loom.

Goals (issue 17): ``check`` ≤ 3× ``python -c pass``, ``--help`` ≤ 2×.

Python's bytecode cache matters here: an installed LayerLoom (``pip install``, or an editable
install run once) loads its modules from ``.pyc`` files, but with ``PYTHONDONTWRITEBYTECODE=1``
every module is compiled from source at every start. The goals are judged with the cache (kept in
a temporary ``PYTHONPYCACHEPREFIX``, so nothing is written into the tree, and filled by a warm-up
run); the figures without it are printed too (``--no-cache-table``: skip them).

Usage::

    .venv/bin/python bench/bench_cli_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHECK_GOAL, HELP_GOAL = 3.0, 2.0


def _env(pycache: str | None) -> dict:
    """The children's environment: this tree first on the path; bytecode cached in ``pycache``
    (None: no bytecode written, every module compiled from source)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _wall(argv: list, env: dict) -> float:
    """Seconds from launching ``argv`` until it exits (its output is discarded)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT,
                          timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # check exits 1 for an invalid model; none here is invalid
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr.decode()}")
    return elapsed


def _commands(script: list, files: dict) -> list:
    """``(label, argv, goal ratio or None)`` of every command measured."""
    commands = [("layerloom --help", script + ["--help"], HELP_GOAL)]
    for label, path in files.items():
        commands.append((f"layerloom check {label}", script + ["check", str(path)], CHECK_GOAL))
    commands.append((f"layerloom check --json {next(iter(files))}",
                     script + ["check", "--json", str(next(iter(files.values())))], CHECK_GOAL))
    module = [sys.executable, "-m", "editor.cli"]
    commands.append(("python -m editor.cli --help", module + ["--help"], HELP_GOAL))
    label, path = next(iter(files.items()))
    commands.append((f"python -m editor.cli check {label}", module + ["check", str(path)], CHECK_GOAL))
    commands.append(("layerloom templates", script + ["templates"], None))
    return commands


def _measure(commands: list, env: dict, runs: int) -> tuple:
    """Median wall time of ``python -c pass`` and of each command, interleaved run by run."""
    baseline = [sys.executable, "-c", "pass"]
    _wall(baseline, env)
    for _label, argv, _goal in commands:  # warm the file cache (and the bytecode cache) once
        _wall(argv, env)
    base_times = []
    times = {label: [] for label, _argv, _goal in commands}
    for _ in range(runs):  # interleaved so every command sees the same machine load
        base_times.append(_wall(baseline, env))
        for label, argv, _goal in commands:
            times[label].append(_wall(argv, env))
    return statistics.median(base_times), {label: statistics.median(t) for label, t in times.items()}


def _print_table(title: str, commands: list, base: float, medians: dict, judge: bool) -> list:
    """Print one table; return the labels of the commands over their goal (when ``judge``)."""
    print(title)
    width = max(len(label) for label in medians) + 2
    print(f"  {'command':<{width}} {'median s':>9} {'ratio':>7}  goal")
    print(f"  {'python -c pass':<{width}} {base:9.3f} {1.0:6.2f}x")
    failed = []
    for label, _argv, goal in commands:
        ratio = medians[label] / base
        verdict = ""
        if goal is not None:
            verdict = f"<= {goal:.0f}x " + ("met" if ratio <= goal else "NOT MET") if judge else f"({goal:.0f}x)"
            if judge and ratio > goal:
                failed.append(label)
        print(f"  {label:<{width}} {medians[label]:9.3f} {ratio:6.2f}x  {verdict}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each command (median; at least 7)")
    parser.add_argument("--no-cache-table", action="store_true",
                        help="skip the figures without a bytecode cache")
    args = parser.parse_args()
    runs = max(args.runs, 7)

    from bench.graphs import residual_mlp
    from graph_core import loom_format
    from graph_core.templates import template_path

    console = Path(sys.executable).parent / "layerloom"
    script = [str(console)] if console.is_file() else [sys.executable, "-m", "editor.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "residual_mlp_800.loom"
        doc = residual_mlp(800)
        loom_format.save(doc, big)
        files = {"multi-output (14 nodes)": template_path("multi-output"),
                 "inception (12 nodes)": template_path("inception"),
                 f"residual_mlp ({len(doc.layers)} layers)": big}
        commands = _commands(script, files)
        cached = _measure(commands, _env(str(Path(tmp) / "pycache")), runs)
        uncached = None if args.no_cache_table else _measure(commands, _env(None), runs)

    print(f"CLI start-up, {runs} runs each, interleaved (console script: {' '.join(script)})")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = _print_table("with the bytecode cache (an installed LayerLoom):", commands, *cached, judge=True)
    if uncached is not None:
        _print_table("without a bytecode cache (PYTHONDONTWRITEBYTECODE=1, compiled at every start):",
                     commands, *uncached, judge=False)
    print("all goals met" if not failed else f"goals not met: {', '.join(failed)}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
