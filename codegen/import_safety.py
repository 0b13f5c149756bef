"""Deciding, from a model config alone, whether importing it could run code from the file.

Nothing here imports Keras: the config is plain JSON data and is inspected as such. A file is
refused when any object in it names Python code (a ``Lambda`` layer, a serialized lambda, a
wrapped TensorFlow SavedModel, PyTorch module or JAX function) or a class or function that does
not come from Keras itself (a custom layer, initializer, regularizer, activation…): loading such
a file with Keras would import and run that code, which LayerLoom never does.
"""

from __future__ import annotations

from typing import Any

from codegen.errors import ImportRefused
from graph_core import allow_list
from graph_core.operations import by_keras_class

#: Keras layers that carry code or opaque programs, with the reason given to the user.
REFUSED_LAYERS = {
    "Lambda": "is a Lambda layer: it contains Python code, which LayerLoom never runs; "
              "rebuild it from standard layers",
    "TFSMLayer": "is a TFSMLayer: it wraps a TensorFlow SavedModel, a program LayerLoom cannot "
                 "inspect and never runs; rebuild it from standard layers",
    "TorchModuleWrapper": "is a TorchModuleWrapper: it wraps a PyTorch module, Python code which "
                          "LayerLoom never runs; rebuild it from standard layers",
    "JaxLayer": "is a JaxLayer: it wraps a JAX function, Python code which LayerLoom never runs; "
                "rebuild it from standard layers",
    "FlaxLayer": "is a FlaxLayer: it wraps a Flax module, Python code which LayerLoom never runs; "
                 "rebuild it from standard layers",
    "TFOpLambda": "is a TFOpLambda: a raw TensorFlow operation recorded by Keras 2, which "
                  "LayerLoom cannot represent and never runs; rebuild it from standard layers",
    "SlicingOpLambda": "is a SlicingOpLambda: a raw tensor slice recorded by Keras 2, which "
                       "LayerLoom cannot represent and never runs; rebuild it from standard layers",
}

#: Serialization markers for plain data (not classes); their contents are still inspected.
DATA_MARKERS = allow_list.DATA_MARKERS

#: Keras class names a model file may name (layers, initializers, regularizers, constraints,
#: dtype policies, optimizers, schedules): the explicit allow-list, whatever the module says.
KNOWN_KERAS_CLASSES = allow_list.KERAS_LAYER_CLASSES | allow_list.KERAS_OBJECT_CLASSES

#: Modules Keras serializes activations, losses and metrics from.
_FUNCTION_MODULES = ("keras.activations", "keras.losses", "keras.metrics", "keras.src.activations",
                     "keras.src.losses", "keras.src.metrics")
#: Config keys holding one nested layer entry, and config keys holding a list of them.
_ONE_LAYER_KEYS = ("layer", "backward_layer", "cell", "forward_layer")
_MANY_LAYER_KEYS = ("layers", "cells")


def is_keras_module(module: Any) -> bool:
    """True for ``keras`` and its submodules (``keras.layers``, ``keras.src.models.functional``)."""
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def check_safety(model: Any) -> None:
    """Refuse a model config that names code or a class from outside Keras.

    Args:
        model: the parsed model config (``{"class_name": ..., "config": ...}``).

    Raises:
        ImportRefused: naming the first offending layer (and the model around it when nested)
            and why it is refused.
    """
    try:
        if isinstance(model, dict):
            _walk_entry(model, [], top=True)
    except RecursionError:
        raise ImportRefused("the model config is nested too deeply to inspect safely") from None


def _entry_name(entry: dict) -> str | None:
    name = entry.get("name")
    if not isinstance(name, str):
        config = entry.get("config")
        name = config.get("name") if isinstance(config, dict) else None
    return name if isinstance(name, str) else None


def _subject(name: str | None, models: list, top: bool = False) -> str:
    if top:
        return f"the model '{name}'" if name else "the model"
    inside = f" (inside model '{models[-1]}')" if models else ""
    return f"layer '{name or '?'}'{inside}"


def _walk_entry(entry: dict, models: list, top: bool = False) -> None:
    """Check one layer (or model) entry, its nested objects and nested layers."""
    name = _entry_name(entry)
    subject = _subject(name, models, top)
    class_name = entry.get("class_name")
    if isinstance(class_name, str):
        _check_object(entry, class_name, subject, None, name)
    config = entry.get("config")
    if isinstance(config, dict):
        is_model = isinstance(config.get("layers"), list)
        inner_models = models + [name or "?"] if is_model and not top else models
        for key, value in config.items():
            if key in _ONE_LAYER_KEYS and isinstance(value, dict) and "class_name" in value:
                _walk_entry(value, inner_models)
            elif key in _MANY_LAYER_KEYS and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        _walk_entry(item, inner_models)
                    else:
                        _walk_value(item, subject, key, name)
            else:
                _walk_value(value, subject, key, name)
    if "inbound_nodes" in entry:
        _walk_value(entry["inbound_nodes"], subject, "its call arguments", name)


