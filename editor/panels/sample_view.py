"""How one predicted sample is shown: a picture for image inputs, short text for the rest.

The worker sends each sample's inputs and outputs as nested lists (JSON); an input is drawn as a
picture when it looks like one: ``(height, width)`` or ``(height, width, channels)`` with 1, 3 or 4
channels and both sides at least :data:`MIN_SIDE`. Values are stretched to the full grey range
(digits from 0 to 16, images in ``[0, 1]`` or ``[0, 255]`` all show).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

MIN_SIDE = 8
MAX_VALUES_SHOWN = 6


def _shape(value) -> tuple:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def _flat(value) -> list:
    if isinstance(value, list):
        return [x for item in value for x in _flat(item)]
    return [value]


def image_shape(value) -> tuple | None:
    """``(height, width, channels)`` when ``value`` (nested lists) looks like an image, else None."""
    shape = _shape(value)
    if len(shape) == 2:
        shape = shape + (1,)
    if len(shape) != 3 or shape[2] not in (1, 3, 4) or min(shape[:2]) < MIN_SIDE:
        return None
    return shape


def image_pixmap(value, side: int) -> QPixmap | None:
    """The picture of an image input, scaled to fit ``side`` pixels (None when it is not an image)."""
    shape = image_shape(value)
    if shape is None:
        return None
    flat = [float(x) if isinstance(x, (int, float)) and math.isfinite(x) else 0.0 for x in _flat(value)]
    if not flat:
        return None
    low, high = min(flat), max(flat)
    scale = 255.0 / (high - low) if high > low else 0.0  # stretched: 0..16 digits, 0..1 or 0..255 images
    data = bytes(max(0, min(255, int(round((x - low) * scale)))) for x in flat)
    height, width, channels = shape
    formats = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
               4: QImage.Format.Format_RGBA8888}
    image = QImage(data, width, height, width * channels, formats[channels]).copy()
    return QPixmap.fromImage(image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)


def _number(x) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))  # token ids and counts read as integers
    return f"{x:.4g}" if isinstance(x, (int, float)) else str(x)


def input_text(value) -> str:
    """A short text for an input that is not drawn: its values, or its shape when it is large."""
    if isinstance(value, dict) and "shape" in value:
        return "array (" + ", ".join(str(d) for d in value["shape"]) + ")"
    if isinstance(value, list):
        flat = _flat(value)
        shown = ", ".join(_number(x) for x in flat[:MAX_VALUES_SHOWN])
        more = f", … ({len(flat)} values)" if len(flat) > MAX_VALUES_SHOWN else ""
        return f"[{shown}{more}]"
    return _number(value)


def output_text(value, top: list | None = None) -> str:
    """An output: the top classes with their probabilities for a classifier, else its values."""
    if top:
        parts = []
        for class_id, name, probability in top:
            label = name if name is not None else str(class_id)
            parts.append(f"{label} ({probability:.0%})" if isinstance(probability, (int, float)) else label)
        return " · ".join(parts)
    return input_text(value)
