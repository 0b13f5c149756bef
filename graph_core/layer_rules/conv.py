"""Convolution layers: ConvND, ConvNDTranspose, SeparableConv2D, DepthwiseConv2D."""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    channels_first,
    conv_length,
    deconv_length,
    fmt,
    join_channels,
    known_shapes,
    need_known,
    need_rank,
    negative_dim,
    prod,
    spatial_layout,
    split_channels,
    unknown,
)
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

CONV = "conv"
TRANSPOSE = "transpose"
SEPARABLE = "separable"
DEPTHWISE = "depthwise"


def rank_hint(n: int) -> str:
    """What to do when a conv layer gets an input of the wrong rank."""
    if n == 1:
        return "Reshape to (steps, channels) first, e.g. Reshape((n, 1)); for images use Conv2D"
    if n == 2:
        return "Reshape or Flatten first; for sequences use Conv1D"
    return "Reshape first; for images use Conv2D, for sequences Conv1D"


def make_infer(layer: str, n: int, kind: str):
    """Infer function of an n-D convolution of the given kind."""
    layouts = (spatial_layout(n, False), spatial_layout(n, True))
    hint = rank_hint(n)

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        first = channels_first(config)
        need_rank(layer, shape, n + 2, layouts[first], hint)
        spatial, ch = split_channels(shape, first)
        need_known(layer, shape, 1 if first else -1, "the channel axis",
                   "give the Input a fixed number of channels")
        kernel, strides, dil = config["kernel_size"], config["strides"], config["dilation_rate"]
        padding = config["padding"]
        if kind == TRANSPOSE:
            opad = config["output_padding"]
            out = tuple(deconv_length(s, kernel[i], strides[i], padding,
                                      None if opad is None else opad[i], dil[i])
                        for i, s in enumerate(spatial))
        else:
            out = tuple(conv_length(s, kernel[i], strides[i], padding, dil[i])
                        for i, s in enumerate(spatial))
        for d in out:
            if d is not None and d <= 0:
                negative_dim(layer, shape, out,
                             f"kernel_size {fmt(kernel)}, strides {fmt(strides)}, "
                             f"dilation_rate {fmt(dil)}, padding '{padding}'")
        if kind == CONV:
            groups = config["groups"]
            if ch % groups:
                raise ShapeError(
                    f"{layer} with groups={groups} needs the input channels to be divisible "
                    f"by {groups}, got {ch} channels in {fmt(shape)}",
                    "change groups or the number of channels", "shape.channels")
        filters = ch * config["depth_multiplier"] if kind == DEPTHWISE else config["filters"]
        return [TensorSpec(join_channels(shape[0], out, filters, first), FLOAT32)]

    return infer


