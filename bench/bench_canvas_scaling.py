"""Canvas scaling benchmark: layout and render cost per node from 1,000 to 100,000 nodes.

Run: ``.venv/bin/python bench/bench_canvas_scaling.py [--quick]``

Two graph families, each measured at several sizes in a fresh child process (so each peak RSS is
that size's own):

* a chain (Input, then Dense after Dense) up to 100,000 nodes;
* a wide DAG: 100 parallel Dense towers, neighbouring towers joined by an ``Add`` every fourth
  layer, up to 20,000 nodes.

Stages: ``layout`` (:func:`graph_core.layout.layered_layout`) and ``render``
(:func:`editor.render.render_document` to PNG with the geometry JSON, the work of
``layerloom render FILE -o OUT.png --geometry OUT.json``). Printed per size: microseconds per node,
the ratio to the same family's per-node cost at 1,000 nodes, and the child's peak RSS.
Goals (issue 17): each ratio <= 1.5; rendering 100,000 nodes within 1 GB of RSS.
The children build their documents in memory, with the format's layer and node limits
(graph_core/file_limits.py, 100,000 each) lifted to the size measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.timing import times_ms

RATIO_GOAL = 1.5
RSS_GOAL_MB = 1024
WIDTH = 100


def chain_dict(n: int) -> dict:
    """A ``.loom`` document (as a dict) of an Input followed by ``n - 1`` Dense layers."""
    layers = [{"id": "l0", "type": "Input", "name": "x", "config": {"shape": [8]}}]
    nodes = [{"id": "n0", "layer": "l0", "inputs": [], "pos": [0, 0]}]
    for i in range(1, n):
        layers.append({"id": f"l{i}", "type": "Dense", "name": f"dense_{i}", "config": {"units": 8}})
        nodes.append({"id": f"n{i}", "layer": f"l{i}", "inputs": [[f"n{i - 1}", 0]], "pos": [0, 0]})
    return _document(f"chain_{n}", layers, nodes, f"n{n - 1}")


def wide_dict(n: int, width: int = WIDTH) -> dict:
    """A ``.loom`` document of ``width`` Dense towers cross-linked by ``Add`` layers, ``n`` nodes."""
    layers = [{"id": "l_in", "type": "Input", "name": "x", "config": {"shape": [8]}}]
    nodes = [{"id": "n_in", "layer": "l_in", "inputs": [], "pos": [0, 0]}]
    heads = ["n_in"] * width
    depth = 0
    while len(nodes) < n:
        depth += 1
        new = []
        for k in range(width):
            if len(nodes) >= n:
                new.append(heads[k])
                continue
            i = len(nodes)
            if depth % 4 == 0 and k % 2 == 1:
                layers.append({"id": f"l{i}", "type": "Add", "name": f"add_{i}", "config": {}})
                inputs = [[heads[k], 0], [heads[k - 1], 0]]
            else:
                layers.append({"id": f"l{i}", "type": "Dense", "name": f"dense_{i}", "config": {"units": 8}})
                inputs = [[heads[k], 0]]
            nodes.append({"id": f"n{i}", "layer": f"l{i}", "inputs": inputs, "pos": [0, 0]})
            new.append(f"n{i}")
        heads = new
    return _document(f"wide_{n}", layers, nodes, heads[0])


def _document(name: str, layers: list, nodes: list, output: str) -> dict:
    return {"format": "layerloom", "version": 1, "name": name, "layers": layers, "nodes": nodes,
            "outputs": [{"node": output, "index": 0, "loss": "mse"}]}


FAMILIES = {"chain": chain_dict, "wide": wide_dict}


def child(family: str, n: int) -> dict:
    """Lay out and render one graph in this process; return the figures (run in a fresh child)."""
    import resource

    from graph_core import file_limits
    from graph_core.layout import layered_layout
    from graph_core.loom_format import document_from_dict

    # the benchmark may measure past the .loom format's layer and node limits, so it lifts
    # them in this child process only
    file_limits.MAX_LAYERS = file_limits.MAX_NODES = max(file_limits.MAX_LAYERS, n)
    doc = document_from_dict(FAMILIES[family](n))
    layout = layered_layout(doc)
    t_layout = _median_times(lambda: layered_layout(doc), max(1, min(7, 10000 // n)))
    for nid, pos in layout.positions.items():
        doc.nodes[nid].pos = pos  # as the import does: the file carries its positions
    from editor.render import render_document

    with tempfile.TemporaryDirectory() as tmp:
        png, geometry = os.path.join(tmp, "out.png"), os.path.join(tmp, "out.json")
        notes = []
        t_render = _median_times(lambda: notes.append(render_document(doc, png, geometry)), 3 if n <= 1000 else 1)
        notes = notes[-1]
        with open(geometry, encoding="utf-8") as fh:
            drawn = json.load(fh)
        from PySide6.QtGui import QImage

        image = QImage(png)
        size = (image.width(), image.height())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"family": family, "nodes": len(doc.nodes), "layout": t_layout, "render": t_render, "rss_mb": rss,
            "cards": len(drawn["cards"]), "edges": len(drawn["edges"]), "png": size, "bands": layout.bands,
            "notes": notes}


def _median_times(fn, repeats: int) -> tuple:
    """``(wall seconds, CPU seconds)`` of ``fn``, medians of ``repeats`` calls.

    The ratios use the CPU time: on a machine shared with other work, a long run gets a smaller
    share of a core than a short one, and its wall time says more about the neighbours than about
    the code.
    """
    walls, cpus = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        walls.append(times_ms(fn, 1)[0] / 1000)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def run_child(family: str, n: int) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", family, str(n)],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{family} {n} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 10,000 nodes")
    parser.add_argument("--child", nargs=2, metavar=("FAMILY", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return 0
    sizes = {"chain": [1000, 10000, 100000], "wide": [1000, 5000, 20000]}
    if args.quick:
        sizes = {"chain": [1000, 10000], "wide": [1000, 5000]}
    print(f"machine load (1/5/15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("per node: CPU microseconds (the ratios' basis) and, in brackets, wall microseconds")
    print(f"{'graph':6} {'nodes':>7} {'layout us/node':>17} {'ratio':>6} {'render us/node':>19} {'ratio':>6} "
          f"{'peak RSS MB':>11}  png")
    ok = True
    notes = set()
    for family, ns in sizes.items():
        base = None
        for n in ns:
            r = run_child(family, n)
            per = {stage: r[stage][1] / r["nodes"] * 1e6 for stage in ("layout", "render")}
            wall = {stage: r[stage][0] / r["nodes"] * 1e6 for stage in ("layout", "render")}
            base = base or per
            ratios = {stage: per[stage] / base[stage] for stage in per}
            over = [s for s, v in ratios.items() if v > RATIO_GOAL] + (["rss"] if r["rss_mb"] > RSS_GOAL_MB else [])
            ok = ok and not over
            notes.update(note[note.index("(") + 1:note.index(")")] for note in r["notes"] if "(" in note)
            print(f"{family:6} {r['nodes']:7d} {per['layout']:8.1f} ({wall['layout']:6.1f}) {ratios['layout']:6.2f} "
                  f"{per['render']:9.1f} ({wall['render']:7.1f}) {ratios['render']:6.2f} {r['rss_mb']:11.0f}  "
                  f"{r['png'][0]}x{r['png'][1]}{' (capped)' if r['notes'] else ''}"
                  f"{'  OVER: ' + ', '.join(over) if over else ''}")
    if notes:
        print("capped PNGs: " + "; ".join(sorted(notes)))
    print(f"goals: per-node ratio vs 1,000 nodes <= {RATIO_GOAL} for layout and render; "
          f"render peak RSS <= {RSS_GOAL_MB} MB: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
