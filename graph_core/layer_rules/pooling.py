"""Pooling layers: Max/AveragePoolingND and GlobalMax/AveragePoolingND."""

from __future__ import annotations

from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    channels_first,
    conv_length,
    fmt,
    join_channels,
    need_rank,
    negative_dim,
    spatial_layout,
    split_channels,
    unknown,
)
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_RANK_HINT = {
    1: "for images use the 2D variant; Reshape to (steps, channels) first",
    2: "for sequences use the 1D variant; Reshape to (rows, cols, channels) first",
    3: "for images use the 2D variant",
}


def make_pool(layer: str, n: int):
    """Infer function of Max/AveragePoolingND."""
    layouts = (spatial_layout(n, False), spatial_layout(n, True))

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        first = channels_first(config)
        need_rank(layer, shape, n + 2, layouts[first], _RANK_HINT[n])
        spatial, ch = split_channels(shape, first)
        pool = config["pool_size"]
        strides = config["strides"] or pool
        padding = config["padding"]
        out = tuple(conv_length(s, pool[i], strides[i], padding, 1)
                    for i, s in enumerate(spatial))
        for d in out:
            if d is not None and d <= 0:
                negative_dim(layer, shape, out, f"pool_size {fmt(pool)}, strides "
                             f"{fmt(strides)}, padding '{padding}'")
        return [TensorSpec(join_channels(shape[0], out, ch, first), FLOAT32)]

    return infer


def make_global(layer: str, n: int):
    """Infer function of GlobalMax/AveragePoolingND."""
    layouts = (spatial_layout(n, False), spatial_layout(n, True))

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        first = channels_first(config)
        need_rank(layer, shape, n + 2, layouts[first], _RANK_HINT[n])
        ch = shape[1] if first else shape[-1]
        if config["keepdims"]:
            return [TensorSpec(join_channels(shape[0], (1,) * n, ch, first), FLOAT32)]
        return [TensorSpec((shape[0], ch), FLOAT32)]

    return infer


def _pool_spec(mode: str, n: int) -> LayerSpec:
    layer = f"{mode}Pooling{n}D"
    default = (2 if n == 1 else (2,) * n) if mode == "Max" else REQUIRED
    what = "maximum" if mode == "Max" else "average"
    return LayerSpec(
        layer, "Pooling", f"Downsamples by taking the {what} over windows of pool_size.",
        (P.int_tuple("pool_size", default, n, "size of the pooling window", main=True),
         P.int_tuple("strides", None, n, "step of the window (None: pool_size)",
                     allow_none=True),
         P.padding(), P.data_format()),
        1, 1, make_pool(layer, n), no_params)


def _global_spec(mode: str, n: int) -> LayerSpec:
    layer = f"Global{mode}Pooling{n}D"
    what = "maximum" if mode == "Max" else "average"
    return LayerSpec(
        layer, "Pooling", f"Takes the {what} over all spatial positions of each channel.",
        (P.data_format(),
         ParamSpec("keepdims", "bool", False, doc="keep the spatial axes with size 1")),
        1, 1, make_global(layer, n), no_params)


SPECS = tuple(_pool_spec(m, n) for m in ("Max", "Average") for n in (1, 2, 3)) + tuple(
    _global_spec(m, n) for m in ("Max", "Average") for n in (1, 2, 3))
