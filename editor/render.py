"""Drawing a model's graph to PNG or SVG without a window (``layerloom render``).

The picture is the canvas itself (same cards, badges, shapes and edges) on a white background, so
what people see in the editor is what goes into their slides. Works headless: when there is no
display the offscreen Qt platform is used.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

FORMATS = (".png", ".svg")
MARGIN = 36.0
PNG_SCALE = 2.0
MAX_PNG_SIDE = 16000
#: pixels of the largest PNG drawn (96 MB of raster): a bigger drawing is scaled down to it, with a
#: note, so that rendering any graph stays within bounded memory and time
MAX_PNG_PIXELS = 24_000_000
_app = None


def ensure_app():
    """Return the running QApplication, creating one (offscreen when there is no display)."""
    global _app
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        return app
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _app = QApplication(sys.argv[:1] or ["layerloom"])
    return _app


def png_scale(width: float, height: float) -> float:
    """Pixels per scene unit of a PNG of a ``width`` x ``height`` drawing (``PNG_SCALE`` unless capped)."""
    return min(PNG_SCALE, MAX_PNG_SIDE / max(width, height, 1.0),
               math.sqrt(MAX_PNG_PIXELS / max(width * height, 1.0)))


def render_document(doc, out_path: str, geometry_path: str | None = None) -> list:
    """Draw ``doc``'s graph to ``out_path`` (PNG or SVG, chosen by the extension).

    A PNG is drawn at ``PNG_SCALE`` pixels per scene unit, or smaller when that would exceed
    ``MAX_PNG_SIDE`` or ``MAX_PNG_PIXELS``; it then shows what the editor shows at that zoom (at
    small scales the cards without text), and a note says so. An SVG is always at full detail.

    Args:
        doc: the :class:`graph_core.document.Document` to draw (it is not modified).
        out_path: the file to write, ending in ``.png`` or ``.svg``.
        geometry_path: also write what was drawn at full detail (cards, edge points, labels) as
            JSON there.

    Returns:
        notes for the person rendering (empty when the picture is at full scale and detail).

    Raises:
        ValueError: the extension is neither ``.png`` nor ``.svg``.
        OSError: the file cannot be written.
    """
    ext = Path(out_path).suffix.lower()
    if ext not in FORMATS:
        raise ValueError(f"cannot render to {out_path!r}: the file name must end in .png or .svg")
    ensure_app()
    from graph_core.gc_pause import paused_gc

    with paused_gc():  # linear at any size (see graph_core.gc_pause)
        return _render(doc, out_path, geometry_path, ext)


def _render(doc, out_path: str, geometry_path: str | None, ext: str) -> list:
    from PySide6.QtCore import QRectF, QSize, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    from editor.canvas import style as S
    from editor.canvas.geometry import GeometryWriter
    from editor.canvas.lod import FULL, MEDIUM, OVERVIEW, level_for_zoom
    from editor.render_chunks import Drawing
    from editor.session import DocumentSession

    session = DocumentSession(doc)
    drawing = Drawing(session, doc)
    notes: list = []
    painter = QPainter()
    try:
        source = drawing.bounds
        if source.isNull():
            source = QRectF(0, 0, 240, 120)
        source = source.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        w, h = source.width(), source.height()
        level = FULL
        if ext == ".png":
            scale = png_scale(w, h)
            if scale < PNG_SCALE:
                level = level_for_zoom(scale)
                detail = {FULL: "", MEDIUM: ", cards show their layer types only",
                          OVERVIEW: ", cards without text"}[level]
                notes.append(f"the drawing is {w:.0f}x{h:.0f} scene units, so the PNG is drawn at "
                             f"{scale:.3g} px per unit (capped at {MAX_PNG_PIXELS / 1e6:.0f} Mpx{detail}); "
                             f"render to .svg for every detail at any zoom")
            device = QImage(max(1, math.ceil(w * scale)), max(1, math.ceil(h * scale)),
                            QImage.Format_ARGB32_Premultiplied)
            device.setDevicePixelRatio(1.0)
            device.fill(QColor(S.EXPORT_BG))
            target = QRectF(0, 0, device.width(), device.height())
        else:
            from PySide6.QtSvg import QSvgGenerator

            parent = Path(out_path).resolve().parent
            if not parent.is_dir():
                raise OSError(f"cannot write {out_path}: folder {parent} does not exist")
            device = QSvgGenerator()
            device.setFileName(out_path)
            device.setSize(QSize(math.ceil(w), math.ceil(h)))
            device.setViewBox(QRectF(0, 0, math.ceil(w), math.ceil(h)))
            device.setTitle(doc.name)
            device.setDescription("Drawn by LayerLoom")
            target = QRectF(0, 0, w, h)
        writer = GeometryWriter(geometry_path) if geometry_path else None
        if not painter.begin(device):
            raise OSError(f"cannot write {out_path}")
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        if ext == ".svg":
            painter.fillRect(target, QColor(S.EXPORT_BG))
        complete = False
        try:
            for scene, own in drawing.scenes():
                scene.set_detail_level(FULL)  # the geometry is what is drawn at full detail
                if writer is not None:
                    writer.add(scene, own)
                scene.set_detail_level(level)
                scene.setBackgroundBrush(Qt.NoBrush)  # each part paints over the parts before it
                scene.render(painter, target, source, Qt.KeepAspectRatio)
            complete = True
        finally:
            painter.end()
            if writer is not None:
                writer.close(complete)
        if ext == ".png" and not device.save(out_path, "PNG"):
            raise OSError(f"cannot write {out_path}")
        if ext == ".svg" and not Path(out_path).is_file():
            raise OSError(f"cannot write {out_path}")
    finally:
        drawing.close()
        session.close()
        session.deleteLater()
    return notes


def run_render(path: str, out: str, geometry: str | None = None, allow_large: bool = False) -> int:
    """``layerloom render FILE.loom -o OUT.png|OUT.svg [--geometry OUT.json] [--allow-large]``.

    ``allow_large`` reads a file past the format's layer and node limits
    (:data:`graph_core.file_limits.MAX_LARGE_ITEMS`).

    Returns:
        0 on success ("wrote OUT" on stdout); 2 for an unreadable file, an unknown extension or
        an unwritable output (the message goes to stderr).
    """
    from graph_core import loom_format
    from graph_core.errors import LoomFormatError

    if Path(out).suffix.lower() not in FORMATS:
        print(f"error: cannot render to {out!r}: the output must end in .png or .svg", file=sys.stderr)
        return 2
    try:
        doc = loom_format.load(path, allow_large=allow_large)
    except LoomFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        notes = render_document(doc, out, geometry)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    for note in notes:
        print(f"note: {note}")
    return 0