def make_count(layer: str, kind: str):
    """count_params function of a convolution of the given kind."""

    def count(config: dict, inputs: list) -> tuple:
        (shape,) = known_shapes(layer, inputs)
        ch = shape[1] if channels_first(config) else shape[-1]
        k = prod(config["kernel_size"])
        bias = config["use_bias"]
        if kind == DEPTHWISE:
            out = ch * config["depth_multiplier"]
            return k * out + (out if bias else 0), 0
        filters = config["filters"]
        if kind == CONV:
            weights = k * (ch // config["groups"]) * filters
        elif kind == TRANSPOSE:
            weights = k * ch * filters
        else:
            dm = config["depth_multiplier"]
            weights = k * ch * dm + ch * dm * filters
        return weights + (filters if bias else 0), 0

    return count


def check_conv(config: dict) -> list:
    """Cross-argument rules Keras enforces in the constructor of Conv and ConvTranspose."""
    problems = []
    groups = config.get("groups", 1)
    filters = config.get("filters")
    if isinstance(groups, int) and isinstance(filters, int) and groups > 0 and filters % groups:
        problems.append(("groups", (f"filters ({filters}) must be divisible by groups "
                         f"({groups})"), "choose filters as a multiple of groups"))
    strides, dil = config["strides"], config["dilation_rate"]
    if max(strides) > 1 and max(dil) > 1:
        problems.append(("dilation_rate", (f"strides {fmt(strides)} > 1 cannot be combined "
                         f"with dilation_rate {fmt(dil)} > 1"), "set one of them to 1"))
    opad = config.get("output_padding")
    if opad is not None and any(o >= s for o, s in zip(opad, strides)):
        problems.append(("output_padding", (f"output_padding {fmt(opad)} must be smaller "
                         f"than strides {fmt(strides)} on every axis"),
                         "use output_padding < strides, or None"))
    return problems


def _params(n: int, kind: str, causal: bool) -> tuple:
    ones = 1 if n == 1 else (1,) * n
    head = () if kind == DEPTHWISE else (
        P.positive_int("filters", "number of output channels"),)
    ps = head + (
        P.int_tuple("kernel_size", REQUIRED, n, "size of the convolution window", main=True),
        P.int_tuple("strides", ones, n, "step of the window"),
        P.padding(causal=causal),
    )
    if kind == TRANSPOSE:
        ps += (P.int_tuple("output_padding", None, n, "extra size added to one side of the "
                           "output", minimum=0, allow_none=True),)
    ps += (P.data_format(),
           P.int_tuple("dilation_rate", ones, n, "spacing between kernel elements"))
    if kind == CONV:
        ps += (ParamSpec("groups", "int", 1, minimum=1, doc="number of channel groups"),)
    if kind in (SEPARABLE, DEPTHWISE):
        ps += (ParamSpec("depth_multiplier", "int", 1, minimum=1,
                         doc="depthwise output channels per input channel",
                         main=kind == DEPTHWISE),)
    ps += (P.activation(None), P.use_bias())
    if kind in (CONV, TRANSPOSE):
        return ps + P.dense_extras()
    if kind == SEPARABLE:
        return ps + (
            P.initializer("depthwise_initializer", "glorot_uniform"),
            P.initializer("pointwise_initializer", "glorot_uniform"),
            P.initializer("bias_initializer", "zeros"),
        ) + P.regularizers("depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
                           "activity_regularizer", "depthwise_constraint",
                           "pointwise_constraint", "bias_constraint")
    return ps + (
        P.initializer("depthwise_initializer", "glorot_uniform"),
        P.initializer("bias_initializer", "zeros"),
    ) + P.regularizers("depthwise_regularizer", "bias_regularizer", "activity_regularizer",
                       "depthwise_constraint", "bias_constraint")


def _spec(layer: str, n: int, kind: str, description: str) -> LayerSpec:
    causal = n == 1 and kind == CONV
    return LayerSpec(layer, "Convolution", description, _params(n, kind, causal), 1, 1,
                     make_infer(layer, n, kind), make_count(layer, kind),
                     check=check_conv if kind in (CONV, TRANSPOSE) else None)


SPECS = (
    _spec("Conv1D", 1, CONV, "1-D convolution over steps (sequences, audio, time series)."),
    _spec("Conv2D", 2, CONV, "2-D convolution over rows and columns (images)."),
    _spec("Conv3D", 3, CONV, "3-D convolution over depth, rows and columns (volumes, video)."),
    _spec("Conv1DTranspose", 1, TRANSPOSE, "Transposed 1-D convolution (learned upsampling)."),
    _spec("Conv2DTranspose", 2, TRANSPOSE, "Transposed 2-D convolution (learned upsampling)."),
    _spec("Conv3DTranspose", 3, TRANSPOSE, "Transposed 3-D convolution (learned upsampling)."),
    _spec("SeparableConv1D", 1, SEPARABLE, "Depthwise 1-D convolution then a 1x1 convolution."),
    _spec("SeparableConv2D", 2, SEPARABLE, "Depthwise 2-D convolution then a 1x1 convolution."),
    _spec("DepthwiseConv1D", 1, DEPTHWISE, "1-D convolution applied to each channel separately."),
    _spec("DepthwiseConv2D", 2, DEPTHWISE, "2-D convolution applied to each channel separately."),
)
