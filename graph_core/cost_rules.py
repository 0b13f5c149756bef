"""Multiply-accumulate counts of one layer call, one small rule per layer type.

The convention (see ``docs/cost.md``): a MAC is one multiply-accumulate of a weight-carrying
linear operation (dense, convolution, recurrent kernels, attention projections) or of a
tensor-by-tensor product (attention scores and context, ``Dot``). Bias adds, activations,
normalization, pooling, merges and other element-wise work count 0. FLOPs are 2 per MAC.

Every rule receives the resolved config, the input specs and the output specs of one call (every
size but the batch axis known) and the batch size; it returns an int. :func:`macs` returns None
when the type has no rule or a size is unknown: never a guess.
"""

from __future__ import annotations

from graph_core.layer_rules.common import REGISTRY, channels_first, prod
from graph_core.operations import OPERATIONS
from graph_core.tensor import TensorSpec

_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}

#: Catalog types that perform no multiply-accumulate under the convention above.
ZERO_MAC_TYPES = frozenset((
    "Input", "Rescaling", "Embedding", "Flatten", "Permute", "RepeatVector", "Reshape",
    "Cropping1D", "Cropping2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "MaxPooling1D", "MaxPooling2D",
    "MaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "BatchNormalization", "GroupNormalization", "LayerNormalization", "Normalization",
    "UnitNormalization", "Activation", "ELU", "LeakyReLU", "ReLU", "Softmax",
    "Dropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D",
    "Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract",
    # element-wise, lookup, reshaping and resampling layers (no multiply-accumulates by the convention)
    "ActivityRegularization", "AlphaDropout", "GaussianDropout", "SpatialDropout3D", "Identity", "Masking",
    "PReLU", "RMSNormalization", "ReversibleEmbedding", "Cropping3D", "UpSampling3D", "ZeroPadding3D",
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
    "CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup", "StringLookup",
    "TextVectorization", "CenterCrop", "Resizing", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization",
    "MaxNumBoundingBoxes",
    # augmentation: identity at inference, so the forward pass costs nothing
    "AugMix", "CutMix", "Equalization", "MixUp", "RandAugment", "RandomBrightness", "RandomColorDegeneration",
    "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomElasticTransform", "RandomErasing", "RandomFlip",
    "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective",
    "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear",
    "RandomTranslation", "RandomZoom", "Solarization",
    # keras.applications internals: element-wise scaling of a branch
    "LayerScale", "StochasticDepth", "CustomScaleLayer",
    # keras.ops operations: element-wise, reductions and reshaping (matmul and einsum have rules)
    *(op.type for op in OPERATIONS if op.function not in ("matmul", "einsum")),
))

UNMEASURED_TYPES = frozenset((
    "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "EinsumDense", "Attention", "AdditiveAttention",
    "GroupQueryAttention", "SpectralNormalization", "MelSpectrogram",
))
"""Layers that multiply-accumulate but have no MAC rule yet: their cost is reported unknown
(and every total they enter), never guessed."""


def _channels(config: dict, shape: tuple) -> int:
    return shape[1] if channels_first(config) else shape[-1]


def _positions(config: dict, shape: tuple) -> int:
    """Spatial positions of one sample of an image-like shape (all but batch and channel axes)."""
    return prod(shape[2:] if channels_first(config) else shape[1:-1])


