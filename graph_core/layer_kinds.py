"""Every kind of document layer behind one lookup: :func:`spec_for`.

A document layer is an ``Input``, a catalog layer (``Dense``…), a nested ``Model`` (a whole
functional model used as a layer) or an ``Application`` (a ``keras.applications`` model). The
catalog describes the first two; this module gives ``Model`` and ``Application`` specs of their
own, so that arity, input names, output counts, categories and parameters are read from one place
(:class:`~graph_core.layer_rules.spec.LayerSpec`) whatever the layer is, and nobody branches on
the type names.

Typical use::

    spec = spec_for(layer)              # None for a type LayerLoom does not know
    spec.kind                           # "input", "layer", "model", "application" or "operation"
    spec.min_inputs, spec.max_inputs    # a nested model takes one tensor per Input layer
    spec.call_spec.input_name(0)        # "query", or the nested model's first Input name
    output_count(layer)                 # 2 for LSTM(return_state=True) with one state…
"""

from __future__ import annotations

from graph_core import catalog
from graph_core.document import Layer
from graph_core.errors import ShapeError
from graph_core.layer_rules.spec import REQUIRED, CallSpec, LayerSpec, ParamSpec
from graph_core.operations import OPERATION_SPECS

__all__ = [
    "APPLICATIONS",
    "APPLICATION_SPEC",
    "MODEL_SPEC",
    "application_config",
    "call_arguments",
    "call_output_count",
    "call_spec_for",
    "call_spec_for_type",
    "is_known_type",
    "kind_of",
    "output_count",
    "spec_for",
    "spec_for_type",
]

APPLICATIONS = (
    "Xception", "VGG16", "VGG19", "ResNet50", "ResNet50V2", "ResNet101", "ResNet101V2", "ResNet152",
    "ResNet152V2", "InceptionV3", "InceptionResNetV2", "MobileNet", "MobileNetV2", "MobileNetV3Small",
    "MobileNetV3Large", "DenseNet121", "DenseNet169", "DenseNet201", "NASNetMobile", "NASNetLarge",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7", "EfficientNetV2B0", "EfficientNetV2B1",
    "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L",
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
)
"""The ``keras.applications`` constructors an Application layer can name (the palette lists them)."""

APPLICATION_PARAMS = (
    ParamSpec("application", "str", REQUIRED, choices=APPLICATIONS, main=True,
              doc="the keras.applications model, e.g. Xception"),
    ParamSpec("include_top", "bool", True, main=True,
              doc="whether to include the fully connected classifier at the top"),
    ParamSpec("weights", "choice", "imagenet", choices=("imagenet",), allow_none=True, main=True,
              doc="None (random initialization) or 'imagenet' (pre-trained weights)"),
    ParamSpec("pooling", "choice", None, choices=("avg", "max"), allow_none=True,
              doc="pooling of the last feature map when include_top is False"),
    ParamSpec("classes", "int", 1000, minimum=1,
              doc="number of classes, only with include_top=True and no pre-trained weights"),
)
"""Parameters of ``Application`` layers (Keras, not LayerLoom, computes their shapes)."""


def _evaluated_by_analysis(_config: dict, _inputs: list) -> list:
    """Model and Application shapes come from their sub-graph or Keras's measurement."""
    raise ShapeError("this layer kind is evaluated from its graph or its Keras cache",
                     "check the document with graph_core.analysis.check", "shape.unknown")


MODEL_SPEC = LayerSpec(
    "Model", "Models",
    "A whole functional model used as a layer: its inputs are its Input layers, in order; calling "
    "it at several nodes shares its weights.",
    (), 1, 1, _evaluated_by_analysis, _evaluated_by_analysis, kind="model", call=CallSpec("single"))
"""The spec of a nested model with one Input; :func:`spec_for` fits it to the layer's graph."""

APPLICATION_SPEC = LayerSpec(
    "Application", "Models",
    "A keras.applications model used as a layer. LayerLoom cannot know its internals: its output "
    "shapes and parameter count come from Keras (open the Summary to compute them).",
    APPLICATION_PARAMS, 1, 1, _evaluated_by_analysis, _evaluated_by_analysis, kind="application",
    call=CallSpec("single", ("image",)))
"""The spec of an Application layer: one image tensor in, Keras-measured outputs."""

_KINDS = {"Model": MODEL_SPEC, "Application": APPLICATION_SPEC}


def spec_for_type(layer_type: str) -> LayerSpec | None:
    """The spec of a layer type: a catalog entry, ``Model``, ``Application`` or an operation
    (``ops.add``, kind ``"operation"``); None otherwise."""
    return catalog.get_spec(layer_type) or _KINDS.get(layer_type) or OPERATION_SPECS.get(layer_type)


