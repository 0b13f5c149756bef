"""The model's training settings: compile and fit defaults, the optimizers, their parameters.

The one home of these facts: the document's defaults, the .loom reader's checks, the inspector's
and the training panel's settings form, the Python exporter and the Keras build all read them here.

A document's ``compile`` section holds ``optimizer`` and ``learning_rate``; its ``fit`` section
holds ``epochs``, ``batch_size``, ``samples`` (of synthetic data) and ``seed``, and may hold the
*fit options* of :data:`FIT_OPTION_PARAMS` (validation split, early stopping, learning-rate
schedule, best-weights checkpoint, continue training). A file holds a fit option only when it
was set; :func:`graph_core.fit_options.fit_options` fills the rest with their defaults, so files written before the
options existed load and save unchanged.

Fit options (all in the ``fit`` section of the ``.loom`` file):

- ``validation_split`` (float in ``[0, 1)``, default 0): the last fraction of the training data
  kept for validation (Keras's ``validation_split``). Ignored when the data section names a
  validation source (:mod:`graph_core.data_sources`).
- ``early_stopping`` (bool, default false) and ``patience`` (int ≥ 1, default 3): stop when the
  monitored loss (``val_loss`` with validation data, else ``loss``) has not improved for
  ``patience`` epochs.
- ``lr_schedule`` (``"constant"``, ``"reduce_on_plateau"``, ``"exponential"``, ``"cosine"``;
  default constant) and ``lr_factor`` (float in ``[0.01, 1)``, default 0.5): ``reduce_on_plateau``
  multiplies the rate by the factor after ``patience`` epochs without improvement;
  ``exponential`` multiplies it by the factor every epoch; ``cosine`` decays it from the
  compile learning rate to 0 over the epochs.
- ``checkpoint_best`` (bool, default true): keep the weights of the epoch with the best
  monitored loss (the saved ``NAME.weights.h5`` holds them); false keeps the last epoch's.
- ``continue_training`` (bool, default false): start from the saved weights beside the project
  (when they match the architecture) instead of a fresh initialisation.
"""

from __future__ import annotations

import math

from graph_core.layer_rules.spec import ParamSpec
from graph_core.lr_schedules import LR_SCHEDULES

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any

OPTIMIZERS = {
    "adadelta": "Adadelta", "adafactor": "Adafactor", "adagrad": "Adagrad", "adam": "Adam",
    "adamw": "AdamW", "adamax": "Adamax", "ftrl": "Ftrl", "lion": "Lion", "muon": "Muon",
    "nadam": "Nadam", "rmsprop": "RMSprop", "sgd": "SGD",
}
"""Lower-case optimizer name → ``keras.optimizers`` class: the names ``keras.optimizers.get`` knows."""

DEFAULT_COMPILE = {"optimizer": "rmsprop", "learning_rate": 0.001}
"""The ``compile`` section of a new document (and the values a file may leave out)."""

DEFAULT_FIT = {"epochs": 1, "batch_size": 32, "samples": 256, "seed": 0}
"""The ``fit`` section of a new document (and the values a file may leave out)."""

COMPILE_PARAMS = (
    ParamSpec("optimizer", "str", DEFAULT_COMPILE["optimizer"], choices=tuple(OPTIMIZERS),
              doc="the optimizer passed to model.compile"),
    ParamSpec("learning_rate", "float", DEFAULT_COMPILE["learning_rate"], minimum=0.0,
              doc="the optimizer's learning rate"),
)
"""The editable ``compile`` settings (the learning rate must be greater than its minimum)."""

FIT_PARAMS = (
    ParamSpec("epochs", "int", DEFAULT_FIT["epochs"], minimum=1, maximum=100_000,
              doc="passes over the synthetic data"),
    ParamSpec("batch_size", "int", DEFAULT_FIT["batch_size"], minimum=1, maximum=1_000_000,
              doc="samples per gradient step"),
    ParamSpec("samples", "int", DEFAULT_FIT["samples"], minimum=1, maximum=100_000_000,
              doc="number of synthetic samples"),
    ParamSpec("seed", "int", DEFAULT_FIT["seed"], minimum=0, maximum=2**31 - 1,
              doc="random seed of the synthetic data"),
)
"""The editable ``fit`` settings."""