def _walk_value(value: Any, subject: str, key: str, layer: str | None) -> None:
    """Check the serialized objects (initializers, activations…) inside a layer's config."""
    if isinstance(value, list):
        for item in value:
            _walk_value(item, subject, key, layer)
        return
    if not isinstance(value, dict):
        return
    class_name = value.get("class_name")
    if isinstance(class_name, str):
        _check_object(value, class_name, subject, key, layer)
    for inner in value.values():  # data markers (__typespec__…) are inspected inside too
        _walk_value(inner, subject, key, layer)


def _check_object(obj: dict, class_name: str, subject: str, key: str | None,
                  layer: str | None) -> None:
    """Raise ImportRefused when ``obj`` names code or a class from outside Keras."""
    module = obj.get("module")
    registered = obj.get("registered_name")
    config = obj.get("config")
    use = f" for '{key}'" if key else ""
    if class_name == "__lambda__":
        raise ImportRefused(f"{subject} holds a Python lambda{use}: it contains Python code, which "
                            f"LayerLoom never runs; rebuild it from standard layers", layer)
    if class_name in DATA_MARKERS:
        return
    if class_name in REFUSED_LAYERS:  # at every key, not only where a layer is expected
        raise ImportRefused(f"{subject}{use} {REFUSED_LAYERS[class_name]}", layer)
    if class_name == "function":
        fn = config if isinstance(config, str) else "?"
        if not is_keras_module(module):
            raise ImportRefused(
                f"{subject} uses the custom function '{fn}' (module '{module}'){use}: loading it "
                f"would run code from outside Keras, which LayerLoom never does; use a built-in "
                f"Keras function instead", layer)
        if fn not in allow_list.ALLOWED_FUNCTIONS or not str(module).startswith(_FUNCTION_MODULES):
            raise ImportRefused(
                f"{subject} names the Keras function '{module}.{fn}'{use}, which is not a listed "
                f"activation, loss or metric: LayerLoom accepts only those", layer)
        return
    what = f"{subject} is of" if key is None else f"{subject} uses{use} an object of"
    if key is None and _exported_internal(class_name, registered):
        return
    if module is not None:
        if not is_keras_module(module):
            raise ImportRefused(
                f"{what} the custom class '{class_name}' (module '{module}'): loading it would "
                f"import and run code from outside Keras, which LayerLoom never does; rebuild it "
                f"from standard Keras parts", layer)
        if str(module).startswith(("keras.src.ops", "keras.ops")) and key is None:
            if by_keras_class(str(module), class_name) is not None:
                return  # an operation node LayerLoom has (x + y, x[:, :4], keras.ops.mean)
            raise ImportRefused(operation_message(subject, class_name, module), layer)
        if class_name not in KNOWN_KERAS_CLASSES:
            raise ImportRefused(
                f"{what} the class '{module}.{class_name}', which is not on LayerLoom's list of "
                f"Keras built-ins: LayerLoom never loads it. It imports models made of keras.layers "
                f"classes (docs/import.md lists the keras.applications models that are)", layer)
        if registered is not None and registered != class_name:
            package = str(registered).split(">", 1)[0] if ">" in str(registered) else None
            if package != "keras":
                raise ImportRefused(
                    f"{what} the class registered as '{registered}', which is not a Keras built-in: "
                    f"loading it would run code from outside Keras, which LayerLoom never does; "
                    f"rebuild it from standard Keras parts", layer)
        return
    if class_name not in KNOWN_KERAS_CLASSES:
        raise ImportRefused(
            f"{what} the class '{class_name}', which is not a Keras built-in (a custom class?): "
            f"loading it would run code from outside Keras, which LayerLoom never does; rebuild "
            f"it from standard Keras parts", layer)


def _exported_internal(class_name: str, registered) -> bool:
    """A keras.applications internal layer as a LayerLoom-exported script defines and registers it
    (``layerloom>LayerScale``): read as the catalog type, rebuilt with Keras's own class; the
    script's module is never imported."""
    from codegen.export_classes import REGISTERED_PACKAGE
    from graph_core.layer_rules.applications import KERAS_MODULES

    return class_name in KERAS_MODULES and registered == f"{REGISTERED_PACKAGE}>{class_name}"


def operation_message(subject: str, class_name: str, module) -> str:
    """Why a saved ``keras.ops`` operation LayerLoom lacks is refused, and what to do.

    Only real ``keras.layers`` classes (the catalog's) and LayerLoom's own operations are
    suggested, never a made-up one."""
    from graph_core import catalog
    from graph_core.edits import snake_case
    from graph_core.operations import OPERATIONS

    function = snake_case(class_name)
    if catalog.get_spec(class_name) is not None:
        instead = f"the layer keras.layers.{class_name} does the same; build the model with it and save again"
    else:
        instead = ("rewrite that step with the operations LayerLoom has (" +
                   ", ".join(op.function for op in OPERATIONS[:12]) + ", … — the palette's Operations "
                   "category lists them all) or with keras.layers, and save again")
    return (f"{subject} is the tensor operation keras.ops.{function} (saved as class {class_name!r} of "
            f"module {module!r}), which LayerLoom's operation nodes do not cover: {instead}")
