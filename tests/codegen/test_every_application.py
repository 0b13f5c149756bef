"""Every keras.applications model (weights None, 96×96, no top) round-trips exactly — import, check
(all shapes known, Keras's parameter count), Python export, and the exported model given the
original's weights predicts the same — or is one of the models LayerLoom states unsupported by name
(docs/import.md)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from codegen.errors import ImportFailed, ImportRefused
from codegen.importer import import_model_file
from codegen.python_export import export_python
from graph_core import check
from graph_core.layer_kinds import APPLICATIONS

pytestmark = [pytest.mark.keras, pytest.mark.slow]

#: Models LayerLoom cannot import yet, with what the refusal names (also in docs/import.md).
UNSUPPORTED: dict = {}


def test_the_list_of_applications_is_keras_own():
    names = {n for n in dir(keras.applications) if n[:1].isupper() and callable(getattr(keras.applications, n))}
    assert names == set(APPLICATIONS)


@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_imports_with_keras_numbers_or_is_stated_unsupported(name, tmp_path):
    model = getattr(keras.applications, name)(weights=None, include_top=False, input_shape=(96, 96, 3))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    try:
        if name in UNSUPPORTED:
            with pytest.raises((ImportFailed, ImportRefused), match=UNSUPPORTED[name]):
                import_model_file(path)
            return
        doc = import_model_file(path)
        result = check(doc)
        assert result.status == "valid", [str(p) for p in result.errors[:3]]
        assert result.known_total == model.count_params()
        for out, tensor in zip(doc.outputs, model.outputs):
            assert result.nodes[out.node].output(out.index).shape == tuple(tensor.shape)
        scope: dict = {}
        exec(compile(export_python(doc), f"{name}.py", "exec"), scope)  # the test runs the export
        rebuilt = scope["build_model"]()
        for layer in model.layers:
            if layer.weights:
                rebuilt.get_layer(layer.name).set_weights(layer.get_weights())
        sample = np.random.default_rng(0).uniform(0, 255, size=(1, 96, 96, 3)).astype("float32")
        np.testing.assert_allclose(rebuilt.predict(sample, verbose=0), model.predict(sample, verbose=0),
                                   atol=1e-5, rtol=1e-4)
    finally:
        keras.backend.clear_session()
