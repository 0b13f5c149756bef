"""More core layers: Identity, Masking, PReLU, ActivityRegularization, AlphaDropout,
GaussianDropout, RMSNormalization, ReversibleEmbedding, the 3-D reshaping layers,
SpatialDropout3D and the adaptive pooling layers."""

from __future__ import annotations

from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    channels_first,
    keep_dtype,
    known_shapes,
    need_known,
    need_rank,
    normalize_axis,
    prod,
    spatial_layout,
    unknown,
)
from graph_core.layer_rules.core import infer_embedding, no_params, same_shape_float
from graph_core.layer_rules.regularization import make_spatial
from graph_core.layer_rules.reshaping import check_pairs, make_padding, make_upsampling
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec


def same_shape_keep(config: dict, inputs: list) -> list:
    """Output = input, integer dtypes kept (Identity)."""
    return [TensorSpec(inputs[0].shape, keep_dtype(inputs[0].dtype))]


# --- PReLU --------------------------------------------------------------------------------

def _prelu_shape(config: dict, shape) -> list:
    alpha = list(shape[1:])
    for axis in config["shared_axes"] or ():
        alpha[axis - 1] = 1
    return alpha


def infer_prelu(config: dict, inputs: list) -> list:
    """Same shape; the shared axes must exist."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    for axis in config["shared_axes"] or ():
        if not 1 <= axis < len(shape):
            normalize_axis("PReLU", len(shape) + 10, shape, "shared axis")
    for i, size in enumerate(_prelu_shape(config, shape)):
        if size is None:
            need_known("PReLU", shape, i + 1, f"axis {i + 1}",
                       "list that axis in shared_axes, or give it a fixed size")
    return [TensorSpec(shape, FLOAT32)]


def count_prelu(config: dict, inputs: list) -> tuple:
    """One alpha per non-shared input entry."""
    (shape,) = known_shapes("PReLU", inputs)
    return prod(_prelu_shape(config, shape)), 0


# --- RMSNormalization -----------------------------------------------------------------------

def _rms_axes(config: dict) -> tuple:
    axis = config["axis"]
    return tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)


def infer_rms(config: dict, inputs: list) -> list:
    """Same shape; the normalized axes need fixed sizes (the scale has their shape)."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    for a in _rms_axes(config):
        pos = normalize_axis("RMSNormalization", a, shape)
        need_known("RMSNormalization", shape, pos, f"axis {a}")
    return [TensorSpec(shape, FLOAT32)]


def count_rms(config: dict, inputs: list) -> tuple:
    """A scale over the normalized axes."""
    (shape,) = known_shapes("RMSNormalization", inputs)
    return prod(shape[a] for a in _rms_axes(config)), 0


# --- ReversibleEmbedding -------------------------------------------------------------------

def count_reversible(config: dict, inputs: list) -> tuple:
    """The embedding matrix, and its own reverse matrix unless tie_weights."""
    n = config["input_dim"] * config["output_dim"]
    return (n if config["tie_weights"] else 2 * n), 0


# --- adaptive pooling -----------------------------------------------------------------------

def make_adaptive(layer: str, n: int):
    """Infer function of Adaptive{Max,Average}Pooling{n}D: spatial axes become output_size."""

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        first = channels_first(config)
        need_rank(layer, shape, n + 2, spatial_layout(n, first))
        size = config["output_size"]
        if first:
            return [TensorSpec((shape[0], shape[1], *size), FLOAT32)]
        return [TensorSpec((shape[0], *size, shape[-1]), FLOAT32)]

    return infer


def _adaptive(mode: str, n: int) -> LayerSpec:
    layer = f"Adaptive{mode}Pooling{n}D"
    what = "maximum" if mode == "Max" else "average"
    return LayerSpec(
        layer, "Pooling", f"Pools to a fixed output_size whatever the input size ({what}).",
        (P.int_tuple("output_size", REQUIRED, n, "size of the pooled output", main=True),
         P.data_format()),
        1, 1, make_adaptive(layer, n), no_params)


_CUBE = "int, (d, r, c) or ((front, back), (top, bottom), (left, right))"


def _cube_param(name: str) -> ParamSpec:
    return ParamSpec(name, "int_tuple", ((1, 1), (1, 1), (1, 1)), minimum=0, length=3, doc=_CUBE,
                     main=True, nested=True)

