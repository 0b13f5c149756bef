"""Reading one saved call of a Keras functional config (an inbound node) as data.

A call is ``{"args", "kwargs"}`` with ``__keras_tensor__`` references (Keras 3) or a list of
``[layer, node, tensor, kwargs]`` (Keras 2). These helpers return the tensors it reads, in the
order LayerLoom stores them (main inputs, then keyword tensors), the non-tensor keywords worth
keeping, and the shapes Keras recorded for the call. Used by :mod:`codegen.import_config`.
"""

from __future__ import annotations

from typing import Any

from codegen.import_layer_config import ConfigError, _clean, _is_int, _is_model_entry
from graph_core.call_defaults import is_implicit_training


def _is_ref(value: Any) -> bool:
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and _is_int(value[1]) and _is_int(value[2]))


def _flatten_refs(value: Any, where: str) -> list:
    """``input_layers`` / ``output_layers`` -> ``[(layer, node, tensor)]`` in Keras's flat order."""
    out: list = []

    def walk(v: Any) -> None:
        if _is_ref(v):
            out.append((v[0], v[1], v[2]))
        elif isinstance(v, dict):
            if v.get("class_name") == "__tuple__" and isinstance(v.get("config"), dict):
                walk(v["config"].get("value", []))
                return
            for key in sorted(v, key=str):
                walk(v[key])
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        else:
            raise ConfigError(f"{where}: expected [layer name, node index, tensor index], found {v!r}")

    walk(value)
    return out


def _document_type(entry: dict) -> str:
    """The document type a layer entry becomes (``Model`` for nested models), for its call defaults."""
    return "Model" if _is_model_entry(entry) else str(entry.get("class_name"))


def _parse_call(data: Any, where: str, input_names: tuple = (), layer_type: str = "") -> tuple:
    """One inbound node -> (tensor refs in order, non-tensor call kwargs, keyword input slots).

    ``input_names`` are the layer's named main inputs (its :class:`CallSpec`): given as
    keywords (``query=…, value=…``) they are taken in that order, before other keywords."""
    refs: list = []
    kwargs_out: dict = {}
    keyword_slots: dict = {}
    if isinstance(data, list):  # Keras 2: [[layer, node, tensor, kwargs], ...]
        call_kwargs: dict = {}
        for item in data:
            if not _is_ref(item):
                raise ConfigError(f"{where}: expected [layer, node, tensor, kwargs], found {item!r}")
            refs.append((item[0], item[1], item[2]))
            if len(item) == 4 and isinstance(item[3], dict):
                call_kwargs = item[3]
        for key, value in call_kwargs.items():
            found = []
            _collect_legacy_refs(value, found)
            if found:
                keyword_slots[key] = list(range(len(refs), len(refs) + len(found)))
                refs.extend(found)
            elif _meaningful_kwarg(key, value, layer_type):
                kwargs_out[key] = value
        return refs, kwargs_out, keyword_slots
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected an inbound node object, found {data!r}")
    _collect_tensors(data.get("args", []), refs, where)
    kwargs = data.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise ConfigError(f"{where}: kwargs is not an object")
    for key in _keyword_order(kwargs, input_names):
        value = kwargs[key]
        before = len(refs)
        _collect_tensors(value, refs, where)
        if len(refs) > before:
            keyword_slots[key] = list(range(before, len(refs)))
        elif _meaningful_kwarg(key, value, layer_type):
            kwargs_out[key] = _clean(value)
    return refs, kwargs_out, keyword_slots


def _keyword_order(kwargs: dict, input_names: tuple) -> list:
    """The layer's named inputs first, in its positional order (query, value, key), then the others."""
    first = [k for k in input_names if k in kwargs]
    return first + [k for k in kwargs if k not in first]


def _meaningful_kwarg(key: str, value: Any, layer_type: str) -> bool:
    """Whether a saved call argument says something about the model's code: not None, and for
    ``training`` not the value Keras writes by itself for this layer type (graph_core.call_defaults)."""
    if value is None:
        return False
    if key == "training":
        return not is_implicit_training(layer_type, value)
    return True


def _collect_legacy_refs(value: Any, out: list) -> None:
    if _is_ref(value):
        out.append((value[0], value[1], value[2]))
    elif isinstance(value, list):
        for item in value:
            _collect_legacy_refs(item, out)


def _collect_tensors(value: Any, out: list, where: str) -> None:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            cfg = value.get("config")
            history = cfg.get("keras_history") if isinstance(cfg, dict) else None
            if not _is_ref(history):
                raise ConfigError(f"{where}: a tensor without a valid keras_history")
            out.append((history[0], history[1], history[2]))
            return
        if value.get("class_name") == "__tuple__":
            _collect_tensors((value.get("config") or {}).get("value", []), out, where)
            return
        for key in sorted(value) if all(isinstance(k, str) for k in value) else value:
            _collect_tensors(value[key], out, where)
    elif isinstance(value, list):
        for item in value:
            _collect_tensors(item, out, where)


def _call_shapes(data: Any) -> list | None:
    """The batch shapes of the tensors passed at one call (Keras 3 format), for Sequential inputs."""
    if not isinstance(data, dict):
        return None
    shapes: list = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if v.get("class_name") == "__keras_tensor__":
                shape = (v.get("config") or {}).get("shape")
                if isinstance(shape, list):
                    shapes.append(shape)
                return
            for item in v.values():
                walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(data.get("args", []))
    return shapes or None
