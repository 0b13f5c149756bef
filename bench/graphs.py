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
