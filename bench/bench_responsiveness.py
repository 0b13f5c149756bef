"""Benchmark: the editor's event loop stays fluid while the Keras worker trains.

A 10 ms heartbeat QTimer runs in the editor process and records the interval between its ticks
(an ideal loop gives 10 ms; any work blocking the loop shows up as a longer interval). Three
phases in one run:

1. *startup* — the worker process loads TensorFlow in the background;
2. *baseline* — nothing happens for a few seconds;
3. *fit* — a Training panel (shown offscreen: live loss chart, progress bar) runs a fit of the
   ``multi-output`` template for a few epochs in the worker, with progress for every batch the
   worker lets through (throttled to ≥ 50 ms apart, plus the last batch of each epoch).

4. *evaluate/predict* — the Evaluate / Predict panel evaluates the trained model and predicts a
   few samples in the worker, with the weights the fit saved (issue 14).

Prints p50/p99/max of the heartbeat intervals of each phase and the fit/baseline ratios.
Targets during the fit: p99 ≤ 50 ms, max ≤ 200 ms.
Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_responsiveness.py [--epochs N] [--strict]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

P99_TARGET_MS = 50.0
MAX_TARGET_MS = 200.0
HEARTBEAT_MS = 10


class Heartbeat:
    """A precise 10 ms QTimer recording the intervals between its ticks (ms)."""

    def __init__(self):
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.intervals: list = []
        self.ticks: list = []
        self._last = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.intervals.append((now - self._last) * 1000.0)
            self.ticks.append(now)
        self._last = now

    def start(self) -> None:
        self.intervals = []
        self.ticks = []
        self._last = None
        self.timer.start()
        self.started = time.perf_counter()

    def worst(self, count: int = 3) -> str:
        """The longest intervals and when they ended (seconds after start)."""
        pairs = sorted(zip(self.intervals, self.ticks), reverse=True)[:count]
        return ", ".join(f"{ms:.0f} ms at {t - self.started:.2f} s" for ms, t in pairs)

    def stop(self) -> list:
        self.timer.stop()
        return list(self.intervals)


def percentile(values: list, q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, int(round(q / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


def stats(values: list) -> dict:
    return {"n": len(values), "p50": statistics.median(values) if values else float("nan"),
            "p99": percentile(values, 99), "max": max(values) if values else float("nan")}


def show(label: str, s: dict) -> None:
    print(f"{label:<16} ticks {s['n']:5d}   p50 {s['p50']:6.1f} ms   p99 {s['p99']:6.1f} ms   max {s['max']:6.1f} ms")


def wait_for(signal, timeout_s: float) -> bool:
    """Run the event loop until ``signal`` fires (True) or the timeout passes (False)."""
    loop = QEventLoop()
    fired = []

    def done(*_args):
        fired.append(True)
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(done)
    return bool(fired)


def run_for(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds of baseline heartbeat")
    parser.add_argument("--rounds", type=int, default=3, help="evaluate + predict rounds after the fit")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from editor.panels.training_panel import TrainingPanel
    from editor.session import DocumentSession
    from editor.worker.client import KerasWorker
    from graph_core.templates import load_template

    heartbeat = Heartbeat()
    started = time.perf_counter()
    heartbeat.start()
    worker = KerasWorker()
    if not wait_for(worker.ready, 120):
        print("the Keras worker did not become ready within 120 s", file=sys.stderr)
        worker.shutdown()
        return 2
    startup = stats(heartbeat.stop())
    ready_s = time.perf_counter() - started

    heartbeat.start()
    run_for(args.baseline)
    baseline = stats(heartbeat.stop())

    session = DocumentSession(load_template("multi-output"))
    panel = TrainingPanel(worker)
    panel.set_session(session)
    panel.epochs.setValue(args.epochs)
    panel.samples.setValue(args.samples)
    panel.batch_size.setValue(args.batch_size)
    panel.resize(520, 640)
    panel.show()
    progress = []
    worker.fitProgress.connect(progress.append)
    heartbeat.start()
    fit_started = time.perf_counter()
    panel.run()
    ended = wait_for(panel.fitEnded, 600)
    fit_s = time.perf_counter() - fit_started
    fit = stats(heartbeat.stop())
    fit_worst = heartbeat.worst()
    outcome = panel.status.text()
    if not ended:
        print("the fit did not end within 600 s", file=sys.stderr)
        worker.shutdown()
        return 2

    from editor.panels.predict_panel import PredictPanel

    predict = PredictPanel(worker, panel.weights)
    predict.set_session(session)
    predict.resize(900, 300)
    predict.show()
    heartbeat.start()
    answers = []
    for _round in range(args.rounds):
        for run in (predict.evaluate, predict.predict):
            run()
            answers.append(wait_for(predict.finished, 300) and "failed" not in predict.last_reply)
    serve = stats(heartbeat.stop())
    serve_outcome = predict.status.text()
    predict.close()
    panel.close()
    worker.shutdown()

    batches = sum(1 for m in progress if m.get("phase") == "batch")
    total_batches = args.epochs * -(-args.samples // args.batch_size)
    print(f"worker ready after {ready_s:.1f} s (TensorFlow loads in the worker, not here)")
    print(f"fit: multi-output template, {args.epochs} epochs × {total_batches // args.epochs} batches "
          f"in {fit_s:.1f} s; {batches} batch messages reached the editor "
          f"({batches / max(fit_s, 1e-9):.1f}/s), {len(progress) - batches} epoch messages; "
          f"chart painted {panel.chart.paints} times for {panel.chart.points_received} points")
    print(f"fit outcome: {outcome}")
    print(f"heartbeat every {HEARTBEAT_MS} ms — intervals between ticks:")
    show("startup", startup)
    show("baseline", baseline)
    show("fit", fit)
    print(f"longest fit intervals: {fit_worst}")
    show("evaluate/predict", serve)
    print(f"evaluate/predict: {sum(bool(a) for a in answers)} of {len(answers)} requests answered; "
          f"last: {serve_outcome}")
    print(f"ratio fit/baseline: p50 {fit['p50'] / baseline['p50']:.2f}×   p99 {fit['p99'] / baseline['p99']:.2f}×   "
          f"max {fit['max'] / baseline['max']:.2f}×")
    ok = fit["p99"] <= P99_TARGET_MS and fit["max"] <= MAX_TARGET_MS and serve["p99"] <= P99_TARGET_MS
    print(f"targets during the fit: p99 ≤ {P99_TARGET_MS:.0f} ms, max ≤ {MAX_TARGET_MS:.0f} ms → "
          f"{'met' if ok else 'MISSED'}")
    del app
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
