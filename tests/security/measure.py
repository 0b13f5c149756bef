"""Run one hostile operation in a fresh Python process and measure it with ``resource``.

``python -m tests.security.measure KIND PATH`` prints one JSON line: the seconds taken, the
process's peak RSS in MB and how the operation ended (``ok`` or the exception's class and message).
"""

from __future__ import annotations

import json
import resource
import sys
import time


def run(kind: str, path: str) -> dict:
    """Do ``kind`` (``import`` or ``open``) on ``path`` and measure it."""
    if kind == "import":
        from codegen.importer import import_model_file as action
    else:
        from graph_core.loom_format import load as action
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        action(path)
        outcome = "ok"
    except Exception as exc:  # the measurement reports whatever happened
        outcome = f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_mb": peak / 1024, "grew_mb": (peak - start_rss) / 1024,
            "outcome": outcome}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2])))
