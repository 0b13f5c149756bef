"""Temporary files of atomic saves: named after the saving process, cleaned when it is gone.

:func:`graph_core.loom_format.write_atomic` writes ``.NAME.PID.RANDOM.tmp`` next to the target
and renames it over the target. A save killed mid-write (power loss, ``kill -9``) leaves that
file behind; the next save of the same target removes every such file whose process is no
longer running, so interrupted saves never pile up.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def temp_prefix(target: Path) -> str:
    """The prefix of this process's temporary files for ``target`` (``.NAME.PID.``)."""
    return f".{target.name}.{os.getpid()}."


def remove_stale_temps(target: Path) -> list:
    """Delete the temporary files of ``target`` left by processes that are no longer running.

    Args:
        target: the file being saved.

    Returns:
        The paths removed.
    """
    folder = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(f".{target.name}.") + r"(\d+)\.[^.]+\.tmp\Z")
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = pattern.match(name)
        if match is None or _running(int(match.group(1))):
            continue
        path = folder / name
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process is not writing it now: we are about to write our own
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return True
