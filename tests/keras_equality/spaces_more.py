"""Keras-equality parameter spaces of the layers added for issue 10 (the rest of keras.layers).

Merged into ``SPACES`` of ``test_keras_equality``; same form (see ``_space`` there).
"""

from __future__ import annotations

from graph_core.catalog import CATALOG

#: cases drawn (seeded) from a space without its own sample size: keeps the suite fast
DEFAULT_SAMPLE = 28


def _space(sample=None, shapes=(), dtypes=("float32",), **params):
    return {"params": params, "shapes": list(shapes), "dtypes": list(dtypes),
            "sample": sample or DEFAULT_SAMPLE}


def _one(*shapes):
    return [[s] for s in shapes]


CF = "channels_first"
S1 = _one((None, 5), (None, 4, 6), (None, None, 7), (None, 2, 3, 4), (None,), (8, 5))
IMG = _one((None, 8, 8, 3), (None, None, None, 3), (None, 8, 8, 1), (None, 3, 8, 6), (None, 8, 8),
           (None, 2, 8, 8, 3), (2, 6, 6, 3), (None, 8, 3))
VOL = _one((None, 6, 6, 6, 2), (None, None, 6, 6, 2), (None, 6, 6, 2), (None, 2, 5, 5, 4))
ENC = _one((None,), (None, 1), (None, 3), (None, None), (None, 2, 3), (4, 3))
TEXT = _one((None,), (None, 1), (None, 3), (4, 1))
VOCAB = [["a", "b", "c"], ["the", "cat", "sat", "on", "mat"], ["[UNK]", "x", "y"]]
SEQ_IMG = {1: _one((None, 4, 10, 3), (None, None, 10, 3), (None, 4, None, 3), (None, 4, 10),
                   (None, 4, 3, 10), (2, 4, 10, 3)),
           2: _one((None, 4, 8, 8, 3), (None, None, 8, 8, 3), (None, 4, 8, 8), (None, 4, 3, 8, 8),
                   (None, 4, None, None, 2)),
           3: _one((None, 2, 5, 5, 5, 2), (None, None, 5, 5, 5, 2), (None, 2, 5, 5, 2))}
ATTN = ([[q, v] for q in [(None, 5, 8), (None, None, 8), (None, 5, 4), (None, 8), (None, 5, None)]
         for v in [(None, 6, 8), (None, None, 8), (None, 6, 4), (None, 6, 3, 8)]]
        + [[(None, 5, 8), v, k] for v, k in [((None, 6, 3), (None, 6, 8)),
                                             ((None, 6, 3), (None, 7, 8)),
                                             ((None, None, 3), (None, None, 8)),
                                             ((None, 6, 8), (None, 6, 4))]])

