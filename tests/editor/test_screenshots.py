"""``layerloom open FILE --screenshot OUT.png`` for every template, in this process."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from editor import cli
from graph_core.templates import list_templates
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows", "isolated_files")]


def _distinct_colours(image: QImage, step: int = 16) -> int:
    colours = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colours.add(image.pixel(x, y))
    return len(colours)


@pytest.mark.parametrize("slug", [t.slug for t in list_templates()])
def test_screenshot_of_every_template(qapp, tmp_path, slug):
    out = tmp_path / f"{slug}.png"
    template = next(t for t in list_templates() if t.slug == slug)
    assert cli.main(["open", str(template.path), "--screenshot", str(out)]) == 0
    image = QImage(str(out))
    assert not image.isNull()
    assert image.width() >= 1000 and image.height() >= 600
    assert _distinct_colours(image) > 20, "the picture is (nearly) uniform"
    assert out.stat().st_size > 20_000


def test_screenshot_of_unreadable_file_exits_2(qapp, tmp_path, capsys):
    missing = tmp_path / "nope.loom"
    assert cli.main(["open", str(missing), "--screenshot", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "cannot read" in err and "Traceback" not in err
