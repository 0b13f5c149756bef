"""Limits a Keras child process puts on itself before reading anything: memory, lifetime, and
death with its parent.

Used by :mod:`codegen.import_child`. A config that declares an enormous layer makes Keras allocate
its weights; ``RLIMIT_DATA`` turns that into a ``MemoryError`` reply instead of gigabytes. The
child asks Linux to kill it when its parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), and a
watchdog thread does the same on any platform (parent gone, or lifetime over), so it is never
left running as an orphan.
"""

from __future__ import annotations

import os
import sys
import threading
import time

#: Memory a Keras child may allocate (data segment and anonymous mappings), in bytes.
CHILD_MEMORY_BYTES = 2 * 1024 ** 3
#: Environment variables the parent passes: its process id and the child's lifetime in seconds.
PARENT_PID_ENV = "LAYERLOOM_PARENT_PID"
LIFETIME_ENV = "LAYERLOOM_CHILD_LIFETIME"
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9


def child_environment(lifetime: float) -> dict:
    """The variables to add to a child's environment so :func:`limit_self` knows its parent."""
    return {PARENT_PID_ENV: str(os.getpid()), LIFETIME_ENV: f"{lifetime:g}"}


def limit_self(memory_bytes: int = CHILD_MEMORY_BYTES) -> None:
    """Apply the memory limit, ask to die with the parent and start the watchdog.

    Args:
        memory_bytes: the ``RLIMIT_DATA`` to set (best effort where unsupported).
    """
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ImportError, ValueError, OSError, AttributeError):
        pass
    parent = _int_env(PARENT_PID_ENV)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:  # the parent died before prctl
        os._exit(3)
    lifetime = _float_env(LIFETIME_ENV)
    threading.Thread(target=_watch, args=(parent, lifetime), daemon=True, name="child-watchdog").start()


def _watch(parent: int | None, lifetime: float | None) -> None:
    end = time.monotonic() + lifetime if lifetime else None
    while True:
        time.sleep(0.2)
        if parent is not None and os.getppid() != parent:
            os._exit(3)
        if end is not None and time.monotonic() > end:
            os._exit(4)


def _int_env(name: str) -> int | None:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return None


def _float_env(name: str) -> float | None:
    try:
        value = float(os.environ[name])
    except (KeyError, ValueError):
        return None
    return value if value > 0 else None
