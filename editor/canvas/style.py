"""The canvas look in one place: colours per category, fonts, pens, sizes, zoom thresholds.

Qt objects (fonts, pens, brushes) are created once, on first use after the QGuiApplication exists,
and shared by every item: paint methods never allocate them.
"""

from __future__ import annotations

import zlib
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPen

# ------------------------------------------------------------------ sizes (scene units = px at 100 %)
NODE_WIDTH = 184.0
NODE_MIN_HEIGHT = 80.0
NODE_RADIUS = 6.0
INPUT_RADIUS = 14.0
STRIPE_WIDTH = 4.0
PAD_X = 8.0
PAD_RIGHT = 6.0
PAD_TOP = 8.0
ROW_TYPE = 17.0
ROW_NAME = 15.0
ROW_PARAMS = 16.0
ROW_SHAPE = 16.0
PORT_RADIUS = 4.5
PORT_HIT_RADIUS = 10.0
PORT_SPACING = 17.0
BADGE_SIZE = 16.0
TAG_HEIGHT = 17.0
TAG_GAP = 4.0
OPEN_BUTTON_W = 44.0
OPEN_BUTTON_H = 16.0
EDGE_LABEL_PAD_X = 4.0
EDGE_LABEL_PAD_Y = 1.5
GRID_SPACING = 20.0
DROP_OFFSET = (NODE_WIDTH / 2.0, NODE_MIN_HEIGHT / 2.0)

# ------------------------------------------------------------------ zoom
ZOOM_MIN = 0.02
ZOOM_MAX = 3.0
ZOOM_STEP = 1.15
LOD_MEDIUM = 0.62   # below: cards show the layer type only, edges lose their labels
LOD_OVERVIEW = 0.36  # below: the whole graph is drawn in bulk as plain rectangles and lines

# ------------------------------------------------------------------ colours
CANVAS_BG = "#F5F6F8"
GRID_DOT = "#D5DAE1"
CARD_FILL = "#FFFFFF"
CARD_BORDER = "#C9CFD8"
CARD_BORDER_DARK = "#8A93A3"
TEXT_PRIMARY = "#1E2430"
TEXT_SECONDARY = "#6A7280"
TEXT_PARAMS = "#343B48"
TEXT_SHAPE = "#1D5FA8"
TEXT_UNKNOWN = "#A0A7B3"
SELECTION = "#2563EB"
ERROR = "#E5484D"
WARNING = "#F0A020"
PORT_FILL = "#FFFFFF"
PORT_BORDER = "#8A93A3"
PORT_CONNECTED = "#6B7485"
PORT_OK = "#22A35A"
PORT_REFUSED = "#E5484D"
EDGE = "#9AA3B1"
EDGE_SELECTED = "#2563EB"
EDGE_LABEL_BG = "#F5F6F8"
EDGE_LABEL_TEXT = "#56606E"
OUTPUT_TAG_FILL = "#1E2430"
OUTPUT_TAG_TEXT = "#FFFFFF"
OUTPUT_BORDER = "#1E2430"
HINT_FILL = "#1E2430"
HINT_TEXT = "#FFFFFF"
HINT_REFUSED = "#FF8A8E"
MODEL_BACK = "#E9ECF1"
INPUT_FILL = "#EEF7FD"
INPUT_BORDER = "#7CC4EC"
EXPORT_BG = "#FFFFFF"

CATEGORY_COLORS = {
    "Input": "#0EA5E9",
    "Core": "#3B82F6",
    "Convolution": "#8B5CF6",
    "Pooling": "#06B6D4",
    "Reshaping": "#64748B",
    "Normalization": "#10B981",
    "Activation": "#EC4899",
    "Regularization": "#84CC16",
    "Embedding": "#14B8A6",
    "Recurrent": "#6366F1",
    "Attention": "#D946EF",
    "Merge": "#F97316",
    "Preprocessing": "#CA8A04",
    "Augmentation": "#E11D48",
    "Model": "#334155",
    "Application": "#0F766E",
    "Applications": "#0F766E",  # the internal layers of keras.applications models
    "Operations": "#B45309",
}
UNKNOWN_CATEGORY_COLOR = "#9CA3AF"

FONT_FAMILIES = ["Inter", "Segoe UI", "Helvetica Neue", "Cantarell", "DejaVu Sans", "Arial", "sans-serif"]
MONO_FAMILIES = ["JetBrains Mono", "SF Mono", "Consolas", "DejaVu Sans Mono", "monospace"]


