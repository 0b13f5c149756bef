"""Layout benchmark: our layered layout against the former column layout, igraph's Sugiyama layout
and Graphviz ``dot`` on the same graphs, with the same card sizes and gaps.

Run: ``.venv/bin/python bench/bench_layout.py [--quick]`` (igraph and the ``dot`` program are used
when installed: ``pip install igraph``, ``apt-get install graphviz``; otherwise their rows are skipped).

Figures per graph and method: time (median, ms), edge crossings of the drawn edges (routed polylines
for ours, straight port-to-port lines for the former layout and for igraph, whose Python API returns
no dummy positions, the flattened splines for dot), edges passing through a card other than their ends, the
drawing's area (million square scene units) and its aspect ratio (width / height).
Goals from the issue: layout of an 800-layer import <= 300 ms; crossings <= dot's x 1.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.graphs import branchy_chain, residual_mlp
from bench.timing import times_ms
from graph_core import templates
from graph_core.graph_algorithms import generations
from graph_core.layout import LAYER_GAP, NODE_GAP, card_size, layered_layout
from graph_core.routing import Obstacles, count_crossings, segments_cross_rect

LAYOUT_BUDGET_MS = 300.0
GAP = LAYER_GAP["LR"]


def keras_applications(names):
    """``{name: document}`` of keras.applications models imported through codegen (weights=None)."""
    import json

    import keras

    from codegen.importer import document_from_config

    out = {}
    for name in names:
        model = getattr(keras.applications, name)(weights=None)
        out[name] = document_from_config(json.loads(model.to_json()))
    return out


def edges_of(doc):
    return [(ref.node, nid) for nid, node in doc.nodes.items() for ref in node.inputs if ref.node in doc.nodes]


def measure(doc, positions, polylines):
    """Crossings, edges through cards, area and aspect of a drawing."""
    rects = {nid: (x, y) + card_size(doc, nid) for nid, (x, y) in positions.items()}
    through = 0
    for (src, dst), line in polylines:
        for nid, r in rects.items():
            if nid not in (src, dst) and segments_cross_rect(line, r, 2.0):
                through += 1
    xs = [r[0] for r in rects.values()] + [r[0] + r[2] for r in rects.values()]
    ys = [r[1] for r in rects.values()] + [r[1] + r[3] for r in rects.values()]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return {"crossings": count_crossings([line for _, line in polylines]), "through": through,
            "area": w * h / 1e6, "aspect": w / max(h, 1.0)}


def ports(doc, positions, src, dst):
    w, h = card_size(doc, src)
    sx, sy = positions[src]
    tw, th = card_size(doc, dst)
    tx, ty = positions[dst]
    return (sx + w, sy + h / 2), (tx, ty + th / 2)


def run_ours(doc, repeats):
    def go():
        layout = layered_layout(doc)
        pos = layout.positions
        ends = [((s, t), ports(doc, pos, s, t)) for s, t in edges_of(doc)]
        obstacles = Obstacles({nid: (x, y) + card_size(doc, nid) for nid, (x, y) in pos.items()},
                              links=[p for _, p in ends])
        return pos, [(edge, obstacles.route(*p)) for edge, p in ends]
    times = times_ms(go, repeats)
    pos, lines = go()
    return statistics.median(times), measure(doc, pos, lines)


def former_columns(doc):
    """The former layout (baseline): columns by generation, barycenter sweeps, straight edges."""
    columns = generations(doc)
    row = {nid: float(i) for column in columns for i, nid in enumerate(column)}
    for sweep in range(4):
        forward = sweep % 2 == 0
        for column in (columns[1:] if forward else list(reversed(columns[:-1]))):
            def key(nid, fwd=forward):
                near = [r.node for r in doc.nodes[nid].inputs] if fwd else \
                    [c for c, n in doc.nodes.items() for r in n.inputs if r.node == nid]
                rows = [row[n] for n in near if n in row]
                return sum(rows) / len(rows) if rows else row[nid]
            column.sort(key=key)
            for i, nid in enumerate(column):
                row[nid] = float(i)
    tallest = max(len(c) for c in columns)
    return {nid: (x * 280.0, (i + (tallest - len(c)) / 2.0) * 130.0)
            for x, c in enumerate(columns) for i, nid in enumerate(c)}


def run_former(doc, repeats):
    times = times_ms(lambda: former_columns(doc), repeats)
    pos = former_columns(doc)
    lines = [((s, t), list(ports(doc, pos, s, t))) for s, t in edges_of(doc)]
    return statistics.median(times), measure(doc, pos, lines)


def run_igraph(doc, repeats):
    import igraph

    ids = list(doc.nodes)
    index = {nid: i for i, nid in enumerate(ids)}
    edges = sorted({(index[s], index[t]) for s, t in edges_of(doc)})
    pitch_main = 184.0 + GAP
    pitch_cross = 80.0 + 22.0 + NODE_GAP

    def go():
        g = igraph.Graph(n=len(ids), edges=edges, directed=True)
        return g.layout_sugiyama(hgap=1, vgap=1)
    times = times_ms(go, repeats)
    layout = go()
    pos = {nid: (layout.coords[i][1] * pitch_main, layout.coords[i][0] * pitch_cross) for nid, i in index.items()}
    # igraph 1.0's Python API returns no dummy positions, so its edges are straight port-to-port lines
    lines = [((s, t), list(ports(doc, pos, s, t))) for s, t in edges_of(doc)]
    return statistics.median(times), measure(doc, pos, lines)


def run_dot(doc, repeats):
    ids = list(doc.nodes)
    lines = ["digraph g {", "rankdir=LR;", f"ranksep={GAP / 72:.3f};", f"nodesep={NODE_GAP / 72:.3f};",
             "node [shape=box, fixedsize=true];"]
    for i, nid in enumerate(ids):
        w, h = card_size(doc, nid)
        lines.append(f'n{i} [width={w / 72:.3f}, height={(h + 22) / 72:.3f}];')
    index = {nid: i for i, nid in enumerate(ids)}
    for s, t in edges_of(doc):
        lines.append(f"n{index[s]} -> n{index[t]};")
    lines.append("}")
    with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as fh:
        fh.write("\n".join(lines))
        path = fh.name
    try:
        def go():
            return subprocess.run(["dot", "-Tplain", path], capture_output=True, text=True, check=True).stdout
        times = times_ms(go, repeats)
        out = go()
    finally:
        os.unlink(path)
    pos, polylines = {}, []
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "node":
            nid = ids[int(parts[1][1:])]
            x, y, w, h = (float(v) * 72 for v in parts[2:6])
            cw, ch = card_size(doc, nid)
            pos[nid] = (x - cw / 2, -y - ch / 2)
        elif parts[0] == "edge":
            n = int(parts[3])
            pts = [(float(parts[4 + 2 * k]) * 72, -float(parts[5 + 2 * k]) * 72) for k in range(n)]
            polylines.append(((ids[int(parts[1][1:])], ids[int(parts[2][1:])]), _bezier(pts)))
    return statistics.median(times), measure(doc, pos, polylines)


def _bezier(ctrl):
    out = [ctrl[0]]
    for k in range(0, len(ctrl) - 3, 3):
        p0, p1, p2, p3 = ctrl[k:k + 4]
        for step in range(1, 9):
            t = step / 8
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="no keras.applications, fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    graphs = {"inception template": templates.load_template("inception"),
              "multi-output template": templates.load_template("multi-output"),
              "residual_mlp 800": residual_mlp(800), "branchy_chain 800": branchy_chain(800)}
    if not args.quick:
        graphs.update(keras_applications(["MobileNetV2", "DenseNet121", "InceptionV3", "InceptionResNetV2"]))
    methods = [("former", run_former), ("ours", run_ours)]
    if _has_igraph():
        methods.append(("igraph", run_igraph))
    if shutil.which("dot"):
        methods.append(("dot", run_dot))
    print(f"{'graph':24} {'method':8} {'nodes':>5} {'ms':>8} {'cross':>6} {'thru':>5} {'area':>7} {'aspect':>7}")
    ok = True
    for name, doc in graphs.items():
        figures = {}
        for method, fn in methods:
            ms, m = fn(doc, repeats)
            figures[method] = (ms, m)
            print(f"{name:24} {method:8} {len(doc.nodes):5d} {ms:8.1f} {m['crossings']:6d} {m['through']:5d} "
                  f"{m['area']:7.1f} {m['aspect']:7.2f}")
        ours = figures["ours"]
        if "dot" in figures:
            dot_c = figures["dot"][1]["crossings"]
            print(f"{'':24} ours/dot: time x{ours[0] / figures['dot'][0]:.2f}, crossings {ours[1]['crossings']} vs "
                  f"{dot_c} (goal <= x1.1), area x{ours[1]['area'] / figures['dot'][1]['area']:.2f}")
        if len(doc.nodes) >= 700 and ours[0] > LAYOUT_BUDGET_MS:
            ok = False
            print(f"{'':24} over budget: {ours[0]:.0f} ms > {LAYOUT_BUDGET_MS:.0f} ms")
    return 0 if ok else 1


def _has_igraph() -> bool:
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
