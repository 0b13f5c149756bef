"""Core layers: Input, Dense, Activation, Dropout, Embedding, Rescaling and activations."""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    fmt,
    known_shapes,
    need_known,
    need_min_rank,
    normalize_axis,
    unknown,
)
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import FLOAT_DTYPES, TensorSpec

NO_PARAMS = (0, 0)


def no_params(config: dict, inputs: list) -> tuple:
    """Parameter count of a layer without weights."""
    return NO_PARAMS


def same_shape_float(config: dict, inputs: list) -> list:
    """Output = input shape, computed in float32 (activations, dropout, noise...)."""
    return [TensorSpec(inputs[0].shape, FLOAT32)]


# --- Input ------------------------------------------------------------------------------

def infer_input(config: dict, inputs: list) -> list:
    """``Input(shape, batch_size, dtype)`` -> ``(batch_size, *shape)``."""
    return [TensorSpec((config["batch_size"], *config["shape"]), config["dtype"])]


def check_input(config: dict) -> list:
    """The Input shape entries must be positive ints or None."""
    for d in config["shape"]:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool) or d <= 0):
            return [("shape", (f"shape entries must be positive integers or None, got "
                     f"{fmt(config['shape'])}"),
                     "write the shape without the batch axis, e.g. (28, 28, 1) or (None, 128)")]
    return []


# --- Dense ------------------------------------------------------------------------------

def infer_dense(config: dict, inputs: list) -> list:
    """Dense applies to the last axis of an input of rank >= 2."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    need_min_rank("Dense", shape, 2, "(batch, ..., features)",
                  "Dense needs a batch axis and a feature axis")
    need_known("Dense", shape, -1, "the feature axis",
               "give the Input a fixed feature size, or Flatten/GlobalAveragePooling first")
    return [TensorSpec((*shape[:-1], config["units"]), FLOAT32)]


def count_dense(config: dict, inputs: list) -> tuple:
    """kernel (in, units) + bias (units)."""
    (shape,) = known_shapes("Dense", inputs)
    units = config["units"]
    return shape[-1] * units + (units if config["use_bias"] else 0), 0


def lint_dense(config: dict, inputs: list) -> list:
    """Softmax over a single unit always outputs 1."""
    if config["units"] == 1 and config["activation"] == "softmax":
        return [("lint.softmax_single_unit",
                 "softmax over a single unit always outputs 1.0",
                 ("for binary classification use activation='sigmoid' with 1 unit, "
                 "or softmax with 2 units"))]
    return []


# --- Embedding --------------------------------------------------------------------------

def infer_embedding(config: dict, inputs: list) -> list:
    """``(batch, ...)`` integer ids -> ``(batch, ..., output_dim)`` float32."""
    spec = inputs[0]
    if spec.dtype in FLOAT_DTYPES:
        raise ShapeError(f"Embedding expects integer token ids, got {spec.dtype} input",
                         "set the Input's dtype to int32", "dtype.embedding_float")
    if spec.shape is None:
        return unknown()
    return [TensorSpec((*spec.shape, config["output_dim"]), FLOAT32)]


def count_embedding(config: dict, inputs: list) -> tuple:
    """The embedding matrix (input_dim, output_dim)."""
    return config["input_dim"] * config["output_dim"], 0


def lint_embedding(config: dict, inputs: list) -> list:
    """Warn when input_dim and output_dim look swapped."""
    vocab, dim = config["input_dim"], config["output_dim"]
    if dim > vocab and (dim >= 1000 or dim >= 8 * vocab):
        return [("lint.embedding_swapped",
                 (f"output_dim {dim} is much larger than input_dim {vocab} — "
                 "are the arguments swapped?"),
                 "Embedding(input_dim=vocabulary size, output_dim=vector size)")]
    return []


# --- Softmax ----------------------------------------------------------------------------

def infer_softmax(config: dict, inputs: list) -> list:
    """Same shape; the axis must exist."""
    shape = inputs[0].shape
    if shape is not None:
        axis = config["axis"]
        for a in axis if isinstance(axis, tuple) else (axis,):
            normalize_axis("Softmax", a, shape)
    return [TensorSpec(shape, FLOAT32)]


def check_relu(config: dict) -> list:
    """ReLU's max_value must not be negative."""
    mv = config["max_value"]
    if mv is not None and isinstance(mv, (int, float)) and mv < 0:
        return [("max_value", f"max_value must be >= 0, got {mv}", "use None for no cap")]
    return []