DEFAULT_FIT_OPTIONS = {"validation_split": 0.0, "early_stopping": False, "patience": 3,
                       "lr_schedule": "constant", "lr_factor": 0.5, "checkpoint_best": True,
                       "continue_training": False}
"""The defaults of the fit options (kept out of a file's ``fit`` section until set)."""

FIT_OPTION_PARAMS = (
    ParamSpec("validation_split", "float", 0.0, minimum=0.0, maximum=1.0, exclusive_max=True,
              doc="fraction of the training data held out for validation (0: none)"),
    ParamSpec("early_stopping", "bool", False, doc="stop when the monitored loss stops improving"),
    ParamSpec("patience", "int", 3, minimum=1, maximum=10_000,
              doc="epochs without improvement before early stopping or a plateau step"),
    ParamSpec("lr_schedule", "choice", "constant", choices=LR_SCHEDULES,
              doc="how the learning rate changes during the fit"),
    ParamSpec("lr_factor", "float", 0.5, minimum=0.01, maximum=1.0, exclusive_max=True,
              doc="factor of the plateau and exponential schedules"),
    ParamSpec("checkpoint_best", "bool", True, doc="keep the weights of the best epoch"),
    ParamSpec("continue_training", "bool", False, doc="start from the saved weights"),
)
"""The fit options (stored in the ``fit`` section; see the module docstring)."""

SETTINGS = {"compile": COMPILE_PARAMS, "fit": FIT_PARAMS}
"""Section name → its :class:`ParamSpec` tuple (the fit options are :data:`FIT_OPTION_PARAMS`)."""


def setting_param(section: str, name: str) -> ParamSpec:
    """The :class:`ParamSpec` of setting ``name`` in ``section``.

    Args:
        section: ``"compile"`` or ``"fit"``.
        name: the setting, e.g. ``"epochs"``.

    Returns:
        The spec.

    Raises:
        KeyError: there is no such setting.
    """
    params = SETTINGS[section] + (FIT_OPTION_PARAMS if section == "fit" else ())
    for param in params:
        if param.name == name:
            return param
    raise KeyError(f"no {section} setting {name!r}")


def setting_problem(section: str, name: str, value: Any) -> str:
    """Why ``value`` cannot be the setting ``name`` of ``section`` ("" when it can).

    Integers must be whole numbers within the spec's range; numbers (the learning rate) must be
    finite and greater than the minimum (the validation split and the factor may equal their
    minimum and stay below 1); names (the optimizer) must not be empty; switches must be true or false; a choice
    (the schedule) must be one of its choices. An optimizer outside :data:`OPTIMIZERS` is
    allowed: Keras reports an unknown one when the model is built.

    Args:
        section: ``"compile"`` or ``"fit"``.
        name: the setting, e.g. ``"learning_rate"``.
        value: the proposed value.

    Returns:
        A message naming the setting, or "".
    """
    param = setting_param(section, name)
    label = name.replace("_", " ")
    if param.kind == "str":
        return "" if isinstance(value, str) and value.strip() else f"{name} needs a value"
    if param.kind == "bool":
        return "" if isinstance(value, bool) else f"{name} must be true or false"
    if param.kind == "choice":
        if value in param.choices:
            return ""
        return f"The {label} must be one of {', '.join(param.choices)}."
    if param.kind == "float" and param.exclusive_max:
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and param.minimum <= value < param.maximum)
        return "" if ok else (f"The {label} must be a number of at least {param.minimum:g} and less "
                              f"than {param.maximum:g}.")
    if param.kind == "float":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and value > param.minimum)
        return "" if ok else f"The {label} must be a number greater than {param.minimum:g}."
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= param.minimum
    if ok and param.maximum is not None and value > param.maximum:
        return f"The {label} must be at most {param.maximum:,}."
    return "" if ok else f"The {label} must be an integer of at least {param.minimum:g}."
