"""Startup benchmark: launching ``layerloom open TEMPLATE`` until its first frame is painted.

For each run a fresh process is started with ``LAYERLOOM_REPORT_PAINT=quit``: the editor takes its
real start (main window, panels, settings, deferred Keras worker) and prints
``first-paint <unix time> <CPU seconds>`` on stderr once the window's first frame has been painted
(the turn of the event loop after the window's first paint event), then quits. The figure is the
time from launching the process to that moment. The baseline is a bare QApplication + QMainWindow
timed the same way (first paint event, then the next turn of the loop), in the same run,
interleaved; the ratio says what LayerLoom adds on top of Qt itself. The CPU time each process had
used at its first frame is printed too: on a busy machine its ratio is steadier than the wall-clock
one. ``layerloom open --screenshot`` (the same window, no worker) is timed too, and with ``--x11``
both again on a private Xvfb display (Qt's xcb platform, as on a Linux desktop). Goal (issue 17):
ratio ≤ 2.5; budget 1.0 s (median).

Modules load from Python's bytecode cache, as in an installed LayerLoom (a temporary
``PYTHONPYCACHEPREFIX`` filled by a warm-up run, so nothing is written into the tree); with
``PYTHONDONTWRITEBYTECODE=1`` every module would be compiled from source at every start
(``--no-bytecode-cache`` measures that). Settings and recovery files go to a temporary folder.

It also checks, with ``python -X importtime``, that TensorFlow and Keras are never imported by the
editor process.

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_startup.py [--runs 7] [--template inception]
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
BUDGET_S = 1.0

GOAL_RATIO = 2.5

BASELINE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("baseline"))
window.resize(1280, 800)
def frame_done():
    print(f"first-paint {time.time():.6f} {time.process_time():.6f}", file=sys.stderr, flush=True)
    window.close()
    app.quit()
class Filter(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, frame_done)
            obj.removeEventFilter(self)
        return False
f = Filter()
window.installEventFilter(f)
window.show()
app.exec()
"""


