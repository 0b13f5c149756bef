"""Convolutional LSTM layers: ConvLSTM1D, ConvLSTM2D, ConvLSTM3D.

Input ``(batch, time, *spatial, channels)`` (channels after time with channels_first); the
gates are convolutions, so the spatial output follows the convolution arithmetic.
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    channels_first,
    conv_length,
    fmt,
    known_shapes,
    need_known,
    need_rank,
    negative_dim,
    prod,
    unknown,
)
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_NAMES = {1: ("steps",), 2: ("rows", "cols"), 3: ("depth", "rows", "cols")}


def _layout(n: int, first: bool) -> str:
    spatial = ", ".join(_NAMES[n])
    if first:
        return f"(batch, time, channels, {spatial})"
    return f"(batch, time, {spatial}, channels)"


def make_infer(n: int):
    """Infer function of ConvLSTM{n}D."""
    layer = f"ConvLSTM{n}D"

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        filters = config["filters"]
        count = 3 if config["return_state"] else 1
        if shape is None:
            return unknown(count)
        first = channels_first(config)
        need_rank(layer, shape, n + 3, _layout(n, first),
                  f"{layer} reads a sequence of {n}-D feature maps; add a time axis with Reshape")
        ch_axis = 2 if first else -1
        need_known(layer, shape, ch_axis, "the channel axis")
        spatial = shape[3:] if first else shape[2:-1]
        for i in range(len(spatial)):
            need_known(layer, shape, (3 if first else 2) + i, "a spatial axis",
                       "the recurrent state needs fixed spatial sizes: give the Input them")
        kernel, strides = config["kernel_size"], config["strides"]
        dilation, padding = config["dilation_rate"], config["padding"]
        out = tuple(conv_length(s, kernel[i], strides[i], padding, dilation[i])
                    for i, s in enumerate(spatial))
        if any(d is not None and d <= 0 for d in out):
            negative_dim(layer, shape, out, f"kernel_size {fmt(kernel)}, strides {fmt(strides)}, "
                         f"padding '{padding}'")
        if config["stateful"] and shape[0] is None:
            raise ShapeError(f"{layer} with stateful=True needs a fixed batch size, got "
                             f"{fmt(shape)}", "set batch_size on the Input, or use stateful=False",
                             "shape.undefined_dim")
        state = (shape[0], filters, *out) if first else (shape[0], *out, filters)
        main = (shape[0], shape[1], *state[1:]) if config["return_sequences"] else state
        return [TensorSpec(main, FLOAT32)] + [TensorSpec(state, FLOAT32)] * (count - 1)

    return infer


def make_count(n: int):
    """count_params of ConvLSTM{n}D: input and recurrent kernels of 4 gates, and a bias."""
    layer = f"ConvLSTM{n}D"

    def count(config: dict, inputs: list) -> tuple:
        (shape,) = known_shapes(layer, inputs)
        channels = shape[2] if channels_first(config) else shape[-1]
        filters, k = config["filters"], prod(config["kernel_size"])
        total = 4 * filters * k * (channels + filters)
        if config["use_bias"]:
            total += 4 * filters
        return total, 0

    return count


def check_conv_lstm(config: dict) -> list:
    """Keras refuses strides > 1 together with dilation_rate > 1."""
    if any(s > 1 for s in config["strides"]) and any(d > 1 for d in config["dilation_rate"]):
        return [("dilation_rate", "strides > 1 cannot be combined with dilation_rate > 1",
                 "use strides=1 or dilation_rate=1")]
    return []


def _spec(n: int) -> LayerSpec:
    ones = 1 if n == 1 else (1,) * n
    params = (
        P.positive_int("filters", "number of output channels (and state channels)"),
        P.int_tuple("kernel_size", REQUIRED, n, "size of the convolution window", main=True),
        P.int_tuple("strides", ones, n, "step of the window"),
        P.padding(), P.data_format(),
        P.int_tuple("dilation_rate", ones, n, "spacing between kernel elements"),
        P.activation("tanh", main=False),
        P.activation("sigmoid", main=False, name="recurrent_activation"),
        P.use_bias(),
        P.initializer("kernel_initializer", "glorot_uniform"),
        P.initializer("recurrent_initializer", "orthogonal"),
        P.initializer("bias_initializer", "zeros"),
        ParamSpec("unit_forget_bias", "bool", True, doc="add 1 to the forget gate bias"),
        *P.regularizers("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                        "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                        "bias_constraint"),
        P.rate("dropout", 0.0, "dropout on the inputs"),
        P.rate("recurrent_dropout", 0.0, "dropout on the recurrent state"),
        P.seed(),
        ParamSpec("return_sequences", "bool", False, main=True,
                  doc="output every timestep, not just the last"),
        ParamSpec("return_state", "bool", False, doc="also output the final h and c states"),
        ParamSpec("go_backwards", "bool", False, doc="process the sequence backwards"),
        ParamSpec("stateful", "bool", False, doc="keep states between batches"),
    )
    what = {1: "sequences of 1-D signals", 2: "video (sequences of images)",
            3: "sequences of volumes"}[n]
    return LayerSpec(
        f"ConvLSTM{n}D", "Recurrent",
        f"LSTM whose gates are {n}-D convolutions, for {what}.",
        params, 1, 1, make_infer(n), make_count(n), check=check_conv_lstm,
        outputs=lambda c: 3 if c.get("return_state", False) else 1, frozen_by_trainable=False)


SPECS = tuple(_spec(n) for n in (1, 2, 3))
