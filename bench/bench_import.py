"""Benchmark: importing InceptionV3 (.keras, weights=None) as a document vs keras.models.load_model.

The import reads config.json from the archive and translates it without Keras; load_model
rebuilds the model and loads its weights. Both run in this process on the same file; medians of
several runs after a warm-up.

Target: import ≤ 1.5× load_model's time (it should be far below).
Run: .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import times_ms

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TARGET_RATIO = 1.5


def _summary(times: list) -> tuple:
    return statistics.median(times), min(times), max(times)


def main() -> int:
    import keras

    from codegen.importer import import_model_file
    from graph_core import check

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "inception_v3.keras")
        model = keras.applications.InceptionV3(weights=None)
        model.save(path)
        size_mb = os.path.getsize(path) / 1e6
        params = model.count_params()
        del model
        print(f"InceptionV3 .keras file: {size_mb:.1f} MB, {params:,} params")

        start = time.perf_counter()
        doc = import_model_file(path)
        first = (time.perf_counter() - start) * 1000
        result = check(doc)
        assert result.total == params, (result.total, params)
        print(f"document: {len(doc.layers)} layers, {len(doc.nodes)} nodes, {result.total:,} params "
              f"(first import {first:.1f} ms)")

        imp, imp_min, imp_max = _summary(times_ms(lambda: import_model_file(path), 9))
        print(f"import_model_file:        median {imp:8.1f} ms (min {imp_min:.1f}, max {imp_max:.1f})")
        with_check = statistics.median(times_ms(lambda: check(import_model_file(path)), 5))
        print(f"import + graph_core check: median {with_check:7.1f} ms")

        keras.models.load_model(path)  # warm up TensorFlow and Keras
        load, load_min, load_max = _summary(times_ms(lambda: keras.models.load_model(path), 3))
        print(f"keras.models.load_model:  median {load:8.1f} ms (min {load_min:.1f}, max {load_max:.1f})")

    ratio = imp / load
    verdict = "OK" if ratio <= TARGET_RATIO else "SLOWER THAN TARGET"
    print(f"ratio import / load_model: {ratio:.3f}× (target ≤ {TARGET_RATIO}×; "
          f"import is {load / imp:.0f}× faster) — {verdict}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