SPACES = {
    "Identity": _space(None, S1, ("float32", "int32", "float16")),
    "Masking": _space(None, S1, ("float32", "int32"), mask_value=[0.0, -1.0]),
    "ActivityRegularization": _space(None, S1[:3], ("float32", "int32"), l1=[0.0, 0.01],
                                     l2=[0.0, 0.1]),
    "AlphaDropout": _space(None, S1[:4], ("float32", "int32"), rate=[0.0, 0.5]),
    "GaussianDropout": _space(None, S1[:4], ("float32", "int32"), rate=[0.0, 0.3]),
    "SpatialDropout3D": _space(None, VOL + _one((None, 5, 3)), rate=[0.2], data_format=[None, CF]),
    "PReLU": _space(None, _one((None, 5), (None, 4, 6), (None, None, 6), (None, 3, 4, 5),
                               (None, 4, None, 2)),
                    shared_axes=[None, (1,), (1, 2), [2]]),
    "RMSNormalization": _space(None, _one((None, 5), (None, 4, 6), (None, None, 6),
                                          (None, 3, 4, 5)), axis=[-1, 1, (1, 2), 3],
                               epsilon=[1e-6]),
    "ReversibleEmbedding": _space(None, _one((None,), (None, 5), (None, None)), ("int32",),
                                  input_dim=[5, 50], output_dim=[3, 8],
                                  tie_weights=[True, False]),
    "ZeroPadding3D": _space(None, VOL, padding=[0, 1, (1, 2, 0), ((1, 2), (0, 1), (2, 2))],
                            data_format=[None, CF]),
    "Cropping3D": _space(None, VOL, cropping=[0, 1, (1, 0, 2), ((1, 0), (0, 1), (2, 0))],
                         data_format=[None, CF]),
    "UpSampling3D": _space(None, VOL, size=[2, (1, 2, 3)], data_format=[None, CF]),
    "SpectralNormalization": _space(
        None, _one((None, 5), (None, 8, 8, 3), (None, 4, 6), (None, 6, 3)),
        layer=[{"type": "Dense", "config": {"units": 3}},
               {"type": "Conv2D", "config": {"filters": 4, "kernel_size": 3}},
               {"type": "Conv1D", "config": {"filters": 2, "kernel_size": 2}},
               {"type": "Conv1DTranspose", "config": {"filters": 2, "kernel_size": 2}},
               {"type": "Conv2DTranspose", "config": {"filters": 5, "kernel_size": 2}}],
        power_iterations=[1, 2]),
    "EinsumDense": _space(100, _one((None, 5), (None, 4, 6), (None, None, 6), (None, 3, 4, 5),
                                     (None, 7)),
                          equation=["ab,bc->ac", "abc,cd->abd", "abc,cde->abde", "...b,bc->...c",
                                    "ab...,bc->ac...", "abc,cd->abd", "ab,bc->ad", "nonsense"],
                          output_shape=[4, (None, 4), (5, 4), (5, 2, 3)],
                          bias_axes=[None, "d", "c", "e"]),
    "Attention": _space(48, ATTN, use_scale=[False, True], score_mode=["dot", "concat"]),
    "AdditiveAttention": _space(36, ATTN, use_scale=[False, True]),
    "GroupQueryAttention": _space(
        60, ATTN + [[(None, 5, 8), (None, 6, 8), (None, 6, 5)], [(None, 5, 8), (None, 6, 8)]],
        head_dim=[2, 4], num_query_heads=[2, 4], num_key_value_heads=[1, 2, 3],
        use_bias=[True, False], use_gate=[False, True]),
    "CategoryEncoding": _space(None, ENC, ("int32", "int64"), num_tokens=[5, 9],
                               output_mode=["one_hot", "multi_hot", "count"]),
    "Hashing": _space(40, ENC, ("int64", "string"), num_bins=[3, 10],
                      output_mode=["int", "one_hot", "multi_hot", "count"]),
    "HashedCrossing": _space(None, [[(None, 1), (None, 1)], [(None,), (None,)], [(None, 3), (None, 3)],
                                    [(None, 2), (None, 3)]],
                             ("int64", "string"), num_bins=[4, 7], output_mode=["int", "one_hot"]),
    "Discretization": _space(60, ENC, ("float32", "int32"),
                             bin_boundaries=[[0.0, 1.0], [-1.0, 0.5, 2.0], None, [2.0, 1.0]],
                             num_bins=[None, 4], output_mode=["int", "one_hot", "multi_hot",
                                                              "count"]),
    "StringLookup": _space(80, ENC, ("string",), vocabulary=VOCAB + [None],
                           output_mode=["int", "one_hot", "multi_hot", "count"],
                           num_oov_indices=[0, 1, 2], mask_token=[None, ""],
                           max_tokens=[None, 12], pad_to_max_tokens=[False, True]),
    "IntegerLookup": _space(50, ENC, ("int64",), vocabulary=[[3, 5, 7], [10, 20], None],
                            output_mode=["int", "one_hot", "multi_hot", "count"],
                            num_oov_indices=[0, 1], mask_token=[None, 0], invert=[False, True]),
    "TextVectorization": _space(80, TEXT, ("string",), vocabulary=VOCAB[:2] + [None],
                                output_mode=["int", "one_hot", "multi_hot", "count"],
                                output_sequence_length=[None, 6], split=["whitespace", None],
                                max_tokens=[None, 20], pad_to_max_tokens=[False, True]),
    "MelSpectrogram": _space(None, _one((None, 1000), (None, None), (None, 16000), (4, 300)),
                             num_mel_bins=[16, 128], sequence_stride=[128, 512]),
    "CenterCrop": _space(None, IMG, ("float32", "uint8"), height=[4, 8], width=[3, 5],
                         data_format=[None, CF]),
    "Resizing": _space(None, IMG, ("float32", "uint8"), height=[4, 16], width=[5],
                       interpolation=["bilinear", "nearest"], data_format=[None, CF]),
    "RandomCrop": _space(None, IMG, ("float32", "int32"), height=[4, 8], width=[3], seed=[None, 7],
                         data_format=[None, CF]),
    "RandomFlip": _space(None, IMG, ("float32", "uint8"),
                         mode=["horizontal", "vertical", "horizontal_and_vertical"],
                         seed=[None, 1]),
    "RandomRotation": _space(None, IMG, factor=[0.1, (-0.2, 0.3)],
                             fill_mode=["reflect", "constant", "sideways"], seed=[3]),
    "RandomZoom": _space(None, IMG, height_factor=[0.2, (-0.3, 0.1), 1.5],
                         width_factor=[None, 0.1], seed=[5]),
    "RandomTranslation": _space(None, IMG, height_factor=[0.1, (-0.2, 0.2)],
                                width_factor=[0.1, 2.0], seed=[None]),
    "RandomContrast": _space(None, IMG, ("float32", "uint8"), factor=[0.2, (0.1, 0.5), 1.5]),
    "RandomBrightness": _space(None, IMG, factor=[0.2, (-0.2, 0.4)], value_range=[(0, 255),
                                                                                  (0, 1)]),
    "RandomColorDegeneration": _space(None, IMG, factor=[0.3], data_format=[None, CF]),
    # issue 9: the internal layers of keras.applications models
    "LayerScale": _space(None, _one((None, 8, 8, 4), (None, 5, 4), (None, 4), (2, 3, 3, 4), (None, 8, 8, 1),
                                    (None, 8, 8, 3), (None, None, None, 4), (None, 5, None), (None,)),
                         ("float32", "int32"),
                         init_values=[1e-6, 0.5], projection_dim=[4, 1]),
    "StochasticDepth": _space(None, S1, ("float32", "int32", "float16"), drop_path_rate=[0.0, 0.1]),
    "CustomScaleLayer": _space(None, [[(None, 5, 5, 8), (None, 5, 5, 8)], [(None, 4), (None, 4)],
                                      [(None, 4), (None, 1)], [(None, 1), (None, 4)], [(None, 4, 3), (None, 4, 5)],
                                      [(2, 4), (None, 4)], [(None, None, 8), (None, 6, 8)],
                                      [(None, 6, 6, 8), (None, 6, 6, 1)]], ("float32", "int32", "float16"),
                               scale=[0.17, 1.0]),
}
_SIMPLE_IMAGE = {
    "RandomHue": {"factor": [0.2]}, "RandomSaturation": {"factor": [0.5]},
    "RandomSharpness": {"factor": [0.5]}, "RandomColorJitter": {"brightness_factor": [None, 0.2]},
    "RandomGrayscale": {"factor": [0.5]}, "RandomInvert": {"factor": [0.5]},
    "RandomPosterization": {"factor": [(1, 8)]}, "RandomGaussianBlur": {"factor": [1.0]},
    "RandomErasing": {"factor": [1.0]}, "RandomElasticTransform": {"factor": [1.0]},
    "RandomPerspective": {"factor": [0.5]}, "RandomShear": {"x_factor": [0.0, 0.2]},
    "Solarization": {"addition_factor": [0.0, 0.3]}, "AugMix": {"num_chains": [2]},
    "RandAugment": {"num_ops": [1, 2]}, "CutMix": {"factor": [1.0]}, "MixUp": {"alpha": [0.2]},
    "Equalization": {"bins": [256]}, "AutoContrast": {"value_range": [(0, 255)]},
    "ContrastLimitedAdaptiveHistogramEqualization": {"clip_limit": [4.0]},
    "MaxNumBoundingBoxes": {"max_number": [3]},
}
for _name, _params in _SIMPLE_IMAGE.items():
    SPACES[_name] = _space(None, IMG, ("float32", "int32"), data_format=[None, CF], **_params)
