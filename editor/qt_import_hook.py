"""PySide6's import hook, made to answer its question without ``inspect``.

Once PySide6 is imported, every ``import`` statement goes through its ``__feature__`` hook (which
scopes ``from __feature__ import snake_case`` to the modules asking for it). The first time a
module name is imported the hook asks whether that module uses PySide6, by reading the module's
source with ``inspect.getsource`` (``linecache``, ``tokenize``, a list of lines joined again) and
looking for "PySide6" in it: about 0.2 ms a module, and the editor imports some 130 modules (its
own, graph_core's, the standard library's) after PySide6, about 25 ms before its first frame.

:func:`install` puts in an answer to the same question, read straight from the module's ``.py``
file; modules without one get PySide's own answer. Nothing else of PySide changes (the editor
uses no ``__feature__``), and where PySide has no such hook :func:`install` does nothing.
"""

from __future__ import annotations

import os
import sys

_HOOK_MODULE = "shibokensupport.feature"
_HOOK = "_mod_uses_pyside"


def _reads_pyside_source(original):
    def mod_uses_pyside(module) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                fd = os.open(path, os.O_RDONLY)  # no buffered file object: ~10 us less a module
            except OSError:
                return original(module)
            try:
                return b"PySide6" in os.read(fd, os.fstat(fd).st_size + 1)
            except OSError:
                pass
            finally:
                os.close(fd)
        return original(module)

    mod_uses_pyside.layerloom_original = original
    return mod_uses_pyside


def install() -> bool:
    """Import PySide6 and give its import hook the faster check.

    Returns:
        True when the hook is (now or already) the faster one; False when this PySide has none.
    """
    import PySide6  # noqa: F401 (loads shiboken's support modules, the hook among them)

    feature = sys.modules.get(_HOOK_MODULE)
    original = getattr(feature, _HOOK, None)
    if not callable(original):
        return False
    if getattr(original, "layerloom_original", None) is None:
        setattr(feature, _HOOK, _reads_pyside_source(original))
    return True
