"""How cost figures are written for people: ``1.23 MFLOPs``, ``3 MiB``, the one-line summary.

The figures themselves are :mod:`graph_core.cost`'s; ``?`` stands for an unknown one.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from graph_core.cost import ModelCost


def human_count(value: int | None, unit: str = "") -> str:
    """``1234567`` -> ``"1.23 M"`` (with ``unit`` appended); ``"?"`` when unknown."""
    if value is None:
        return "?"
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value} {unit}".rstrip()


def human_bytes(value: int | None) -> str:
    """Bytes in binary units: ``3145728`` -> ``"3 MiB"``; ``"?"`` when unknown."""
    if value is None:
        return "?"
    for scale, unit in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value} B"


def summary_line(cost: ModelCost) -> str:
    """One line for a status bar or a report: FLOPs, weights, activations, peak at the batch size."""
    return (f"{human_count(cost.flops, 'FLOPs')}, weights {human_bytes(cost.weight_bytes)}, "
            f"activations {human_bytes(cost.activation_bytes)} (peak {human_bytes(cost.peak_activation_bytes)}) "
            f"at batch {cost.batch_size}")
