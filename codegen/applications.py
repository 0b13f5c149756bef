"""``keras.applications`` models as layers: creation, measurement, and graph_core's cache.

graph_core cannot know an application's internals, so its output shapes and parameter counts
are measured here once with Keras and stored with the layer (``layer.cache``, keyed by
:func:`graph_core.analysis.application_cache_key`). Weights are never downloaded: ``weights`` is
None (random) or the path of a local weights file.
"""

from __future__ import annotations

import os

from codegen.errors import BuildError
from graph_core.analysis import application_cache_key, check
from graph_core.document import Document
from graph_core.edits import SetLayerCache
from graph_core.layer_kinds import kind_of

_NOT_KWARGS = ("application",)


def application_names() -> list:
    """The ``keras.applications`` model constructors LayerLoom can use (imports Keras)."""
    import keras

    return sorted(n for n in dir(keras.applications)
                  if n[:1].isupper() and callable(getattr(keras.applications, n)))


def application_kwargs(config: dict) -> dict:
    """The keyword arguments of the application constructor for a layer config.

    ``application`` is dropped, ``input_shape`` becomes a tuple and ``weights`` is checked:
    None, or an existing local file (``~`` expanded).

    Raises:
        BuildError: ``weights`` would need a download (``"imagenet"``) or the file is missing.
    """
    kwargs = {k: v for k, v in config.items() if k not in _NOT_KWARGS}
    weights = kwargs.get("weights")
    if weights is not None:
        if not isinstance(weights, str):
            raise BuildError(f"weights must be null or a file path, got {weights!r}")
        if weights == "imagenet":
            raise BuildError("weights='imagenet' would download the weights, which LayerLoom never "
                             "does; set weights to null (random) or to the path of a local weights "
                             "file")
        path = os.path.expanduser(weights)
        if not os.path.isfile(path):
            raise BuildError(f"weights file {weights!r} does not exist; set weights to null or to the "
                             f"path of a local weights file")
        kwargs["weights"] = path
    if isinstance(kwargs.get("input_shape"), list):
        kwargs["input_shape"] = tuple(kwargs["input_shape"])
    return kwargs


def create_application(config: dict, name: str | None = None):
    """Create the ``keras.applications`` model a layer config names.

    Args:
        config: ``{"application": "Xception", "include_top": false, "weights": null, ...}``.
        name: the Keras name to give the model (the document layer's name).

    Returns:
        A ``keras.Model``.

    Raises:
        BuildError: unknown application, refused weights, or Keras refused the arguments.
    """
    import inspect

    import keras

    app_name = config.get("application")
    constructor = getattr(keras.applications, app_name, None) if isinstance(app_name, str) else None
    if (constructor is None or not app_name[:1].isupper() or not callable(constructor)
            or inspect.ismodule(constructor)):
        raise BuildError(f"{app_name!r} is not a keras.applications model; use e.g. Xception, "
                         f"ResNet50, MobileNetV2")
    kwargs = application_kwargs(config)
    if name is not None and "name" not in kwargs:
        try:
            accepts_name = "name" in inspect.signature(constructor).parameters
        except (TypeError, ValueError):
            accepts_name = False
        if accepts_name:
            kwargs["name"] = name
    try:
        return constructor(**kwargs)
    except Exception as exc:  # Keras raises ValueError/TypeError with useful text
        raise BuildError(f"{app_name}: {keras_message(exc)}") from None


def keras_message(exc: BaseException) -> str:
    """A Keras exception's text, trimmed for showing to a user."""
    text = str(exc).strip() or type(exc).__name__
    if len(text) > 800:
        text = text[:797] + "..."
    return text


