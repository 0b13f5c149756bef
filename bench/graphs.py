"""Large documents shared by the benchmarks."""

from __future__ import annotations

from graph_core.builder import GraphBuilder
from graph_core.document import Document


def residual_mlp(layer_count: int = 800, width: int = 64) -> Document:
    """A deep residual MLP of about ``layer_count`` layers: blocks of Dense → Dropout → Dense → Add.

    Every fifth block also normalizes, so several layer types and merges are exercised.
    """
    b = GraphBuilder(f"residual_mlp_{layer_count}")
    x = b.input("features", shape=[width])
    made = 1
    block = 0
    while made + 4 <= layer_count:
        y = b.layer("Dense", x, units=width, activation="relu")
        y = b.layer("Dropout", y, rate=0.1)
        y = b.layer("Dense", y, units=width)
        x = b.layer("Add", [x, y])
        made += 4
        block += 1
        if block % 5 == 0 and made + 1 <= layer_count - 1:
            x = b.layer("LayerNormalization", x)
            made += 1
    b.output(b.layer("Dense", x, name="predictions", units=10, activation="softmax"),
             loss="categorical_crossentropy")
    return b.document


def branchy_chain(n_layers: int = 800):
    """A valid document of about ``n_layers`` layers: a chain with branches and merges."""
    b = GraphBuilder("big_chain")
    x = b.input("features", shape=(64,))
    count = 1
    while count < n_layers - 1:
        if count % 10 == 0 and count + 3 < n_layers - 1:
            side = b.layer("Dense", x, units=64, activation="relu")
            main = b.layer("Dense", x, units=64, activation="relu")
            x = b.layer("Add", [main, side])
            count += 3
        elif count % 25 == 0 and count + 3 < n_layers - 1:
            a = b.layer("Dense", x, units=32)
            c = b.layer("Dropout", x, rate=0.1)
            x = b.layer("Concatenate", [a, c])
            x = b.layer("Dense", x, units=64)
            count += 4
        else:
            x = b.layer("Dense", x, units=64, activation="relu")
            count += 1
    b.output(b.layer("Dense", x, units=10, activation="softmax"), loss="categorical_crossentropy",
             metrics=["accuracy"])
    return b.document
