"""What a node shows, as plain text and numbers (no Qt): key parameters, shapes, ports, tags.

Kept free of Qt so the rules are easy to test and reuse (the inspector can show the same summary).
"""

from __future__ import annotations

from graph_core import catalog
from graph_core.call_edits import free_keyword_ports, keyword_port_at, main_port_count
from graph_core.document import Document, Layer
from graph_core.layer_kinds import call_output_count, kind_of, spec_for
from graph_core.layer_rules.augmentation import IDENTITY_AT_INFERENCE
from graph_core.layer_rules.spec import REQUIRED
from graph_core.operations.text import expression as operation_expression
from graph_core.tensor import format_shape
from graph_core.wiring import default_port_name

_CONV_LIKE = ("Conv", "SeparableConv", "DepthwiseConv")


def layer_category(layer: Layer) -> str:
    """The colour category of a layer: its catalog category, or Input/Model/Application."""
    spec = spec_for(layer)
    if spec is None:
        return "Unknown"
    if spec.kind in ("input", "model", "application"):
        return spec.type
    return spec.category


def layer_title(layer: Layer, doc: Document | None = None, node_id: str | None = None) -> str:
    """The big text of a node: the Keras class, the application's name (``Xception``), or an
    operation's expression with its constants inline (``x * 2.0``, ``x[:, :4]``)."""
    kind = kind_of(layer)
    if kind == "application":
        return str(layer.config.get("application") or layer.type)
    if kind == "operation":
        count = len(doc.nodes[node_id].inputs) if doc is not None and node_id in doc.nodes else 0
        return operation_expression(layer.type, layer.config, count)
    return layer.type


_SHORT_WORDS = (("Normalization", "Norm"), ("Depthwise", "DW"), ("Separable", "Sep"), ("Global", "G"),
                ("Average", "Avg"), ("Pooling", "Pool"), ("Padding", "Pad"), ("Concatenate", "Concat"),
                ("Activation", "Act"), ("Transpose", "T"), ("Bidirectional", "Bi"), ("Dropout", "Drop"),
                ("MultiHeadAttention", "MHA"), ("Embedding", "Embed"), ("Cropping", "Crop"),
                ("UpSampling", "Up"), ("Reshape", "Reshape"))


_TINY_WORDS = (("BatchNorm", "BN"), ("LayerNorm", "LN"), ("GroupNorm", "GN"), ("UnitNorm", "UN"),
               ("ZeroPad", "Pad"), ("MaxPool", "Max"), ("AvgPool", "Avg"), ("Concat", "Cat"), ("Input", "In"))


def short_titles(title: str) -> tuple:
    """Shorter and shorter forms of a card title, for a card seen from afar.

    Returns:
        ``(short, tiny)``: ``BatchNormalization`` → ``("BatchNorm", "BN")``, ``DepthwiseConv2D`` →
        ``("DWConv2D", "DWConv")``, ``GlobalAveragePooling2D`` → ``("GAvgPool2D", "GAvgPool")``.
    """
    for word, short in _SHORT_WORDS:
        title = title.replace(word, short)
    tiny = title
    for word, short in _TINY_WORDS:
        tiny = tiny.replace(word, short)
    if len(tiny) > 3 and tiny[-2:] in ("1D", "2D", "3D"):
        tiny = tiny[:-2]
    return title, tiny


def _dims(value) -> str:
    """``(3, 3)`` → ``3×3``; ``3`` → ``3``; nested pairs → ``(1,1)×(2,2)``."""
    if isinstance(value, (list, tuple)):
        parts = []
        for v in value:
            parts.append(_dims(v) if not isinstance(v, (list, tuple)) else "(" + ",".join(map(str, v)) + ")")
        return "×".join(parts)
    return _num(value)


