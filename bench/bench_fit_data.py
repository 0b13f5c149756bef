"""Benchmark: training on real data from a file, and what loading a large ``.npz`` costs.

1. Fit time (target ≤ 1.05×): the ``digits-cnn`` template on the bundled digits
   (``assets/data/digits.npz``, a seeded 20 % validation split), alternately

   - LayerLoom: ``codegen.worker_tasks.fit_task`` as the editor's worker runs it (read and check
     the file, build, best-weights checkpoint, per-batch and per-epoch progress, cancel check);
   - by hand: a Keras script reading the same file — ``np.load``, float32 images, one-hot
     labels, the same split, the exported ``build_model()``, ``model.fit(validation_data=…)``;

   and prints the median wall times and their ratio.
2. Loading memory (target: the arrays are copied at most once): writes a ~100 MB ``.npz``
   (float32 features and int class ids) and measures with ``tracemalloc`` the peak memory of
   ``codegen.data_readers.read_npz`` and of the whole ``codegen.data_loaders.load_model_data``
   (read, check, dtype casts, one-hot targets) against the bytes of the arrays in the file.

Run: ``.venv/bin/python bench/bench_fit_data.py [--repeat 5] [--epochs 8] [--megabytes 100]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TARGET_RATIO = 1.05
ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "assets" / "data" / "digits.npz"


def _loom_run(doc, project, epochs: int) -> float:
    from codegen.worker_tasks import fit_task

    progress = []
    start = time.perf_counter()
    fit_task(doc, project, overrides={"epochs": epochs}, on_batch=progress.append, on_epoch=progress.append,
             should_stop=lambda: False)
    return time.perf_counter() - start


def _hand_run(build_model, epochs: int, batch_size: int, split: float, seed: int) -> float:
    import keras
    import numpy as np

    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    model = build_model()
    with np.load(DIGITS) as archive:
        images = archive["image"].astype("float32")
        labels = np.eye(10, dtype="float32")[archive["digit"]]
    order = np.random.default_rng(seed).permutation(len(images))
    held = int(round(len(images) * split))
    val, train = np.sort(order[:held]), np.sort(order[held:])
    model.fit(images[train], labels[train], validation_data=(images[val], labels[val]), epochs=epochs,
              batch_size=batch_size, shuffle=True, verbose=0)
    return time.perf_counter() - start


def bench_fit(repeat: int, epochs: int) -> float:
    from codegen.python_export import export_python
    from graph_core import loom_format
    from graph_core.templates import template_path

    project = template_path("digits-cnn")
    doc = loom_format.load(project)
    namespace = {"__name__": "hand_written"}
    exec(compile(export_python(doc), "<digits-cnn>", "exec"), namespace)
    build_model = namespace["build_model"]
    hand_args = (epochs, doc.fit["batch_size"], doc.fit["validation_split"], doc.fit["seed"])
    _loom_run(doc, project, epochs)  # warm-up: TensorFlow kernels, imports
    _hand_run(build_model, *hand_args)
    loom, hand = [], []
    for k in range(repeat):
        if k % 2 == 0:
            loom.append(_loom_run(doc, project, epochs))
            hand.append(_hand_run(build_model, *hand_args))
        else:
            hand.append(_hand_run(build_model, *hand_args))
            loom.append(_loom_run(doc, project, epochs))
    ratio = statistics.median(loom) / statistics.median(hand)
    print(f"digits-cnn, {epochs} epochs on {DIGITS.name}: LayerLoom {statistics.median(loom):6.3f} s   "
          f"by hand {statistics.median(hand):6.3f} s   ratio {ratio:.3f}  "
          f"({'OK' if ratio <= TARGET_RATIO else 'OVER'} ≤ {TARGET_RATIO})", flush=True)
    return ratio


def _peak(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


def bench_loading(megabytes: int) -> float:
    import numpy as np

    from codegen.data_loaders import load_model_data
    from codegen.data_readers import read_npz
    from graph_core.builder import GraphBuilder
    from graph_core.edits import SetDataSection

    features = 256
    rows = megabytes * 1024 * 1024 // (features * 4 + 8)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="bench-npz-") as folder:
        path = Path(folder) / "big.npz"
        x = rng.random((rows, features), dtype=np.float32)
        y = rng.integers(0, 10, rows)
        array_bytes = x.nbytes + y.nbytes
        np.savez(path, x=x, y=y)
        del x, y
        b = GraphBuilder("big")
        h = b.input("x", shape=(features,))
        b.output(b.layer("Dense", h, units=10, activation="softmax", name="y"), loss="sparse_categorical_crossentropy")
        doc = b.document
        doc.apply(SetDataSection({"sources": [{"id": "big", "kind": "npz", "path": str(path)}]}))
        read_peak = _peak(lambda: read_npz(path))
        load_peak = _peak(lambda: load_model_data(doc))
        print(f"{path.stat().st_size / 2**20:.0f} MB .npz ({array_bytes / 2**20:.1f} MB of arrays): "
              f"read_npz peak {read_peak / 2**20:.1f} MB ({read_peak / array_bytes:.3f}× the arrays), "
              f"load_model_data peak {load_peak / 2**20:.1f} MB ({load_peak / array_bytes:.3f}×)  "
              f"({'OK' if load_peak <= 1.05 * array_bytes else 'OVER'}: at most one copy)", flush=True)
        return load_peak / array_bytes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args(argv)
    from codegen.quiet import import_keras_quietly

    import_keras_quietly()
    copies = bench_loading(args.megabytes)
    ratio = bench_fit(args.repeat, args.epochs)
    return 0 if ratio <= TARGET_RATIO and copies <= 1.05 else 1


if __name__ == "__main__":
    sys.exit(main())