for _n in (1, 2, 3):
    SPACES[f"ConvLSTM{_n}D"] = _space(
        36, SEQ_IMG[_n], filters=[2, 3], kernel_size=[1, 3], strides=[1, 2],
        padding=["valid", "same"], dilation_rate=[1, 2], use_bias=[True, False],
        return_sequences=[False, True], return_state=[False, True], data_format=[None, CF])
    for _mode in ("Max", "Average"):
        SPACES[f"Adaptive{_mode}Pooling{_n}D"] = _space(
            None, {1: _one((None, 10, 3), (None, None, 3), (None, 10)),
                   2: _one((None, 8, 8, 3), (None, None, None, 3), (None, 8, 3)),
                   3: VOL[:3]}[_n],
            output_size=[2, 4] if _n == 1 else [2, (1, 2, 3)[:_n]], data_format=[None, CF])

#: Layers that want a batch of images (batch, rows, cols, channels); Keras's symbolic build
#: accepts other ranks.
IMAGE_TYPES = frozenset(t for t, s in CATALOG.items() if s.category == "Augmentation") | {
    "CenterCrop", "Resizing", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization",
    "MaxNumBoundingBoxes"}


TRANSPOSE_RANKS = {"Conv1DTranspose": 3, "Conv2DTranspose": 4}
ADAPTIVE_RANKS = {f"Adaptive{m}Pooling{n}D": n + 2 for m in ("Max", "Average") for n in (1, 2, 3)}


