"""``layerloom trace FILE.loom [--json] [--input SAMPLE.npz] [--weights W.weights.h5] [--seed N]``."""

from __future__ import annotations

import json

from codegen.commands import EXIT_OK, EXIT_UNREADABLE, _error, _guarded, _keras, _run_on_valid


def run_trace(src: str, as_json: bool = False, sample: str | None = None, weights: str | None = None,
              seed: int = 0) -> int:
    """Print every node's output statistics for one sample (JSON with ``as_json``).

    Returns:
        0 done, 1 the model is invalid or the sample/weights do not fit, 2 unreadable files.
    """
    if seed is not None and seed < 0:
        _error(f"--seed must be at least 0, got {seed}")
        return EXIT_UNREADABLE

    def body(doc) -> int:
        _keras()
        from codegen.trace import load_sample, trace_document

        arrays = load_sample(sample, doc) if sample else None
        trace = trace_document(doc, arrays, weights=weights, seed=seed or 0)
        if as_json:
            print(json.dumps(trace.to_json(), indent=2))
            return EXIT_OK
        for step, nid in enumerate(trace.order, 1):
            item = trace.nodes[nid]
            shared = f" (call {item.call})" if len(doc.nodes_of(doc.nodes[nid].layer)) > 1 else ""
            for k, out in enumerate(item.outputs):
                label = f"{step:3}. {item.layer}{shared}" + (f" [{k}]" if len(item.outputs) > 1 else "")
                print(f"{label:40} {str(tuple(out['shape'])):22} {out['dtype']:8} "
                      f"mean {_num(out['mean'])} std {_num(out['std'])} "
                      f"min {_num(out['min'])} max {_num(out['max'])}")
        return EXIT_OK

    return _run_on_valid(src, lambda doc, _result: _guarded(lambda: body(doc)))


def _num(value) -> str:
    return "    nan" if value is None else f"{value:8.4f}"
