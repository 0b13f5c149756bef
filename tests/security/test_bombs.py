"""Issue 12, finding 3: bombs (zip, metadata, oversized files) are refused within fixed time and
memory, measured with ``resource`` in a fresh process; zip slip and symlink members touch nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from codegen.errors import ImportFailed
from codegen.importer import import_model_file
from tests.security.corpus import config_bomb, keras_layer, keras_model, metadata_bomb, write_zip

ROOT = Path(__file__).resolve().parents[2]
#: What a refused bomb may cost: seconds and MB of RSS growth in the measuring process.
MAX_SECONDS = 5.0
MAX_GROWTH_MB = 100.0


def measure(kind: str, path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tests.security.measure", kind, str(path)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("bomb", [config_bomb, metadata_bomb], ids=["config.json", "metadata.json"])
def test_zip_bombs_are_refused_in_bounded_time_and_memory(bomb, tmp_path):
    path = bomb(tmp_path / "bomb.keras", 100 * 1024 * 1024)  # 100 MB of JSON, 100 KB on disk
    assert path.stat().st_size < 1024 * 1024  # under a megabyte on disk
    figures = measure("import", path)
    print(f"{bomb.__name__}: {figures}")
    assert figures["outcome"].startswith("ImportFailed") and "zip bomb" in figures["outcome"]
    assert figures["seconds"] < MAX_SECONDS and figures["grew_mb"] < MAX_GROWTH_MB, figures


def test_member_over_the_limit_is_refused_without_inflating_it(tmp_path, monkeypatch):
    import codegen.model_files as model_files

    monkeypatch.setattr(model_files, "MAX_CONFIG_BYTES", 1000)
    path = write_zip(tmp_path / "m.keras", {"config.json": b" " * 5000 + b"{}"})
    with pytest.raises(ImportFailed, match="config.json inflates to more than 1000 bytes"):
        import_model_file(path)


def test_oversized_json_and_loom_files_are_refused_before_reading(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(40 * 1024 * 1024)  # sparse: 40 MB of NUL without using the disk
    with pytest.raises(ImportFailed, match="more than"):
        import_model_file(big)
    figures = measure("open", big)
    assert figures["outcome"].startswith("LoomFormatError") and figures["grew_mb"] < MAX_GROWTH_MB


def test_device_and_fifo_paths_are_not_read(tmp_path):
    from graph_core.errors import LoomFormatError
    from graph_core.loom_format import load

    fifo = tmp_path / "pipe.loom"
    os.mkfifo(fifo)
    with pytest.raises(LoomFormatError, match="not a regular file"):
        load(fifo)  # would block forever if opened
    with pytest.raises(LoomFormatError, match="not a regular file"):
        load("/dev/zero")


def test_zip_slip_and_symlink_members_write_and_follow_nothing(tmp_path):
    config = json.dumps(keras_model(keras_layer("Dense", {"units": 2}, "d"))).encode()
    path = tmp_path / "slip.keras"
    outside = tmp_path.parent / f"{tmp_path.name}-escaped.txt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr(f"../../{outside.name}", b"escaped")
        archive.writestr("/etc/evil", b"absolute")
        link = zipfile.ZipInfo("model.weights.h5")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    before = set(os.listdir(tmp_path))
    doc = import_model_file(path)
    assert [layer.type for layer in doc.layers.values()] == ["Input", "Dense"]
    assert set(os.listdir(tmp_path)) == before and not outside.exists()


def test_oversized_hdf5_model_config_is_refused_before_reading(tmp_path):
    import h5py
    import numpy as np

    path = tmp_path / "big.h5"
    with h5py.File(path, "w", libver="latest") as f:  # dense attribute storage: no 64 KiB cap
        f.attrs.create("model_config", np.frombuffer(b"{" + b" " * (33 * 1024 * 1024) + b"}", dtype="S1"))
    figures = measure("import", path)
    assert figures["outcome"].startswith("ImportFailed") and "larger than" in figures["outcome"], figures
    assert figures["grew_mb"] < MAX_GROWTH_MB, figures
