"""Terminal text that cannot be forged: control characters in CLI messages are shown escaped.

A layer or file name can hold ANSI escape sequences, carriage returns or backspaces; printed raw,
they could erase a "refused:" line and paint a fake green "imported". Every message the
``layerloom`` command prints goes through :func:`escaped_output`, which writes such characters as
visible escapes (``\\x1b``), keeping only newlines and tabs.
"""

from __future__ import annotations

import contextlib
import re
import sys

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with control characters (except newline and tab) written as ``\\xNN`` / ``\\uNNNN``."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1] if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


class EscapingStream:
    """A text stream that escapes control characters on their way to ``stream``.

    It reports itself as not a terminal, so libraries that colour terminals (rich) write plain text.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def escaped_output():
    """Within the block, ``sys.stdout`` and ``sys.stderr`` escape control characters."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingStream(saved[0]), EscapingStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
