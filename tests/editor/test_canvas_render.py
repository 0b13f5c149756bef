"""Headless rendering of documents to PNG and SVG, and the ``layerloom render`` command."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from editor import cli
from editor.render import render_document
from graph_core import loom_format, templates
from graph_core.builder import GraphBuilder

pytestmark = pytest.mark.gui

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _examples() -> list:
    return [t.slug for t in templates.list_templates()]


def _small_doc():
    b = GraphBuilder("small")
    x = b.input("x", shape=(28, 28, 1))
    c = b.layer("Conv2D", x, filters=8, kernel_size=3, activation="relu")
    f = b.layer("Flatten", c)
    b.output(b.layer("Dense", f, units=10, activation="softmax"), loss="categorical_crossentropy")
    from graph_core.layout import auto_layout_edit

    b.document.apply(auto_layout_edit(b.document))
    return b.document


def _check_png(path, min_width=100):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= min_width and image.height() > 50
    return image


def _check_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = path.read_text(encoding="utf-8")
    assert "<path" in text or "<rect" in text


@pytest.mark.parametrize("slug", _examples())
def test_render_every_template(slug, tmp_path):
    doc = templates.load_template(slug)
    render_document(doc, str(tmp_path / f"{slug}.png"))
    render_document(doc, str(tmp_path / f"{slug}.svg"))
    _check_png(tmp_path / f"{slug}.png")
    _check_svg(tmp_path / f"{slug}.svg")


def test_render_png_and_svg(tmp_path):
    doc = _small_doc()
    render_document(doc, str(tmp_path / "g.png"))
    render_document(doc, str(tmp_path / "g.svg"))
    image = _check_png(tmp_path / "g.png", min_width=600)
    assert image.pixelColor(2, 2).name() == "#ffffff"  # white margin
    _check_svg(tmp_path / "g.svg")
    assert "Conv2D" in (tmp_path / "g.svg").read_text(encoding="utf-8")


def test_render_empty_document(tmp_path):
    from graph_core.document import Document

    render_document(Document("empty"), str(tmp_path / "e.png"))
    _check_png(tmp_path / "e.png", min_width=10)


def test_render_unknown_extension_raises(tmp_path):
    with pytest.raises(ValueError, match=".png or .svg"):
        render_document(_small_doc(), str(tmp_path / "g.pdf"))


def test_cli_render(tmp_path, capsys):
    src = tmp_path / "m.loom"
    loom_format.save(_small_doc(), src)
    out = tmp_path / "m.png"
    assert cli.main(["render", str(src), "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    _check_png(out)
    assert cli.main(["render", str(src), "-o", str(tmp_path / "m.svg")]) == 0
    _check_svg(tmp_path / "m.svg")


def test_cli_render_bad_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.loom"
    bad.write_text('{"format": "layerloom", "version": 1, "layers": 3}', encoding="utf-8")
    assert cli.main(["render", str(bad), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "error" in err and "layers" in err
    assert not (tmp_path / "x.png").exists()
    assert cli.main(["render", str(tmp_path / "missing.loom"), "-o", str(tmp_path / "x.png")]) == 2


def test_cli_render_unknown_extension_exits_2(tmp_path, capsys):
    src = tmp_path / "m.loom"
    loom_format.save(_small_doc(), src)
    assert cli.main(["render", str(src), "-o", str(tmp_path / "m.jpg")]) == 2
    assert ".png or .svg" in capsys.readouterr().err


def test_cli_render_unwritable_output_exits_2(tmp_path, capsys):
    src = tmp_path / "m.loom"
    loom_format.save(_small_doc(), src)
    assert cli.main(["render", str(src), "-o", str(tmp_path / "no" / "such" / "m.svg")]) == 2
    assert "error" in capsys.readouterr().err


def test_a_drawing_too_big_for_the_raster_cap_is_scaled_down_with_a_note(tmp_path, monkeypatch, capsys):
    from editor import render

    doc = templates.load_template("inception")
    path = tmp_path / "inception.loom"
    loom_format.save(doc, str(path))
    out = tmp_path / "big.png"
    assert cli.main(["render", str(path), "-o", str(out)]) == 0
    full = QImage(str(out))
    assert "note:" not in capsys.readouterr().out
    monkeypatch.setattr(render, "MAX_PNG_PIXELS", full.width() * full.height() // 16)
    assert cli.main(["render", str(path), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    capped = QImage(str(out))
    assert capped.width() * capped.height() <= render.MAX_PNG_PIXELS
    assert capped.width() <= full.width() // 3
    assert "note: the drawing is" in printed and "capped at" in printed and ".svg" in printed
