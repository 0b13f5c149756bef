"""Shared helpers of the codegen tests: templates, built models (cached once per session),
small documents made with the builder, and a structural view of a Keras model's config."""

from __future__ import annotations

import functools
import json
import os

from graph_core.builder import GraphBuilder
from graph_core.templates import list_templates, load_template

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SLUGS = tuple(t.slug for t in list_templates())
HEAVY = "siamese-vision"  # Xception at 250×250: built once, fitted on 2 samples only


@functools.cache
def built(slug: str):
    """``(document, compiled model)`` of a template, built once per test session.

    Tests must not change either (fit tests build their own models).
    """
    from codegen.build import build_model

    doc = load_template(slug)
    return doc, build_model(doc, compile=True)


def structure(model, opaque=()) -> dict:
    """A model's ``get_config()`` as plain JSON data, for comparing two builds.

    Names Keras generates from global counters are left out: those of layers wrapped by
    Bidirectional/TimeDistributed (``forward_lstm_3``) and of the layers inside the nested
    models named in ``opaque`` (applications: ``conv2d_17``), which are reduced to their layer
    classes in order.
    """
    config = _blank_wrapped_names(json.loads(json.dumps(model.get_config(), default=_jsonable)))
    for layer in config.get("layers", ()):
        if layer.get("name") in opaque:
            inner = layer["config"]
            inner["layers"] = [entry["class_name"] for entry in inner.get("layers", ())]
            for key in ("input_layers", "output_layers"):
                inner.pop(key, None)
    return config


def _jsonable(value):
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _blank_wrapped_names(value):
    if isinstance(value, list):
        return [_blank_wrapped_names(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        item = _blank_wrapped_names(item)
        if key in ("layer", "backward_layer") and isinstance(item, dict) \
                and isinstance(item.get("config"), dict):
            item = dict(item, config=dict(item["config"], name="<wrapped>"))
        out[key] = item
    return out


def classifier(loss: str, units: int = 3, activation: str = "softmax", name: str = "clf"):
    """A one-input, one-output document: Input(8,) → Dense(16) → Dense(units) with ``loss``."""
    b = GraphBuilder(name)
    x = b.input("features", shape=(8,))
    x = b.layer("Dense", x, units=16, activation="relu", name="hidden")
    b.output(b.layer("Dense", x, units=units, activation=activation, name="out"), loss=loss)
    return b.document


def imported(model, tmp_path, saved_by: str = "keras", name: str = "model"):
    """The document LayerLoom imports from ``model`` saved by Keras, or (``saved_by="layerloom"``)
    from LayerLoom's own ``.keras`` of that import, read back."""
    from codegen.importer import import_model_file
    from codegen.keras_export import save_keras

    path = tmp_path / f"{name}.keras"
    model.save(path)
    doc = import_model_file(path)
    if saved_by == "layerloom":
        save_keras(doc, tmp_path / "again.keras")
        doc = import_model_file(tmp_path / "again.keras")
    return doc