def is_known_type(layer_type: str) -> bool:
    """True for types a document layer can be created with (catalog, Model, Application, operations)."""
    return spec_for_type(layer_type) is not None


def spec_for(layer: Layer) -> LayerSpec | None:
    """The spec of a document layer, fitted to it.

    A nested model takes exactly one tensor per Input layer of its graph (named after them) and
    produces one per output; everything else is its type's spec.

    Args:
        layer: a document layer.

    Returns:
        The :class:`LayerSpec`, or None for a type LayerLoom does not know.
    """
    if layer.type != "Model":
        return spec_for_type(layer.type)
    sub = layer.subgraph
    if sub is None:
        return MODEL_SPEC
    inputs = sub.input_nodes()
    names = tuple(sub.layer_of(nid).name for nid in inputs)
    n_out = len(sub.outputs)
    return MODEL_SPEC._replace(min_inputs=len(inputs), max_inputs=len(inputs),
                              call=CallSpec("list" if len(inputs) > 1 else "single", names),
                              outputs=lambda _config: n_out)


def kind_of(layer: Layer) -> str | None:
    """``"input"``, ``"layer"``, ``"model"``, ``"application"`` or ``"operation"``; None for an unknown type."""
    spec = spec_for_type(layer.type)
    return spec.kind if spec is not None else None


def call_spec_for(layer: Layer) -> CallSpec:
    """How a document layer is called (also for built-in Keras types outside the catalog)."""
    spec = spec_for(layer)
    return spec.call_spec if spec is not None else call_spec_for_type(layer.type)


def call_spec_for_type(layer_type: str) -> CallSpec:
    """How a layer type is called (a nested model's input names need :func:`call_spec_for`)."""
    spec = spec_for_type(layer_type)
    if spec is not None:
        return spec.call_spec
    return CallSpec("list")  # outside the catalog: one tensor bare, several as a list


def output_count(layer: Layer, known: int | None = None) -> int:
    """How many tensors one call of ``layer`` produces.

    Args:
        layer: a document layer.
        known: the count the last check found, used where the spec cannot tell: types outside
            the catalog, and applications (whose Keras-measured cache is read otherwise).

    Returns:
        At least 1.
    """
    spec = spec_for(layer)
    if spec is not None and spec.kind == "application" and not known:
        counts = {len(e["outputs"]) for e in (layer.cache or {}).values()
                  if isinstance(e, dict) and isinstance(e.get("outputs"), list)}
        known = counts.pop() if len(counts) == 1 else None
    if spec is None or spec.kind == "application":
        return max(1, known or 1)
    try:
        return max(1, int(spec.num_outputs(catalog.resolve_config(layer.type, layer.config))))
    except Exception:
        return 1


def call_output_count(layer: Layer, node, known: int | None = None) -> int:
    """How many tensors one call (``node``) of ``layer`` returns: :func:`output_count`, plus one
    for each keyword of the call that adds an output (``return_attention_scores=True``)."""
    call = call_spec_for(layer)
    return output_count(layer, known) + sum(1 for k in call.extra_outputs if node.call_kwargs.get(k))


def call_arguments(layer: Layer, node, tensors: list, make_list=list) -> tuple:
    """The positional and keyword arguments of one call of ``layer`` on its input tensors.

    Args:
        layer: the document layer.
        node: the call (its ``keyword_inputs`` and ``call_kwargs``).
        tensors: one value per ``node.inputs`` (Keras tensors, or expressions for the exporter).
        make_list: builds a list argument (``list`` for Keras).

    Returns:
        ``(args, kwargs)``: ``layer(*args, **kwargs)`` is the call, e.g.
        ``([x], {"initial_state": [h, c], "training": True})``.
    """
    spec = spec_for(layer)
    call = spec.call_spec if spec is not None else call_spec_for_type(layer.type)
    main = tensors[: node.main_count]
    args = call.arguments(main, spec.min_inputs if spec is not None else 1, make_list)
    kwargs: dict = {}
    start = node.main_count
    for name, count in node.keyword_inputs.items():
        given = tensors[start:start + count]
        start += count
        kwargs[name] = make_list(given) if (name in call.list_keywords or count > 1) else given[0]
    kwargs.update(node.call_kwargs)
    return args, kwargs


def application_config(name: str | None = None, config: dict | None = None) -> dict:
    """The config of a new Application layer: random weights, no top, ``name`` (Xception by default)."""
    out = {"application": name or "Xception", "include_top": False, "weights": None}
    out.update(config or {})
    return out
