"""Absorbing the mask operations Keras 3 saves, when a layer re-creates them by itself.

``Embedding(mask_zero=True)`` followed by ``LSTM`` is saved by Keras 3 with an extra operation
entry ``NotEqual(tokens, 0)`` and the LSTM's call recording ``mask=<that operation>``; ``Masking``
saves ``Any(NotEqual(x, mask_value), axis=-1)``; merges of masked tensors save ``LogicalOr``.
Those are exactly what Keras computes again when the model is rebuilt from its layers, so the
call's ``mask`` (and an attention layer's ``query_mask``/``value_mask``/``key_mask``) is dropped
when it equals the mask the layers make (:mod:`graph_core.mask_flow`), and the operations no
longer used are removed. A mask the model's code passed on purpose (from an Input, or computed
differently) stays a ``mask`` keyword input. Plain data in, plain data out; no Keras here.
"""

from __future__ import annotations

import copy
from typing import Any

from graph_core.layer_kinds import call_spec_for_type
from graph_core.mask_flow import output_masks

_OPS_PREFIXES = ("keras.src.ops", "keras.ops")
_SKIPPED_OP_CONFIG = ("name", "dtype")


def absorb_implicit_masks(model: Any) -> Any:
    """Return ``model`` (a parsed Keras model config) without the implicit mask operations.

    Nested functional models are treated too. The argument is not modified; a config without
    mask operations is returned as it is.

    Args:
        model: ``{"class_name": ..., "config": {...}}`` as read from the file.

    Returns:
        The config, with every call's implicit ``mask`` keyword and the operations only those
        masks used removed.
    """
    if not _has_ops(model) or not _has_ops(model, mask_kwargs=True):
        return model
    model = copy.deepcopy(model)
    _absorb_in(model, depth=0)
    return model


def _has_ops(entry: Any, depth: int = 0, mask_kwargs: bool = False) -> bool:
    """Whether any layer entry of the model (nested models and wrapped layers included) is an
    operation — or, with ``mask_kwargs``, has a call passing a mask keyword. A walk over the layer
    entries only, so models without mask operations pay little."""
    if depth > 100 or not isinstance(entry, dict):
        return False
    if _passes_mask(entry) if mask_kwargs else _is_op(entry):
        return True
    config = entry.get("config")
    if not isinstance(config, dict):
        return False
    layers = config.get("layers")
    if isinstance(layers, list) and any(_has_ops(item, depth + 1, mask_kwargs) for item in layers):
        return True
    return any(_has_ops(config.get(key), depth + 1, mask_kwargs) for key in ("layer", "backward_layer"))


def _passes_mask(entry: dict) -> bool:
    """Whether a call of this layer entry passes a ``mask`` or ``*_mask`` keyword."""
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list):
        return False
    return any(isinstance(call, dict) and isinstance(call.get("kwargs"), dict)
               and any(isinstance(key, str) and key.endswith("mask") and value is not None
                       for key, value in call["kwargs"].items())
               for call in nodes)


def _absorb_in(entry: Any, depth: int) -> None:
    if depth > 100 or not isinstance(entry, dict):
        return
    config = entry.get("config")
    if not isinstance(config, dict):
        return
    for key in ("layer", "backward_layer"):
        _absorb_in(config.get(key), depth + 1)
    layers = config.get("layers")
    if not isinstance(layers, list):
        return
    for item in layers:
        _absorb_in(item, depth + 1)
    if "input_layers" in config and all(isinstance(e, dict) for e in layers):
        _Graph(config).absorb()


def _is_op(entry: dict) -> bool:
    module = entry.get("module")
    return isinstance(module, str) and module.startswith(_OPS_PREFIXES)


def _tensor_ref(value: Any) -> tuple | None:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        history = (value.get("config") or {}).get("keras_history")
        if isinstance(history, list) and len(history) == 3 and isinstance(history[0], str) \
                and all(isinstance(i, int) and not isinstance(i, bool) for i in history[1:]):
            return tuple(history)
    return None


def _refs_in(value: Any, out: list, ranks: dict | None = None) -> None:
    ref = _tensor_ref(value)
    if ref is not None:
        out.append(ref)
        shape = (value.get("config") or {}).get("shape")
        if ranks is not None and isinstance(shape, list):
            ranks[ref] = len(shape)
    elif isinstance(value, dict):
        for item in value.values():
            _refs_in(item, out, ranks)
    elif isinstance(value, list):
        for item in value:
            _refs_in(item, out, ranks)