def _attention_code(inputs: list) -> str | None:
    """Attention/AdditiveAttention: Keras's symbolic shape never looks at the key; the call
    fails at run time unless query, value, key are (batch, steps, features) that fit."""
    query, value = inputs[0].shape, inputs[1].shape
    key = inputs[2].shape if len(inputs) > 2 else value
    if any(len(s) != 3 for s in (query, value, key)):
        return "shape.rank"
    if None not in (query[-1], key[-1]) and query[-1] != key[-1]:
        return "shape.attention_mismatch"
    if None not in (value[1], key[1]) and value[1] != key[1]:
        return "shape.attention_mismatch"
    return None


def stricter_code(layer_type: str, config: dict, inputs: list) -> str | None:
    """The ShapeError code where LayerLoom is stricter than Keras for these layers."""
    shape = inputs[0].shape if inputs else None
    if layer_type in IMAGE_TYPES and shape is not None and len(shape) != 4:
        return "shape.rank"  # a rank-3 tensor in a model is a batch; Keras treats it as one image
    if layer_type in ADAPTIVE_RANKS and len(shape) != ADAPTIVE_RANKS[layer_type]:
        return "shape.rank"  # Keras's symbolic shape ignores the rank; the pooling fails later
    if layer_type in ("Attention", "AdditiveAttention"):
        return _attention_code(inputs)
    inner = config.get("layer", {}).get("type") if layer_type == "SpectralNormalization" else None
    if inner in TRANSPOSE_RANKS and len(shape) != TRANSPOSE_RANKS[inner]:
        return "shape.rank"  # Keras skips the transposed convolution's rank check here
    if layer_type == "GroupQueryAttention" and any(len(i.shape) != 3 for i in inputs):
        return "shape.rank"  # Keras's symbolic build accepts a 4-D value/key with a made-up shape
    return None
