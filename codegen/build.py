"""Document → live ``keras.Model``.

One Keras layer instance is created per document layer (with the document's name) and called
at each of its nodes in topological order, so a shared layer keeps one set of weights. Nested
``Model`` layers become ``keras.Model`` instances built the same way; ``Application`` layers come
from :mod:`codegen.applications`. Keras is imported inside the functions only.
"""

from __future__ import annotations

from codegen.applications import create_application, keras_message
from codegen.data_plan import output_names, outputs_keyed
from codegen.errors import BuildError
from codegen.operation_calls import OperationCall
from graph_core import allow_list, catalog
from graph_core.analysis import check
from graph_core.document import Document, Layer
from graph_core.graph_algorithms import ancestors, topological_order
from graph_core.layer_kinds import call_arguments, kind_of
from graph_core.layer_rules.applications import KERAS_MODULES
from graph_core.training_settings import DEFAULT_COMPILE

REFUSED_TYPES = tuple(allow_list.REFUSED_TYPES)
"""Built-in layer classes that could run code from a file; never built from a document."""

_TUPLE_KINDS = ("int_tuple", "shape", "axes")


def build_model(doc: Document, compile: bool = True, validate: bool = True):
    """Build (and by default compile) the Keras model a document describes.

    Args:
        doc: the document.
        compile: also call ``model.compile`` with the document's optimizer and per-output
            losses, loss weights and metrics (:func:`compile_model`).
        validate: refuse documents graph_core finds invalid (their first error is reported).

    Returns:
        A ``keras.Model`` named ``doc.name``; its inputs are the Input nodes in document order,
        its outputs ``doc.outputs`` in order.

    Raises:
        BuildError: the document is invalid or Keras refused a layer; ``layer_name`` names the
            document layer at fault.
    """
    if validate:
        _refuse_invalid(doc)
    model = _build_graph(doc, doc.name)
    if compile:
        compile_model(model, doc)
    return model


def _refuse_invalid(doc: Document) -> None:
    errors = check(doc).errors
    if not errors:
        return
    first = errors[0]
    node_id = first.node_ids[0] if first.node_ids else None
    layer_name = doc.layer_of(node_id).name if node_id in doc.nodes else None
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise BuildError(f"the model is invalid: {first.message}{more}", layer_name, node_id)


def used_nodes(doc: Document, acyclic: bool = False) -> list:
    """The nodes that take part in the model, each after the nodes feeding it.

    Those are the Input nodes (every one is a model input) and the nodes some output depends
    on; layers reaching no output are left out, as Keras would leave them out. The order is a
    topological order that follows the document: each node comes right after the nodes it
    needs, taken in document order, so a branch is written out before the next one starts
    (the order a person writes code in, also used by the Python export).

    Args:
        doc: the document.
        acyclic: the caller knows the graph has no cycle (its check found none), so the cycle
            test is skipped.

    Raises:
        BuildError: the graph has a cycle.
    """
    left_over = [] if acyclic else topological_order(doc)[1]
    if left_over:
        names = ", ".join(repr(doc.node_label(n)) for n in left_over[:3])
        raise BuildError(f"the graph has a cycle through {names}; a Keras model must be a "
                         f"directed acyclic graph", doc.layer_of(left_over[0]).name, left_over[0])
    needed = ancestors(doc, [out.node for out in doc.outputs]) | set(doc.input_nodes())
    order: list = []
    placed: set = set()
    for start in doc.nodes:
        if start in placed or start not in needed:
            continue
        stack = [(start, False)]
        while stack:
            nid, expanded = stack.pop()
            if nid in placed:
                continue
            if expanded:
                placed.add(nid)
                order.append(nid)
                continue
            stack.append((nid, True))
            for ref in reversed(doc.nodes[nid].inputs):
                if ref.node in doc.nodes and ref.node not in placed:
                    stack.append((ref.node, False))
    return order


