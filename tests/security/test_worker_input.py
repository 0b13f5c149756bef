"""Issue 12, findings 3 and 4: the worker survives any input line (every decode error is a protocol
error reply), refuses hostile documents, and refuses to allocate a huge model without asking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from editor.worker import protocol
from tests.security.corpus import hostile_loom_documents, loom_dict

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_LINES = {
    "deep_json": b"[" * 100_000 + b"]" * 100_000,
    "deep_object": b'{"kind": "ping", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "huge_int": b'{"kind": "ping", "id": ' + b"9" * 5000 + b"}",
    "not_utf8": b'{"kind": "\xff\xfe"}',
    "not_an_object": b"[1, 2, 3]",
    "nan": b'{"kind": "ping", "id": NaN, "x": 1e400}',
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_decode_turns_every_bad_line_into_a_protocol_error(case):
    try:
        message = protocol.decode(HOSTILE_LINES[case])
    except protocol.ProtocolError:
        return
    assert isinstance(message, dict) and isinstance(message.get("kind"), str)


class _Worker:
    """The real worker process, spoken to over its pipes (no Qt)."""

    def __init__(self):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "editor.worker.server"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        self.replies: list = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self._cond:
                self.replies.append(json.loads(line))
                self._cond.notify_all()

    def send(self, line: bytes) -> None:
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def wait_for(self, predicate, timeout: float = 90.0) -> dict:
        with self._cond:
            assert self._cond.wait_for(lambda: any(predicate(r) for r in self.replies), timeout), self.replies
            return next(r for r in self.replies if predicate(r))

    def close(self):
        try:
            self.send(protocol.encode({"kind": "shutdown"}).strip())
            self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


@pytest.fixture(scope="module")
def worker_process():
    w = _Worker()
    yield w
    w.close()


def test_worker_survives_every_hostile_line(worker_process):
    for line in HOSTILE_LINES.values():
        worker_process.send(line)
    worker_process.send(protocol.encode(protocol.make_request("ping", 7)).strip())
    worker_process.wait_for(lambda r: r.get("kind") == "pong" and r.get("id") == 7)
    assert worker_process.proc.poll() is None
    errors = [r for r in worker_process.replies if r.get("kind") == "error"]
    assert len(errors) >= 4, errors


def test_worker_refuses_hostile_and_huge_documents(worker_process):
    hostile, _path = hostile_loom_documents()["string_lookup_vocabulary"]
    worker_process.send(protocol.encode(protocol.make_request("summary", 21, doc=hostile)).strip())
    reply = worker_process.wait_for(lambda r: r.get("id") == 21)
    assert reply["kind"] == "error" and "vocabulary" in reply["message"], reply
    huge = loom_dict("Dense", {"units": 250_000})
    huge["layers"][0]["config"]["shape"] = [1000]  # 250 million weights: 1 GB of float32
    worker_process.send(protocol.encode(protocol.make_request("summary", 22, doc=huge)).strip())
    reply = worker_process.wait_for(lambda r: r.get("id") == 22)
    assert reply["kind"] == "build_error" and "250,250,000 parameters" in reply["message"], reply
    with open(f"/proc/{worker_process.proc.pid}/status") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    assert rss_kb < 1_500_000, rss_kb  # TensorFlow itself, not the 1 GB of weights
    worker_process.send(protocol.encode(protocol.make_request("fit", 23, doc=huge, epochs=1)).strip())
    reply = worker_process.wait_for(lambda r: r.get("id") == 23 and r.get("kind") != "progress")
    assert reply["kind"] == "fit_failed" and "parameters" in reply["message"], reply
