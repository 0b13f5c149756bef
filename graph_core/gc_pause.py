"""Pausing Python's cyclic garbage collector during one large, linear pass.

Laying out or drawing 100,000 nodes allocates millions of small objects (tuples, lists, dicts) that
form no reference cycles. The cyclic collector is triggered by the number of allocations, and its
older generations scan every tracked object of the heap, so during such a pass the time spent
collecting grows with the heap: a pass linear in the graph becomes superlinear (measured by
``bench/bench_canvas_scaling.py``: a 100,000-node chain laid out at 2.4x the per-node cost of 1,000
nodes with the collector on, 1.1x with it paused). Reference counting still frees everything as
usual; the collector resumes, as it was, when the pass ends.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused_gc():
    """Context manager: the cyclic collector is off inside (restored to its prior state after).

    Nested uses are fine: only the outermost one that found the collector on turns it back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
