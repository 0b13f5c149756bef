"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, padding, cropping, upsampling."""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    HINT_VARIABLE,
    channels_first,
    fmt,
    keep_dtype,
    need_rank,
    prod,
    spatial_layout,
    unknown,
)
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec


def infer_flatten(config: dict, inputs: list) -> list:
    """``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)``; every di must be known."""
    spec = inputs[0]
    shape = spec.shape
    dtype = keep_dtype(spec.dtype)
    if shape is None:
        return unknown(1, dtype)
    if len(shape) == 0:
        need_rank("Flatten", shape, 2, "(batch, ...)")
    for axis in range(1, len(shape)):
        if shape[axis] is None:
            raise ShapeError(
                f"Flatten cannot build on the variable-length axis {axis} of {fmt(shape)}",
                HINT_VARIABLE, "shape.undefined_dim")
    return [TensorSpec((shape[0], prod(shape[1:])), dtype)]


def infer_reshape(config: dict, inputs: list) -> list:
    """Reshape the non-batch axes to ``target_shape`` (one -1 allowed), keeping the size."""
    spec = inputs[0]
    target = config["target_shape"]
    dtype = keep_dtype(spec.dtype)
    if spec.shape is None:
        if -1 in target:
            return unknown(1, dtype)
        return [TensorSpec((None, *target), dtype)]
    shape = spec.shape
    rest = shape[1:]
    if None in rest or None in target:
        return [TensorSpec((shape[0], *(None if d == -1 else d for d in target)), dtype)]
    size = prod(rest)
    if -1 not in target:
        if size != prod(target):
            raise ShapeError(
                f"Reshape cannot turn {fmt(shape)} ({size} values per sample) into "
                f"{fmt((None, *target))} ({prod(target)} values per sample)",
                "the target must hold the same number of values; use -1 for one axis to "
                "have it computed", "shape.reshape_size")
        return [TensorSpec((shape[0], *target), dtype)]
    known = prod(d for d in target if d != -1)
    if known == 0 or size % known:
        raise ShapeError(
            f"Reshape cannot turn {fmt(shape)} ({size} values per sample) into target "
            f"{fmt(target)}: {size} is not divisible by {known}",
            "choose target sizes whose product divides the input size", "shape.reshape_size")
    return [TensorSpec((shape[0], *(size // known if d == -1 else d for d in target)), dtype)]


def check_reshape(config: dict) -> list:
    """At most one -1; other entries non-negative."""
    target = config["target_shape"]
    if sum(1 for d in target if d == -1) > 1:
        return [("target_shape", f"target_shape may contain at most one -1, got {fmt(target)}",
                 "give every size but one explicitly")]
    if any(d is not None and d < -1 for d in target):
        return [("target_shape", f"target_shape entries must be >= 0 or -1, got {fmt(target)}",
                 "use -1 for the one size to compute")]
    return []


def infer_permute(config: dict, inputs: list) -> list:
    """Reorder the non-batch axes by ``dims`` (1-based)."""
    spec = inputs[0]
    dims = config["dims"]
    dtype = keep_dtype(spec.dtype)
    if spec.shape is None:
        return unknown(1, dtype)
    shape = spec.shape
    if len(shape) != len(dims) + 1:
        raise ShapeError(
            f"Permute with dims {fmt(dims)} needs a {len(dims) + 1}-D input, got {fmt(shape)}",
            "give dims one entry per non-batch axis", "shape.rank")
    return [TensorSpec((shape[0], *(shape[d] for d in dims)), dtype)]


def check_permute(config: dict) -> list:
    """dims must be a permutation of 1..n."""
    dims = config["dims"]
    if sorted(dims) != list(range(1, len(dims) + 1)):
        return [("dims", f"dims must be a permutation of 1..{len(dims)}, got {fmt(dims)}",
                 "axes are numbered from 1 (0 is the batch axis), e.g. (2, 1)")]
    return []


def infer_repeat(config: dict, inputs: list) -> list:
    """``(batch, features)`` -> ``(batch, n, features)``."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    need_rank("RepeatVector", shape, 2, "(batch, features)", "Flatten first")
    return [TensorSpec((shape[0], config["n"], shape[1]), FLOAT32)]


def _pairs(value, n: int) -> tuple:
    """int | (a, b) | ((a, b), (c, d)) -> n (before, after) pairs."""
    if isinstance(value, int):
        return ((value, value),) * n
    if n == 1:
        return (tuple(value),)
    return tuple((v, v) if isinstance(v, int) else tuple(v) for v in value)


def make_padding(layer: str, n: int, arg: str, sign: int):
    """Infer function of ZeroPaddingND (sign=+1) or CroppingND (sign=-1)."""
    layout_cf = spatial_layout(n, True)
    layout_cl = spatial_layout(n, False)

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        first = n > 1 and channels_first(config)
        need_rank(layer, shape, n + 2, layout_cf if first else layout_cl)
        start = 2 if first else 1
        out = list(shape)
        for i, (a, b) in enumerate(_pairs(config[arg], n)):
            size = out[start + i]
            if size is None:
                continue
            out[start + i] = size + sign * (a + b)
            if out[start + i] <= 0:
                raise ShapeError(
                    f"{layer} {arg} {config[arg]} removes all of axis {start + i} of "
                    f"{fmt(shape)}", "crop less than the input size", "shape.negative_dim")
        return [TensorSpec(tuple(out), FLOAT32)]

    return infer


def make_upsampling(n: int):
    """Infer function of UpSamplingND."""
    layer = f"UpSampling{n}D"
    layout_cf = spatial_layout(n, True)
    layout_cl = spatial_layout(n, False)

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        first = n > 1 and channels_first(config)
        need_rank(layer, shape, n + 2, layout_cf if first else layout_cl)
        start = 2 if first else 1
        size = config["size"]
        sizes = (size,) if n == 1 else size
        out = list(shape)
        for i, f in enumerate(sizes):
            if out[start + i] is not None:
                out[start + i] *= f
        return [TensorSpec(tuple(out), FLOAT32)]

    return infer


def check_pairs(arg: str, n: int):
    """Check function: padding/cropping entries must be non-negative ints or pairs."""

    def check(config: dict) -> list:
        value = config[arg]
        try:
            pairs = _pairs(value, n)
            ok = len(pairs) == n and all(
                len(p) == 2 and all(isinstance(v, int) and v >= 0 for v in p) for p in pairs)
        except TypeError:
            ok = False
        if not ok:
            form = "int or (before, after)" if n == 1 else \
                "int, (rows, cols) or ((top, bottom), (left, right))"
            return [(arg, f"{arg} must be a non-negative {form}, got {value!r}",
                     f"e.g. {arg}=1")]
        return []

    return check


def _pair_param(name: str, default, doc: str) -> ParamSpec:
    return ParamSpec(name, "int_tuple", default, minimum=0, length=2, doc=doc, main=True,
                     nested=True)


SPECS = (
    LayerSpec("Flatten", "Reshaping", "Flattens all non-batch axes into one.",
              (P.data_format(),), 1, 1, infer_flatten, no_params),
    LayerSpec("Reshape", "Reshaping", "Reshapes the non-batch axes to target_shape.",
              (ParamSpec("target_shape", "shape", REQUIRED,
                         doc="new shape without the batch axis; one entry may be -1",
                         main=True),),
              1, 1, infer_reshape, no_params, check=check_reshape),
    LayerSpec("Permute", "Reshaping", "Reorders the non-batch axes (numbered from 1).",
              (ParamSpec("dims", "axes", REQUIRED, doc="permutation of 1..n, e.g. (2, 1)",
                         main=True),),
              1, 1, infer_permute, no_params, check=check_permute),
    LayerSpec("RepeatVector", "Reshaping", "Repeats a vector n times: (batch, f) -> (batch, n, f).",
              (P.positive_int("n", "number of repetitions"),),
              1, 1, infer_repeat, no_params),
    LayerSpec("ZeroPadding1D", "Reshaping", "Pads a sequence with zeros at both ends.",
              (_pair_param("padding", 1, "int or (before, after)"),),
              1, 1, make_padding("ZeroPadding1D", 1, "padding", 1), no_params,
              check=check_pairs("padding", 1)),
    LayerSpec("ZeroPadding2D", "Reshaping", "Pads images with rows and columns of zeros.",
              (_pair_param("padding", (1, 1),
                           "int, (rows, cols) or ((top, bottom), (left, right))"),
               P.data_format()),
              1, 1, make_padding("ZeroPadding2D", 2, "padding", 1), no_params,
              check=check_pairs("padding", 2)),
    LayerSpec("Cropping1D", "Reshaping", "Crops a sequence at both ends.",
              (_pair_param("cropping", (1, 1), "int or (before, after)"),),
              1, 1, make_padding("Cropping1D", 1, "cropping", -1), no_params,
              check=check_pairs("cropping", 1)),
    LayerSpec("Cropping2D", "Reshaping", "Crops rows and columns of images.",
              (_pair_param("cropping", ((0, 0), (0, 0)),
                           "int, (rows, cols) or ((top, bottom), (left, right))"),
               P.data_format()),
              1, 1, make_padding("Cropping2D", 2, "cropping", -1), no_params,
              check=check_pairs("cropping", 2)),
    LayerSpec("UpSampling1D", "Reshaping", "Repeats each step size times.",
              (P.positive_int("size", "upsampling factor", default=2),),
              1, 1, make_upsampling(1), no_params),
    LayerSpec("UpSampling2D", "Reshaping", "Repeats rows and columns (nearest) or interpolates.",
              (P.int_tuple("size", (2, 2), 2, "upsampling factors (rows, cols)", main=True),
               P.data_format(),
               ParamSpec("interpolation", "choice", "nearest",
                         choices=("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5",
                                  "area"), doc="interpolation method")),
              1, 1, make_upsampling(2), no_params),
)
