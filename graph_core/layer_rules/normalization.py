"""Normalization layers: Batch-, Layer-, Group- and UnitNormalization."""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    fmt,
    known_shapes,
    need_known,
    normalize_axis,
    prod,
    unknown,
)
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_HINT = "give that axis a fixed size on the Input (normalization learns one scale per entry)"


def _axes(axis) -> tuple:
    return axis if isinstance(axis, tuple) else (axis,)


def _feature_sizes(layer: str, config: dict, shape) -> list:
    """Sizes of the normalized axes; raise when out of range or unknown."""
    sizes = []
    for a in _axes(config["axis"]):
        pos = normalize_axis(layer, a, shape)
        sizes.append(need_known(layer, shape, pos, f"the normalized axis {a}", _HINT))
    return sizes


def make_infer(layer: str, weights: str = "always"):
    """Infer function of a normalization layer: same shape, axis checked.

    ``weights`` says when the layer creates per-feature weights (which need known sizes):
    "always" (moving statistics), "affine" (only with center or scale) or "never".
    """

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        if weights == "always" or (weights == "affine" and (config["center"] or config["scale"])):
            _feature_sizes(layer, config, shape)
        else:
            for a in _axes(config["axis"]):
                normalize_axis(layer, a, shape)
        return [TensorSpec(shape, FLOAT32)]

    return infer


def count_batchnorm(config: dict, inputs: list) -> tuple:
    """gamma + beta (trainable) and moving mean + variance (non-trainable)."""
    (shape,) = known_shapes("BatchNormalization", inputs)
    dim = shape[config["axis"]]
    return dim * (int(config["center"]) + int(config["scale"])), 2 * dim


def make_count(layer: str):
    """gamma and beta over the normalized axes."""

    def count(config: dict, inputs: list) -> tuple:
        (shape,) = known_shapes(layer, inputs)
        per_feature = int(config["center"]) + int(config["scale"])
        if not per_feature:
            return 0, 0
        return per_feature * prod(shape[a] for a in _axes(config["axis"])), 0

    return count


def infer_groupnorm(config: dict, inputs: list) -> list:
    """Same shape; the channel axis must split into ``groups`` groups."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    (dim,) = _feature_sizes("GroupNormalization", config, shape)
    groups = config["groups"]
    groups = dim if groups == -1 else groups
    if dim < groups or dim % groups:
        raise ShapeError(
            f"GroupNormalization with groups={groups} needs the channel count to be a "
            f"multiple of {groups}, got {dim} channels in {fmt(shape)}",
            "choose groups dividing the number of channels (e.g. 8), or -1 for one group per "
            "channel", "shape.channels")
    return [TensorSpec(shape, FLOAT32)]


def check_groups(config: dict) -> list:
    """groups is a positive int or -1."""
    g = config["groups"]
    if isinstance(g, int) and not isinstance(g, bool) and (g >= 1 or g == -1):
        return []
    return [("groups", f"groups must be a positive integer or -1, got {g!r}",
             "e.g. groups=8")]


def _normalization_axes(config: dict) -> tuple:
    axis = config["axis"]
    return () if axis is None else _axes(axis)


def infer_normalization(config: dict, inputs: list) -> list:
    """Same shape; the kept axes need fixed sizes (with or without given mean/variance)."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    for a in _normalization_axes(config):
        pos = normalize_axis("Normalization", a, shape)
        need_known("Normalization", shape, pos, f"the kept axis {a}", _HINT)
    return [TensorSpec(shape, FLOAT32)]


def count_normalization(config: dict, inputs: list) -> tuple:
    """mean and variance per kept entry plus a count (all non-trainable); none for constants."""
    (shape,) = known_shapes("Normalization", inputs)
    if config["mean"] is not None:
        return 0, 0
    size = prod(shape[a] for a in _normalization_axes(config))
    return 0, 2 * size + 1


def check_normalization(config: dict) -> list:
    """mean and variance go together."""
    if (config["mean"] is None) != (config["variance"] is None):
        return [("mean", "mean and variance must be given together (or neither, to adapt them)",
                 "set both, or clear both")]
    return []


def _norm_params(axis_kind: str) -> tuple:
    return (
        ParamSpec("axis", axis_kind, -1, doc="the feature axis (or axes) to normalize"),
        ParamSpec("epsilon", "float", 1e-3, minimum=0.0, doc="added to the variance"),
        ParamSpec("center", "bool", True, doc="learn an offset beta"),
        ParamSpec("scale", "bool", True, doc="learn a scale gamma"),
        P.initializer("beta_initializer", "zeros"),
        P.initializer("gamma_initializer", "ones"),
    ) + P.regularizers("beta_regularizer", "gamma_regularizer", "beta_constraint",
                       "gamma_constraint")


SPECS = (
    LayerSpec(
        "BatchNormalization", "Normalization",
        "Normalizes each feature with batch statistics (moving averages at inference).",
        (_norm_params("axis")[0],
         ParamSpec("momentum", "float", 0.99, minimum=0.0, maximum=1.0,
                   doc="momentum of the moving averages"),
         *_norm_params("axis")[1:],
         P.initializer("moving_mean_initializer", "zeros"),
         P.initializer("moving_variance_initializer", "ones")),
        1, 1, make_infer("BatchNormalization"), count_batchnorm),
    LayerSpec(
        "LayerNormalization", "Normalization",
        "Normalizes each sample over its feature axis (or axes).",
        _norm_params("axes"), 1, 1, make_infer("LayerNormalization", "affine"),
        make_count("LayerNormalization")),
    LayerSpec(
        "GroupNormalization", "Normalization",
        "Normalizes groups of channels of each sample.",
        (ParamSpec("groups", "int", 32, doc="number of channel groups (-1: one per channel)",
                   main=True),) + _norm_params("axis"),
        1, 1, infer_groupnorm, make_count("GroupNormalization"), check=check_groups),
    LayerSpec(
        "Normalization", "Normalization",
        "Shifts and scales inputs by a mean and variance (given, or learned with adapt()).",
        (ParamSpec("axis", "axes", -1, allow_none=True, doc="axis (or axes) with their own statistics"),
         ParamSpec("mean", "any", None, allow_none=True, doc="fixed mean (with variance), else adapted"),
         ParamSpec("variance", "any", None, allow_none=True, doc="fixed variance (with mean)"),
         ParamSpec("invert", "bool", False, doc="undo the normalization instead")),
        1, 1, infer_normalization, count_normalization, check=check_normalization),
    LayerSpec(
        "UnitNormalization", "Normalization", "Scales each sample to unit L2 norm over axis.",
        (ParamSpec("axis", "axes", -1, doc="axis (or axes) to normalize"),),
        1, 1, make_infer("UnitNormalization", "never"), no_params),
)
