"""File commands: save/open round trip, atomic Save As, recent files, exports, autosave and recovery."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from editor.recent_files import MAX_RECENT, RecentFiles, app_settings
from editor.recovery import list_recoveries, recovery_dir, write_recovery
from graph_core import loom_format
from graph_core.edits import Rename, SetConfig
from graph_core.templates import load_template, template_path
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]


def _edit(window, name="hidden"):
    doc = window.session.document
    layer = next(layer for layer in doc.layers.values() if layer.type == "Dense")
    assert window.session.push(Rename(layer.id, name))


def test_save_then_open_gives_an_identical_document(make_window, tmp_path):
    window = make_window("siamese-lstm")
    _edit(window)
    target = tmp_path / "siamese.loom"
    assert window.files.save_as(str(target))
    saved = loom_format.dumps(window.session.document)
    assert window.session.is_clean and not window.isWindowModified()
    assert window.files.new()
    assert window.files.open(str(target))
    assert loom_format.dumps(window.session.document) == saved
    assert window.session.path == str(target)
    assert window.windowTitle() == "siamese.loom[*] — LayerLoom"


def test_every_template_round_trips(make_window, tmp_path):
    from graph_core.templates import list_templates

    window = make_window("mlp", show=False)
    for info in list_templates():
        assert window.files.new_from_template(info.slug)
        target = tmp_path / f"{info.slug}.loom"
        assert window.files.save_as(str(target))
        expected = loom_format.dumps(window.session.document)
        assert window.files.open(str(target))
        assert loom_format.dumps(window.session.document) == expected


def test_save_as_is_atomic_and_leaves_no_temporary_files(make_window, tmp_path, fake_dialogs):
    folder = tmp_path / "models"
    folder.mkdir()
    window = make_window("mlp")
    fake_dialogs.save_answers.append(str(folder / "net"))  # no suffix: .loom is added
    assert window.files.save_as()
    assert sorted(os.listdir(folder)) == ["net.loom"]
    _edit(window)
    assert window.files.save()  # overwrite in place
    assert sorted(os.listdir(folder)) == ["net.loom"]
    assert "hidden" in (folder / "net.loom").read_text()


def test_save_failure_is_reported_and_keeps_the_document_modified(make_window, tmp_path, fake_dialogs):
    window = make_window("mlp")
    _edit(window)
    assert not window.files.save_as(str(tmp_path / "missing" / "x.loom"))
    assert fake_dialogs.errors and "Cannot save" in fake_dialogs.errors[-1][0]
    assert window.isWindowModified()


def test_open_bad_file_shows_the_error_and_keeps_the_document(make_window, tmp_path, fake_dialogs):
    bad = tmp_path / "bad.loom"
    bad.write_text('{"format": "layerloom", "version": 1, "layers": 3}')
    window = make_window("mlp")
    session = window.session
    assert not window.files.open(str(bad))
    assert window.session is session
    assert "$.layers" in fake_dialogs.errors[-1][1]


def test_recent_files_newest_first_max_ten_missing_pruned(make_window, tmp_path):
    recent = RecentFiles(app_settings())
    paths = []
    for i in range(MAX_RECENT + 3):
        p = tmp_path / f"m{i}.loom"
        p.write_text("{}")
        recent.add(str(p))
        paths.append(str(p))
    listed = recent.paths()
    assert listed == list(reversed(paths))[:MAX_RECENT]
    os.unlink(paths[-1])
    assert paths[-1] not in recent.paths() and len(recent.paths()) == MAX_RECENT - 1
    recent.add(paths[-3])
    assert recent.paths()[0] == paths[-3]
    # opening and saving through the window records files too
    window = make_window("mlp")
    target = tmp_path / "saved.loom"
    window.files.save_as(str(target))
    assert RecentFiles(app_settings()).paths()[0] == str(target)
    window.fill_recent_menu()
    assert str(target) in window.recent_menu.actions()[0].text()


def test_autosave_writes_a_recovery_file_only_for_unsaved_changes(make_window, tmp_path):
    window = make_window("mlp")
    assert window.files.autosave() is None  # clean: nothing to recover
    assert list_recoveries() == []
    _edit(window)
    path = window.files.autosave()
    assert path is not None and path.parent == recovery_dir() and path.is_file()
    (entry,) = list_recoveries()
    assert entry.original is None and entry.name == "mlp"
    assert window.files.save_as(str(tmp_path / "clean.loom"))
    assert not path.exists()  # a clean save removes it
    _edit(window, "again")
    path = window.files.autosave()
    assert path.is_file()
    window.session.undo_stack.undo()  # back to the saved state
    assert window.files.autosave() is None and not path.exists()


def test_recovery_is_offered_and_restored_at_the_next_start(make_window, tmp_path, fake_dialogs):
    first = make_window("residual")
    first.files.save_as(str(tmp_path / "res.loom"))
    _edit(first, "changed_after_save")
    first.files.autosave()
    expected = loom_format.dumps(first.session.document)
    first.files.recovery_path = None  # the editor "crashes": its recovery file stays behind
    first.session.undo_stack.setClean()
    first.close()

    offered = []

    def restore(entries):
        offered.extend(entries)
        return "restore", entries[0]

    fake_dialogs.restore = restore
    second = make_window("mlp")
    assert second.files.offer_recovery()
    assert len(offered) == 1 and offered[0].original == str(tmp_path / "res.loom")
    assert loom_format.dumps(second.session.document) == expected
    assert second.session.path == str(tmp_path / "res.loom")
    assert second.isWindowModified()
    assert second.files.save()
    assert list_recoveries() == []  # saved: recovery file gone
    assert loom_format.dumps(loom_format.load(tmp_path / "res.loom")) == expected


def test_recovery_later_keeps_and_discard_removes(make_window, fake_dialogs):
    doc = load_template("mlp")
    write_recovery(doc, recovery_dir() / "left.loom", None)
    window = make_window("mlp")
    fake_dialogs.restore = lambda entries: ("later", None)
    assert not window.files.offer_recovery()
    assert len(list_recoveries()) == 1
    fake_dialogs.restore = lambda entries: ("discard", None)
    assert not window.files.offer_recovery()
    assert list_recoveries() == []
    assert not window.files.offer_recovery()  # nothing left: no question
    assert [a for a in fake_dialogs.asked if a[0] == "restore"].__len__() == 2


def test_recovery_files_of_running_editors_are_not_offered(qapp, isolated_files):
    doc = load_template("mlp")
    target = recovery_dir() / "other.loom"
    write_recovery(doc, target, None)
    text = target.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {os.getppid()}')
    target.write_text(text)
    assert list_recoveries() == []


def test_closing_cleanly_removes_the_recovery_file(make_window):
    window = make_window("mlp")
    _edit(window)
    path = window.files.autosave()
    assert path.is_file()
    window.close()  # fake dialogs discard
    assert not path.exists()


def test_export_python_writes_source_without_tensorflow(make_window, tmp_path, fake_dialogs):
    window = make_window("siamese-lstm")
    target = tmp_path / "model"
    fake_dialogs.save_answers.append(str(target))
    assert window.files.export_python()
    source = (tmp_path / "model.py").read_text()
    compile(source, "model.py", "exec")
    assert "LSTM" in source


def test_export_image_png_and_svg(make_window, tmp_path):
    window = make_window("inception")
    assert window.files.export_image(str(tmp_path / "g.png"))
    assert window.files.export_image(str(tmp_path / "g.svg"))
    assert (tmp_path / "g.png").stat().st_size > 1000
    assert "<svg" in (tmp_path / "g.svg").read_text()[:2000]


def test_new_from_template_cancelled_changes_nothing(make_window, fake_dialogs):
    window = make_window("mlp")
    session = window.session
    fake_dialogs.template = None
    assert not window.files.new_from_template()
    assert window.session is session


def test_new_asks_before_dropping_changes(make_window, fake_dialogs):
    window = make_window("mlp")
    window.session.push(SetConfig(window.session.document.layer_by_name("dense").id, "units", 3))
    fake_dialogs.save_changes_answer = "cancel"
    session = window.session
    assert not window.files.new()
    assert window.session is session
    fake_dialogs.save_changes_answer = "discard"
    assert window.files.new()
    assert window.session is not session


def test_cli_open_bad_file_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "broken.loom"
    bad.write_text("{not json")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "editor.cli", "open", str(bad), "--screenshot",
                           str(tmp_path / "x.png")], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "not valid JSON" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.png").exists()
    assert template_path("mlp").is_file()
