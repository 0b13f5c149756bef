"""Benchmark: LayerLoom's synthetic fit against a hand-written Keras script (target ≤ 1.05×).

For each template, alternately times

- LayerLoom: ``fit_synthetic(doc, ...)`` with per-batch and per-epoch progress callbacks and a
  cancel check (as the editor runs it): build, synthetic data, ``model.fit``;
- by hand: the same work written directly against Keras, the way the exported script does it:
  ``keras.utils.set_random_seed``, build the same model (the exported ``build_model()``), draw
  the same numpy data (the exported ``make_data()``), ``model.fit(x, y, verbose=0)``;

and prints the median wall times and their ratio.

Run: ``.venv/bin/python bench/bench_fit.py [--templates mlp siamese-lstm model-as-layer]
[--repeat 7] [--epochs 2] [--samples 2048] [--batch-size 32]``. Runs are long enough (64
steps per epoch) that TensorFlow tracing and machine noise do not dominate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TARGET_RATIO = 1.05


def _loom_run(doc, settings: dict) -> float:
    from codegen.fit import fit_synthetic

    progress = []
    start = time.perf_counter()
    fit_synthetic(doc, **settings, on_batch=progress.append, on_epoch=progress.append,
                  should_stop=lambda: False)
    return time.perf_counter() - start


def _hand_run(namespace: dict, settings: dict) -> float:
    import keras

    start = time.perf_counter()
    keras.utils.set_random_seed(settings["seed"])
    model = namespace["build_model"]()
    x, y = namespace["make_data"](settings["samples"], seed=settings["seed"])
    model.fit(x, y, epochs=settings["epochs"], batch_size=settings["batch_size"], verbose=0)
    return time.perf_counter() - start


def bench(slug: str, repeat: int, settings: dict) -> float:
    from codegen.python_export import export_python
    from graph_core.templates import load_template

    doc = load_template(slug)
    namespace = {"__name__": "hand_written"}
    exec(compile(export_python(doc), f"<{slug}>", "exec"), namespace)
    _loom_run(doc, settings)  # warm-up: TensorFlow kernels, imports
    _hand_run(namespace, settings)
    loom, hand = [], []
    for k in range(repeat):
        if k % 2 == 0:
            loom.append(_loom_run(doc, settings))
            hand.append(_hand_run(namespace, settings))
        else:
            hand.append(_hand_run(namespace, settings))
            loom.append(_loom_run(doc, settings))
    ratio = statistics.median(loom) / statistics.median(hand)
    print(f"{slug:16} LayerLoom {statistics.median(loom):7.3f} s   by hand "
          f"{statistics.median(hand):7.3f} s   ratio {ratio:.3f}  "
          f"({'OK' if ratio <= TARGET_RATIO else 'OVER'} ≤ {TARGET_RATIO})", flush=True)
    return ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", nargs="+", default=["mlp", "siamese-lstm", "model-as-layer"])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from codegen.quiet import import_keras_quietly

    import_keras_quietly()
    settings = {"epochs": args.epochs, "samples": args.samples, "batch_size": args.batch_size,
                "seed": args.seed}
    print(f"synthetic fit vs hand-written Keras: {settings}, median of {args.repeat} "
          f"alternating runs each")
    ratios = [bench(slug, args.repeat, settings) for slug in args.templates]
    worst = max(ratios)
    print(f"worst ratio {worst:.3f} (target ≤ {TARGET_RATIO})")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
