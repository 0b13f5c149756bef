"""Benchmark: what the allow-list and the format limits (issue 12) cost at load and in the check,
against the same work with them switched off in the same run (medians of 7).

Run: .venv/bin/python bench/bench_allow_list.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import graph_core.analysis as analysis
import graph_core.loom_format as loom_format
from bench.graphs import residual_mlp
from bench.timing import times_ms


def _median(fn) -> float:
    return statistics.median(times_ms(fn, 7))


def main() -> None:
    doc = residual_mlp(800)
    text = loom_format.dumps(doc)
    load_on = _median(lambda: loom_format.loads(text))
    check_on = _median(lambda: analysis.check(doc))
    saved = loom_format.check_document, loom_format.check_json_data, analysis.layer_refusals
    loom_format.check_document = loom_format.check_json_data = lambda *_: None
    analysis.layer_refusals = lambda *_: []  # the check's one use of the allow-list, per layer
    try:
        load_off = _median(lambda: loom_format.loads(text))
        check_off = _median(lambda: analysis.check(doc))
    finally:
        loom_format.check_document, loom_format.check_json_data, analysis.layer_refusals = saved
    print(f"graph: {len(doc.layers)} layers, {len(text) // 1024} KB of .loom text")
    print(f"load: {load_on:.1f} ms with limits and allow-list, {load_off:.1f} ms without "
          f"(x{load_on / load_off:.2f})")
    print(f"check: {check_on:.1f} ms with the allow-list, {check_off:.1f} ms without (x{check_on / check_off:.2f})")


if __name__ == "__main__":
    main()
