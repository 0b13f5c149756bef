"""Benchmark: what static cost analysis adds to checking an 800-layer graph.

Targets (issue 16): cost adds ≤ 20 % to the full check and ≤ 0.5 ms to the incremental re-check
after one edit. The baseline is measured in the same run, interleaved with the measured work
(check, then cost of that check, in turn), so both see the same machine load; medians.
Run: .venv/bin/python bench/bench_cost.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.graphs import residual_mlp
from graph_core.analysis import Analyzer, check
from graph_core.cost import CostTracker, model_cost
from graph_core.edits import SetConfig


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main() -> int:
    doc = residual_mlp(800)
    print(f"graph: {len(doc.layers)} layers, {len(doc.nodes)} nodes")
    cost = model_cost(doc, check(doc), 32)
    print(f"cost at batch 32: {cost.flops:,} FLOPs, peak {cost.peak_activation_bytes:,} B")
    checks, costs = [], []
    for _ in range(40):
        start = time.perf_counter()
        result = check(doc)
        checks.append(_ms(start))
        start = time.perf_counter()
        model_cost(doc, result, 32)  # from scratch: a new tracker, every node and the schedule
        costs.append(_ms(start))
    full, added = statistics.median(checks), statistics.median(costs)
    print(f"full check: median {full:.2f} ms; cost of that check from scratch: {added:.2f} ms "
          f"(+{added / full * 100:.1f} %, target ≤ 20 %)")

    analyzer = Analyzer(doc)
    tracker = CostTracker()
    tracker.follow(doc)
    tracker.compute(doc, analyzer.result(), 32)
    middle = [layer for layer in doc.layers.values() if layer.type == "Dense"][100]
    rechecks, updates = [], []
    for i in range(60):
        doc.apply(SetConfig(middle.id, "units", (65, 64)[i % 2]))
        start = time.perf_counter()
        result = analyzer.result()
        rechecks.append(_ms(start))
        start = time.perf_counter()
        tracker.compute(doc, result, 32)
        updates.append(_ms(start))
    analyzer.close()
    tracker.close()
    base, inc = statistics.median(rechecks), statistics.median(updates)
    print(f"incremental re-check: median {base:.3f} ms; cost update: {inc:.3f} ms (target ≤ 0.5 ms)")
    ok = added <= 0.2 * full and inc <= 0.5
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
