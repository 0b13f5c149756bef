"""Benchmark: does each stage cost the same per node at 1,000 and at 100,000 nodes?

Builds a chain (Input → Dense → … → Dense) and a wide DAG (one Input fanned out to many columns of
Dense and Add layers, concatenated at the end) at several sizes and times, per node, building the
document through edits, saving it to text, loading that text (.loom parse and validation), checking
it from scratch, re-checking it after one config edit, and exporting Python (given that check's
result, as ``layerloom export`` and the editor do: the check is its own column). Prints one table per
graph: time per node and its ratio to the 1,000-node figure (target ≤ 1.5×). Layout and render
have their own benchmark (bench/bench_layout.py, bench/bench_canvas.py).

The ``walk`` column is the floor: one minimal pass reading each node, its layer and its inputs'
entries in a dict. Its own growth per node is the machine's (caches, TLB), not an algorithm's; a
stage whose ratio stays near the walk's ratio does no more than linear work.

Run: .venv/bin/python bench/bench_scaling.py [--quick]
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codegen.python_export import export_python
from graph_core import loom_format
from graph_core.analysis import Analyzer, check
from graph_core.builder import GraphBuilder
from graph_core.edits import SetConfig

TARGET_RATIO = 1.5


def chain(n_nodes: int):
    """Input, ``n_nodes - 2`` Dense layers in a row, and an output Dense."""
    b = GraphBuilder(f"chain_{n_nodes}")
    x = b.input("features", shape=[16])
    for _ in range(n_nodes - 2):
        x = b.layer("Dense", x, units=16, activation="relu")
    b.output(b.layer("Dense", x, units=4), loss="mse")
    return b.document


def wide_dag(n_nodes: int, depth: int = 10):
    """One Input fanned out to ``n_nodes / depth`` columns ``depth`` layers deep (Dense in even
    columns, Add of a column and its left neighbour in odd ones), concatenated, then a Dense."""
    width = max(2, (n_nodes - 3) // depth)
    b = GraphBuilder(f"wide_{n_nodes}")
    x = b.input("features", shape=[8])
    level = [b.layer("Dense", x, units=8) for _ in range(width)]
    for _ in range(depth - 1):
        level = [b.layer("Dense", ref, units=8) if c % 2 == 0 else b.layer("Add", [ref, level[c - 1]])
                 for c, ref in enumerate(level)]
    b.output(b.layer("Dense", b.layer("Concatenate", level), units=4), loss="mse")
    return b.document


def _seconds(fn, repeats: int) -> tuple:
    """Median wall time of ``fn`` over ``repeats`` calls (garbage collection off while timing), and
    the last return value."""
    times, value = [], None
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(times), value


def _walk(doc) -> dict:
    """The least any stage does: read every node, its layer, and its inputs' entries."""
    layers, seen = doc.layers, {}
    for nid, node in doc.nodes.items():
        seen[nid] = (layers[node.layer].config.get("units"), [seen.get(ref.node) for ref in node.inputs])
    return seen


def _incremental(doc) -> float:
    """Median time of a re-check after changing ``units`` of the middle Dense."""
    analyzer = Analyzer(doc)
    analyzer.result()
    dense = [layer for layer in doc.layers.values() if layer.type == "Dense"]
    middle = dense[len(dense) // 2]
    times = []
    for k in range(21):
        doc.apply(SetConfig(middle.id, "units", middle.config["units"] + (1 if k % 2 == 0 else -1)))
        start = time.perf_counter()
        analyzer.result()
        times.append(time.perf_counter() - start)
    analyzer.close()
    return statistics.median(times)


def measure(make, n_nodes: int) -> dict:
    """Seconds per stage for one graph size."""
    repeats = 15 if n_nodes <= 2000 else (5 if n_nodes <= 20000 else 2)
    build, doc = _seconds(lambda: make(n_nodes), 1 if n_nodes > 20000 else repeats)
    save, text = _seconds(lambda: loom_format.dumps(doc), repeats)
    load, loaded = _seconds(lambda: loom_format.loads(text), repeats)
    full, result = _seconds(lambda: check(loaded), repeats)
    assert result.valid, result.problems[:3]
    export, _source = _seconds(lambda: export_python(loaded, result=result), repeats)
    walk, _seen = _seconds(lambda: _walk(loaded), max(3, repeats))
    return {"nodes": len(doc.nodes), "walk": walk, "build": build, "save": save, "load": load, "check": full,
            "re-check": _incremental(loaded), "export": export}


STAGES = ("walk", "build", "save", "load", "check", "export")
TARGETED = ("save", "load", "check", "export")


def table(title: str, rows: list) -> bool:
    """Print µs per node per stage with the ratio to the first row; True when all are within target."""
    base = rows[0]
    print(f"\n{title}")
    print(f"{'nodes':>8} " + " ".join(f"{s + ' µs/node':>22}" for s in STAGES) + f" {'re-check ms':>12}")
    ok = True
    for row in rows:
        cells = []
        for stage in STAGES:
            per = row[stage] / row["nodes"] * 1e6
            ratio = (row[stage] / row["nodes"]) / (base[stage] / base["nodes"])
            ok = ok and (ratio <= TARGET_RATIO or stage not in TARGETED)
            cells.append(f"{per:>12.2f} ({ratio:>4.2f}×)")
        print(f"{row['nodes']:>8} " + " ".join(f"{c:>22}" for c in cells) + f" {row['re-check'] * 1000:>12.3f}")
    return ok


def main() -> int:
    quick = "--quick" in sys.argv
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    sizes = {"chain": (1000, 10000) if quick else (1000, 10000, 100000),
             "wide": (1000, 5000) if quick else (1000, 5000, 20000)}
    ok = table("chain (Input → Dense × n → Dense)", [measure(chain, n) for n in sizes["chain"]])
    ok = table("wide DAG (one Input fanned out to n/10 columns, 10 deep)",
               [measure(wide_dag, n) for n in sizes["wide"]]) and ok
    print(f"\ntarget: load, check and export (and save) ≤ {TARGET_RATIO}× their per-node cost at 1,000 nodes "
          f"(walk and build are shown, not targets)")
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
