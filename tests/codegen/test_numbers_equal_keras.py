"""Never a wrong number (issue 11): Keras-built models give LayerLoom the same totals, initializers
with arguments survive import and export, and layers reaching no output are not counted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codegen.build import build_model
from codegen.importer import document_from_config
from codegen.python_export import export_python
from graph_core.analysis import check

pytestmark = pytest.mark.keras


def _keras_model(initializer):
    import keras

    x = keras.Input((4,), name="x")
    h = keras.layers.Dense(3, bias_initializer=initializer, name="h")(x)
    y = keras.layers.Dense(2, kernel_initializer=initializer, name="y")(h)
    return keras.Model(x, y)


@pytest.mark.parametrize("initializer", ["constant-default", 0.5, -2.0])
def test_constant_initializers_keep_their_value_through_import_and_export(initializer):
    import keras

    init = keras.initializers.Constant(0.0 if initializer == "constant-default" else initializer)
    model = _keras_model(init)
    doc = document_from_config(json.loads(model.to_json()))
    result = check(doc)
    assert result.valid and result.known_total == model.count_params()
    scope: dict = {}
    exec(compile(export_python(doc), "export.py", "exec"), scope)
    for rebuilt in (build_model(doc), scope["build_model"]()):
        for layer, weight in (("h", "bias"), ("y", "kernel")):  # constants: equal without copying
            np.testing.assert_array_equal(getattr(model.get_layer(layer), weight).numpy(),
                                          getattr(rebuilt.get_layer(layer), weight).numpy())


def test_dangling_layers_are_left_out_as_keras_leaves_them_out():
    import keras

    from graph_core.builder import GraphBuilder

    g = GraphBuilder("m")
    x = g.input(shape=[3])
    g.output(g.layer("Dense", x, units=5))
    g.layer("Dense", x, units=7)
    result = check(g.document)
    model = build_model(g.document, compile=False)
    assert result.known_total == model.count_params() == 20
    assert sum(result.unused_params) == 28
    assert isinstance(model, keras.Model)
