"""Every public class of the installed ``keras.layers`` is in the catalog, is another name for
a cataloged class, or is excluded with a reason (graph_core.excluded_layers)."""

from __future__ import annotations

import inspect
import os

import pytest

from graph_core.catalog import CATALOG
from graph_core.excluded_layers import EXCLUDED
from graph_core.layer_rules.applications import KERAS_MODULES

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras

from codegen.build import keras_layer_class

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
    names = [name for name in CATALOG if name != "Input" and name not in KERAS_MODULES]
    assert set(names) <= set(classes), sorted(set(names) - set(classes))
    assert len({classes[name] for name in names}) == len(names)


#: a constructor call for every catalog type with required arguments (those of test_catalog
#: plus what these layers need)
_REQUIRED = {
    "shape": (8,), "units": 4, "filters": 4, "kernel_size": 3, "activation": "relu",
    "rate": 0.5, "input_dim": 10, "output_dim": 4, "target_shape": (2, 4), "dims": (1,),
    "n": 2, "scale": 0.5, "stddev": 0.1, "pool_size": 2, "num_heads": 2, "key_dim": 4,
    "axes": -1, "output_size": 2, "factor": 0.2, "height_factor": 0.1, "width_factor": 0.1,
    "height": 4, "width": 4, "num_tokens": 5, "num_bins": 4, "head_dim": 4,
    "num_query_heads": 2, "num_key_value_heads": 1, "max_number": 3, "equation": "ab,bc->ac",
    "init_values": 1e-6, "projection_dim": 4, "drop_path_rate": 0.1,
}
_EXTRA = {"Discretization": {"bin_boundaries": [0.0, 1.0]}, "RandomPosterization": {"factor": (1, 8)},
          "EinsumDense": {"output_shape": 4}}
_BASE_KEYS = {"name", "trainable", "dtype"}


@pytest.mark.parametrize("layer_type", [t for t in CATALOG if t != "Input"])
def test_every_key_keras_saves_is_a_catalog_parameter(layer_type):
    """What Keras writes in a saved config can be imported as parameters (none dropped)."""
    from codegen.import_layer_config import IRRELEVANT_EXTRAS

    spec = CATALOG[layer_type]
    extra = _EXTRA.get(layer_type, {})
    kwargs = {p.name: extra.get(p.name, _REQUIRED.get(p.name)) for p in spec.params if p.required}
    kwargs.update(extra)
    if spec.is_wrapper:
        kwargs["layer"] = keras.layers.LSTM(3) if layer_type == "Bidirectional" else keras.layers.Dense(3)
    layer = keras_layer_class(layer_type)(**kwargs)
    saved = layer.get_config()
    dropped = {k for k, v in IRRELEVANT_EXTRAS.items() if k in saved and saved[k] == v}
    wrapped = {"backward_layer"} if spec.is_wrapper else set()  # the wrapper import reads it
    kept = set(saved) - _BASE_KEYS - dropped - wrapped - {p.name for p in spec.params}
    assert not kept, f"import would keep {sorted(kept)} as unknown parameters"
