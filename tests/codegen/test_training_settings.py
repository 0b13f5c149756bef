"""Every optimizer the settings offer builds in Keras, by name and in the exported Python."""

from __future__ import annotations

import pytest

from codegen.build import make_optimizer
from graph_core.templates import load_template
from graph_core.training_settings import OPTIMIZERS

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_each_offered_optimizer_builds_by_name(name):
    import keras

    assert type(keras.optimizers.get(name)).__name__ == OPTIMIZERS[name]
    doc = load_template("mlp")
    doc.compile = {"optimizer": name, "learning_rate": 0.02}
    optimizer = make_optimizer(doc)
    assert type(optimizer) is getattr(keras.optimizers, OPTIMIZERS[name])  # the class the export names
    assert float(optimizer.learning_rate) == pytest.approx(0.02)
