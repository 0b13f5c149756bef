"""Python's cyclic garbage collector paused while a command starts.

Starting a command imports modules and builds the layer catalog, the Qt classes and the window:
objects that live as long as the process, so the collector's passes over them while they are made
free nothing (about 20 passes during a ``layerloom check``, 80 before the editor's first frame).
:func:`pause` is called when the command line starts; each command calls :func:`resume` once its
start-up is over (``check`` once its report is made, the editor after its first frame, the others
at once), which freezes what start-up made (not in the editor) and turns the collector back on.
Reference counting frees everything else as usual meanwhile.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Pause the cyclic collector if it runs (undone by :func:`resume`)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume(freeze: bool = True) -> None:
    """Turn the collector back on if :func:`pause` turned it off (else nothing).

    Args:
        freeze: first freeze what start-up made (``gc.freeze``: kept out of every later
            collection), since it lives as long as the process; otherwise the first collection
            after the pause scans all of it at once. The editor passes False: its start-up
            objects include the first document's, which must be collectable when the user
            opens another one (it resumes after the first frame, so that one pass does not
            delay the window).
    """
    global _paused
    if _paused:
        _paused = False
        if freeze:
            gc.freeze()
        gc.enable()
