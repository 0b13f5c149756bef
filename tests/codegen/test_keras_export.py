"""``.keras`` export: the saved file loads back as the same model."""

from __future__ import annotations

import pytest

from codegen.errors import CodegenError
from codegen.keras_export import save_keras
from graph_core.templates import load_template
from tests.codegen.helpers import built, structure

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("slug", ["model-as-layer", "multi-output"])
def test_saved_model_loads_back_equal(slug, tmp_path):
    import keras

    doc, model = built(slug)
    path = save_keras(doc, tmp_path / f"{slug}.keras", model=model)
    loaded = keras.models.load_model(path)
    assert loaded.count_params() == model.count_params()
    assert structure(loaded) == structure(model)
    assert loaded.loss == model.loss


def test_builds_when_no_model_is_given(tmp_path):
    import keras

    path = save_keras(load_template("mlp"), tmp_path / "mlp.keras")
    assert keras.models.load_model(path).name == "mlp"


def test_extension_must_be_keras(tmp_path):
    with pytest.raises(CodegenError, match=r"\.keras"):
        save_keras(load_template("mlp"), tmp_path / "mlp.h5")
