"""The options of one fit: a document's ``fit`` section with defaults filled in and overrides applied.

The settings themselves (names, defaults, ranges) live in :mod:`graph_core.training_settings`;
this module only gathers them for a fit (``layerloom fit``, the training panel, the exported
script), so that checking a model does not load it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from graph_core.training_settings import DEFAULT_FIT, DEFAULT_FIT_OPTIONS, setting_problem


@dataclass(frozen=True)
class FitOptions:
    """Every setting of one fit: the ``fit`` section with defaults filled in and overrides applied.

    Attributes:
        epochs, batch_size, samples, seed: as in :data:`DEFAULT_FIT`.
        validation_split, early_stopping, patience, lr_schedule, lr_factor, checkpoint_best,
        continue_training: as in :data:`DEFAULT_FIT_OPTIONS`.
    """

    epochs: int
    batch_size: int
    samples: int
    seed: int
    validation_split: float
    early_stopping: bool
    patience: int
    lr_schedule: str
    lr_factor: float
    checkpoint_best: bool
    continue_training: bool

    def to_dict(self) -> dict:
        """The options as a plain dict (JSON-ready)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def fit_options(fit: dict, **overrides: Any) -> FitOptions:
    """The :class:`FitOptions` of a document's ``fit`` section with ``overrides`` applied.

    Args:
        fit: the ``fit`` section (``doc.fit``).
        **overrides: settings to use instead (None values are ignored), e.g. from the CLI.

    Returns:
        The options.

    Raises:
        ValueError: a value (given or stored) is not valid; the message names the setting.
    """
    values = {**DEFAULT_FIT, **DEFAULT_FIT_OPTIONS}
    values.update({k: v for k, v in fit.items() if k in values})
    unknown = set(overrides) - set(values)
    if unknown:
        raise ValueError(f"no fit setting {sorted(unknown)[0]!r}")
    values.update({k: v for k, v in overrides.items() if v is not None})
    for name, value in values.items():
        problem = setting_problem("fit", name, value)
        if problem:
            raise ValueError(problem)
    if isinstance(values["validation_split"], int):
        values["validation_split"] = float(values["validation_split"])
    return FitOptions(**values)
