"""The model's training settings: compile and fit defaults, the optimizers, their parameters.

The one home of these facts: the document's defaults, the .loom reader's checks, the inspector's
and the training panel's settings form, the Python exporter and the Keras build all read them here.

A document's ``compile`` section holds ``optimizer`` and ``learning_rate``; its ``fit`` section
holds ``epochs``, ``batch_size``, ``samples`` (of synthetic data) and ``seed``.
"""

from __future__ import annotations

import math
from typing import Any

from graph_core.layer_rules.spec import ParamSpec

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

SETTINGS = {"compile": COMPILE_PARAMS, "fit": FIT_PARAMS}
"""Section name → its :class:`ParamSpec` tuple."""


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
    for param in SETTINGS[section]:
        if param.name == name:
            return param
    raise KeyError(f"no {section} setting {name!r}")


def setting_problem(section: str, name: str, value: Any) -> str:
    """Why ``value`` cannot be the setting ``name`` of ``section`` ("" when it can).

    Integers must be whole numbers within the spec's range; numbers (the learning rate) must be
    finite and greater than the minimum; names (the optimizer) must not be empty. An optimizer
    outside :data:`OPTIMIZERS` is allowed: Keras reports an unknown one when the model is built.

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
    if param.kind == "float":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and value > param.minimum)
        return "" if ok else f"The {label} must be a number greater than {param.minimum:g}."
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= param.minimum
    if ok and param.maximum is not None and value > param.maximum:
        return f"The {label} must be at most {param.maximum:,}."
    return "" if ok else f"The {label} must be an integer of at least {param.minimum:g}."
