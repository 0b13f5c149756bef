"""Layers keras.applications models are built with that ``keras.layers`` does not export:
ConvNeXt's ``LayerScale`` and ``StochasticDepth``, InceptionResNetV2's ``CustomScaleLayer``.

Keras saves them with the module that defines them (``keras.src.applications.convnext``);
:data:`KERAS_MODULES` records it, for the import (which accepts exactly that module) and the
build (which uses Keras's own class). The Python export writes the small class itself.
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import FLOAT32, fmt, keep_dtype, unknown
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import REQUIRED, CallSpec, LayerSpec, ParamSpec
from graph_core.tensor import FLOAT_DTYPES, TensorSpec

CATEGORY = "Applications"
"""The palette category of these layers."""

KERAS_MODULES = {
    "LayerScale": "keras.src.applications.convnext",
    "StochasticDepth": "keras.src.applications.convnext",
    "CustomScaleLayer": "keras.src.applications.inception_resnet_v2",
}
"""Layer type -> the Keras module that defines it (and that Keras writes in a saved config)."""


def infer_layer_scale(config: dict, inputs: list) -> list:
    """``x * gamma`` with ``gamma`` of shape ``(projection_dim,)``: the last axis broadcasts."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    dim = config["projection_dim"]
    last = _numpy_broadcast((shape[-1],), (dim,)) if shape else None
    if last is None:
        raise ShapeError(f"LayerScale scales a last axis of {dim} (projection_dim) but the input is "
                         f"{fmt(shape)}", f"set projection_dim to {shape[-1]}, the input's last axis",
                         "shape.layer_scale")
    return [TensorSpec((*shape[:-1], *last), FLOAT32)]


def count_layer_scale(config: dict, _inputs: list) -> tuple:
    """One trainable scale per channel (``gamma``)."""
    return config["projection_dim"], 0


def infer_custom_scale(config: dict, inputs: list) -> list:
    """``inputs[0] + inputs[1] * scale``: the two shapes broadcast as in numpy."""
    shapes = [spec.shape for spec in inputs]
    ints = [spec.dtype for spec in inputs if spec.dtype not in FLOAT_DTYPES]
    if ints:
        raise ShapeError(f"CustomScaleLayer scales by a float, so its inputs must be floats, got {ints[0]}",
                         "cast the tensors to float32 first", "dtype.float_required")
    if None in shapes:
        return unknown()
    out = _numpy_broadcast(tuple(shapes[0]), tuple(shapes[1])) if len(shapes[0]) == len(shapes[1]) else None
    if out is None:
        raise ShapeError(f"CustomScaleLayer adds {fmt(shapes[0])} and a scaled {fmt(shapes[1])}, which do "
                         f"not broadcast", "feed it the shortcut and a residual branch of the same shape",
                         "shape.merge_mismatch")
    return [TensorSpec(out, FLOAT32)]


def _numpy_broadcast(a: tuple, b: tuple) -> tuple | None:
    """Keras's ``broadcast_shapes`` of two shapes of one rank: an unknown size takes the known
    one (unless that is 1); None when two sizes conflict."""
    out = []
    for i, j in zip(a, b):
        if i is None or j is None:
            known = j if i is None else i
            out.append(None if known in (None, 1) else known)
        elif i == j or j == 1:
            out.append(i)
        elif i == 1:
            out.append(j)
        else:
            return None
    return tuple(out)


def infer_passed_through(config: dict, inputs: list) -> list:
    """Output = input (identity at inference); floats in the compute dtype, other dtypes kept."""
    return [TensorSpec(inputs[0].shape, keep_dtype(inputs[0].dtype))]


SPECS = (
    LayerSpec(
        "LayerScale", CATEGORY,
        "ConvNeXt's layer scale (keras.applications.convnext): multiplies each channel by a "
        "trainable factor that starts at init_values.",
        (ParamSpec("init_values", "float", REQUIRED, doc="the starting value of every factor", main=True),
         P.positive_int("projection_dim", "the number of channels (the input's last axis)")),
        1, 1, infer_layer_scale, count_layer_scale, keyword_constructor=True),
    LayerSpec(
        "StochasticDepth", CATEGORY,
        "ConvNeXt's stochastic depth (keras.applications.convnext): in training, drops the whole "
        "residual branch of a sample batch with probability drop_path_rate; identity at inference.",
        (ParamSpec("drop_path_rate", "float", REQUIRED, minimum=0.0, maximum=1.0, exclusive_max=True,
                   doc="probability of dropping the branch", main=True),),
        1, 1, infer_passed_through, no_params, keyword_constructor=True),
    LayerSpec(
        "CustomScaleLayer", CATEGORY,
        "InceptionResNetV2's residual scaling (keras.applications.inception_resnet_v2): "
        "shortcut + residual * scale.",
        (ParamSpec("scale", "float", REQUIRED, doc="the factor of the residual branch", main=True),),
        2, 2, infer_custom_scale, no_params, call=CallSpec("list", ("shortcut", "residual")),
        keyword_constructor=True),
)
