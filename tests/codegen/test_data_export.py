"""The exported training script: same data, same training, same weights as LayerLoom's fit;
runs without LayerLoom; --strategy multiworker on two local processes (TF_CONFIG, loopback)."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from codegen import worker_tasks
from codegen.python_export import export_python
from graph_core import loom_format
from graph_core.templates import load_template

pytestmark = [pytest.mark.keras, pytest.mark.slow]


def _layer_variables(path) -> dict:
    found = {}
    with h5py.File(path, "r") as handle:
        handle.visititems(lambda name, obj: found.__setitem__(name, obj[()])
                          if isinstance(obj, h5py.Dataset) and name.startswith("layers/") else None)
    return found


def _script(tmp_path, epochs: int) -> tuple:
    doc = load_template("iris")
    doc.fit["epochs"] = epochs
    project = tmp_path / "project" / "iris.loom"
    project.parent.mkdir()
    loom_format.save(doc, project)
    doc = loom_format.load(project)
    script = tmp_path / "scripts" / "iris_train.py"
    script.parent.mkdir()
    script.write_text(export_python(doc, script), encoding="utf-8")
    return doc, project, script


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TF_CONFIG")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def test_exported_script_trains_like_layerloom_and_needs_no_layerloom(tmp_path):
    doc, project, script = _script(tmp_path, epochs=3)
    text = script.read_text()
    assert "graph_core" not in text and "codegen" not in text.replace("codegen/", "")
    (path,) = {line.split('"path": "')[1].rstrip('",') for line in text.splitlines() if '"path": "' in line}
    # relative to the script when they share more than the root folder, absolute otherwise
    assert (script.parent / path).resolve() == Path(doc.extra["data"]["sources"][0]["path"]).resolve()
    done = subprocess.run([sys.executable, str(script), "--weights-out", str(tmp_path / "script.weights.h5")],
                          cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "wrote" in done.stdout and "val_loss" in done.stdout
    worker_tasks.fit_task(doc, project, weights_out=tmp_path / "task.weights.h5")
    ours, theirs = _layer_variables(tmp_path / "task.weights.h5"), _layer_variables(tmp_path / "script.weights.h5")
    assert ours.keys() == theirs.keys() and all(np.array_equal(ours[k], theirs[k]) for k in ours)
    predicted = worker_tasks.predict_task(doc, project, weights=tmp_path / "script.weights.h5",
                                          out_path=tmp_path / "a.npz")
    assert predicted["count"] == 150  # the script's weights load in LayerLoom (same layout)

    (tmp_path / "wrong.csv").write_text("a,b,species\n1,2,0\n3,4,1\n", encoding="utf-8")
    namespace = {"__name__": "exported", "__file__": str(script)}
    exec(compile(text, str(script), "exec"), namespace)
    with pytest.raises(SystemExit) as info:
        namespace["main"](["--data", str(tmp_path / "wrong.csv")])
    assert str(info.value).startswith("error: Input 'measurements' expects arrays of shape (None, 4) float32")
    np.savez(tmp_path / "other.npz", measurements=np.zeros((4, 4)), species=np.zeros(4, dtype=int))
    with pytest.raises(SystemExit) as info:  # only the configured kind's reader is in the script
        namespace["main"](["--data", str(tmp_path / "other.npz")])
    assert str(info.value) == "--data: this script reads a CSV file"


def test_exported_script_holds_only_the_code_its_sources_need(tmp_path):
    _doc, _project, script = _script(tmp_path, epochs=1)
    defined = {node.name for node in ast.parse(script.read_text()).body
               if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert {"read_csv_table", "csv_columns", "load_arrays", "distribution_scope", "multiworker_strategy"} <= defined
    assert not defined & {"read_npz", "read_npy", "read_image_folder", "read_text_folder", "_read_folder"}
    done = subprocess.run([sys.executable, str(script), "--help"], env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "a CSV file like the model's" in " ".join(done.stdout.split())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_multiworker_strategy_two_local_workers_end_with_the_same_weights(tmp_path):
    _doc, _project, script = _script(tmp_path, epochs=1)
    ports = [_free_port(), _free_port()]
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    out = tmp_path / "mw.weights.h5"
    workers = []
    for index in range(2):
        env = {**_env(), "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen(
            [sys.executable, str(script), "--strategy", "multiworker", "--weights-out", str(out)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for proc in workers:
        try:
            stdout, stderr = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            for other in workers:
                other.kill()
            raise
        results.append((proc.returncode, stdout, stderr))
    for code, _stdout, stderr in results:
        assert code == 0, stderr[-3000:]
    assert "wrote" in results[0][1] and "4/4" in results[0][1]  # 120 samples, global batch 2 x 16
    chief, other = _layer_variables(out), _layer_variables(Path(str(out)[:-len(".weights.h5")] + ".worker1.weights.h5"))
    assert chief.keys() == other.keys() and all(np.array_equal(chief[k], other[k]) for k in chief)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed (KERAS_BACKEND=jax)")
def test_jax_backend_uses_data_parallel_over_every_device(tmp_path):
    _doc, _project, script = _script(tmp_path, epochs=1)
    jax_home = str(Path(importlib.util.find_spec("jax").origin).parent.parent)
    env = {**_env(), "KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
           "PYTHONPATH": jax_home}
    done = subprocess.run([sys.executable, str(script), "--strategy", "mirrored", "--weights-out",
                           str(tmp_path / "jax.weights.h5")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "4/4" in done.stdout  # 120 samples, global batch 2 devices x 16
    assert (tmp_path / "jax.weights.h5").is_file()
