"""Issue 12, finding 3: the Keras child process of an import has a memory limit, a lifetime,
and dies with its parent (never an orphan with PPID 1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PARENT = """
import subprocess, sys, os
from codegen.child_limits import child_environment
env = {**os.environ, **child_environment(600)}
child = subprocess.Popen([sys.executable, "-m", "codegen.import_child"], stdin=subprocess.PIPE, env=env)
print(child.pid, flush=True)
child.wait()
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "State:\tZ" not in fh.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_child_dies_with_its_parent():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True, env=env,
                              cwd=ROOT)
    child_pid = int(parent.stdout.readline())
    time.sleep(0.5)  # the child is waiting for its request on stdin
    assert _alive(child_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid), "the Keras child outlived its parent"


def test_child_sets_its_memory_limit():
    code = ("import resource; from codegen.child_limits import limit_self, CHILD_MEMORY_BYTES;"
            "limit_self(); print(resource.getrlimit(resource.RLIMIT_DATA)[0] == CHILD_MEMORY_BYTES)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=30)
    assert out.stdout.strip() == "True", out.stderr


_HUGE = """
import json, resource, time
from codegen.importer import _UpgradeUnavailable, upgrade_with_keras
model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 20000], "name": "i"}},
    {"class_name": "Dense", "config": {"units": 40000, "name": "huge"}}]}}
start = time.monotonic()
try:
    upgrade_with_keras(model, timeout=60)
    outcome = "upgraded"
except _UpgradeUnavailable as exc:
    outcome = str(exc)
print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - start,
                  "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


@pytest.mark.keras
@pytest.mark.slow
def test_huge_keras2_layer_is_refused_by_the_memory_limit():
    """A few hundred bytes of Keras 2 JSON declaring a 3.2 GB Dense layer: the Keras child cannot
    allocate it (RLIMIT_DATA), and the import fails cleanly. Measured in a fresh process, so the
    peak is the Keras child's own."""
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _HUGE], capture_output=True, text=True, env=env, timeout=120,
                          cwd=ROOT)
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    print(figures)
    assert figures["outcome"] != "upgraded" and figures["seconds"] < 60, figures
    assert figures["child_peak_mb"] < 2600, figures  # RLIMIT_DATA is 2 GB (TensorFlow alone is ~0.7 GB)
