"""Every public class of the installed ``keras.layers`` is in the catalog, is another name for
a cataloged class, or is excluded with a reason (graph_core.excluded_layers)."""

from __future__ import annotations

import inspect
import os

import pytest

from graph_core.catalog import CATALOG
from graph_core.excluded_layers import EXCLUDED

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras

pytestmark = pytest.mark.keras


def public_classes() -> dict:
    """name -> class of every public class ``keras.layers`` exports."""
    return {name: obj for name in dir(keras.layers) if not name.startswith("_")
            and inspect.isclass(obj := getattr(keras.layers, name))}


def test_every_keras_layer_class_is_covered_or_excluded():
    classes = public_classes()
    cataloged = {classes[name] for name in CATALOG if name in classes}
    missing = sorted(name for name, cls in classes.items()
                     if name not in CATALOG and cls not in cataloged and name not in EXCLUDED)
    assert not missing, (f"keras.layers classes neither in the catalog nor excluded: {missing}; "
                         "add a LayerSpec (docs/layer-catalog.md) or an entry with the reason "
                         "in graph_core/excluded_layers.py")
    assert len(classes) >= 140


def test_exclusions_are_real_and_not_cataloged():
    classes = public_classes()
    assert set(EXCLUDED) <= set(classes), sorted(set(EXCLUDED) - set(classes))
    assert not set(EXCLUDED) & set(CATALOG)
    assert all(reason for reason in EXCLUDED.values())


def test_catalog_names_are_keras_class_names():
    """Every catalog type (but Input) is exported by keras.layers under that name, and no
    class has two entries (aliases like MaxPool2D are not catalog entries)."""
    classes = public_classes()
    names = [name for name in CATALOG if name != "Input"]
    assert set(names) <= set(classes), sorted(set(names) - set(classes))
    assert len({classes[name] for name in names}) == len(names)
