"""The static description of a tensor flowing along an edge: its shape and dtype."""

from __future__ import annotations

from graph_core.records import frozen

Shape = tuple[int | None, ...]


@frozen
class TensorSpec:
    """Shape (batch axis first, ``None`` for an unknown size) and dtype of one tensor.

    ``shape`` is ``None`` as a whole when nothing is known about the tensor (a layer type
    outside the catalog, an application whose shapes are not cached yet).
    """

    shape: Shape | None
    dtype: str = "float32"

    @property
    def known(self) -> bool:
        """True when the shape is known (its rank at least)."""
        return self.shape is not None

    @property
    def rank(self) -> int | None:
        """Number of axes including the batch axis, or None when unknown."""
        return None if self.shape is None else len(self.shape)


def format_shape(shape: Shape | None) -> str:
    """Render a shape as Keras prints it, e.g. ``(None, 32)``; ``?`` when unknown."""
    if shape is None:
        return "?"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


INTEGER_DTYPES = frozenset(
    {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
)
FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})