def _num(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _strides(value) -> str:
    if isinstance(value, (list, tuple)) and value and len(set(value)) == 1:
        return "s" + _num(value[0])
    return "s" + _dims(value)


def _units(value) -> str:
    if not _is_set(value):
        return "units ?"
    return "1 unit" if value == 1 else f"{value} units"


def _is_set(value) -> bool:
    return value is not REQUIRED and value is not None


def _resolved(layer: Layer) -> dict:
    try:
        return catalog.resolve_config(layer.type, layer.config)
    except Exception:
        return dict(layer.config)


def _inner_summary(value) -> str:
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        cfg = value.get("config") or {}
        lead = cfg.get("units", cfg.get("filters"))
        return f"{value['type']}({lead})" if lead is not None else value["type"]
    return "?"


def _activation(value) -> str | None:
    if value in (None, "linear", REQUIRED):
        return None
    if isinstance(value, dict):
        return str(value.get("class_name") or value.get("name") or "custom")
    return str(value)


def param_summary(layer: Layer, doc: Document | None = None) -> str:
    """One short line of a layer's key parameters, e.g. ``32 units · relu``.

    Convolutions read like ``128 filters 3×3 s2 same · relu``; parameters flagged ``main`` in
    the catalog are shown, with extra non-default ones where they matter (strides, padding).

    Args:
        layer: the layer.
        doc: unused for now (nested models summarise their own graph).

    Returns:
        The text, possibly empty.
    """
    t = layer.type
    kind = kind_of(layer)
    if kind == "model":
        sub = layer.subgraph
        if sub is None:
            return "empty model"
        n_in, n_out = len(sub.input_nodes()), len(sub.outputs)
        return f"{len(sub.layers)} layers · {n_in} in → {n_out} out"
    if kind == "application":
        cfg = layer.config
        bits = ["with top" if cfg.get("include_top", True) else "no top"]
        weights = cfg.get("weights", "imagenet")
        bits.append(f"{weights}" if weights else "random init")
        return " · ".join(bits)
    if kind == "operation":  # a compact card: the title is the expression (x * 2.0), nothing more
        return ""
    spec = catalog.get_spec(t)
    if spec is None:
        return "not in catalog"
    cfg = _resolved(layer)
    if t == "Input":
        shape = cfg.get("shape")
        if not isinstance(shape, (list, tuple)):
            return "shape ?"
        return str(cfg.get("dtype") or "float32")
    if t == "Dense":
        parts = [_units(cfg.get("units"))]
        act = _activation(cfg.get("activation"))
        if act:
            parts.append(act)
        return " · ".join(parts)
    if t.startswith(_CONV_LIKE):
        head = []
        if "filters" in cfg:
            filters = cfg.get("filters")
            head.append(f"{filters} filters" if _is_set(filters) else "filters ?")
        kernel = cfg.get("kernel_size")
        head.append(_dims(kernel) if _is_set(kernel) else "k ?")
        strides = cfg.get("strides")
        if isinstance(strides, (list, tuple)) and any(s != 1 for s in strides):
            head.append(_strides(strides))
        if cfg.get("depth_multiplier", 1) not in (1, None):
            head.append(f"×{cfg['depth_multiplier']}")
        if cfg.get("padding") == "same":
            head.append("same")
        parts = [" ".join(head)]
        act = _activation(cfg.get("activation"))
        if act:
            parts.append(act)
        return " · ".join(parts)
    if "Pooling" in t and not t.startswith("Global"):
        pool = cfg.get("pool_size")
        text = _dims(pool) if _is_set(pool) else "pool ?"
        strides = cfg.get("strides")
        if _is_set(strides) and strides != pool:
            text += " " + _strides(strides)
        if cfg.get("padding") == "same":
            text += " same"
        return text
    if t in ("LSTM", "GRU", "SimpleRNN"):
        parts = [_units(cfg.get("units"))]
        if cfg.get("return_sequences"):
            parts.append("sequences")
        if cfg.get("return_state"):
            parts.append("+ state")
        return " · ".join(parts)
    if t == "Bidirectional":
        mode = cfg.get("merge_mode")
        return f"{_inner_summary(cfg.get('layer'))} · {mode if mode else 'two outputs'}"
    if t == "TimeDistributed":
        return _inner_summary(cfg.get("layer"))
    if t in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"):
        rate = cfg.get("rate")
        return f"rate {_num(rate)}" if _is_set(rate) else "rate ?"
    if t == "Activation":
        act = cfg.get("activation")
        return str(act) if _is_set(act) else "activation ?"
    if t == "Embedding":
        return f"{_num(cfg.get('input_dim', '?'))} → {_num(cfg.get('output_dim', '?'))}"
    if t == "MultiHeadAttention":
        return f"{_num(cfg.get('num_heads', '?'))} heads · key {_num(cfg.get('key_dim', '?'))}"
    parts = []
    for p in spec.params:
        if not p.main:
            continue
        value = cfg.get(p.name, p.default)
        if value is REQUIRED:
            parts.append(f"{p.name} ?")
        elif isinstance(value, bool):
            if value:
                parts.append(p.name.replace("_", " "))
        elif value is None:
            continue
        elif p.kind == "activation":
            act = _activation(value)
            if act:
                parts.append(act)
        elif p.kind == "vocabulary" and isinstance(value, (list, tuple)):
            parts.append(f"{len(value)} tokens")
        elif isinstance(value, (list, tuple)):
            parts.append(f"{p.name} {_dims(value)}")
        else:
            parts.append(f"{p.name} {_num(value)}")
    if t in IDENTITY_AT_INFERENCE:
        parts.insert(0, "training only")  # identity at inference
    return " · ".join(parts)


def shape_text(specs: list | None) -> str:
    """The output shape line: ``(None, 32)``; several outputs are joined with `` · ``."""
    if not specs:
        return "?"
    return " · ".join(format_shape(s.shape) for s in specs)


def output_tag(doc: Document, node_id: str) -> str | None:
    """``output: mse ×0.5`` for a node exposed as a model output (numbered when several), else None."""
    tags = []
    numbered = len(doc.outputs) > 1
    for k, out in enumerate(doc.outputs):
        if out.node != node_id:
            continue
        head = f"output {k}" if numbered else "output"
        tags.append(f"{head}: {out.loss or 'no loss'} ×{out.loss_weight:g}")
    return " | ".join(tags) if tags else None


def input_port_count(doc: Document, node_id: str) -> int:
    """How many input ports a node shows.

    Merge layers (no upper bound) always show one free port more than they use, so they grow
    as you connect; layers with optional inputs show all of them; Input layers show none. After
    them come the free keyword ports (``initial_state[0]``, ``mask``) the layer's call offers.
    """
    return main_port_count(doc, node_id) + len(free_keyword_ports(doc, node_id))


def output_port_count(doc: Document, node_id: str, known_outputs: int | None = None) -> int:
    """How many output ports a node shows (catalog ``num_outputs``, nested outputs for models).

    Args:
        doc: the document.
        node_id: the node.
        known_outputs: the number of outputs the last check found, if any (used when the
            catalog cannot tell, e.g. applications and unknown types).
    """
    count = call_output_count(doc.layer_of(node_id), doc.nodes[node_id], known_outputs)
    used = max((ref.index + 1 for c, _s in doc.consumers(node_id)
                for ref in doc.nodes[c].inputs if ref.node == node_id), default=0)
    return max(1, count, used)


def named_input_ports(doc: Document, node_id: str, count: int) -> dict:
    """Port index -> name for the input ports a card labels: keyword ports (connected or free:
    ``initial_state[0]``, ``mask``) and the named main inputs of layers called on several
    (``query``, ``value``, ``key``); plain ``input k`` ports are not labelled."""
    node = doc.nodes[node_id]
    spec = spec_for(doc.layers[node.layer])
    several = spec is not None and spec.max_inputs not in (None, 0, 1)
    named = {}
    for port in range(count):
        is_keyword = (node.keyword_of(port) is not None if port < len(node.inputs)
                      else keyword_port_at(doc, node_id, port) is not None)
        name = default_port_name(doc, node_id, port)
        if is_keyword or (several and not name.startswith("input ")):
            named[port] = name
    return named


def input_port_name(doc: Document, node_id: str, slot: int) -> str:
    """A readable name of input ``slot`` (``query`` for attention, the Input's name for models)."""
    return default_port_name(doc, node_id, slot)
