"""Issue 12, findings 2, 5 and 8: autosave stays inside the recovery folder whatever the model's
name; a save that fails keeps the document and says why; a killed save leaves the old or the new
file and its temporary file is removed by the next save (100 kill -9 during save)."""

from __future__ import annotations

import json
import os
import random
import signal
import time

import pytest

from graph_core import loom_format
from graph_core.builder import GraphBuilder
from graph_core.edits import SetConfig, SetSetting
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = pytest.mark.gui

HOSTILE_NAMES = ["../../../../tmp/layerloom-escape", "/tmp/layerloom-absolute", "a\x00b", "..", "", "\x1b[31m",
                 "x" * 5000, "con", "名前/../../x"]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_autosave_stays_in_the_recovery_folder(make_window, isolated_files, name):
    from editor.recovery import list_recoveries, recovery_dir

    window = make_window("mlp")
    assert window.session.push(SetSetting("model", "name", name))
    path = window.files.autosave()
    assert path is not None and path.parent == recovery_dir() and path.is_file()
    assert len(path.name) < 80 and os.listdir(recovery_dir()) == [path.name]
    assert not {"layerloom-escape", "layerloom-absolute"} & set(os.listdir("/tmp"))  # the names' targets
    (entry,) = list_recoveries()
    assert entry.name == name


def _unsaveable(window):
    doc = window.session.document
    layer = next(layer for layer in doc.layers.values() if layer.type == "Dense")
    assert window.session.push(SetConfig(layer.id, "units", float("inf")))


def test_save_failure_keeps_the_document_and_says_why(make_window, tmp_path, fake_dialogs):
    window = make_window("mlp")
    _unsaveable(window)
    target = tmp_path / "model.loom"
    assert window.files.save_as(str(target)) is False
    assert not target.exists()
    (title, message), = fake_dialogs.errors
    assert title == "Cannot save" and "cannot store" in message and "still open" in message
    assert not window.session.is_clean  # the work is still there, unsaved
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
    assert window.files.autosave() is None  # autosave says so too, without raising


def _big_document(tag: str):
    b = GraphBuilder(f"model_{tag}")
    x = b.input("x", shape=(4,))
    for i in range(600):
        x = b.layer("Dense", x, units=4, name=f"dense_{tag}_{i}")
    b.output(x)
    return b.document


@pytest.mark.slow
def test_100_kill_9_during_save_leave_old_or_new_and_no_temp_after_next_save(tmp_path):
    target = tmp_path / "model.loom"
    old, new = _big_document("old"), _big_document("new")
    loom_format.save(old, target)
    texts = {loom_format.dumps(old), loom_format.dumps(new)}
    rnd = random.Random(12)
    deadline = time.monotonic() + 600  # only a guard against a hang: a busy machine forks slowly
    kills = 0
    while kills < 100 and time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:  # the saving process: saves until killed
            try:
                while True:
                    loom_format.save(new, target)
                    loom_format.save(old, target)
            finally:
                os._exit(0)
        time.sleep(rnd.uniform(0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        kills += 1
        assert target.read_text(encoding="utf-8") in texts  # old or new, never a torn file
    assert kills == 100
    leftovers = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    loom_format.save(new, target)  # the next save cleans what the killed ones left
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
    print(f"{kills} kills, {len(leftovers)} temporary files left behind, 0 after the next save")


def test_temp_files_of_running_savers_are_kept(tmp_path):
    target = tmp_path / "m.loom"
    live = tmp_path / f".m.loom.{os.getppid()}.abcd1234.tmp"
    dead = tmp_path / ".m.loom.999999999.abcd1234.tmp"
    other = tmp_path / ".other.loom.999999999.abcd1234.tmp"
    for path in (live, dead, other):
        path.write_text("partial")
    loom_format.save(GraphBuilder("m").document, target)
    assert live.exists() and not dead.exists() and other.exists()
    assert json.loads(target.read_text())["name"] == "m"


def test_file_dialogs_suggest_a_safe_name(make_window, fake_dialogs):
    window = make_window("mlp")
    assert window.session.push(SetSetting("model", "name", "../../etc/cron.d/x\x00"))
    assert window.files.save_as() is False and window.files.export_python() is False
    suggested = [entry[1] for entry in fake_dialogs.asked if entry[0] == "save_path"]
    assert suggested == ["etc_cron_d_x.loom", "etc_cron_d_x.py"]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_unsaved_weights_stay_in_the_temporary_folder(qapp, name):
    import tempfile
    from pathlib import Path

    from editor.project_weights import ProjectWeights
    from editor.session import DocumentSession
    from graph_core.templates import load_template
    from tests.editor.test_training_views import FakeWorker

    session = DocumentSession(load_template("mlp"), None)
    assert session.push(SetSetting("model", "name", name))
    weights = ProjectWeights(FakeWorker())
    weights.set_session(session)
    target = Path(weights.target_path())
    assert target.parent == Path(tempfile.gettempdir()) / "layerloom-weights"
    assert len(target.name) < 100 and target.name.endswith(".weights.h5")
