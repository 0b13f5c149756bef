"""Benchmark: full check (validation + shapes + params) of an 800-layer graph vs Keras building it,
and an incremental re-check after a single edit.

Targets: full check ≤ 16 ms median and ≥ 300× faster than Keras; incremental re-check ≤ 2 ms and
≤ 1 % of the full check, and the same at 10,000 layers (≤ 1.5× the 800-layer figure), after a
config edit and after a structural one (adding a layer after a middle Dense, and undoing it).
Run: .venv/bin/python bench/bench_check.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.graphs import residual_mlp
from bench.timing import times_ms
from graph_core.analysis import Analyzer, check
from graph_core.catalog import get_spec, resolve_config
from graph_core.document import Layer, Node, TensorRef
from graph_core.edits import AddNode, SetConfig


def _rule_calls(doc, result) -> list:
    """``(spec, resolved config, input specs)`` of every non-Input node, as the check saw them."""
    calls = []
    for node in doc.nodes.values():
        layer = doc.layers[node.layer]
        spec = get_spec(layer.type)
        if spec is not None and layer.type != "Input":
            inputs = [result.nodes[ref.node].output(ref.index) for ref in node.inputs]
            calls.append((spec, resolve_config(layer.type, layer.config), inputs))
    return calls


def _run_rules(calls: list) -> None:
    for spec, config, inputs in calls:
        spec.infer(config, inputs)
        spec.count_params(config, inputs)


def _incremental(doc) -> list:
    """Milliseconds of each re-check after changing ``units`` of a Dense in the middle of ``doc``."""
    analyzer = Analyzer(doc)
    analyzer.result()
    dense = [layer for layer in doc.layers.values() if layer.type == "Dense"]
    middle = dense[len(dense) // 2]
    times = []
    for i in range(41):
        doc.apply(SetConfig(middle.id, "units", 65 if i % 2 == 0 else 64))
        start = time.perf_counter()
        analyzer.result()
        times.append((time.perf_counter() - start) * 1000)
    analyzer.close()
    return times


def _structural(doc) -> list:
    """Milliseconds of each re-check after adding a Dense fed by a middle Dense, and after undoing
    that (the structural edits drawing a model makes most)."""
    analyzer = Analyzer(doc)
    analyzer.result()
    dense = [layer for layer in doc.layers.values() if layer.type == "Dense"]
    middle = doc.nodes_of(dense[len(dense) // 2].id)[0]
    times = []
    for i in range(21):
        edit = AddNode(Node(f"bench_n{i}", f"bench_l{i}", [TensorRef(middle, 0)]),
                       Layer(f"bench_l{i}", "Dense", f"bench_dense_{i}", {"units": 8}))
        for step in (doc.apply, doc.revert):
            step(edit)
            start = time.perf_counter()
            analyzer.result()
            times.append((time.perf_counter() - start) * 1000)
    analyzer.close()
    return times


def main() -> int:
    doc = residual_mlp(800)
    print(f"graph: {len(doc.layers)} layers, {len(doc.nodes)} nodes")
    result = check(doc)
    assert result.valid, result.problems[:3]

    full_times = times_ms(lambda: check(doc), 60)
    full, full_max = statistics.median(full_times), max(full_times)
    print(f"full check: median {full:.2f} ms (max {full_max:.2f}), {result.total:,} params")

    incremental = _incremental(doc)
    inc = statistics.median(incremental)
    print(f"incremental re-check after one edit (units of a middle Dense): median {inc:.3f} ms "
          f"(max {max(incremental):.3f}), {inc / full:.2%} of the full check (target ≤ 1 %)")
    big = residual_mlp(10000)
    inc_big = statistics.median(_incremental(big))
    print(f"the same at {len(big.nodes):,} layers: median {inc_big:.3f} ms, {inc_big / inc:.2f}× the "
          f"800-layer figure (target ≤ 1.5×)")

    structural = statistics.median(_structural(doc))
    structural_big = statistics.median(_structural(big))
    print(f"re-check after a structural edit (add a layer, undo it): median {structural:.3f} ms, "
          f"{structural / full:.2%} of the full check (target ≤ 1 %); at {len(big.nodes):,} layers "
          f"{structural_big:.3f} ms, {structural_big / structural:.2f}× (target ≤ 1.5×)")

    calls = _rule_calls(doc, result)
    rules = statistics.median(times_ms(lambda: _run_rules(calls), 25))
    print(f"shape and parameter rules alone (no graph checks): median {rules:.2f} ms, "
          f"{rules / full:.0%} of the full check")

    from codegen.build import build_model

    build_model(doc, compile=False)  # warm up TensorFlow
    keras_ms = statistics.median(times_ms(lambda: build_model(doc, compile=False), 3))
    print(f"Keras building the same model: median {keras_ms:.0f} ms")
    print(f"ratio Keras / full check: {keras_ms / full:.0f}×  (target ≥ 300×)")
    ok = (full <= 16 and inc <= 2 and inc <= full / 100 and inc_big <= 1.5 * inc and keras_ms / full >= 300
          and structural <= full / 100 and structural_big <= 1.5 * structural)
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
