"""Start-up check of Qt's xcb platform: the missing libraries and the one command installing them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from editor import platform_check

LDD_OUTPUT = """\tlinux-vdso.so.1 (0x00007ffc)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
"""


def test_missing_libraries_come_from_ldd(monkeypatch, tmp_path):
    plugin = tmp_path / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"")
    calls = []

    def fake_run(args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, LDD_OUTPUT, "")

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/ldd")  # imported when needed
    monkeypatch.setattr(subprocess, "run", fake_run)
    assert platform_check.missing_libraries(plugin) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert calls and calls[0][1] == str(plugin)


def test_install_command_names_the_debian_packages(monkeypatch):
    monkeypatch.setattr(platform_check.os, "geteuid", lambda: 1000)
    command = platform_check.install_command(["libxcb-keysyms.so.1", "libxcb-icccm.so.4", "libunknown.so.9"])
    assert command == "sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1"


def test_problem_message_only_when_xcb_is_wanted_and_broken(monkeypatch):
    monkeypatch.setattr(platform_check.sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.xcb_problem() is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: Path("/x/libqxcb.so"))
    monkeypatch.setattr(platform_check, "missing_libraries", lambda plugin: ["libxcb-icccm.so.4"])
    message = platform_check.xcb_problem()
    assert "libxcb-icccm.so.4" in message and "apt-get install -y libxcb-icccm4" in message
    monkeypatch.setattr(platform_check, "missing_libraries", lambda plugin: [])
    assert platform_check.xcb_problem() is None


def test_editor_start_prints_the_problem_instead_of_aborting(monkeypatch, capsys):
    from editor import app

    class Broken:
        def problem(self):
            return "error: missing libxcb-icccm.so.4"

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(platform_check, "start_xcb_check", lambda: Broken())
    assert app.run_editor(None) == app.EXIT_UNREADABLE
    assert "libxcb-icccm.so.4" in capsys.readouterr().err


def test_background_check_finds_what_ldd_reports(monkeypatch, tmp_path):
    """The check started before the editor's imports gives the same answer as xcb_problem()."""
    plugin = tmp_path / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"")
    ldd = tmp_path / "ldd"
    ldd.write_text("#!/bin/sh\nprintf '%s' '" + LDD_OUTPUT.replace("\t", "    ") + "'\n")
    ldd.chmod(0o755)
    monkeypatch.setattr(platform_check.sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: plugin)
    monkeypatch.setattr(shutil, "which", lambda name: str(ldd))
    check = platform_check.start_xcb_check()
    message = check.problem()
    assert "libxcb-icccm.so.4" in message and "libxcb-keysyms.so.1" in message
    assert "apt-get install -y libxcb-icccm4 libxcb-keysyms1" in message
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.start_xcb_check() is None
