"""What a Keras fit history says, read without Keras: curves per output, best epoch, the summary.

Keras logs one value per epoch under keys such as ``loss``, ``val_loss``, ``age_loss``,
``val_gender_accuracy`` or ``learning_rate``. :func:`parse_key` splits a key into the output it
belongs to, the quantity (``loss``, a metric name) and the split (``train`` or ``val``);
:func:`curves` turns a history into one named series per output and split for one quantity (what
:class:`editor.panels.loss_chart.LossChart` draws); :func:`fit_summary` finds the best epoch and
the final and best losses of every output (what the training panel shows at the end of a fit).
Pure Python: no Qt, no Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

TRAIN = "train"
VAL = "val"
TOTAL_OUTPUT = ""
"""The output name of the total loss (and of metrics Keras does not prefix with an output name)."""


class LogKey(NamedTuple):
    """One Keras log key, read.

    Attributes:
        output: the model output it belongs to (:data:`TOTAL_OUTPUT` for the total loss, for
            metrics of a single-output model and for ``learning_rate``).
        quantity: ``"loss"`` or the metric name (``"accuracy"``, ``"mae"``, ``"learning_rate"``).
        split: :data:`TRAIN` or :data:`VAL`.
    """

    output: str
    quantity: str
    split: str


def parse_key(key: str, outputs: list) -> LogKey:
    """Read the Keras log key ``key`` of a model whose outputs are named ``outputs``.

    Args:
        key: e.g. ``"val_age_loss"``.
        outputs: the model's output names, in order.

    Returns:
        The :class:`LogKey` (a key naming no output belongs to :data:`TOTAL_OUTPUT`).
    """
    split, rest = (VAL, key[4:]) if key.startswith("val_") else (TRAIN, key)
    if len(outputs) > 1:
        for name in sorted(outputs, key=len, reverse=True):  # "a_b" before "a"
            if rest.startswith(name + "_") and len(rest) > len(name) + 1:
                return LogKey(name, rest[len(name) + 1:], split)
    return LogKey(TOTAL_OUTPUT, rest, split)


def quantities(history: dict, outputs: list) -> list:
    """The quantities a history holds, ``"loss"`` first, then the others in the order logged."""
    found: list = []
    for key in history:
        quantity = parse_key(key, outputs).quantity
        if quantity not in found:
            found.append(quantity)
    return sorted(found, key=lambda q: q != "loss")


def series_name(output: str, split: str, single_output: bool) -> str:
    """The legend text of one curve: ``"train"``/``"val"``, prefixed by the output when there are
    several outputs (``"age · val"``; the total loss is ``"total · train"``)."""
    if single_output:
        return split
    return f"{output or 'total'} · {split}"


def _finite(values) -> list:
    return [(k, float(v)) for k, v in enumerate(values or [])
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


def curves(history: dict, outputs: list, quantity: str = "loss") -> dict:
    """One series per output and split for ``quantity``, over epochs (epoch ``k`` ends at ``k + 1``).

    Args:
        history: Keras's ``History.history`` (key → per-epoch values; None for a NaN).
        outputs: the model's output names.
        quantity: ``"loss"`` or a metric name.

    Returns:
        ``{series name: {"points": [(x, y), …], "output": name, "split": split}}``, ordered
        total first, then the outputs in model order, train before val.
    """
    single = len(outputs) <= 1
    found = []
    for key, values in history.items():
        parsed = parse_key(key, outputs)
        if parsed.quantity != quantity or not isinstance(values, list):
            continue
        rank = outputs.index(parsed.output) + 1 if parsed.output in outputs else 0
        found.append(((rank, parsed.split != TRAIN), parsed, values))
    found.sort(key=lambda item: item[0])
    result: dict = {}
    for _rank, parsed, values in found:
        points = [(k + 1.0, v) for k, v in _finite(values)]
        if points:
            result[series_name(parsed.output, parsed.split, single)] = {
                "points": points, "output": parsed.output, "split": parsed.split}
    return result


@dataclass
class OutputResult:
    """The losses of one output (or of the total, ``name == ""``) at the end of a fit."""

    name: str
    final_train: float | None = None
    final_val: float | None = None
    best_val: float | None = None
    best_val_epoch: int | None = None  # 1-based
    metrics: dict = field(default_factory=dict)  # metric -> (final train, final val or None)


@dataclass
class FitSummary:
    """How a fit went, for the panel's summary.

    Attributes:
        epochs_run: epochs that ran (fewer than asked when early stopping or a cancel stopped it).
        epochs_asked: epochs the fit was asked for (None when unknown).
        best_epoch: 1-based epoch of the lowest monitored loss (None without a loss).
        monitored: the key the best epoch was chosen by (``val_loss`` when there is validation).
        outputs: the total first (when the model has several outputs), then each output.
        seconds: wall time of the fit.
        weights_path: where the weights were saved ("" when they were not).
        restored_best: the best epoch's weights (not the last) were kept.
        stopped_early: early stopping ended the fit.
    """

    epochs_run: int = 0
    epochs_asked: int | None = None
    best_epoch: int | None = None
    monitored: str = "loss"
    outputs: list = field(default_factory=list)
    seconds: float | None = None
    weights_path: str = ""
    restored_best: bool = False
    stopped_early: bool = False


def _argmin(values: list) -> tuple:
    finite = _finite(values)
    if not finite:
        return None, None
    k, v = min(finite, key=lambda kv: kv[1])
    return k + 1, v


def _last(values: list):
    finite = _finite(values)
    return finite[-1][1] if finite else None


def fit_summary(history: dict, outputs: list, *, epochs_asked: int | None = None, seconds=None,
                weights_path: str = "", restored_best: bool = False,
                stopped_early: bool = False) -> FitSummary:
    """Summarize a fit history.

    Args:
        history: Keras's ``History.history``.
        outputs: the model's output names.
        epochs_asked: the epochs the fit was asked for.
        seconds: its wall time.
        weights_path: where its weights were saved.
        restored_best: the best epoch's weights were kept.
        stopped_early: early stopping ended the fit.

    Returns:
        A :class:`FitSummary`; the best epoch is chosen by ``val_loss`` when the history has
        it, else by ``loss``.
    """
    lengths = [len(v) for v in history.values() if isinstance(v, list)]
    monitored = "val_loss" if _finite(history.get("val_loss")) else "loss"
    best_epoch, _value = _argmin(history.get(monitored) or [])
    names = ([TOTAL_OUTPUT] + list(outputs)) if len(outputs) > 1 else [TOTAL_OUTPUT]
    rows = []
    for name in names:
        prefix = f"{name}_" if name else ""
        train = history.get(f"{prefix}loss") or []
        val = history.get(f"val_{prefix}loss") or []
        best_k, best_v = _argmin(val)
        metrics = {}
        for key, values in history.items():
            parsed = parse_key(key, outputs)
            if (parsed.output == name and parsed.split == TRAIN
                    and parsed.quantity not in ("loss", "learning_rate") and _last(values) is not None):
                metrics[parsed.quantity] = (_last(values), _last(history.get("val_" + key) or []))
        rows.append(OutputResult(name=name if name or len(outputs) > 1 else (outputs[0] if outputs else ""),
                                 final_train=_last(train), final_val=_last(val), best_val=best_v,
                                 best_val_epoch=best_k, metrics=metrics))
    return FitSummary(epochs_run=max(lengths, default=0), epochs_asked=epochs_asked, best_epoch=best_epoch,
                      monitored=monitored, outputs=rows,
                      seconds=float(seconds) if isinstance(seconds, (int, float)) else None,
                      weights_path=weights_path or "", restored_best=restored_best,
                      stopped_early=stopped_early)


def _number(value) -> str:
    return "–" if value is None else f"{value:.4g}"


def summary_lines(summary: FitSummary, multi_output: bool) -> list:
    """The summary as plain lines of text (the panel shows them as a small table and a note).

    Returns:
        ``[headline, row, row, …, note…]``: the headline names epochs, best epoch and time; each
        row is ``"output: train … · val … (best … at epoch k) · metric … (val …)"`` (final values
        of the losses and of the metrics); notes say where the weights are.
    """
    ran = f"{summary.epochs_run} epoch{'s' if summary.epochs_run != 1 else ''}"
    if summary.epochs_asked and summary.epochs_run < summary.epochs_asked:
        ran += f" of {summary.epochs_asked}"
    parts = [f"Trained {ran}"]
    if summary.seconds is not None:
        parts.append(f"in {summary.seconds:.1f} s")
    headline = " ".join(parts)
    if summary.best_epoch is not None:
        headline += f" · best epoch {summary.best_epoch} (lowest {summary.monitored.replace('_', ' ')})"
    if summary.stopped_early:
        headline += " · stopped early"
    lines = [headline]
    for row in summary.outputs:
        label = (row.name or "total") if multi_output else (row.name or "loss")
        text = f"{label}: train {_number(row.final_train)}"
        if row.final_val is not None:
            text += f" · val {_number(row.final_val)} (best {_number(row.best_val)} at epoch {row.best_val_epoch})"
        for metric, (train, val) in row.metrics.items():
            text += f" · {metric} {_number(train)}" + (f" (val {_number(val)})" if val is not None else "")
        lines.append(text)
    if summary.weights_path:
        kept = "best epoch's" if summary.restored_best else "final"
        lines.append(f"Weights ({kept}) saved to {summary.weights_path}")
    else:
        lines.append("Weights were not saved.")
    return lines
