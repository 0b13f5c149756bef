"""Issue 12: the whole hostile corpus through import, open, check, export and the worker's path
under an audit hook: no open outside the corpus folder, no exec/marshal/pickle/subprocess/socket,
and every file refused (nothing hostile is imported, opened, exported or accepted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.security.corpus import BAIT_PATH

ROOT = Path(__file__).resolve().parents[2]


def test_corpus_has_no_side_effects_and_nothing_gets_through(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tests.security.audit_run", str(tmp_path)], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["violations"] == [], report["violations"]
    through = {name: outcome for name, outcome in report["outcomes"].items()
               if outcome in ("imported", "opened", "exported", "accepted")}
    assert through == {}, through
    assert report["files"] >= 40 and not os.path.exists(BAIT_PATH)
