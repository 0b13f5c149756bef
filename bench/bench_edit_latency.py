"""Benchmark: what one edit costs on the canvas of a large model, from the edit to the painted frame.

For the residual MLP of bench/graphs.py at 800 and 10,000 layers (auto-laid out, in a shown
canvas, offscreen), times medians of:

* adding a Dense fed by a middle layer (the edit, the incremental check, the cards, edges and
  routes it touches, and the next paint);
* changing ``units`` of a middle Dense (a config edit: check, cards, no routing);
* one step of dragging a card (what a mouse move costs: its edges routed again around the cards).

Run it on an older tree (copy this file into its ``bench/``) for a before/after.

The baseline, measured in the same run, is routing every edge of the same canvas again (what the
canvas did before it kept its routing tables card by card); each figure is printed with its ratio
to it. Goal: an edit's cost does not grow with the model faster than the routing index does.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_edit_latency.py``
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _median_ms(fn, repeats: int) -> float:
    times = []
    for k in range(repeats):
        start = time.perf_counter()
        fn(k)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(app, layers: int) -> dict:
    """Milliseconds of each edit on a canvas of the ``layers``-layer residual MLP."""
    from bench.graphs import residual_mlp
    from editor.canvas import GraphScene, GraphView
    from editor.session import DocumentSession
    from graph_core.document import Layer, Node, TensorRef
    from graph_core.edits import AddNode, SetConfig
    from graph_core.layout import layered_layout

    doc = residual_mlp(layers)
    for nid, pos in layered_layout(doc).positions.items():
        doc.nodes[nid].pos = pos
    session = DocumentSession(doc)
    scene = GraphScene(session, doc)
    view = GraphView(scene)
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    dense = [layer for layer in doc.layers.values() if layer.type == "Dense"]
    middle = dense[len(dense) // 2]
    source = doc.nodes_of(middle.id)[0]
    x, y = doc.nodes[source].pos

    def add(k: int) -> None:
        node = Node(f"bench_n{k}", f"bench_l{k}", [TensorRef(source, 0)], (x + 40.0, y + 400.0 + 160.0 * k))
        session.push(AddNode(node, Layer(f"bench_l{k}", "Dense", f"bench_dense_{k}", {"units": 8})))
        session.result()
        app.processEvents()

    def config(k: int) -> None:
        session.push(SetConfig(middle.id, "units", 65 if k % 2 == 0 else 64))
        session.result()
        app.processEvents()

    dragged = doc.nodes_of(dense[len(dense) // 2 + 4].id)[0]  # a card with its own two edges
    item = scene.node_item(dragged)
    dx, dy = item.x(), item.y()

    def drag(k: int) -> None:
        item.setPos(dx + 3.0 * (k + 1), dy + 2.0 * (k + 1))
        app.processEvents()

    def reroute_all(_k: int) -> None:
        scene._reroute()
        app.processEvents()

    figures = {"add a layer": _median_ms(add, 9), "config edit": _median_ms(config, 9),
               "drag step": _median_ms(drag, 15), "route every edge (baseline)": _median_ms(reroute_all, 3)}
    view.close()
    scene.close()
    session.close()
    return figures


def main() -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    rows = {n: measure(app, n) for n in (800, 10000)}
    print(f"{'':30}" + "".join(f"{n:>12,} layers" for n in rows) + "   10k / 800")
    for label in rows[800]:
        cells = "".join(f"{rows[n][label]:>16.1f} ms" for n in rows)
        print(f"{label:30}{cells}   {rows[10000][label] / rows[800][label]:6.1f}×")
    for n, row in rows.items():
        base = row["route every edge (baseline)"]
        ratios = ", ".join(f"{label} {value / base:.2%}" for label, value in row.items() if "baseline" not in label)
        print(f"at {n:,} layers, of routing every edge: {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