def _build_graph(doc: Document, name: str):
    """Build the uncompiled ``keras.Model`` of ``doc`` (also used for nested models)."""
    import keras

    if not doc.outputs:
        raise BuildError(f"model '{doc.name}' has no output; mark the last layer as an output")
    instances: dict = {}
    tensors: dict = {}
    for nid in used_nodes(doc):
        node = doc.nodes[nid]
        layer = doc.layers[node.layer]
        if layer.type == "Input":
            tensors[nid] = [_make_input(layer, nid)]
            continue
        instance = instances.get(layer.id)
        if instance is None:
            try:
                instance = instances[layer.id] = make_layer(layer)
            except BuildError as exc:
                raise BuildError(exc.message, layer.name, nid) from None
        args = []
        for ref in node.inputs:
            produced = tensors.get(ref.node)
            if produced is None or ref.index >= len(produced):
                raise BuildError(f"{_label(layer)}: input from '{doc.node_label(ref.node)}' output "
                                 f"{ref.index} does not exist", layer.name, nid)
            args.append(produced[ref.index])
        try:
            result = call_layer(instance, layer, node, args)
        except BuildError:
            raise
        except Exception as exc:
            raise BuildError(f"{_label(layer)}: {keras_message(exc)}", layer.name, nid) from None
        tensors[nid] = list(result) if isinstance(result, (list, tuple)) else [result]
    inputs = [tensors[nid][0] for nid in doc.input_nodes()]
    outputs = []
    for out in doc.outputs:
        produced = tensors.get(out.node)
        if produced is None or out.index >= len(produced):
            raise BuildError(f"output '{doc.node_label(out.node)}' index {out.index} does not exist",
                             doc.layer_of(out.node).name, out.node)
        outputs.append(produced[out.index])
    try:
        return keras.Model(inputs=inputs[0] if len(inputs) == 1 else inputs,
                           outputs=outputs[0] if len(outputs) == 1 else outputs, name=name)
    except Exception as exc:
        raise BuildError(f"model '{name}': {keras_message(exc)}") from None


def call_layer(instance, layer: Layer, node, tensors: list):
    """Call a Keras layer on a node's input tensors the way its spec says (:class:`CallSpec`),
    with the node's keyword tensors and keyword arguments."""
    args, kwargs = call_arguments(layer, node, tensors)
    return instance(*args, **kwargs)


def _make_input(layer: Layer, nid: str):
    import keras

    config = layer.config
    kwargs = {"shape": tuple(config.get("shape") or ()), "name": layer.name}
    for key in ("dtype", "batch_size", "sparse"):
        if config.get(key) is not None:
            kwargs[key] = config[key]
    try:
        return keras.Input(**kwargs)
    except Exception as exc:
        raise BuildError(f"{_label(layer)}: {keras_message(exc)}", layer.name, nid) from None


def make_layer(layer: Layer):
    """Create the Keras layer (or nested model, or application, or operation call) of a document layer.

    Raises:
        BuildError: naming the layer, with Keras's reason; for a nested model, ``layer_name``
            is the Model layer and the message also names the layer inside it.
    """
    kind = kind_of(layer)
    if kind == "model" and layer.subgraph is None:
        raise BuildError(f"{_label(layer)} has no graph", layer.name)
    try:
        if kind == "model":
            return _build_graph(layer.subgraph, layer.name)
        if kind == "application":
            return create_application(layer.config, name=layer.name)
        if kind == "operation":  # a keras.ops call, not a layer: no instance, no weights
            return OperationCall(layer)
        return make_plain_layer(layer.type, layer.config, layer.name)
    except BuildError as exc:
        raise BuildError(f"{_label(layer)}: {exc.message}", layer.name, stage=exc.stage,
                         reason=exc.reason) from None
    except Exception as exc:
        raise BuildError(f"{_label(layer)}: {keras_message(exc)}", layer.name) from None


def make_plain_layer(layer_type: str, config: dict, name: str | None):
    """Create a ``keras.layers`` layer from a type and a config (LayerLoom's form).

    Catalog types get their config as constructor arguments (tuple-valued parameters as
    tuples); wrappers get their wrapped layer created first; other built-in Keras layers are
    deserialized from their raw Keras config.
    """
    if layer_type in REFUSED_TYPES:
        raise BuildError(f"{layer_type} layers can run arbitrary code and are not supported")
    refused = [item for item in allow_list.config_problems(layer_type, config, "$.config") if item.refused]
    if refused:  # the allow-list, also when the build is asked not to validate
        raise BuildError(f"{refused[0].path}: {refused[0].message}")
    spec = catalog.get_spec(layer_type)
    if spec is None:
        return _make_generic(layer_type, config, name)
    kwargs = keras_kwargs(layer_type, config)
    if spec.is_wrapper:
        inner = config.get("layer")
        if not isinstance(inner, dict) or not isinstance(inner.get("type"), str):
            raise BuildError(f'{layer_type} needs config["layer"] = {{"type": ..., "config": {{...}}}}')
        kwargs["layer"] = make_plain_layer(inner["type"], inner.get("config") or {}, None)
    if name is not None:
        kwargs["name"] = name
    return keras_layer_class(layer_type)(**kwargs)


