"""Rebuild the bundled sample data from the files scikit-learn ships (no download at run time).

Usage (once, by a maintainer)::

    pip download scikit-learn --no-deps -d /tmp/skl && cd /tmp/skl && unzip -o scikit_learn-*.whl 'sklearn/datasets/*'
    python assets/data/build_sample_data.py /tmp/skl/sklearn/datasets

Writes ``digits.npz`` (compressed; ``pixels`` (1797, 64), ``image`` (1797, 8, 8, 1), ``digit``
(1797,), uint8, pixel values 0..16) and ``iris.csv`` (a header row, four float features and the
species id 0..2) beside this script.
"""

import csv
import gzip
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main(datasets: Path) -> None:
    with gzip.open(datasets / "data" / "digits.csv.gz", "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    pixels = table[:, :64].astype(np.uint8)
    digit = table[:, 64].astype(np.uint8)
    np.savez_compressed(HERE / "digits.npz", pixels=pixels, image=pixels.reshape(-1, 8, 8, 1), digit=digit)
    with open(datasets / "data" / "iris.csv", newline="") as handle:
        rows = list(csv.reader(handle))[1:]  # the first line holds counts and class names
    with open(HERE / "iris.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
