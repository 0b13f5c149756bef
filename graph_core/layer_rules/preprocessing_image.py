"""Image preprocessing layers that also run at inference: CenterCrop, Resizing, AutoContrast,
ContrastLimitedAdaptiveHistogramEqualization, MaxNumBoundingBoxes; and MelSpectrogram.

Like the augmentation layers they want a batch of images (see
:mod:`graph_core.layer_rules.augmentation` for why LayerLoom is stricter than Keras there).
"""

from __future__ import annotations

from graph_core.layer_rules import params as P
from graph_core.layer_rules.augmentation import make_resize, make_same, value_range
from graph_core.layer_rules.common import FLOAT32, unknown
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_CATEGORY = "Preprocessing"


def infer_mel(config: dict, inputs: list) -> list:
    """Audio ``(batch, samples)`` -> ``(batch, num_mel_bins, frames)``, as Keras computes it."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    stride = config["sequence_stride"]
    if len(shape) == 1:
        size = shape[0]
        frames = None if size is None else (size + stride + 1) // stride
        return [TensorSpec((config["num_mel_bins"], frames), FLOAT32)]
    size = shape[1]
    frames = None if size is None else (size + stride + 1) // stride
    return [TensorSpec((shape[0], config["num_mel_bins"], frames), FLOAT32)]


SPECS = (
    LayerSpec(
        "CenterCrop", _CATEGORY, "Crops the center of images to (height, width), training and "
        "inference alike (smaller images are resized first).",
        (P.positive_int("height", "height of the crop"),
         P.positive_int("width", "width of the crop"), P.data_format()),
        1, 1, make_resize("CenterCrop"), no_params),
    LayerSpec(
        "Resizing", _CATEGORY, "Resizes (rescales) images to (height, width).",
        (P.positive_int("height", "output height"), P.positive_int("width", "output width"),
         ParamSpec("interpolation", "choice", "bilinear",
                   choices=("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area"),
                   doc="interpolation method"),
         ParamSpec("crop_to_aspect_ratio", "bool", False, doc="crop to keep the aspect ratio"),
         ParamSpec("pad_to_aspect_ratio", "bool", False, doc="pad to keep the aspect ratio"),
         ParamSpec("fill_mode", "choice", "constant", choices=("constant",),
                   doc="how padding is filled"),
         ParamSpec("fill_value", "float", 0.0, doc="padding value"),
         ParamSpec("antialias", "bool", False, doc="antialias when downsampling"),
         P.data_format()),
        1, 1, make_resize("Resizing"), no_params),
    LayerSpec(
        "AutoContrast", _CATEGORY, "Stretches each image's values to the full value_range "
        "(contrast), at inference too.",
        (value_range(), P.data_format()), 1, 1, make_same("AutoContrast"), no_params),
    LayerSpec(
        "ContrastLimitedAdaptiveHistogramEqualization", _CATEGORY,
        "CLAHE: equalizes the histogram (contrast) of image tiles, at inference too.",
        (value_range(),
         ParamSpec("clip_limit", "float", 4.0, minimum=0.0, doc="contrast limit", main=True),
         ParamSpec("tile_grid_size", "any", (8, 8), doc="(rows, cols) of tiles"),
         P.data_format()),
        1, 1, make_same("ContrastLimitedAdaptiveHistogramEqualization"), no_params),
    LayerSpec(
        "MaxNumBoundingBoxes", _CATEGORY, "Pads or cuts the bounding boxes of an object "
        "detection sample to max_number; images pass through.",
        (P.positive_int("max_number", "largest number of boxes"),
         ParamSpec("fill_value", "int", -1, doc="value of padded boxes"), P.data_format()),
        1, 1, make_same("MaxNumBoundingBoxes"), no_params),
    LayerSpec(
        "MelSpectrogram", _CATEGORY, "Turns audio (batch, samples) into a mel spectrogram "
        "(batch, mel bins, frames).",
        (ParamSpec("fft_length", "int", 2048, minimum=1, doc="FFT size"),
         ParamSpec("sequence_stride", "int", 512, minimum=1, doc="hop between frames"),
         ParamSpec("sequence_length", "int", None, minimum=1, allow_none=True,
                   doc="window length (None: fft_length)"),
         ParamSpec("window", "choice", "hann", choices=("hann", "hamming"), allow_none=True,
                   doc="window function"),
         ParamSpec("sampling_rate", "int", 16000, minimum=1, doc="samples per second"),
         ParamSpec("num_mel_bins", "int", 128, minimum=1, doc="mel bands", main=True),
         ParamSpec("min_freq", "float", 20.0, minimum=0.0, doc="lowest frequency"),
         ParamSpec("max_freq", "float", None, allow_none=True, doc="highest frequency"),
         ParamSpec("power_to_db", "bool", True, doc="convert power to decibels"),
         ParamSpec("top_db", "float", 80.0, doc="dynamic range in dB"),
         ParamSpec("mag_exp", "float", 2.0, doc="magnitude exponent"),
         ParamSpec("min_power", "float", 1e-10, doc="smallest power"),
         ParamSpec("ref_power", "float", 1.0, doc="reference power")),
        1, 1, infer_mel, no_params),
)
