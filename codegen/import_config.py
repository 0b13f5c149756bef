"""Translating a Keras model config (plain JSON data) into a LayerLoom document dict.

No Keras here: the config is read as data. :func:`translate_model` returns the dict form of a
``.loom`` document (see :mod:`graph_core.loom_format`), which the importer turns into a
:class:`~graph_core.document.Document`.

What it understands:

* Functional models in Keras 3's format (``inbound_nodes`` as ``{"args", "kwargs"}`` with
  ``keras_history``) and in Keras 2's legacy format (lists of ``[layer, node, tensor, kwargs]``);
* Sequential models (top level or nested) as a chain, with an Input made from the build shape;
* nested models (functional or sequential, including ``keras.applications`` models) as layers
  of type ``Model`` with their own sub-graph;
* one document layer per Keras layer and one node per call (shared layers keep every call);
* layer configs reduced to the arguments that differ from the Keras defaults the catalog lists;
  layers outside the catalog keep their Keras config (name and float32 dtype aside);
* compile settings (optimizer, learning rate, per-output loss, loss weight and metrics).

Structural problems raise :class:`ConfigError` with a message naming the layer at fault.
"""

from __future__ import annotations

import heapq
from typing import Any

from codegen.import_calls import _call_shapes, _document_type, _flatten_refs, _parse_call
from codegen.import_compile import CompileTranslation
from codegen.import_layer_config import (
    FUNCTIONAL_CLASSES,
    ConfigError,
    LayerConfigReduction,
    _dtype_name,
    _entry_name,
    _is_int,
    _is_model_entry,
)
from codegen.import_masks import absorb_implicit_masks
from codegen.import_operations import is_operation_entry, known_operation, operation_layer
from codegen.import_safety import operation_message
from graph_core.edits import snake_case
from graph_core.layer_kinds import call_spec_for_type

__all__ = ["FUNCTIONAL_CLASSES", "ConfigError", "translate_model"]

class _Ids:
    def __init__(self) -> None:
        self.layers = 0
        self.nodes = 0

    def layer(self) -> str:
        self.layers += 1
        return f"l{self.layers}"

    def node(self) -> str:
        self.nodes += 1
        return f"n{self.nodes}"


# ------------------------------------------------------------------------------ entry point
def translate_model(model: Any, keras_major: int | None = None, notes: list | None = None,
                    compile_config: dict | None = None) -> dict:
    """Translate a Keras model config into the dict of a LayerLoom document.

    Args:
        model: the parsed model config: ``{"class_name": "Functional" | "Sequential", "config": ...}``.
        keras_major: the major Keras version that wrote it (2 or 3), None when unknown.
        notes: a list that receives one line per thing the import could not keep exactly.
        compile_config: Keras 3 ``compile_config`` or Keras 2 ``training_config`` (optional).

    Returns:
        A dict in the ``.loom`` format (without ``format``/``version``).

    Raises:
        ConfigError: the config is not a Keras model or is malformed; the message names the layer.
    """
    notes = notes if notes is not None else []
    if not isinstance(model, dict) or not isinstance(model.get("config"), dict) \
            or not isinstance(model.get("class_name"), str):
        raise ConfigError('not a Keras model config: expected an object with "class_name" and "config"')
    translator = _Translator(keras_major, notes)
    graph = translator.model_graph(absorb_implicit_masks(model), top=True)
    if compile_config:
        translator.apply_compile(graph, compile_config)
    return graph