SPECS = (
    LayerSpec(
        "Input", "Core", "Entry point of the model: a symbolic tensor of the given shape.",
        (
            ParamSpec("shape", "shape", REQUIRED, doc="shape without the batch axis; None for "
                      "a variable length", main=True),
            ParamSpec("dtype", "dtype", "float32", doc="data type of the input", main=True),
            ParamSpec("batch_size", "int", None, minimum=1, allow_none=True,
                      doc="fixed batch size (None: any)"),
            ParamSpec("sparse", "bool", False, doc="whether the input is a sparse tensor"),
        ),
        0, 0, infer_input, no_params, check=check_input,
    ),
    LayerSpec(
        "Dense", "Core", "Fully connected layer on the last axis: activation(x @ kernel + bias).",
        (P.positive_int("units", "dimensionality of the output"), P.activation(None),
         P.use_bias(), *P.dense_extras()),
        1, 1, infer_dense, count_dense, lint=lint_dense,
    ),
    LayerSpec(
        "Activation", "Activation", "Applies an activation function to its input.",
        (P.activation(REQUIRED),),
        1, 1, same_shape_float, no_params,
    ),
    LayerSpec(
        "ReLU", "Activation", "Rectified linear unit with optional cap, slope and threshold.",
        (ParamSpec("max_value", "float", None, minimum=0.0, allow_none=True,
                   doc="largest output value (None: no cap)"),
         ParamSpec("negative_slope", "float", 0.0, minimum=0.0, doc="slope below threshold"),
         ParamSpec("threshold", "float", 0.0, doc="values below are damped")),
        1, 1, same_shape_float, no_params, check=check_relu,
    ),
    LayerSpec(
        "LeakyReLU", "Activation", "Leaky rectified linear unit.",
        (ParamSpec("negative_slope", "float", 0.3, minimum=0.0, doc="slope for x < 0",
                   main=True),),
        1, 1, same_shape_float, no_params,
    ),
    LayerSpec(
        "ELU", "Activation", "Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) below.",
        (ParamSpec("alpha", "float", 1.0, doc="scale of the negative part", main=True),),
        1, 1, same_shape_float, no_params,
    ),
    LayerSpec(
        "Softmax", "Activation", "Softmax over an axis.",
        (ParamSpec("axis", "axes", -1, doc="axis (or axes) to normalize over", main=True),),
        1, 1, infer_softmax, no_params,
    ),
    LayerSpec(
        "Embedding", "Embedding", "Turns integer token ids into dense vectors.",
        (P.positive_int("input_dim", "vocabulary size (largest id + 1)"),
         P.positive_int("output_dim", "size of each embedding vector"),
         P.initializer("embeddings_initializer", "uniform"),
         *P.regularizers("embeddings_regularizer", "embeddings_constraint"),
         ParamSpec("mask_zero", "bool", False, doc="treat id 0 as padding and mask it")),
        1, 1, infer_embedding, count_embedding, lint=lint_embedding,
    ),
    LayerSpec(
        "Rescaling", "Core", "Multiplies by scale and adds offset (e.g. 1/255 for images).",
        (ParamSpec("scale", "float", REQUIRED, doc="multiplier", main=True),
         ParamSpec("offset", "float", 0.0, doc="added after scaling")),
        1, 1, same_shape_float, no_params,
    ),
)