SPECS = (
    LayerSpec("Identity", "Core", "Returns its input unchanged (a placeholder or a named "
              "tap point).", (), 1, 1, same_shape_keep, no_params),
    LayerSpec("Masking", "Core", "Masks timesteps whose features all equal mask_value "
              "(padding) for the layers after it.",
              (ParamSpec("mask_value", "float", 0.0, doc="value that marks padding", main=True),),
              1, 1, same_shape_float, no_params),
    LayerSpec("ActivityRegularization", "Regularization", "Adds an L1/L2 penalty on its input "
              "to the loss; passes the input through.",
              (ParamSpec("l1", "float", 0.0, minimum=0.0, doc="L1 factor", main=True),
               ParamSpec("l2", "float", 0.0, minimum=0.0, doc="L2 factor", main=True)),
              1, 1, same_shape_float, no_params),
    LayerSpec("AlphaDropout", "Regularization", "Dropout that keeps the mean and variance "
              "(for SELU networks).",
              (P.rate(), ParamSpec("noise_shape", "any", None, allow_none=True,
                                   doc="shape of the dropout mask"), P.seed()),
              1, 1, same_shape_float, no_params),
    LayerSpec("GaussianDropout", "Regularization", "Multiplies by 1-centred Gaussian noise "
              "during training.", (P.rate(), P.seed()), 1, 1, same_shape_float, no_params),
    LayerSpec("SpatialDropout3D", "Regularization",
              "Drops whole feature volumes of (batch, depth, rows, cols, channels).",
              (P.rate(), P.data_format(), P.seed()), 1, 1, make_spatial(3), no_params,
              base_args=("dtype",)),
    LayerSpec("PReLU", "Activation", "Parametric ReLU: a learned slope alpha for x < 0.",
              (P.initializer("alpha_initializer", "Zeros"),
               *P.regularizers("alpha_regularizer", "alpha_constraint"),
               ParamSpec("shared_axes", "axes", None, allow_none=True, main=True,
                         doc="axes sharing one alpha, e.g. (1, 2) for images")),
              1, 1, infer_prelu, count_prelu),
    LayerSpec("RMSNormalization", "Normalization", "Scales by the root mean square over axis "
              "(no centering), with a learned scale.",
              (ParamSpec("axis", "axes", -1, doc="axis (or axes) to normalize"),
               ParamSpec("epsilon", "float", 1e-6, minimum=0.0, doc="added to the mean square")),
              1, 1, infer_rms, count_rms),
    LayerSpec("ReversibleEmbedding", "Embedding", "Embedding that can also project vectors "
              "back to vocabulary logits (tied weights).",
              (P.positive_int("input_dim", "vocabulary size"),
               P.positive_int("output_dim", "size of each embedding vector"),
               ParamSpec("tie_weights", "bool", True, doc="reuse the embeddings to reverse"),
               P.initializer("embeddings_initializer", "uniform"),
               *P.regularizers("embeddings_regularizer", "embeddings_constraint"),
               ParamSpec("mask_zero", "bool", False, doc="treat id 0 as padding"),
               ParamSpec("reverse_dtype", "dtype", None, allow_none=True,
                         doc="dtype of the reverse projection"),
               ParamSpec("logit_soft_cap", "float", None, allow_none=True,
                         doc="soft cap of the reverse logits")),
              1, 1, infer_embedding, count_reversible),
    LayerSpec("ZeroPadding3D", "Reshaping", "Pads volumes with zeros on each spatial axis.",
              (_cube_param("padding"), P.data_format()),
              1, 1, make_padding("ZeroPadding3D", 3, "padding", 1), no_params,
              check=check_pairs("padding", 3)),
    LayerSpec("Cropping3D", "Reshaping", "Crops volumes on each spatial axis.",
              (_cube_param("cropping"), P.data_format()),
              1, 1, make_padding("Cropping3D", 3, "cropping", -1), no_params,
              check=check_pairs("cropping", 3)),
    LayerSpec("UpSampling3D", "Reshaping", "Repeats each spatial axis of volumes.",
              (P.int_tuple("size", (2, 2, 2), 3, "upsampling factors", main=True),
               P.data_format()),
              1, 1, make_upsampling(3), no_params),
) + tuple(_adaptive(m, n) for m in ("Max", "Average") for n in (1, 2, 3))