def dense_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Each output unit of each row: one MAC per input feature."""
    shape = inputs[0].shape
    return batch * prod(shape[1:-1]) * shape[-1] * config["units"]


def conv_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Each output element: kernel positions × input channels of its group."""
    channels = _channels(config, inputs[0].shape)
    return batch * prod(outputs[0].shape[1:]) * prod(config["kernel_size"]) * (channels // config["groups"])


def transpose_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Each input element is scattered through the whole kernel into every filter."""
    return batch * prod(inputs[0].shape[1:]) * prod(config["kernel_size"]) * config["filters"]


def depthwise_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Each output element (channels × depth_multiplier): one MAC per kernel position."""
    return batch * prod(outputs[0].shape[1:]) * prod(config["kernel_size"])


def separable_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Depthwise pass (at the output's positions) plus the 1×1 pointwise pass."""
    middle = _channels(config, inputs[0].shape) * config["depth_multiplier"]
    positions = batch * _positions(config, outputs[0].shape)
    return positions * middle * (prod(config["kernel_size"]) + config["filters"])


def _rnn_step_macs(layer: str, config: dict, features: int) -> int:
    units = config["units"]
    return _GATES[layer] * units * (features + units)


def make_rnn_macs(layer: str):
    """MAC rule of SimpleRNN / LSTM / GRU: input and recurrent kernels at every timestep."""

    def rule(config: dict, inputs: list, outputs: list, batch: int) -> int:
        _batch, steps, features = inputs[0].shape
        return batch * steps * _rnn_step_macs(layer, config, features)

    rule.__doc__ = f"{layer}: batch × timesteps × gates × units × (features + units)."
    return rule


def bidirectional_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Both directions run the inner layer over the whole sequence."""
    inner = config["layer"]
    _batch, steps, features = inputs[0].shape
    return 2 * batch * steps * _rnn_step_macs(inner["type"], inner["config"], features)


def time_distributed_macs(config: dict, inputs: list, outputs: list, batch: int) -> int | None:
    """The inner layer applied to batch × timesteps samples."""
    inner = config["layer"]
    spec = REGISTRY.get(inner["type"])
    shape = inputs[0].shape
    child = TensorSpec((None, *shape[2:]), inputs[0].dtype)
    child_out = spec.infer(inner["config"], [child])
    return macs(inner["type"], inner["config"], [child], child_out, batch * shape[1])


def _attention_positions(config: dict, shape: tuple) -> tuple:
    """(batch-like size, attended size) of a query/key shape for ``attention_axes``."""
    rank = len(shape)
    axes = config["attention_axes"]
    if axes is None:
        attended = set(range(1, rank - 1))
    else:
        attended = {a % rank for a in ((axes,) if isinstance(axes, int) else axes)}
    batch_like = prod(d for i, d in enumerate(shape[:-1]) if i and i not in attended)
    return batch_like, prod(shape[i] for i in attended)


def attention_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Q/K/V projections, scores (QKᵀ), context (scores·V), optional gate, output projection."""
    query, value = inputs[0].shape, inputs[1].shape
    key = inputs[2].shape if len(inputs) > 2 else value
    heads, key_dim = config["num_heads"], config["key_dim"]
    value_dim = config["value_dim"] or key_dim
    out_dim = prod(config["output_shape"]) if config["output_shape"] else query[-1]
    q_rows, k_rows, v_rows = (batch * prod(query[1:-1]), batch * prod(key[1:-1]), batch * prod(value[1:-1]))
    total = (q_rows * query[-1] * heads * key_dim + k_rows * key[-1] * heads * key_dim
             + v_rows * value[-1] * heads * value_dim)
    groups, q_len = _attention_positions(config, query)
    _k_groups, k_len = _attention_positions(config, key)
    total += batch * groups * heads * q_len * k_len * (key_dim + value_dim)
    if config["use_gate"]:
        total += q_rows * query[-1] * heads * value_dim
    return total + q_rows * heads * value_dim * out_dim


def dot_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """Each output element sums the products along the contracted axis."""
    from graph_core.layer_rules.merge import _dot_axes

    s1, s2 = inputs[0].shape, inputs[1].shape
    a1, _a2 = _dot_axes(config["axes"], len(s1), len(s2))
    return batch * prod(outputs[0].shape[1:]) * s1[a1]


def matmul_macs(_config: dict, inputs: list, outputs: list, batch: int) -> int:
    """``keras.ops.matmul``: one MAC per output value and step of the inner axis."""
    inner = inputs[0].shape[-1]
    return _elements(outputs[0].shape, batch) * inner


def einsum_macs(config: dict, inputs: list, outputs: list, batch: int) -> int:
    """``keras.ops.einsum``: one MAC per output value and combination of the summed letters."""
    text = str(config.get("subscripts", "")).replace(" ", "")
    if "..." in text:
        raise ValueError("ellipsis: sizes of the unnamed axes are not tracked")
    terms, _, output = text.partition("->")
    specs = terms.split(",")
    if not output and "->" not in text:
        letters = [c for c in terms if c.isalpha()]
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    sizes: dict = {}
    for spec, tensor in zip(specs, inputs):
        for letter, size in zip(spec, tensor.shape):
            sizes.setdefault(letter, size)
    summed = prod(sizes[c] for c in sizes if c not in output)
    return _elements(outputs[0].shape, batch) * summed


def _elements(shape: tuple, batch: int) -> int:
    return prod([batch if d is None else d for d in shape[:1]] + list(shape[1:]))


RULES = {
    "Dense": dense_macs,
    "Conv1D": conv_macs, "Conv2D": conv_macs, "Conv3D": conv_macs,
    "Conv1DTranspose": transpose_macs, "Conv2DTranspose": transpose_macs, "Conv3DTranspose": transpose_macs,
    "DepthwiseConv1D": depthwise_macs, "DepthwiseConv2D": depthwise_macs,
    "SeparableConv1D": separable_macs, "SeparableConv2D": separable_macs,
    "SimpleRNN": make_rnn_macs("SimpleRNN"), "LSTM": make_rnn_macs("LSTM"), "GRU": make_rnn_macs("GRU"),
    "Bidirectional": bidirectional_macs, "TimeDistributed": time_distributed_macs,
    "MultiHeadAttention": attention_macs, "Dot": dot_macs,
    "ops.matmul": matmul_macs, "ops.einsum": einsum_macs,
}


def known_but_batch(specs: list) -> bool:
    """True when every spec has a shape with every size but the batch axis known."""
    for spec in specs:
        shape = spec.shape
        if shape is None or None in shape[1:]:
            return False
    return True


def macs(layer_type: str, config: dict, inputs: list, outputs: list, batch: int | None = None) -> int | None:
    """Multiply-accumulates of one call, or None when unknown.

    Args:
        layer_type: the Keras class name.
        config: the layer's resolved config (``catalog.resolve_config``).
        inputs: the input specs of the call.
        outputs: its output specs.
        batch: the batch size (None: the output's own fixed batch axis).

    Returns:
        The MAC count, 0 for types without multiply-accumulates, None when the type has no
        rule or a size is unknown.
    """
    if layer_type in ZERO_MAC_TYPES:
        return 0
    rule = RULES.get(layer_type)
    if rule is None or not known_but_batch(inputs) or not known_but_batch(outputs):
        return None
    if batch is None:
        batch = outputs[0].shape[0] if outputs and outputs[0].shape else None
        if batch is None:
            return None
    try:
        return rule(config, inputs, outputs, batch)
    except Exception:  # a rule must never break a check; unknown is the honest answer
        return None