class _Translator(LayerConfigReduction, CompileTranslation):
    def __init__(self, keras_major: int | None, notes: list):
        self.keras_major = keras_major
        self.notes = notes

    # ----------------------------------------------------------------- models
    def model_graph(self, model: dict, top: bool = False, input_hint: list | None = None) -> dict:
        class_name = model["class_name"]
        config = model["config"]
        name = config.get("name") if isinstance(config.get("name"), str) else "model"
        if isinstance(config.get("layers"), list) and "input_layers" in config and "output_layers" in config:
            return self.functional(config, name)
        if class_name == "Sequential" or (isinstance(config.get("layers"), list)
                                          and "input_layers" not in config):
            return self.sequential(config, name, input_hint)
        what = "the file's model" if top else f"model '{name}'"
        raise ConfigError(f"{what} is a {class_name} with no layer graph in its config "
                          f"(a subclassed model?); LayerLoom imports Functional and Sequential models")

    def functional(self, config: dict, model_name: str) -> dict:
        entries = config["layers"]
        ids = _Ids()
        by_name: dict[str, dict] = {}
        order: dict[str, int] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
                raise ConfigError(f"model '{model_name}': layer entry {i} is not a layer config")
            name = _entry_name(entry)
            if name is None:
                raise ConfigError(f"model '{model_name}': layer entry {i} ({entry['class_name']}) has no name")
            if name in by_name:
                raise ConfigError(f"model '{model_name}': two layers are named '{name}'")
            by_name[name] = entry
            order[name] = i
        legacy = any(isinstance(node, list) for e in entries if isinstance(e.get("inbound_nodes"), list)
                     for node in e["inbound_nodes"])

        # Calls of each layer (an InputLayer has its one node without inbound data).
        calls: dict[str, list] = {}
        for name, entry in by_name.items():
            inbound = entry.get("inbound_nodes") or []
            if not isinstance(inbound, list):
                raise ConfigError(f"layer '{name}': inbound_nodes is not a list")
            if entry["class_name"] == "InputLayer":
                calls[name] = [None]
            else:
                calls[name] = list(inbound)

        input_refs = _flatten_refs(config["input_layers"], f"model '{model_name}' input_layers")
        output_refs = _flatten_refs(config["output_layers"], f"model '{model_name}' output_layers")

        def resolve(ref: tuple, where: str, in_graph_index: bool, legacy_format: bool) -> tuple:
            src, index, tensor = ref
            if src not in by_name:
                raise ConfigError(f"{where} refers to layer '{src}', which the model does not have")
            n = len(calls[src])
            cls = by_name[src]["class_name"]
            shifted = index
            if _is_model_entry(by_name[src]):
                if in_graph_index:
                    if cls in FUNCTIONAL_CLASSES or self.keras_major == 2 or legacy:
                        shifted = index - 1
                elif legacy_format:
                    shifted = index - 1
            for candidate in (shifted, index):
                if 0 <= candidate < n:
                    return src, candidate, tensor
            raise ConfigError(f"{where} refers to call {index} of layer '{src}', which is called "
                              f"{n} time{'s' if n != 1 else ''} in the model")

        # Node ids: Inputs first (in the model's input order), then the other calls in an order
        # that respects data flow.
        parsed: dict[tuple, tuple] = {}
        for name in by_name:
            for k, data in enumerate(calls[name]):
                if data is None:
                    parsed[(name, k)] = ([], {}, {})
                    continue
                where = f"layer '{name}' call {k}"
                call = call_spec_for_type(str(by_name[name].get("class_name")))
                refs, kwargs, keyword_slots = _parse_call(data, where, call.input_names,
                                                          _document_type(by_name[name]))
                resolved = [resolve(r, where, False, isinstance(data, list)) for r in refs]
                parsed[(name, k)] = (resolved, kwargs, keyword_slots)
        inputs_resolved = [resolve(r, f"model '{model_name}' input", True, False) for r in input_refs]
        outputs_resolved = [resolve(r, f"model '{model_name}' output", True, False) for r in output_refs]

        node_order = _topological_calls(parsed, order, [(s, i) for s, i, _t in inputs_resolved])
        if node_order is None:
            raise ConfigError(f"model '{model_name}': its layers' calls form a cycle")

        layer_ids: dict[str, str] = {}
        layers_out = []
        layer_sequence = [s for s, _i, _t in inputs_resolved]
        layer_sequence += [n for n in by_name if n not in layer_sequence]
        for name in layer_sequence:
            if name in layer_ids:
                continue
            layer_ids[name] = ids.layer()
        node_ids = {key: ids.node() for key in node_order}
        nodes_out = []
        for key in node_order:
            name, k = key
            refs, kwargs, keyword_slots = parsed[key]
            node = {"id": node_ids[key], "layer": layer_ids[name],
                    "inputs": [[node_ids[(s, i)], t] for s, i, t in refs], "pos": [0, 0]}
            if kwargs:
                node["call_kwargs"] = kwargs
            named_main = call_spec_for_type(str(by_name[name].get("class_name"))).input_names
            keyword_slots = {kw: slots for kw, slots in keyword_slots.items() if kw not in named_main}
            if keyword_slots:
                node["keyword_inputs"] = keyword_slots
            nodes_out.append(node)
        hints = {}
        for key in node_order:
            data = calls[key[0]][key[1]]
            if data is not None and key[0] not in hints:
                hints[key[0]] = _call_shapes(data)
        for name in layer_sequence:
            entry = by_name[name]
            layer = self.layer(entry, name, hints.get(name))
            layer["id"] = layer_ids[name]
            layers_out.append(layer)
        outputs_out = [{"node": node_ids[(s, i)], "index": t, "loss": None, "loss_weight": 1.0,
                        "metrics": []} for s, i, t in outputs_resolved]
        input_nodes = [node_ids[(s, i)] for s, i, _t in inputs_resolved]
        extra_inputs = [nid for nid, n in zip([node_ids[k] for k in node_order], node_order)
                        if by_name[n[0]]["class_name"] == "InputLayer" and nid not in input_nodes]
        if extra_inputs:
            self.notes.append(f"model '{model_name}': Input layers not among the model's inputs were kept")
        return {"name": model_name, "layers": layers_out, "nodes": nodes_out, "outputs": outputs_out,
                "_output_names": [s for s, _i, _t in outputs_resolved]}

    def sequential(self, config: dict, model_name: str, input_hint: list | None) -> dict:
        entries = list(config.get("layers") or [])
        ids = _Ids()
        layers_out: list = []
        nodes_out: list = []
        names = set()
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
                raise ConfigError(f"Sequential model '{model_name}': layer entry {i} is not a layer config")
        input_entry = entries.pop(0) if entries and entries[0]["class_name"] == "InputLayer" else None
        if input_entry is not None:
            input_layer = self.layer(input_entry, _entry_name(input_entry) or "input_layer", None)
        else:
            batch_shape = config.get("build_input_shape")
            first_cfg = entries[0].get("config", {}) if entries else {}
            dtype = "float32"
            if batch_shape is None and isinstance(first_cfg, dict):
                batch_shape = first_cfg.get("batch_shape") or first_cfg.get("batch_input_shape")
                if batch_shape is not None and isinstance(first_cfg.get("dtype"), str):
                    dtype = first_cfg["dtype"]
            if batch_shape is None and input_hint:
                batch_shape = input_hint[0]
            if batch_shape is None:
                raise ConfigError(f"the Sequential model '{model_name}' was never built, so its input "
                                  f"shape is unknown; build it (model.build(...) or call it once) and save "
                                  f"it again")
            shape = _check_batch_shape(batch_shape, f"Sequential model '{model_name}'")
            input_layer = {"type": "Input", "name": "input_layer", "config": {"shape": shape[1:], "dtype": dtype}}
            if shape[0] is not None:
                input_layer["config"]["batch_size"] = shape[0]
        input_layer["id"] = ids.layer()
        names.add(input_layer["name"])
        layers_out.append(input_layer)
        previous = ids.node()
        nodes_out.append({"id": previous, "layer": input_layer["id"], "inputs": [], "pos": [0, 0]})
        for entry in entries:
            name = _entry_name(entry) or snake_case(entry["class_name"])
            if name in names:
                raise ConfigError(f"Sequential model '{model_name}': two layers are named '{name}'")
            names.add(name)
            layer = self.layer(entry, name, None)
            layer["id"] = ids.layer()
            layers_out.append(layer)
            node = ids.node()
            nodes_out.append({"id": node, "layer": layer["id"], "inputs": [[previous, 0]], "pos": [0, 0]})
            previous = node
        outputs = [{"node": previous, "index": 0, "loss": None, "loss_weight": 1.0, "metrics": []}]
        return {"name": model_name, "layers": layers_out, "nodes": nodes_out, "outputs": outputs,
                "_output_names": [layers_out[-1]["name"]]}

    # ----------------------------------------------------------------- layers
    def layer(self, entry: dict, name: str, call_shapes: list | None) -> dict:
        """One layer entry -> ``{"type", "name", "config"}`` (id added by the caller)."""
        class_name = entry["class_name"]
        config = entry.get("config")
        module = entry.get("module")
        if is_operation_entry(entry):  # a keras.ops call (x + y, x[:, :4]): an operation layer
            operation = known_operation(entry)
            if operation is None:
                raise ConfigError(operation_message(f"layer '{name}'", class_name, module))
            return operation_layer(entry, name, operation)
        if not isinstance(config, dict):
            raise ConfigError(f"layer '{name}' ({class_name}) has no config object")
        if class_name == "InputLayer":
            return {"type": "Input", "name": name, "config": self.input_config(config, name)}
        if _is_model_entry(entry):
            graph = self.model_graph(entry, input_hint=call_shapes)
            graph.pop("_output_names", None)
            graph.pop("name", None)
            layer_config: dict = {"graph": graph}
            if config.get("trainable") is False:
                layer_config["trainable"] = False
            return {"type": "Model", "name": name, "config": layer_config}
        return {"type": class_name, "name": name, "config": self.layer_config(class_name, config, name)}

    def input_config(self, config: dict, name: str) -> dict:
        batch_shape = config.get("batch_shape")
        if batch_shape is None:
            batch_shape = config.get("batch_input_shape")
        if batch_shape is None and isinstance(config.get("shape"), list):
            batch_shape = [None] + list(config["shape"])
        if batch_shape is None:
            raise ConfigError(f"Input '{name}' has no shape in its config")
        shape = _check_batch_shape(batch_shape, f"Input '{name}'")
        out: dict = {"shape": shape[1:], "dtype": _dtype_name(config.get("dtype")) or "float32"}
        if shape[0] is not None:
            out["batch_size"] = shape[0]
        if config.get("sparse"):
            out["sparse"] = True
        for key in ("ragged", "optional"):
            if config.get(key):
                out[key] = True
                self.notes.append(f"Input '{name}': {key}=True is kept but LayerLoom does not model it")
        return out

