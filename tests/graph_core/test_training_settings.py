"""The training settings: one set of defaults, specs and checks."""

from __future__ import annotations

import pytest

from graph_core.document import Document
from graph_core.training_settings import (
    DEFAULT_COMPILE,
    DEFAULT_FIT,
    OPTIMIZERS,
    SETTINGS,
    setting_param,
    setting_problem,
)


def test_specs_default_to_the_documents_defaults():
    doc = Document()
    assert {p.name: p.default for p in SETTINGS["compile"]} == DEFAULT_COMPILE == doc.compile
    assert {p.name: p.default for p in SETTINGS["fit"]} == DEFAULT_FIT == doc.fit
    assert setting_param("compile", "optimizer").choices == tuple(OPTIMIZERS)
    assert DEFAULT_COMPILE["optimizer"] in OPTIMIZERS
    with pytest.raises(KeyError):
        setting_param("fit", "learning_rate")


@pytest.mark.parametrize("section, name, value, wrong", [
    ("compile", "learning_rate", 0.01, ""),
    ("compile", "learning_rate", 0.0, "greater than 0"),
    ("compile", "learning_rate", -1.0, "greater than 0"),
    ("compile", "learning_rate", float("nan"), "greater than 0"),
    ("compile", "learning_rate", float("inf"), "greater than 0"),
    ("compile", "learning_rate", None, "greater than 0"),
    ("compile", "learning_rate", True, "greater than 0"),
    ("compile", "optimizer", "adam", ""),
    ("compile", "optimizer", "my_optimizer", ""),  # Keras judges unknown names at build time
    ("compile", "optimizer", "  ", "needs a value"),
    ("compile", "optimizer", None, "needs a value"),
    ("fit", "epochs", 1, ""),
    ("fit", "epochs", 0, "at least 1"),
    ("fit", "epochs", 2.0, "integer"),
    ("fit", "epochs", 10**6, "at most 100,000"),
    ("fit", "seed", 0, ""),
    ("fit", "seed", -1, "at least 0"),
    ("fit", "batch_size", None, "integer"),
])
def test_setting_problem(section, name, value, wrong):
    message = setting_problem(section, name, value)
    assert (wrong in message) if wrong else message == ""
    if wrong:
        assert name.replace("_", " ") in message or name in message
