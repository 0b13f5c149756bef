"""Shared test configuration: headless Qt, quiet TensorFlow."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest

from tests import hypothesis_profiles  # noqa: F401  (registers and loads the profile)


@pytest.fixture
def outside_catalog():
    """``outside_catalog(layer_type)`` takes a type out of the catalog for one test (in this
    process), standing for a class a newer Keras adds; the catalog and its order come back."""
    from graph_core import catalog

    saved = dict(catalog.CATALOG)

    def remove(layer_type: str) -> None:
        del catalog.CATALOG[layer_type]

    yield remove
    catalog.CATALOG.clear()
    catalog.CATALOG.update(saved)
