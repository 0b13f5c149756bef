"""Timing helper shared by the benchmarks."""

from __future__ import annotations

import time


def times_ms(fn, repeats: int) -> list:
    """Call ``fn`` ``repeats`` times; return each call's wall time in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times
