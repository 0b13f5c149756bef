"""Where a Keras mask flows: which layers make one, pass it on, combine, use or drop it.

Keras attaches a boolean *mask* to a tensor (``Embedding(mask_zero=True)``, ``Masking``); a
layer called on a masked tensor receives it as its ``mask`` argument when its call takes one
(recurrent layers skip the masked steps, attention and pooling leave them out) and its output
carries the mask its ``compute_mask`` returns. These are those facts, layer type by layer type,
as Keras 3 has them (``tests/keras_equality/test_mask_flow.py`` checks them against
``output._keras_mask``). The rule of one call, :func:`output_masks`, works on any mask values:
the check passes ``True`` for "carries a mask"; the importer passes expressions of the mask
operations Keras saves, to recognise the ones a layer re-creates by itself.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any

PRODUCERS = {
    "Embedding": lambda config: bool(config.get("mask_zero", False)),
    "Masking": lambda _config: True,
}
"""Layers whose output carries a new mask (made from their input), when the config says so."""

PROPAGATING = frozenset({
    "Activation", "ActivityRegularization", "AlphaDropout", "BatchNormalization", "Dense", "Dropout",
    "ELU", "GaussianDropout", "GaussianNoise", "GroupNormalization", "GroupQueryAttention", "Identity",
    "LayerNormalization", "LeakyReLU", "MultiHeadAttention", "Normalization", "PReLU", "ReLU",
    "Rescaling", "Softmax", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "TimeDistributed",
    "UnitNormalization",
})
"""Layers whose first output carries the mask of their (first) input unchanged."""

MERGING_EVERY = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
"""Merge layers whose output is masked when every input is (the masks are or-ed)."""

MERGING_ANY = frozenset({"Concatenate"})
"""Merge layers whose output is masked when any input is (unmasked inputs count as all true)."""

SEQUENCE = frozenset({"SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"})
"""Recurrent layers: the output sequence keeps the mask (``return_sequences``), states do not."""

QUERY_MASKED = frozenset({"Attention", "AdditiveAttention"})
"""Attention layers called on ``[query, value]``: the output carries the query's mask."""

CONSUMERS = SEQUENCE | QUERY_MASKED | frozenset({
    "Bidirectional", "TimeDistributed", "GlobalAveragePooling1D", "BatchNormalization", "Softmax",
    "MultiHeadAttention"})
"""Layers whose call uses the mask it receives (the others only pass it on or drop it)."""

ROLES = ("produces", "propagates", "merges", "sequence", "query", "uses", "drops")
"""What a layer type does with masks (:func:`mask_role`)."""


def mask_role(layer_type: str) -> str:
    """What ``layer_type`` does with a mask, one of :data:`ROLES`.

    Args:
        layer_type: a Keras layer class name (``Embedding``, ``LSTM``).

    Returns:
        ``produces`` (Embedding, Masking), ``propagates`` (Dense, Dropout…), ``merges`` (Add,
        Concatenate…), ``sequence`` (recurrent layers and Bidirectional), ``query`` (Attention),
        ``uses`` (uses the mask, its output has none: GlobalAveragePooling1D) or ``drops``.
    """
    if layer_type in PRODUCERS:
        return "produces"
    if layer_type in PROPAGATING:
        return "propagates"
    if layer_type in MERGING_EVERY or layer_type in MERGING_ANY:
        return "merges"
    if layer_type in SEQUENCE or layer_type == "Bidirectional":
        return "sequence"
    if layer_type in QUERY_MASKED:
        return "query"
    if layer_type in CONSUMERS:
        return "uses"
    return "drops"


def uses_mask(layer_type: str) -> bool:
    """True when a call of ``layer_type`` uses the mask of its input (skips masked steps)."""
    return layer_type in CONSUMERS


def _true(*_args) -> bool:
    return True


def output_masks(layer_type: str, config: dict, masks: list, n_outputs: int, *, explicit: Any = None,
                 list_call: bool = False, produce: Callable[[str, dict], Any] = _true,
                 combine: Callable[[str, list], Any] = _true) -> list:
    """The masks the outputs of one call carry, as Keras's ``compute_mask`` gives them.

    Args:
        layer_type: the Keras class name.
        config: the layer's config (LayerLoom's or Keras's: missing keys take Keras defaults;
            a wrapper's ``layer`` is ``{"type" or "class_name": …, "config": …}``).
        masks: the mask of each main input (None: the input carries none).
        n_outputs: how many tensors the call returns.
        explicit: the mask passed as the call's ``mask`` keyword, if any: it replaces the
            inputs' masks (Keras's ``previous_mask``).
        list_call: the main inputs are passed as one list (merge and attention layers).
        produce: ``(layer_type, config) -> mask`` for the mask a producer makes.
        combine: ``(how, masks) -> mask`` for the mask a merge makes; ``how`` is ``"or"``
            (every input masked), ``"concatenate"`` (masks of unmasked inputs all true) or
            ``"query"`` (an attention layer's output: the query's mask as a tensor).

    Returns:
        One mask value (or None) per output.
    """
    out: list = [None] * max(1, n_outputs)
    first = explicit if explicit is not None else (masks[0] if masks else None)
    role = mask_role(layer_type)
    if role == "produces":
        if PRODUCERS[layer_type](config):
            out[0] = produce(layer_type, config)
    elif role == "propagates":
        out[0] = first[0] if isinstance(first, list) else first
    elif role == "merges":
        given = explicit if isinstance(explicit, list) else list(masks)
        if not list_call:
            out[0] = given[0] if given else None
        elif layer_type in MERGING_EVERY and given and all(m is not None for m in given):
            out[0] = given[0] if len(given) == 1 else combine("or", given)
        elif layer_type in MERGING_ANY and any(m is not None for m in given):
            out[0] = combine("concatenate", given)
    elif role == "query":
        given = explicit if isinstance(explicit, list) else list(masks)
        if given and given[0] is not None:
            out[0] = combine("query", given[:1])
    elif role == "sequence":
        mask = first[0] if isinstance(first, list) else first
        if layer_type == "Bidirectional":
            inner = config.get("layer") if isinstance(config.get("layer"), dict) else {}
            inner_config = inner.get("config") if isinstance(inner.get("config"), dict) else {}
            if inner_config.get("return_sequences", False):
                merged = config.get("merge_mode", "concat") is not None
                out[0] = mask
                if not merged and len(out) > 1:
                    out[1] = mask
        elif config.get("return_sequences", False):
            out[0] = mask
    return out


def node_masks(layer, node, input_masks: list, n_outputs: int) -> tuple:
    """Whether each output of one document call carries a mask.

    Args:
        layer: the document layer called (its ``type`` and ``config``).
        node: the call (its main inputs and keyword inputs; a ``mask`` keyword input is an
            explicit mask).
        input_masks: for each of ``node.inputs``, whether that tensor carries a mask.
        n_outputs: how many tensors the call returns.

    Returns:
        A tuple of ``n_outputs`` booleans.
    """
    from graph_core.layer_kinds import call_spec_for  # layer_kinds imports the catalog

    main = [bool(m) for m in input_masks[: node.main_count]] or [False]
    explicit = True if "mask" in node.keyword_inputs else None
    list_call = call_spec_for(layer).style == "list" and len(main) > 1
    flags = output_masks(layer.type, layer.config, [m or None for m in main], n_outputs,
                         explicit=explicit, list_call=list_call)
    return tuple(bool(f) for f in flags[:n_outputs])
