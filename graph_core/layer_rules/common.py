"""Helpers shared by the layer rules: errors with good messages, conv arithmetic, dtypes.

Everything here is cheap: rules run for every node on every edit.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_core.errors import ShapeError
from graph_core.tensor import FLOAT_DTYPES, TensorSpec, format_shape

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import NoReturn

#: Filled by ``graph_core.catalog``: layer type -> LayerSpec (for wrapper layers).
REGISTRY: dict = {}

FLOAT32 = "float32"

HINT_FLATTEN = "Reshape or Flatten first"
HINT_VARIABLE = (
    "give the Input a fixed length, or reduce the variable axis first with "
    "GlobalAveragePooling1D or a recurrent layer (LSTM/GRU)"
)


def fmt(shape) -> str:
    """``format_shape`` for a shape given as a tuple or list."""
    return format_shape(None if shape is None else tuple(shape))


def keep_dtype(dtype: str) -> str:
    """The output dtype of a layer that passes its input through unchanged.

    Keras casts floating inputs to the layer's compute dtype (float32) and leaves other
    dtypes (ints, bool) alone.
    """
    return FLOAT32 if dtype in FLOAT_DTYPES else dtype


def unknown(n: int = 1, dtype: str = FLOAT32) -> list:
    """``n`` output specs of unknown shape."""
    return [TensorSpec(None, dtype)] * n


def any_unknown(inputs: Sequence[TensorSpec]) -> bool:
    """True when the shape of some input is unknown as a whole."""
    for spec in inputs:
        if spec.shape is None:
            return True
    return False


def prod(values) -> int:
    """Product of integers (1 for an empty sequence)."""
    out = 1
    for v in values:
        out *= v
    return out


def as_tuple(value, length: int) -> tuple:
    """``value`` as a tuple of ``length`` entries (an int is repeated)."""
    if isinstance(value, int):
        return (value,) * length
    return tuple(value)


def rank_error(layer: str, want: str, layout: str, shape, hint: str) -> NoReturn:
    """Raise a ``shape.rank`` error, e.g. "Conv2D needs a 4-D input (batch, ...), got ..."."""
    raise ShapeError(
        f"{layer} needs a {want} input {layout}, got {fmt(shape)}", hint, "shape.rank"
    )


def need_rank(layer: str, shape, rank: int, layout: str, hint: str = HINT_FLATTEN) -> None:
    """Raise ``shape.rank`` unless ``shape`` has exactly ``rank`` axes (batch included)."""
    if len(shape) != rank:
        rank_error(layer, f"{rank}-D", layout, shape, hint)


def need_min_rank(layer: str, shape, rank: int, layout: str, hint: str = "") -> None:
    """Raise ``shape.rank`` unless ``shape`` has at least ``rank`` axes."""
    if len(shape) < rank:
        rank_error(layer, f"{rank}-D or higher", layout, shape, hint)


def need_known(layer: str, shape, axis: int, what: str, hint: str = "") -> int:
    """Return ``shape[axis]``; raise ``shape.undefined_dim`` when it is None.

    Args:
        layer: the layer type, for the message.
        shape: the input shape.
        axis: the axis that must be known (may be negative).
        what: what that axis is, e.g. "the feature axis" or "the channel axis".
        hint: what to do about it.
    """
    dim = shape[axis]
    if dim is None:
        pos = axis % len(shape)
        raise ShapeError(
            f"{layer} needs a fixed size on {what} (axis {pos}) to create its weights, "
            f"got {fmt(shape)}",
            hint or "give that axis a fixed size on the Input, or Reshape it",
            "shape.undefined_dim",
        )
    return dim


def params_unknown(layer: str) -> NoReturn:
    """Raise ``shape.unknown``: the parameter count depends on an unknown input shape."""
    raise ShapeError(
        f"{layer}: the parameter count depends on an input shape that is not known yet",
        "connect an input whose shape is known",
        "shape.unknown",
    )


def known_shapes(layer: str, inputs: Sequence[TensorSpec]) -> list:
    """The input shapes; raise ``shape.unknown`` (for count_params) when one is unknown."""
    shapes = [spec.shape for spec in inputs]
    if None in shapes:
        params_unknown(layer)
    return shapes


def channels_first(config: dict) -> bool:
    """True when the config asks for ``data_format="channels_first"``."""
    return config.get("data_format") == "channels_first"


def split_channels(shape, first: bool):
    """Split an image-like shape into (spatial dims, channel dim)."""
    if first:
        return shape[2:], shape[1]
    return shape[1:-1], shape[-1]


def join_channels(batch, spatial, channels, first: bool) -> tuple:
    """Inverse of :func:`split_channels`."""
    if first:
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def spatial_layout(n: int, first: bool) -> str:
    """The axis names of an n-D spatial input, e.g. "(batch, rows, cols, channels)"."""
    names = {1: ("steps",), 2: ("rows", "cols"), 3: ("depth", "rows", "cols")}[n]
    if first:
        return "(batch, channels, " + ", ".join(names) + ")"
    return "(batch, " + ", ".join(names) + ", channels)"


def conv_length(size: int | None, kernel: int, stride: int, padding: str, dilation: int):
    """Output length of a convolution or pooling along one axis (None stays None)."""
    if size is None:
        return None
    if padding == "valid":
        return (size - dilation * (kernel - 1) - 1) // stride + 1
    return (size - 1) // stride + 1


def deconv_length(size, kernel: int, stride: int, padding: str, out_pad, dilation: int):
    """Output length of a transposed convolution along one axis (None stays None)."""
    if size is None:
        return None
    kernel = (kernel - 1) * dilation + 1
    if padding == "valid":
        if out_pad is None:
            out_pad = max(kernel, stride) - kernel
        return (size - 1) * stride + kernel + out_pad
    if out_pad is None:
        return size * stride
    return (size - 1) * stride + kernel % 2 + out_pad


def negative_dim(layer: str, shape, out, detail: str) -> NoReturn:
    """Raise ``shape.negative_dim`` for an output size that would be zero or negative."""
    raise ShapeError(
        f"{layer} output size would be zero or negative ({fmt(out)}) for input "
        f"{fmt(shape)} with {detail}",
        "use padding='same', a smaller kernel/pool/stride, or a larger input",
        "shape.negative_dim",
    )


def normalize_axis(layer: str, axis: int, shape, what: str = "axis") -> int:
    """``axis`` as a non-negative index into ``shape``; raise ``shape.axis`` when out of range."""
    rank = len(shape)
    if not -rank <= axis < rank:
        raise ShapeError(
            f"{layer} {what} {axis} is out of range for input {fmt(shape)} "
            f"(valid: {-rank} to {rank - 1})",
            "use -1 for the last axis",
            "shape.axis",
        )
    return axis % rank


def arity_error(layer: str, want: str, got: int) -> NoReturn:
    """Raise ``shape.arity``: wrong number of inputs."""
    raise ShapeError(
        f"{layer} takes {want}, got {got}", "connect the right number of inputs", "shape.arity"
    )
