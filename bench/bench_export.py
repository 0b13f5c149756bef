"""Benchmark: Python export of an 800-layer graph (target: median ≤ 100 ms).

Builds a long chain of Dense layers with a residual branch every few layers (Dense → Add) and
a side branch merged back with Concatenate, then times :func:`codegen.python_export.export_python`.

Run: ``.venv/bin/python bench/bench_export.py [--layers 800] [--repeat 15]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.graphs import branchy_chain
from bench.timing import times_ms
from codegen.python_export import export_python

TARGET_MS = 100.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    doc = branchy_chain(args.layers)
    text = export_python(doc)  # warm-up (imports, caches)
    times = times_ms(lambda: export_python(doc), args.repeat)
    median = statistics.median(times)
    print(f"export_python: {len(doc.layers)} layers, {len(doc.nodes)} nodes, "
          f"{len(text.splitlines())} lines of Python")
    print(f"  median {median:.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms "
          f"over {args.repeat} runs")
    print(f"  target ≤ {TARGET_MS:.0f} ms: {'OK' if median <= TARGET_MS else 'TOO SLOW'} "
          f"(ratio to target {median / TARGET_MS:.2f})")
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