def category_color(category: str) -> str:
    """Hex colour of a catalog category (``Model``, ``Application`` and ``Input`` included)."""
    return CATEGORY_COLORS.get(category, UNKNOWN_CATEGORY_COLOR)


@cache
def accent_color(layer_id: str) -> QColor:
    """A stable, saturated colour derived from a layer id: the shared-layer accent."""
    hue = zlib.crc32(layer_id.encode("utf-8")) % 360
    return QColor.fromHsl(hue, 170, 105)


@cache
def color(hex_code: str) -> QColor:
    """A cached QColor."""
    return QColor(hex_code)


@cache
def tint(hex_code: str, alpha: int) -> QColor:
    """``hex_code`` with alpha ``alpha`` (0-255)."""
    c = QColor(hex_code)
    c.setAlpha(alpha)
    return c


def argb(hex_code: str, alpha: int) -> str:
    """``#RRGGBB`` with alpha ``alpha`` (0-255) as a ``#AARRGGBB`` string (for :func:`pen`)."""
    return f"#{alpha:02X}{hex_code.lstrip('#')[-6:]}"


@cache
def blend(hex_a: str, hex_b: str, t: float) -> str:
    """The opaque colour ``t`` of the way from ``hex_a`` to ``hex_b`` (as ``#RRGGBB``)."""
    a, b = QColor(hex_a), QColor(hex_b)
    mix = QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                 round(a.blue() + (b.blue() - a.blue()) * t))
    return mix.name()


@cache
def pen(hex_or_color, width: float = 1.0, cosmetic: bool = False, style=Qt.SolidLine) -> QPen:
    """A cached pen (pass a hex string or a QColor name)."""
    p = QPen(QColor(hex_or_color), width, style, Qt.RoundCap, Qt.RoundJoin)
    p.setCosmetic(cosmetic)
    return p


@cache
def brush(hex_or_color) -> QBrush:
    """A cached solid brush.

    Made empty, then coloured: ``QBrush(QColor)`` is one of many constructors, and PySide tells
    them apart by making every argument type they name (QGradient, QImage, QPixmap and their
    enums, ~6 ms) the first time it is called.
    """
    solid = QBrush()
    solid.setColor(QColor(hex_or_color))
    solid.setStyle(Qt.BrushStyle.SolidPattern)
    return solid


def _font(families: list, pixel_size: float, weight=QFont.Normal) -> QFont:
    f = QFont()
    f.setFamilies(families)
    f.setPixelSize(round(pixel_size))
    f.setWeight(weight)
    f.setHintingPreference(QFont.PreferNoHinting)
    return f


class _Fonts:
    """Fonts and their metrics, created lazily (a QGuiApplication must exist)."""

    def __init__(self):
        self.type = _font(FONT_FAMILIES, 13, QFont.DemiBold)
        self.type_small = _font(FONT_FAMILIES, 12, QFont.DemiBold)
        self.type_tiny = _font(FONT_FAMILIES, 11, QFont.DemiBold)
        self.type_big = _font(FONT_FAMILIES, 20, QFont.DemiBold)
        self.name = _font(FONT_FAMILIES, 11)
        self.params = _font(FONT_FAMILIES, 12)
        self.shape = _font(MONO_FAMILIES, 11)
        self.badge = _font(FONT_FAMILIES, 10, QFont.Bold)
        self.tag = _font(FONT_FAMILIES, 10, QFont.DemiBold)
        self.edge = _font(MONO_FAMILIES, 10)
        self.hint = _font(FONT_FAMILIES, 12)
        self.type_m = QFontMetricsF(self.type)
        self.type_small_m = QFontMetricsF(self.type_small)
        self.type_tiny_m = QFontMetricsF(self.type_tiny)
        self.type_big_m = QFontMetricsF(self.type_big)
        self.name_m = QFontMetricsF(self.name)
        self.params_m = QFontMetricsF(self.params)
        self.shape_m = QFontMetricsF(self.shape)
        self.badge_m = QFontMetricsF(self.badge)
        self.tag_m = QFontMetricsF(self.tag)
        self.edge_m = QFontMetricsF(self.edge)
        self.hint_m = QFontMetricsF(self.hint)


_fonts = None


@cache
def title_font(pixel_size: int) -> QFont:
    """The font of card titles drawn at a fixed pixel size (the overview)."""
    return _font(FONT_FAMILIES, pixel_size, QFont.DemiBold)


def fonts() -> _Fonts:
    """The shared fonts (created on first call)."""
    global _fonts
    if _fonts is None:
        _fonts = _Fonts()
    return _fonts
