"""Benchmark: Python export of an 800-layer graph (target: median ≤ 100 ms).

Builds a long chain of Dense layers with a residual branch every few layers (Dense → Add) and
a side branch merged back with Concatenate, then times :func:`codegen.python_export.export_python`.

Run: ``.venv/bin/python bench/bench_export.py [--layers 800] [--repeat 15]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from codegen.python_export import export_python
from graph_core.builder import GraphBuilder

TARGET_MS = 100.0


def big_document(n_layers: int = 800):
    """A valid document of about ``n_layers`` layers: a chain with branches and merges."""
    b = GraphBuilder("big_chain")
    x = b.input("features", shape=(64,))
    count = 1
    while count < n_layers - 1:
        if count % 10 == 0 and count + 3 < n_layers - 1:
            side = b.layer("Dense", x, units=64, activation="relu")
            main = b.layer("Dense", x, units=64, activation="relu")
            x = b.layer("Add", [main, side])
            count += 3
        elif count % 25 == 0 and count + 3 < n_layers - 1:
            a = b.layer("Dense", x, units=32)
            c = b.layer("Dropout", x, rate=0.1)
            x = b.layer("Concatenate", [a, c])
            x = b.layer("Dense", x, units=64)
            count += 4
        else:
            x = b.layer("Dense", x, units=64, activation="relu")
            count += 1
    b.output(b.layer("Dense", x, units=10, activation="softmax"), loss="categorical_crossentropy",
             metrics=["accuracy"])
    return b.document


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    doc = big_document(args.layers)
    export_python(doc)  # warm-up (imports, caches)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        text = export_python(doc)
        times.append((time.perf_counter() - start) * 1000)
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