def _rank(expr: Any, ranks: dict) -> int | None:
    """The rank of a mask expression (None when unknown)."""
    if not isinstance(expr, tuple) or not expr:
        return None
    if expr[0] == "tensor":
        return ranks.get(expr[1])
    if expr[0] != "op":
        return None
    kind, args, params = expr[1], expr[2], dict(expr[4])
    inner = [_rank(a, ranks) for a in args if isinstance(a, tuple) and a and a[0] in ("op", "tensor")]
    if not inner or inner[0] is None:
        return None
    if kind in ("Any", "All") and not params.get("keepdims", False):
        return inner[0] - 1
    if kind == "ExpandDims":
        return inner[0] + 1
    if kind == "LogicalOr":
        return None if None in inner else max(inner)
    return inner[0]


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        return (value.get("config") or {}).get("value", [])
    return value


def _frozen(value: Any) -> Any:
    """A hashable form of a plain JSON value."""
    value = _unwrap(value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


class _Graph:
    """One functional model config: values and masks of its tensors, as expressions."""

    def __init__(self, config: dict):
        self.config = config
        self.entries = {e.get("name") or (e.get("config") or {}).get("name"): e for e in config["layers"]}
        self.values: dict = {}
        self.masks: dict = {}
        self.ranks: dict = {}  # tensor ref -> rank, from the shapes the calls record
        for entry in config["layers"]:
            _refs_in(entry.get("inbound_nodes"), [], self.ranks)

    def _note_rank(self, ref: tuple, value: dict) -> None:
        shape = (value.get("config") or {}).get("shape")
        if isinstance(shape, list):
            self.ranks[ref] = len(shape)

    # ----------------------------------------------------------------- expressions
    def value(self, ref: tuple) -> Any:
        """What a tensor is: ``("tensor", ref)``, or an operation's expression over its inputs."""
        if ref in self.values:
            return self.values[ref]
        entry = self.entries.get(ref[0])
        result: Any = ("tensor", ref)
        if isinstance(entry, dict) and _is_op(entry) and ref[2] == 0:
            call = self._call(entry, ref[1])
            if call is not None:
                args = tuple(self._argument(a) for a in call.get("args") or [])
                kwargs = tuple(sorted((k, self._argument(v)) for k, v in (call.get("kwargs") or {}).items()))
                params = tuple(sorted((k, _frozen(v)) for k, v in (entry.get("config") or {}).items()
                                      if k not in _SKIPPED_OP_CONFIG and v is not None))
                result = ("op", entry.get("class_name"), args, kwargs, params)
        self.values[ref] = result
        return result

    def _argument(self, value: Any) -> Any:
        ref = _tensor_ref(value)
        if ref is not None:
            self._note_rank(ref, value)
            return self.value(ref)
        value = _unwrap(value)
        if isinstance(value, list):
            return tuple(self._argument(v) for v in value)
        return _frozen(value)

    @staticmethod
    def _call(entry: dict, index: int) -> dict | None:
        nodes = entry.get("inbound_nodes")
        if isinstance(nodes, list) and 0 <= index < len(nodes) and isinstance(nodes[index], dict):
            return nodes[index]
        return None

    def mask(self, ref: tuple) -> Any:
        """The mask a tensor carries when the model is rebuilt from its layers (None: none)."""
        if ref in self.masks:
            return self.masks[ref]
        self.masks[ref] = None  # a cycle (a malformed file) ends here
        entry = self.entries.get(ref[0])
        result = None
        if isinstance(entry, dict) and not _is_op(entry):
            call = self._call(entry, ref[1])
            if call is not None:
                result = self._call_masks(entry, call)
                result = result[ref[2]] if ref[2] < len(result) else None
        self.masks[ref] = result
        return result

    def _call_masks(self, entry: dict, call: dict) -> list:
        class_name = str(entry.get("class_name"))
        config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
        args = call.get("args") or []
        first = _unwrap(args[0]) if args else None
        list_call = isinstance(first, list)
        main = first if list_call else [a for a in args if _tensor_ref(a) is not None]
        masks = [self.mask(_tensor_ref(t)) if _tensor_ref(t) else None for t in main]
        explicit = None
        kw_mask = (call.get("kwargs") or {}).get("mask")
        if kw_mask is not None:
            explicit = self._mask_argument(kw_mask)
        refs = [_tensor_ref(t) for t in main]

        def produce(kind: str, cfg: dict) -> Any:
            source = self.value(refs[0]) if refs and refs[0] else None
            if kind == "Embedding":
                return ("op", "NotEqual", (source, 0), (), ())
            return ("op", "Any", (("op", "NotEqual", (source, _frozen(cfg.get("mask_value", 0.0))), (), ()),),
                    (), (("axis", -1), ("keepdims", False)))

        def combine(how: str, given: list) -> Any:
            if how == "query":
                return ("op", "ConvertToTensor", (given[0],), (), ())
            if how == "concatenate":
                return self._concatenated_mask(refs, given, config.get("axis", -1))
            result = given[0]
            for m in given[1:]:
                result = ("op", "LogicalOr", (result, m), (), ())
            return result

        return output_masks(class_name, config, masks, 8, explicit=explicit, list_call=list_call,
                            produce=produce, combine=combine)

    def _concatenated_mask(self, refs: list, masks: list, axis: Any) -> Any:
        """The operations ``Concatenate.compute_mask`` records: unmasked inputs all true, masks
        of a lower rank broadcast to their input, concatenated along ``axis``, any over the last."""
        parts = []
        for ref, mask in zip(refs, masks):
            source = self.value(ref) if ref is not None else None
            if mask is None:
                parts.append(("op", "OnesLike", (source,), (), ()))
            elif _rank(mask, self.ranks) is None or self.ranks.get(ref) is None:
                return ("unmatched", id(masks))
            elif _rank(mask, self.ranks) < self.ranks[ref]:
                parts.append(("op", "LogicalOr", (("op", "ExpandDims", (mask,), (), (("axis", -1),)),
                                                  ("op", "ZerosLike", (source,), (), ())), (), ()))
            else:
                parts.append(mask)
        joined = ("op", "Concatenate", (tuple(parts),), (), (("axis", _frozen(axis)),))
        return ("op", "Any", (joined,), (), (("axis", -1), ("keepdims", False)))

    def _mask_argument(self, value: Any) -> Any:
        value = _unwrap(value)
        if isinstance(value, list):
            return [self._mask_argument(v) for v in value]
        ref = _tensor_ref(value)
        return self.value(ref) if ref is not None else None

    # ----------------------------------------------------------------- absorbing
    def absorb(self) -> None:
        released: set = set()
        for entry in self.config["layers"]:
            if _is_op(entry) or not isinstance(entry.get("inbound_nodes"), list):
                continue
            for call in entry["inbound_nodes"]:
                if isinstance(call, dict) and isinstance(call.get("kwargs"), dict):
                    self._absorb_call(entry, call, released)
        if released:
            self._remove_unused(released)

    def _absorb_call(self, entry: dict, call: dict, released: set) -> None:
        kwargs = call["kwargs"]
        args = call.get("args") or []
        first = _unwrap(args[0]) if args else None
        candidates: dict = {}
        if "mask" in kwargs and kwargs["mask"] is not None:
            tensors = first if isinstance(first, list) else first
            implicit = ([self.mask(_tensor_ref(t)) if _tensor_ref(t) else None for t in tensors]
                        if isinstance(tensors, list) else
                        (self.mask(_tensor_ref(tensors)) if _tensor_ref(tensors) else None))
            candidates["mask"] = implicit
        names = call_spec_for_type(str(entry.get("class_name"))).input_names
        positional = [a for a in args if _tensor_ref(a) is not None]
        for k, name in enumerate(names):
            key = f"{name}_mask"
            if kwargs.get(key) is None:
                continue
            tensor = positional[k] if k < len(positional) else kwargs.get(name)
            ref = _tensor_ref(tensor)
            candidates[key] = self.mask(ref) if ref is not None else None
        for key, implicit in candidates.items():
            given = self._mask_argument(kwargs[key])
            if implicit is not None and given == implicit:
                _refs_in(kwargs.pop(key), found := [])
                released.update(found)

    def _remove_unused(self, released: set) -> None:
        layers = self.config["layers"]
        while True:
            used: set = set()
            for entry in layers:
                _refs_in(entry.get("inbound_nodes"), found := [])
                used.update(r[0] for r in found)
            _refs_in(self.config.get("output_layers"), outs := [])
            used.update(r[0] if isinstance(r, tuple) else r for r in outs)
            used.update(_output_names(self.config.get("output_layers")))
            gone = [e for e in layers if _is_op(e) and e.get("name") in {r[0] for r in released}
                    and e.get("name") not in used]
            if not gone:
                return
            for entry in gone:
                layers.remove(entry)
                _refs_in(entry.get("inbound_nodes"), found := [])
                released.update(found)


def _output_names(value: Any) -> set:
    """The layer names ``output_layers`` refers to (``[name, node, tensor]`` lists, nested)."""
    out: set = set()
    if isinstance(value, list):
        if len(value) == 3 and isinstance(value[0], str):
            out.add(value[0])
        else:
            for item in value:
                out |= _output_names(item)
    elif isinstance(value, dict):
        for item in value.values():
            out |= _output_names(item)
    return out
