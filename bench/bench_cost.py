"""Benchmark: what static cost analysis adds to checking an 800-layer graph.

Targets (issue 16): cost adds ≤ 20 % to the full check and ≤ 0.5 ms to the incremental re-check
after one edit. Baselines are measured in the same run (medians).
Run: .venv/bin/python bench/bench_cost.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.graphs import residual_mlp
from bench.timing import times_ms
from graph_core.analysis import Analyzer, check
from graph_core.cost import CostTracker, model_cost
from graph_core.edits import SetConfig


def _incremental(doc, with_cost: bool) -> list:
    analyzer = Analyzer(doc)
    tracker = CostTracker()
    tracker.follow(doc)
    tracker.compute(doc, analyzer.result(), 32)
    middle = [layer for layer in doc.layers.values() if layer.type == "Dense"][100]
    times = []
    for i in range(60):
        doc.apply(SetConfig(middle.id, "units", (65, 64)[i % 2]))
        start = time.perf_counter()
        result = analyzer.result()
        if with_cost:
            tracker.compute(doc, result, 32)
        times.append((time.perf_counter() - start) * 1000)
    analyzer.close()
    tracker.close()
    return times


def main() -> int:
    doc = residual_mlp(800)
    print(f"graph: {len(doc.layers)} layers, {len(doc.nodes)} nodes")
    cost = model_cost(doc, check(doc), 32)
    print(f"cost at batch 32: {cost.flops:,} FLOPs, peak {cost.peak_activation_bytes:,} B")
    check(doc)
    full = statistics.median(times_ms(lambda: check(doc), 25))
    with_cost = statistics.median(times_ms(lambda: model_cost(doc, check(doc), 32), 25))
    added = (with_cost - full) / full * 100
    print(f"full check: median {full:.2f} ms; check + cost: {with_cost:.2f} ms  (+{added:.1f} %, target ≤ 20 %)")
    base = statistics.median(_incremental(doc, False))
    inc = statistics.median(_incremental(doc, True))
    print(f"incremental re-check: median {base:.3f} ms; with cost: {inc:.3f} ms  "
          f"(+{inc - base:.3f} ms, target ≤ 0.5 ms)")
    ok = added <= 20 and inc - base <= 0.5
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