def keras_layer_class(layer_type: str):
    """The Keras class of a catalog type: ``keras.layers.<type>``, or for the internal layers of
    keras.applications models (``LayerScale``…) the class in the Keras module that defines it."""
    import importlib

    import keras

    module = KERAS_MODULES.get(layer_type)
    if module is not None:
        return getattr(importlib.import_module(module), layer_type)
    return getattr(keras.layers, layer_type)


def keras_kwargs(layer_type: str, config: dict) -> dict:
    """A catalog layer's config as Keras constructor arguments (lists → tuples where Keras
    expects tuples); the wrapper key ``layer`` is left out."""
    spec = catalog.get_spec(layer_type)
    kinds = {p.name: p.kind for p in spec.params} if spec is not None else {}
    kwargs = {}
    for key, value in config.items():
        if kinds.get(key) == "layer":
            continue
        if kinds.get(key) in _TUPLE_KINDS and isinstance(value, list):
            value = _as_tuple(value)
        kwargs[key] = value
    return kwargs


def _as_tuple(value):
    if isinstance(value, list):
        return tuple(_as_tuple(v) for v in value)
    return value


def _make_generic(layer_type: str, config: dict, name: str | None):
    """A built-in Keras layer outside the catalog, from its raw Keras config."""
    import keras

    cls = getattr(keras.layers, layer_type, None) if layer_type.isidentifier() else None
    if (cls is None or not isinstance(cls, type) or not issubclass(cls, keras.layers.Layer)
            or not cls.__module__.startswith("keras.")):
        raise BuildError(f"{layer_type} is not a built-in Keras layer; LayerLoom builds only "
                         f"keras.layers classes")
    conf = dict(config)
    if name is not None:
        conf["name"] = name
    return keras.layers.deserialize({"module": "keras.layers", "class_name": layer_type,
                                     "config": conf, "registered_name": None})


def compile_settings(doc: Document) -> dict:
    """The keyword arguments of ``model.compile`` except the optimizer.

    Several outputs with distinct names give dicts keyed by output name (every output is a
    key, as Keras wants; an output without a loss maps to None); a single output gives the
    plain form (``loss="mse"``, ``loss_weights=[w]``, ``metrics=[...]``); outputs sharing a
    name give lists. Settings equal to Keras's defaults are left out.
    """
    outs = doc.outputs
    names = output_names(doc)
    settings: dict = {}
    if not any(out.loss for out in outs):
        return settings
    weighted = any(out.loss_weight != 1.0 for out in outs)
    with_metrics = any(out.metrics for out in outs)
    if len(outs) == 1:
        out = outs[0]
        settings["loss"] = out.loss
        if weighted:
            settings["loss_weights"] = [out.loss_weight]
        if with_metrics:
            settings["metrics"] = list(out.metrics)
    elif outputs_keyed(doc):
        settings["loss"] = {n: out.loss for n, out in zip(names, outs)}
        if weighted:
            settings["loss_weights"] = {n: out.loss_weight for n, out in zip(names, outs)}
        if with_metrics:
            settings["metrics"] = {n: list(out.metrics) for n, out in zip(names, outs)
                                   if out.metrics}
    else:
        settings["loss"] = [out.loss for out in outs]
        if weighted:
            settings["loss_weights"] = [out.loss_weight for out in outs]
        if with_metrics:
            settings["metrics"] = [list(out.metrics) for out in outs]
    return settings


def make_optimizer(doc: Document):
    """The optimizer instance of ``doc.compile`` (name and learning rate).

    Raises:
        BuildError: Keras does not know the optimizer.
    """
    import keras

    name = doc.compile.get("optimizer", DEFAULT_COMPILE["optimizer"])
    rate = doc.compile.get("learning_rate", DEFAULT_COMPILE["learning_rate"])
    try:
        return keras.optimizers.get({"class_name": name, "config": {"learning_rate": rate}})
    except Exception as exc:
        raise BuildError(f"optimizer {name!r}: {keras_message(exc)}; use e.g. adam, rmsprop, "
                         f"sgd") from None


def compile_model(model, doc: Document) -> None:
    """Compile ``model`` with the document's optimizer and per-output settings.

    Raises:
        BuildError: unknown optimizer, loss or metric.
    """
    optimizer = make_optimizer(doc)
    try:
        model.compile(optimizer=optimizer, **compile_settings(doc))
    except Exception as exc:
        reason = keras_message(exc)
        raise BuildError(f"compile: {reason}", stage="compile", reason=reason) from None


def _label(layer: Layer) -> str:
    return f"{layer.type} '{layer.name}'"