def _env(scratch: Path, bytecode_cache: bool = True) -> dict:
    """The children's environment: this tree first on the path, settings and recovery files in
    ``scratch``, modules from a bytecode cache there (or compiled at every start)."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["LAYERLOOM_REPORT_PAINT"] = "quit"
    env["LAYERLOOM_SETTINGS"] = str(scratch / "settings.ini")
    env["LAYERLOOM_RECOVERY_DIR"] = str(scratch / "recovery")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def _time_to_paint(argv: list, env: dict) -> tuple:
    """Launch ``argv``; return (seconds to the first painted frame, seconds to exit, CPU seconds
    the process had used at the first frame)."""
    start = time.time()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    end = time.time()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    for line in proc.stderr.splitlines():
        if line.startswith("first-paint "):
            fields = line.split()
            return float(fields[1]) - start, end - start, float(fields[2])
    raise SystemExit(f"no first-paint line from {' '.join(argv)}:\n{proc.stderr}")


def _check_imports(template: Path, out: Path, env: dict) -> tuple:
    argv = [sys.executable, "-X", "importtime", "-m", "editor.cli", "open", str(template), "--screenshot", str(out)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    modules = [line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    return [m for m in modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras", "jax", "torch")], len(modules)


def _measure(commands: dict, env: dict, runs: int) -> dict:
    """``label -> (paint times, exit times, CPU times at the first frame)`` of each command,
    interleaved run by run."""
    for argv in commands.values():  # warm the file and bytecode caches once (not counted)
        _time_to_paint(argv, env)
    times = {label: ([], [], []) for label in commands}
    for _ in range(runs):  # interleaved so all see the same machine load
        for label, argv in commands.items():
            for series, value in zip(times[label], _time_to_paint(argv, env)):
                series.append(value)
    return times


class _Xvfb:
    """A private X server (``Xvfb``) for the ``--x11`` runs; stopped on exit."""

    def __enter__(self) -> str:
        read, write = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24",
                                      "-nolisten", "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as fh:
            number = fh.readline().strip()
        if not number:
            self.proc.kill()
            raise SystemExit("Xvfb did not start")
        return f":{number}"

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--template", default="inception")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="compile every module at every start (PYTHONDONTWRITEBYTECODE=1)")
    parser.add_argument("--x11", action="store_true",
                        help="also time both on an X display (a private Xvfb), Qt's xcb platform")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from graph_core.templates import template_path

    template = template_path(args.template)
    console = Path(sys.executable).parent / "layerloom"
    script = [str(console)] if console.is_file() else [sys.executable, "-m", "editor.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        out = scratch / "shot.png"
        env = _env(scratch, bytecode_cache=not args.no_bytecode_cache)
        commands = {
            "bare QApplication+QMainWindow": [sys.executable, "-c", BASELINE],
            "layerloom open": script + ["open", str(template)],
            "layerloom open --screenshot": script + ["open", str(template), "--screenshot", str(out)],
        }
        times = _measure(commands, env, args.runs)
        heavy, count = _check_imports(template, out, env)
        shot_ok = out.is_file() and out.stat().st_size > 0
        x11 = None
        if args.x11:
            with _Xvfb() as display:
                x_env = dict(env, DISPLAY=display)
                x_env.pop("QT_QPA_PLATFORM", None)
                x_env.pop("WAYLAND_DISPLAY", None)
                x11 = _measure({k: commands[k] for k in ("bare QApplication+QMainWindow", "layerloom open")},
                               x_env, args.runs)

    base = statistics.median(times["bare QApplication+QMainWindow"][0])
    cache = "no bytecode cache" if args.no_bytecode_cache else "bytecode cache"
    print(f"startup to the first painted frame, template {args.template!r}, {args.runs} runs, {cache} "
          f"(seconds; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    base_cpu = statistics.median(times["bare QApplication+QMainWindow"][2])
    for label, (paint, total, cpu) in times.items():
        med = statistics.median(paint)
        print(f"  {label:30}: median {med:.3f}  min {min(paint):.3f}  max {max(paint):.3f}  "
              f"ratio {med / base:.2f}x   (process exit: median {statistics.median(total):.3f}; "
              f"CPU at the frame {statistics.median(cpu):.3f}, {statistics.median(cpu) / base_cpu:.2f}x)")
    if x11 is not None:
        x_base = statistics.median(x11["bare QApplication+QMainWindow"][0])
        x_editor = statistics.median(x11["layerloom open"][0])
        x_base_cpu = statistics.median(x11["bare QApplication+QMainWindow"][2])
        x_editor_cpu = statistics.median(x11["layerloom open"][2])
        print(f"  on an X display (Xvfb, xcb): baseline {x_base:.3f}, layerloom open {x_editor:.3f}: "
              f"ratio {x_editor / x_base:.2f}x   (CPU at the frame {x_base_cpu:.3f} vs {x_editor_cpu:.3f}: "
              f"{x_editor_cpu / x_base_cpu:.2f}x)")
    med_editor = statistics.median(times["layerloom open"][0])
    ratio = med_editor / base
    print(f"  ratio layerloom open / baseline: {ratio:.2f}x (goal <= {GOAL_RATIO}x: "
          f"{'met' if ratio <= GOAL_RATIO else 'NOT MET'}; LayerLoom adds {med_editor - base:.3f} s)")
    print(f"  budget {BUDGET_S:.1f} s: {'OK' if med_editor <= BUDGET_S else 'OVER BUDGET'}")
    print(f"  screenshot written: {'yes' if shot_ok else 'NO'}")
    print(f"  modules imported: {count}; TensorFlow/Keras imported: {', '.join(heavy) if heavy else 'none'}")
    ok = med_editor <= BUDGET_S and ratio <= GOAL_RATIO and not heavy and shot_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