def measure_application(config: dict, input_specs: list, app=None) -> dict:
    """Measure an application with Keras for graph_core's cache.

    Args:
        config: the Application layer's config.
        input_specs: the :class:`graph_core.tensor.TensorSpec` of each input at one call.
        app: an already built instance of the application (created when None).

    Returns:
        A cache entry: ``{"outputs": [[None, 8, 8, 2048]], "dtypes": ["float32"],
        "trainable": int, "non_trainable": int}``, or ``{"error": message, "hint": text}``
        when Keras refuses the configuration or the input.
    """
    import keras

    if any(spec.shape is None for spec in input_specs):
        return {"error": "the input shape is unknown", "hint": "fix the layers feeding it first"}
    try:
        if app is None:
            app = create_application(config)
        tensors = [keras.KerasTensor(tuple(spec.shape), dtype=spec.dtype) for spec in input_specs]
        out = app.compute_output_spec(tensors[0] if len(tensors) == 1 else tensors)
    except BuildError as exc:
        return {"error": exc.message, "hint": "check the application's arguments"}
    except Exception as exc:
        return {"error": f"{config.get('application')} cannot take this input: {keras_message(exc)}",
                "hint": "feed images of the size and channels the application expects"}
    outputs = out if isinstance(out, (list, tuple)) else [out]
    trainable = sum(_size(w) for w in app.trainable_weights)
    non_trainable = sum(_size(w) for w in app.non_trainable_weights)
    return {"outputs": [list(t.shape) for t in outputs], "dtypes": [str(t.dtype) for t in outputs],
            "trainable": int(trainable), "non_trainable": int(non_trainable)}


def _size(weight) -> int:
    size = 1
    for d in weight.shape:
        size *= int(d)
    return size


def missing_measurements(doc: Document) -> list:
    """The Application calls whose shapes graph_core does not have cached yet.

    Returns:
        ``[(document, layer, input_specs, key)]`` for every call of an Application layer in
        ``doc`` and its nested models whose input is known but not measured.
    """
    missing = []
    for document in doc.iter_documents():
        apps = [layer for layer in document.layers.values() if kind_of(layer) == "application"]
        if not apps:
            continue
        result = check(document)
        for layer in apps:
            for nid in document.nodes_of(layer.id):
                specs = [result.nodes[r.node].output(r.index) if r.node in result.nodes else None
                         for r in document.nodes[nid].inputs]
                if not specs or any(s is None or s.shape is None for s in specs):
                    continue
                key = application_cache_key(layer.config, specs)
                if key not in (layer.cache or {}):
                    missing.append((document, layer, specs, key))
    return missing


def fill_application_caches(doc: Document, model=None) -> list:
    """Measure every unmeasured Application call and store the result in its layer's cache.

    Each store is a :class:`graph_core.edits.SetLayerCache` applied to the document owning the
    layer (``doc`` or one of its nested models), so listeners and undo see it. Applications fed
    by other applications are measured in later rounds, once their input is known.

    Args:
        doc: the document (changed in place through edits).
        model: the ``keras.Model`` already built from ``doc``, whose application instances are
            reused instead of building them again (optional).

    Returns:
        The applied edits, in order (empty when every cache was complete).
    """
    applied = []
    for _round in range(64):
        missing = missing_measurements(doc)
        if not missing:
            break
        pending: dict = {}
        for document, layer, specs, key in missing:
            cache = pending.setdefault((id(document), layer.id),
                                       (document, layer.id, dict(layer.cache or {})))[2]
            if key not in cache:  # a shared application called twice on the same shape
                app = _find_instance(doc, model, document, layer.name)
                cache[key] = measure_application(layer.config, specs, app=app)
        for document, layer_id, cache in pending.values():
            edit = SetLayerCache(layer_id, cache)
            document.apply(edit)
            applied.append(edit)
    return applied


def _find_instance(doc: Document, model, document: Document, layer_name: str):
    """The Keras layer called ``layer_name`` inside ``model`` at the nesting of ``document``."""
    if model is None:
        return None
    path = _path_to(doc, document)
    if path is None:
        return None
    container = model
    try:
        for name in path:
            container = container.get_layer(name)
        return container.get_layer(layer_name)
    except (ValueError, AttributeError):
        return None


def _path_to(doc: Document, target: Document) -> list | None:
    """Names of the nested Model layers leading from ``doc`` to ``target`` ([] for doc itself)."""
    if doc is target:
        return []
    for layer in doc.layers.values():
        if layer.subgraph is not None:
            rest = _path_to(layer.subgraph, target)
            if rest is not None:
                return [layer.name] + rest
    return None