# ------------------------------------------------------------------------------ helpers
def _topological_calls(parsed: dict, order: dict, inputs: list, with_call_order: bool = True) -> list | None:
    """Calls ordered so every call comes after the calls feeding it (and, when possible, after the
    layer's previous call); Inputs first, in the model's input order."""
    indegree = {key: 0 for key in parsed}
    users: dict = {key: [] for key in parsed}
    for key, (refs, _kw, _slots) in parsed.items():
        for src, idx, _t in refs:
            indegree[key] += 1
            users[(src, idx)].append(key)
        if with_call_order and key[1] > 0:  # a shared layer's calls stay in Keras's call order
            indegree[key] += 1
            users[(key[0], key[1] - 1)].append(key)
    result: list = []
    seen = set()
    heap: list = []
    input_rank = {key: i for i, key in enumerate(inputs)}
    for key, deg in indegree.items():
        if deg == 0:
            heapq.heappush(heap, (0 if key in input_rank else 1, input_rank.get(key, 0), order[key[0]],
                                  key[1], key))
    while heap:
        *_rank, key = heapq.heappop(heap)
        if key in seen:
            continue
        seen.add(key)
        result.append(key)
        for user in users[key]:
            indegree[user] -= 1
            if indegree[user] == 0:
                heapq.heappush(heap, (1, 0, order[user[0]], user[1], user))
    if len(result) != len(parsed):
        return _topological_calls(parsed, order, inputs, False) if with_call_order else None
    return result


def _check_batch_shape(value: Any, where: str) -> list:
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        value = (value.get("config") or {}).get("value")
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"{where}: expected a batch shape such as [null, 28, 28], found {value!r}")
    shape = list(value)
    for d in shape:
        if d is not None and (not _is_int(d) or d < 0):
            raise ConfigError(f"{where}: the shape {value!r} has an entry that is not a size")
    return shape


