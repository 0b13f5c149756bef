"""The ``training`` value Keras writes on its own into a saved call.

Keras 3 resolves a call's ``training`` argument (explicit value, else the outer call's, else the
default of the layer's ``call`` signature) and records the result in the saved config whenever it
is not None. So every call of a layer whose ``call(..., training=False)`` default is False
(Dropout, the recurrent layers…) is saved with ``training: false``, and every call of an
augmentation layer (``training=True`` default) with ``training: true``, whatever the model's
code passed; layers whose default is None (Dense, BatchNormalization, MultiHeadAttention, nested
models) have ``training`` in their saved call only when the code passed it. The import keeps a
saved ``training`` only when it differs from what Keras writes by itself
(``tests/keras_equality/test_call_defaults.py`` checks this table against the signatures).
"""

from __future__ import annotations

TRAINING_FALSE_BY_DEFAULT = frozenset({
    "AlphaDropout", "Dropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D", "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Attention",
    "AdditiveAttention", "SpectralNormalization",
})
"""Layer types whose ``call`` has ``training=False``: Keras saves ``training: false`` on every call."""

TRAINING_TRUE_BY_DEFAULT = frozenset({
    "AutoContrast", "CenterCrop", "ContrastLimitedAdaptiveHistogramEqualization", "MaxNumBoundingBoxes",
    "Resizing", "AugMix", "CutMix", "Equalization", "MixUp", "RandAugment", "RandomBrightness",
    "RandomColorDegeneration", "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomElasticTransform",
    "RandomErasing", "RandomFlip", "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
    "RandomPerspective", "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness",
    "RandomShear", "RandomTranslation", "RandomZoom", "Solarization",
})
"""Layer types whose ``call`` has ``training=True`` (image preprocessing and augmentation): Keras
saves ``training: true`` on every call."""


def recorded_training(layer_type: str) -> bool | None:
    """The ``training`` value Keras records by itself on a call of ``layer_type`` (None: nothing)."""
    if layer_type in TRAINING_FALSE_BY_DEFAULT:
        return False
    if layer_type in TRAINING_TRUE_BY_DEFAULT:
        return True
    return None


def is_implicit_training(layer_type: str, value) -> bool:
    """True when a saved ``training`` value is the one Keras writes by itself for this type, so it
    says nothing about the model's code (and is not kept by the import)."""
    return value is None or (isinstance(value, bool) and value is recorded_training(layer_type))
