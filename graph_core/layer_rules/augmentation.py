"""Image augmentation layers (RandomFlip, RandomRotation, RandomZoom, ... AugMix, MixUp).

They change images only while training: at inference (``model.predict``, ``training=False``)
every one of them passes its input through unchanged, except ``RandomCrop``, which
center-crops to (height, width) at inference. Each takes a ``seed``. Keras's symbolic build
accepts any rank for them; LayerLoom asks for a batch of images ``(batch, rows, cols,
channels)`` (a rank-3 tensor in a model is a batch of grayscale images that Keras would treat
as one image), and is stricter there on purpose.
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    channels_first,
    fmt,
    keep_dtype,
    need_rank,
    spatial_layout,
    unknown,
)
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

INFERENCE_NOTE = "Identity at inference (training only)."
IMAGE_HINT = "augmentation works on a batch of images: give the Input shape (rows, cols, channels)"
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def need_images(layer: str, config: dict, shape) -> None:
    """Raise ``shape.rank`` unless ``shape`` is a batch of images (rank 4)."""
    need_rank(layer, shape, 4, spatial_layout(2, channels_first(config)), IMAGE_HINT)


def make_same(layer: str, keep: bool = False, rgb: bool = False):
    """Infer function of an augmentation that keeps the image shape.

    Args:
        layer: the layer type, for messages.
        keep: the output keeps integer dtypes (Equalization, RandomGrayscale); else float32.
        rgb: the layer needs 3 channels (RandomColorDegeneration).
    """

    def infer(config: dict, inputs: list) -> list:
        spec = inputs[0]
        dtype = keep_dtype(spec.dtype) if keep else FLOAT32
        if spec.shape is None:
            return unknown(1, dtype)
        need_images(layer, config, spec.shape)
        channels = spec.shape[1 if channels_first(config) else -1]
        if rgb and channels is not None and channels != 3:
            raise ShapeError(f"{layer} needs RGB images with 3 channels, got {fmt(spec.shape)}",
                             "convert to RGB first, or use a layer that works on any channels",
                             "shape.channels")
        return [TensorSpec(spec.shape, dtype)]

    return infer


def make_resize(layer: str):
    """Infer function of a layer whose output is (height, width) images (crops, Resizing)."""

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        need_images(layer, config, shape)
        start = 2 if channels_first(config) else 1
        out = list(shape)
        out[start], out[start + 1] = config["height"], config["width"]
        return [TensorSpec(tuple(out), FLOAT32)]

    return infer


def _factor_ok(value, lo: float, hi: float) -> bool:
    values = value if isinstance(value, (list, tuple)) else (value,)
    if isinstance(value, (list, tuple)) and len(value) != 2:
        return False
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi
               for v in values)


def check_factors(*limits):
    """Check function: each ``(name, lo, hi)`` factor is a number or a (low, high) pair in range.

    Args:
        *limits: ``(param name, smallest, largest)``; a None value is allowed when the
            param allows None.
    """

    def check(config: dict) -> list:
        problems = []
        for name, lo, hi in limits:
            value = config.get(name)
            if value is None:
                continue
            if not _factor_ok(value, lo, hi):
                problems.append((name, f"{name} must be a number or a (low, high) pair in "
                                 f"[{lo:g}, {hi:g}], got {value!r}", f"e.g. {name}=0.2"))
        return problems

    return check


def factor(name: str = "factor", default=REQUIRED, doc: str = "strength: a number or a "
           "(low, high) range", main: bool = True) -> ParamSpec:
    """A random-strength argument: a number or a (low, high) pair."""
    return ParamSpec(name, "any", default, allow_none=default is None, doc=doc, main=main)


def value_range() -> ParamSpec:
    """``value_range=(0, 255)``: the range of the pixel values."""
    return ParamSpec("value_range", "any", (0, 255), doc="range of the pixel values, e.g. (0, 1)")


def _geometric(interpolation_first: bool = False) -> tuple:
    fill = ParamSpec("fill_mode", "choice", "reflect", choices=FILL_MODES,
                     doc="how points outside the image are filled")
    interpolation = ParamSpec("interpolation", "choice", "bilinear", choices=INTERPOLATIONS,
                              doc="interpolation method")
    first = (interpolation, fill) if interpolation_first else (fill, interpolation)
    return (*first, ParamSpec("fill_value", "float", 0.0, doc="fill value for fill_mode='constant'"))


def infer_equalization(_config: dict, _inputs: list) -> list:
    """Keras 3's symbolic Equalization returns its input tensor itself, which ``keras.Model``
    then reads as a cycle: no functional model holding it builds."""
    raise ShapeError("Keras cannot build a functional model with Equalization: its symbolic call returns "
                     "its input tensor itself, which Keras reads as a cycle",
                     "equalize the images in the data pipeline (tf.data) instead, or use AutoContrast",
                     "keras.unbuildable")


def _check_odd_kernel(config: dict) -> list:
    """Keras's RandomGaussianBlur needs an odd kernel size."""
    if isinstance(config["kernel_size"], int) and config["kernel_size"] % 2 == 0:
        return [("kernel_size", f"kernel_size must be odd, got {config['kernel_size']}", "e.g. 3 or 5")]
    return []


