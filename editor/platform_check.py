"""Before the first window: can Qt's desktop (xcb) platform load on this Linux machine?

Qt aborts the process when its platform plugin cannot load, with a message that often names the
wrong library. This module asks ``ldd`` which shared libraries the xcb plugin is missing and says
the one command that installs them (Debian/Ubuntu package names).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: shared library -> the Debian package that ships it (what Qt 6's xcb platform links against)
PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def xcb_plugin() -> Path | None:
    """The path of PySide6's ``libqxcb.so`` (None when PySide6 ships none here).

    PySide6 is found, not imported: importing it here (before the document is read) would load
    Qt ~80 ms earlier, make PySide's import hook inspect every module imported after it, and make
    forking ``ldd`` copy a much bigger process.
    """
    from importlib.util import find_spec

    try:
        spec = find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if not folders:
        return None
    path = Path(folders[0]) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def missing_libraries(plugin: Path) -> list:
    """Shared libraries ``ldd`` cannot find for ``plugin`` (and the Qt xcb library it loads).

    Returns:
        sorted library names, empty when all are there or ``ldd`` is not available.
    """
    import shutil
    import subprocess

    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    missing = set()
    for file in _xcb_files(plugin):
        try:
            out = subprocess.run([ldd, str(file)], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        missing.update(_not_found(out))
    return sorted(missing)


def _xcb_files(plugin: Path) -> list:
    """The xcb plugin and the Qt xcb library it loads (when present)."""
    qpa = plugin.parents[2] / "lib" / "libQt6XcbQpa.so.6"
    return [plugin, qpa] if qpa.is_file() else [plugin]


def _not_found(ldd_output: str) -> set:
    """The libraries ``ldd`` reports as not found."""
    return {line.split("=>")[0].strip() for line in ldd_output.splitlines() if "not found" in line}


def install_command(missing: list) -> str:
    """The ``apt-get install`` command for ``missing`` libraries (unknown ones are named as such)."""
    packages = sorted({PACKAGES.get(name, "") for name in missing} - {""})
    prefix = "" if os.geteuid() == 0 else "sudo "
    return f"{prefix}apt-get install -y {' '.join(packages)}" if packages else ""


def wants_xcb() -> bool:
    """True when Qt will pick its xcb platform: Linux with an X display and no other platform chosen."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0] == "xcb"
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def xcb_problem() -> str | None:
    """A message for the user when the xcb platform cannot load here, else None."""
    if not wants_xcb():
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    return problem_message(missing_libraries(plugin))


class XcbCheck:
    """:func:`xcb_problem` with ``ldd`` running in the background, so the editor imports its modules
    meanwhile instead of waiting for it before the window.

    One ``ldd`` for all the files, started with ``os.posix_spawn``: ``subprocess`` (and what it
    imports) would be loaded for it alone, and a fork copies the page tables of the whole process.
    Use :func:`start_xcb_check`; :meth:`problem` waits for the answer.
    """

    TIMEOUT_S = 20

    def __init__(self, plugin: Path, ldd: str):
        self._pid: int | None = None
        self._out: int | None = None
        files = [str(file) for file in _xcb_files(plugin)]
        read, write = os.pipe()  # both close on exec: the child keeps only its dup2 copies
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                self._pid = os.posix_spawn(ldd, [ldd, *files], os.environ, file_actions=[
                    (os.POSIX_SPAWN_DUP2, write, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
            finally:
                os.close(null)
        except OSError:
            os.close(read)
        else:
            self._out = read
        finally:
            os.close(write)

    def problem(self) -> str | None:
        """The message for the user when libraries are missing, else None (waits for ``ldd``)."""
        if self._out is None:
            return None
        output = self._read_all()
        self._out = None
        return problem_message(sorted(_not_found(output)))

    def _read_all(self) -> str:
        """What ``ldd`` printed (empty when it did not finish in :attr:`TIMEOUT_S`: then it is killed)."""
        import select
        import signal
        import time

        chunks = []
        deadline = time.monotonic() + self.TIMEOUT_S
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    os.kill(self._pid, signal.SIGKILL)
                    chunks = []
                    break
                ready, _, _ = select.select([self._out], [], [], remaining)
                if ready:
                    data = os.read(self._out, 65536)
                    if not data:
                        break
                    chunks.append(data)
        finally:
            os.close(self._out)
            os.waitpid(self._pid, 0)
        return b"".join(chunks).decode("utf-8", "replace")


def start_xcb_check() -> XcbCheck | None:
    """Start checking the xcb platform's libraries in the background (None: nothing to check)."""
    import shutil

    if not wants_xcb():
        return None
    plugin = xcb_plugin()
    ldd = shutil.which("ldd") if plugin is not None else None
    return XcbCheck(plugin, ldd) if ldd is not None else None


def problem_message(missing: list) -> str | None:
    """The message naming ``missing`` libraries and the command installing them (None when none)."""
    if not missing:
        return None
    command = install_command(missing)
    lines = ["error: Qt's desktop (xcb) platform cannot start: these system libraries are missing:",
             *(f"  {name}" for name in missing)]
    if command:
        lines += ["Install them with:", f"  {command}"]
    lines.append("(or run without a window: layerloom render/check/export, or QT_QPA_PLATFORM=offscreen)")
    return "\n".join(lines)
