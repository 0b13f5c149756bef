"""Startup benchmark: launching ``layerloom open TEMPLATE --screenshot`` until the window is painted.

For each run a fresh process is started; it prints ``first-paint <unix time>`` on stderr when the
main window is first painted (``LAYERLOOM_REPORT_PAINT=1``), so the figure is the time from
launching the process to the first paint of the full window (imports, document, panels, canvas).
The baseline is a bare QApplication + QMainWindow shown and painted the same way, in the same run;
the ratio says what LayerLoom adds on top of Qt itself. The budget is 1.0 s (median).

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

BASELINE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("baseline"))
window.resize(1280, 800)
class Filter(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"first-paint {time.time():.6f}", file=sys.stderr, flush=True)
            QTimer.singleShot(0, app.quit)
            obj.removeEventFilter(self)
        return False
f = Filter()
window.installEventFilter(f)
window.show()
app.exec()
"""


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["LAYERLOOM_REPORT_PAINT"] = "1"
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _time_to_paint(argv: list) -> tuple:
    """Launch ``argv``; return (seconds to the first paint, seconds to exit)."""
    start = time.time()
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120)
    end = time.time()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    for line in proc.stderr.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start, end - start
    raise SystemExit(f"no first-paint line from {' '.join(argv)}:\n{proc.stderr}")


def _check_imports(template: Path, out: Path) -> list:
    argv = [sys.executable, "-X", "importtime", "-m", "editor.cli", "open", str(template), "--screenshot", str(out)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120)
    modules = [line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    return [m for m in modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras", "jax", "torch")], len(modules)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--template", default="inception")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from graph_core.templates import template_path

    template = template_path(args.template)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "shot.png"
        editor_cmd = [sys.executable, "-m", "editor.cli", "open", str(template), "--screenshot", str(out)]
        base_cmd = [sys.executable, "-c", BASELINE]
        _time_to_paint(editor_cmd)  # warm the file cache once (not counted)
        _time_to_paint(base_cmd)
        editor_paint, editor_total, base_paint = [], [], []
        for _ in range(args.runs):  # interleaved so both see the same machine load
            paint, total = _time_to_paint(editor_cmd)
            editor_paint.append(paint)
            editor_total.append(total)
            base_paint.append(_time_to_paint(base_cmd)[0])
        heavy, count = _check_imports(template, out)
        shot_ok = out.is_file() and out.stat().st_size > 0

    med_editor = statistics.median(editor_paint)
    med_base = statistics.median(base_paint)
    print(f"startup to first paint, template {args.template!r}, {args.runs} runs (seconds)")
    print(f"  layerloom open --screenshot : median {med_editor:.3f}  min {min(editor_paint):.3f}  "
          f"max {max(editor_paint):.3f}   (process exit: median {statistics.median(editor_total):.3f})")
    print(f"  bare QApplication+QMainWindow: median {med_base:.3f}  min {min(base_paint):.3f}  "
          f"max {max(base_paint):.3f}")
    print(f"  ratio layerloom / baseline   : {med_editor / med_base:.2f}x   "
          f"(LayerLoom adds {med_editor - med_base:.3f} s)")
    print(f"  budget {BUDGET_S:.1f} s: {'OK' if med_editor <= BUDGET_S else 'OVER BUDGET'}")
    print(f"  screenshot written: {'yes' if shot_ok else 'NO'}")
    print(f"  modules imported: {count}; TensorFlow/Keras imported: {', '.join(heavy) if heavy else 'none'}")
    return 0 if med_editor <= BUDGET_S and not heavy and shot_ok else 1


if __name__ == "__main__":
    sys.exit(main())
