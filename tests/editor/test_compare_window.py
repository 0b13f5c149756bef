"""File › Compare with…: both models side by side, differences coloured, listed and selectable."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from editor.canvas.heat_map import HeatHalo
from editor.compare_action import attach_compare
from editor.compare_window import STATUS_COLOURS
from graph_core.templates import list_templates
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]

PATHS = {t.slug: str(t.path) for t in list_templates()}


def _colour_of(scene, nid):
    halos = [c for c in scene.node_item(nid).childItems() if isinstance(c, HeatHalo)]
    return halos[0].colour if halos else None


def _node(doc, name):
    return doc.nodes_of(doc.layer_by_name(name).id)[0]


def test_compare_menu_colours_lists_and_selects(qtbot, make_window, fake_dialogs):
    window = make_window("residual")
    attach_compare(window)
    fake_dialogs.open_answers.append(PATHS["residual-downsample"])
    window.compare_action.trigger()
    compare = window.compare_window
    assert compare.isVisible()
    a, b = compare.docs
    scene_a, scene_b = compare.scenes
    result = compare.result
    assert _colour_of(scene_a, _node(a, "conv2d_3")) == QColor(STATUS_COLOURS["removed"])
    for name in result.added:
        assert _colour_of(scene_b, _node(b, name)) == QColor(STATUS_COLOURS["added"])
    assert _colour_of(scene_b, _node(b, "residual_add")) == QColor(STATUS_COLOURS["rewired"])
    assert _colour_of(scene_a, _node(a, "predictions")) is None  # unchanged: no frame
    changed = [c for c in scene_b.node_item(_node(b, "features")).childItems() if isinstance(c, HeatHalo)][0]
    assert changed.text == "changed: shape"
    texts = [compare.entries.item(i).text() for i in range(compare.entries.count())]
    assert any("removed: conv2d_3" in t for t in texts) and any("rewired: residual_add" in t for t in texts)
    assert "Δ params −212,992" in compare.summary.text()

    row = next(i for i, t in enumerate(texts) if "rewired: residual_add" in t)
    compare.entries.itemClicked.emit(compare.entries.item(row))
    assert scene_a.selected_node_ids() == [_node(a, "residual_add")]
    assert scene_b.selected_node_ids() == [_node(b, "residual_add")]

    compare.swap()
    assert set(compare.result.removed) == set(result.added) and compare.result.added == result.removed
    assert window.session.document.layer_by_name("conv2d_3") is not None  # the window's model is untouched
    compare.close()


def test_compare_with_itself_and_with_a_bad_file(qtbot, make_window, fake_dialogs, tmp_path):
    window = make_window("inception")
    attach_compare(window)
    fake_dialogs.open_answers.append(PATHS["inception"])
    window.compare_action.trigger()
    compare = window.compare_window
    assert compare.result.empty
    assert compare.entries.count() == 1 and "same" in compare.entries.item(0).text()
    assert all(_colour_of(compare.scenes[1], nid) is None for nid in compare.docs[1].nodes)
    compare.close()
    bad = tmp_path / "bad.loom"
    bad.write_text("{not json")
    fake_dialogs.open_answers.append(str(bad))
    window.compare_action.trigger()
    assert fake_dialogs.errors and fake_dialogs.errors[-1][0] == "Cannot compare"
