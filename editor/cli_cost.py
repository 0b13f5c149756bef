"""``layerloom diff`` and ``layerloom profile`` (no Qt; profile imports Keras only when it runs)."""

from __future__ import annotations

import json
import sys

from editor.cli import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE


def _load(path: str, as_json: bool):
    """The document at ``path``, or None after printing why it cannot be read."""
    from graph_core import loom_format
    from graph_core.errors import LoomFormatError

    try:
        return loom_format.load(path)
    except LoomFormatError as exc:
        if as_json:
            print(json.dumps({"error": {"file": path, "path": exc.path, "message": exc.message}}))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return None


def _bad_batch(batch_size: int) -> bool:
    if batch_size >= 1:
        return False
    print(f"error: --batch-size must be a positive integer, got {batch_size}", file=sys.stderr)
    return True


def diff_command(path_a: str, path_b: str, as_json: bool = False, batch_size: int = 1) -> int:
    """``layerloom diff A B``: exit 0 when the models are the same, 1 when they differ, 2 when unreadable."""
    from graph_core.cost_text import human_bytes, human_count
    from graph_core.diff import diff

    if _bad_batch(batch_size):
        return EXIT_UNREADABLE
    a = _load(path_a, as_json)
    b = _load(path_b, as_json) if a is not None else None
    if a is None or b is None:
        return EXIT_UNREADABLE
    result = diff(a, b, batch_size)
    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        for line in result.lines():
            print(line)
        d = result.delta

        def signed(value, fmt):
            return "?" if value is None else ("+" if value >= 0 else "-") + fmt(abs(value))

        print(f"{path_a} → {path_b}: {len(result.added)} added, {len(result.removed)} removed, "
              f"{len(result.changed)} changed, {len(result.rewired)} rewired; params {signed(d['params'], str)}, "
              f"FLOPs {signed(d['flops'], human_count)}, weights {signed(d['weight_bytes'], human_bytes)}, "
              f"activations {signed(d['activation_bytes'], human_bytes)} at batch {batch_size}")
    return EXIT_OK if result.empty else EXIT_INVALID


def profile_command(path: str, batch_size: int = 1, repeats: int = 10, as_json: bool = False) -> int:
    """``layerloom profile``: per-layer forward time, measured with Keras; exit 1 when the model is invalid."""
    from graph_core import check

    if _bad_batch(batch_size) or repeats < 1:
        if repeats < 1:
            print(f"error: --repeats must be a positive integer, got {repeats}", file=sys.stderr)
        return EXIT_UNREADABLE
    doc = _load(path, as_json)
    if doc is None:
        return EXIT_UNREADABLE
    result = check(doc)
    if not result.valid:
        print(f"error: {path} is not a valid model: {result.errors[0].message}", file=sys.stderr)
        return EXIT_INVALID
    from codegen.errors import CodegenError
    from codegen.profile import profile_model

    try:
        report = profile_model(doc, batch_size=batch_size, repeats=repeats)
    except CodegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if as_json:
        print(json.dumps(report, indent=2))
        return EXIT_OK
    rows = sorted(report["nodes"].items(), key=lambda item: -item[1]["ms"])
    for nid, entry in rows:
        print(f"{entry['ms']:10.3f} ms  {entry['layer']} ({nid})")
    print(f"sum of layers {report['total_ms']:.3f} ms, whole model {report['model_ms']:.3f} ms "
          f"at batch {batch_size} (median of {repeats})")
    return EXIT_OK