#: Layers whose Keras constructor takes data_format before seed (the others: seed first).
_DATA_FORMAT_FIRST = frozenset({"MixUp", "RandomColorDegeneration", "RandomGrayscale", "RandomHue",
                                "RandomPosterization", "RandomSaturation", "RandomSharpness"})


def _spec(layer: str, description: str, params: tuple, infer=None, check=None,
          at_inference: str = INFERENCE_NOTE, seed: bool = True) -> LayerSpec:
    if not seed:
        extra = (P.data_format(),)
    elif layer in _DATA_FORMAT_FIRST:
        extra = (P.data_format(), P.seed())
    else:
        extra = (P.seed(), P.data_format())
    return LayerSpec(layer, "Augmentation", f"{description} {at_inference}",
                     params + extra, 1, 1, infer or make_same(layer), no_params, check=check)

SPECS = (
    _spec("RandomFlip", "Randomly flips images horizontally and/or vertically (mirror).",
          (ParamSpec("mode", "choice", "horizontal_and_vertical",
                     choices=("horizontal", "vertical", "horizontal_and_vertical"),
                     doc="which flips to apply", main=True),)),
    _spec("RandomRotation", "Randomly rotates images by a fraction of a full turn.",
          (factor(doc="rotation range as a fraction of 2*pi, e.g. 0.1 or (-0.1, 0.2)"),
           *_geometric())),
    _spec("RandomZoom", "Randomly zooms images in or out.",
          (factor("height_factor", doc="vertical zoom range, e.g. 0.2 or (-0.3, 0.2)"),
           factor("width_factor", None, "horizontal zoom range (None: as height)", False),
           *_geometric()),
          check=check_factors(("height_factor", -1.0, 1.0), ("width_factor", -1.0, 1.0))),
    _spec("RandomTranslation", "Randomly shifts (translates) images up/down and left/right.",
          (factor("height_factor", doc="vertical shift as a fraction of the height"),
           factor("width_factor", doc="horizontal shift as a fraction of the width"),
           *_geometric()),
          check=check_factors(("height_factor", -1.0, 1.0), ("width_factor", -1.0, 1.0))),
    _spec("RandomShear", "Randomly shears (slants) images along x and y.",
          (factor("x_factor", 0.0, "shear along x"), factor("y_factor", 0.0, "shear along y"),
           *_geometric(interpolation_first=True)),
          check=check_factors(("x_factor", 0.0, 1.0), ("y_factor", 0.0, 1.0))),
    _spec("RandomContrast", "Randomly adjusts the contrast of images.",
          (factor(doc="contrast range, e.g. 0.2 for [0.8, 1.2]"), value_range()),
          check=check_factors(("factor", 0.0, 1.0))),
    _spec("RandomBrightness", "Randomly adjusts the brightness of images.",
          (factor(doc="brightness range as a fraction of value_range, e.g. 0.2"), value_range()),
          check=check_factors(("factor", -1.0, 1.0))),
    _spec("RandomCrop", "Randomly crops images to (height, width) while training.",
          (P.positive_int("height", "height of the crop"),
           P.positive_int("width", "width of the crop")),
          infer=make_resize("RandomCrop"),
          at_inference="At inference it center-crops to (height, width)."),
    _spec("RandomHue", "Randomly shifts the hue (colour) of RGB images.",
          (factor(doc="hue shift range in [0, 1]"), value_range()),
          check=check_factors(("factor", 0.0, 1.0))),
    _spec("RandomSaturation", "Randomly changes the colour saturation of images.",
          (factor(doc="saturation range in [0, 1]"), value_range()),
          check=check_factors(("factor", 0.0, 1.0))),
    _spec("RandomSharpness", "Randomly sharpens or blurs images.",
          (factor(doc="sharpness range in [0, 1]"), value_range()),
          check=check_factors(("factor", 0.0, 1.0))),
    _spec("RandomColorDegeneration", "Randomly blends RGB images with their grayscale version.",
          (factor(doc="degeneration range in [0, 1]"), value_range()),
          infer=make_same("RandomColorDegeneration", rgb=True),
          check=check_factors(("factor", 0.0, 1.0))),
    _spec("RandomColorJitter", "Randomly changes brightness, contrast, saturation and hue.",
          (value_range(), factor("brightness_factor", None, "brightness range", False),
           factor("contrast_factor", None, "contrast range", False),
           factor("saturation_factor", None, "saturation range", False),
           factor("hue_factor", None, "hue range", False))),
    _spec("RandomGrayscale", "Randomly turns images to grayscale (keeping the channels).",
          (ParamSpec("factor", "float", 0.5, minimum=0.0, maximum=1.0,
                     doc="probability of turning an image gray", main=True),),
          infer=make_same("RandomGrayscale", keep=True)),
    _spec("RandomInvert", "Randomly inverts the pixel values of images.",
          (factor(default=1.0, doc="probability of inverting"), value_range())),
    _spec("RandomPosterization", "Randomly reduces the number of bits per colour channel.",
          (factor(doc="bits to keep, in [1, 8], e.g. (1, 8)"), value_range()),
          check=check_factors(("factor", 1, 8))),
    _spec("RandomGaussianBlur", "Randomly blurs images with a Gaussian kernel.",
          (factor(default=1.0, doc="probability/strength of the blur"),
           ParamSpec("kernel_size", "int", 3, minimum=1, doc="size of the blur kernel (odd)"),
           ParamSpec("sigma", "float", 1.0, minimum=0.0, maximum=1.0, doc="standard deviation of the blur"),
           value_range()), check=_check_odd_kernel),
    _spec("RandomErasing", "Randomly erases (masks out) rectangles of images (cutout).",
          (factor(default=1.0, doc="probability of erasing"),
           ParamSpec("scale", "any", (0.02, 0.33), doc="area of the erased patch"),
           ParamSpec("fill_value", "any", None, allow_none=True, doc="value of the erased patch"),
           value_range())),
    _spec("RandomElasticTransform", "Randomly deforms images with an elastic displacement.",
          (factor(default=1.0, doc="probability of the transform"),
           ParamSpec("scale", "float", 1.0, minimum=0.0, maximum=1.0, doc="displacement strength"),
           ParamSpec("interpolation", "choice", "bilinear", choices=INTERPOLATIONS,
                     doc="interpolation method"),
           ParamSpec("fill_mode", "choice", "reflect", choices=FILL_MODES,
                     doc="how points outside the image are filled"),
           ParamSpec("fill_value", "float", 0.0, doc="fill value for fill_mode='constant'"),
           value_range())),
    _spec("RandomPerspective", "Randomly warps the perspective of images.",
          (factor(default=1.0, doc="probability of the warp"),
           ParamSpec("scale", "float", 1.0, minimum=0.0, maximum=1.0, doc="warp strength"),
           ParamSpec("interpolation", "choice", "bilinear", choices=INTERPOLATIONS,
                     doc="interpolation method"),
           ParamSpec("fill_value", "float", 0.0, doc="value of points outside the image"))),
    _spec("Solarization", "Randomly inverts pixels above a threshold (solarize).",
          (factor("addition_factor", 0.0, "range of the value added before solarizing"),
           factor("threshold_factor", 0.0, "range of the threshold", False), value_range()),
          check=check_factors(("addition_factor", 0.0, 1.0), ("threshold_factor", 0.0, 1.0))),
    _spec("AugMix", "Mixes several chains of random augmentations of each image (AugMix).",
          (value_range(), ParamSpec("num_chains", "int", 3, minimum=1, doc="augmentation chains"),
           ParamSpec("chain_depth", "any", 3, doc="ops per chain (int or range)"),
           ParamSpec("factor", "float", 0.3, minimum=0.0, maximum=1.0, doc="op strength",
                     main=True),
           ParamSpec("alpha", "float", 1.0, minimum=0.0, doc="Dirichlet/Beta mixing parameter"),
           ParamSpec("all_ops", "bool", True, doc="include the colour ops"),
           ParamSpec("interpolation", "choice", "bilinear", choices=INTERPOLATIONS,
                     doc="interpolation method"))),
    _spec("RandAugment", "Applies num_ops random augmentations of strength factor (RandAugment).",
          (value_range(), ParamSpec("num_ops", "int", 2, minimum=1, doc="ops per image",
                                    main=True),
           factor(default=0.5, doc="op strength in [0, 1]"),
           ParamSpec("interpolation", "choice", "bilinear", choices=INTERPOLATIONS,
                     doc="interpolation method"))),
    _spec("CutMix", "Pastes a patch of another image of the batch into each image (CutMix).",
          (factor(default=1.0, doc="Beta distribution parameter of the patch size"),)),
    _spec("MixUp", "Blends each image with another image of the batch (MixUp).",
          (ParamSpec("alpha", "float", 0.2, minimum=0.0, doc="Beta distribution parameter",
                     main=True),)),
    _spec("Equalization", "Equalizes the histogram of each channel (contrast).",
          (value_range(), ParamSpec("bins", "int", 256, minimum=1, doc="histogram bins")),
          infer=infer_equalization, seed=False),
)

#: the layers that pass their input through unchanged at inference (cards say "training only")
IDENTITY_AT_INFERENCE = frozenset(s.type for s in SPECS if INFERENCE_NOTE in s.description)
