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
import struct
from typing import Any

from codegen.import_safety import is_keras_module
from graph_core import catalog
from graph_core.edits import snake_case
from graph_core.losses import canonical_loss

#: Class names of functional models (their call nodes are counted after a built-in node).
FUNCTIONAL_CLASSES = frozenset({"Functional", "Model"})
#: Keras layers that are tensor operations recorded from ``keras.ops`` calls.
_OPS_MODULE_PREFIXES = ("keras.src.ops", "keras.ops")

#: Config keys that are not constructor arguments LayerLoom keeps, with the Keras value that
#: makes them irrelevant. A key here with any other value is kept in the layer config.
IRRELEVANT_EXTRAS = {
    "quantization_config": None, "lora_rank": None, "lora_alpha": None, "synchronized": False,
    "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "rms_scaling": False,
    "zero_output_for_mask": False, "sliding_window": None, "flash_attention": None,
    "activity_regularizer": None, "ragged": False, "optional": False, "sparse": False,
    "seed": None, "use_cudnn": "auto", "time_major": False, "data_format": "channels_last",
    "gradient_checkpointing": False,
}
#: Config keys dropped always: Keras bookkeeping, not constructor arguments.
ALWAYS_DROPPED = frozenset({"name", "shared_object_id", "build_config", "batch_input_shape",
                            "batch_shape", "implementation", "input_shape", "input_length",
                            "query_shape", "key_shape", "value_shape"})
#: Keras 2 argument names Keras 3 renamed: (class name, old key) -> new key.
LEGACY_RENAMES = {("LeakyReLU", "alpha"): "negative_slope"}

# Initializers: class name -> (alias Keras accepts as a string, default config values).
_VS = {"seed": None, "input_axes": None, "output_axes": None}
INITIALIZERS = {
    "GlorotUniform": ("glorot_uniform", _VS), "GlorotNormal": ("glorot_normal", _VS),
    "HeUniform": ("he_uniform", _VS), "HeNormal": ("he_normal", _VS),
    "LecunUniform": ("lecun_uniform", _VS), "LecunNormal": ("lecun_normal", _VS),
    "Zeros": ("zeros", {}), "Ones": ("ones", {}),
    "Orthogonal": ("orthogonal", {"gain": 1.0, "seed": None}),
    "OrthogonalInitializer": ("orthogonal", {"gain": 1.0, "seed": None}),
    "RandomUniform": ("random_uniform", {"minval": -0.05, "maxval": 0.05, "seed": None}),
    "RandomNormal": ("random_normal", {"mean": 0.0, "stddev": 0.05, "seed": None}),
    "TruncatedNormal": ("truncated_normal", {"mean": 0.0, "stddev": 0.05, "seed": None}),
    "Identity": ("identity", {"gain": 1.0}), "IdentityInitializer": ("identity", {"gain": 1.0}),
    "Constant": ("constant", {"value": 0.0}),
    "VarianceScaling": ("variance_scaling", {"scale": 1.0, "mode": "fan_in",
                                             "distribution": "truncated_normal", "seed": None,
                                             "input_axes": None, "output_axes": None}),
}
#: Initializer string aliases -> class names.
INITIALIZER_ALIASES = {alias: cls for cls, (alias, _cfg) in INITIALIZERS.items()}
INITIALIZER_ALIASES.update({"uniform": "RandomUniform", "normal": "RandomNormal", "zero": "Zeros",
                            "one": "Ones"})


class ConfigError(Exception):
    """The model config does not have the structure of a Keras model; the message says where."""


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
    graph = translator.model_graph(model, top=True)
    if compile_config:
        translator.apply_compile(graph, compile_config)
    return graph


class _Translator:
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
                refs, kwargs, keyword_slots = _parse_call(data, where)
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
        if isinstance(module, str) and module.startswith(_OPS_MODULE_PREFIXES):
            raise ConfigError(
                f"layer '{name}' is the tensor operation keras.ops.{snake_case(class_name)} applied "
                f"directly to tensors; LayerLoom documents hold layers only: replace it with a layer "
                f"(e.g. keras.layers.{class_name} or a Rescaling/Activation layer) and save again")
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

    def layer_config(self, class_name: str, raw: dict, name: str, wrapped: bool = False) -> dict:
        """A Keras layer config -> the LayerLoom config (non-default constructor arguments)."""
        config = _clean(raw)
        for (cls, old), new in LEGACY_RENAMES.items():
            if cls == class_name and old in config and new not in config:
                config[new] = config.pop(old)
        trainable = config.pop("trainable", True)
        dtype = config.pop("dtype", None)
        dtype_name = _dtype_name(dtype)
        spec = catalog.get_spec(class_name)
        out: dict = {}
        if spec is None:
            for key, value in config.items():
                if key in ALWAYS_DROPPED:
                    continue
                out[key] = value
            if dtype is not None and dtype_name not in (None, "float32"):
                out["dtype"] = dtype
        else:
            for key, value in config.items():
                if key in ALWAYS_DROPPED:
                    continue
                if key in ("layer", "backward_layer") and class_name in ("Bidirectional", "TimeDistributed"):
                    continue
                param = spec.param(key)
                if param is None:
                    if key in IRRELEVANT_EXTRAS and _same(IRRELEVANT_EXTRAS[key], value):
                        continue
                    if wrapped and key == "zero_output_for_mask":
                        continue
                    out[key] = value
                    self.notes.append(f"layer '{name}': kept {key}={value!r}, a {class_name} argument "
                                      f"LayerLoom's catalog does not list")
                    continue
                if _is_default(class_name, param, value, config):
                    continue
                out[key] = _simplify(param, value)
            if class_name in ("Bidirectional", "TimeDistributed"):
                out = {**self.wrapper_config(class_name, config, name), **out}
            if dtype_name not in (None, "float32"):
                out["dtype"] = dtype_name
        if trainable is False:
            out["trainable"] = False
        return out

    def wrapper_config(self, class_name: str, config: dict, name: str) -> dict:
        inner = config.get("layer")
        if not isinstance(inner, dict) or not isinstance(inner.get("class_name"), str):
            raise ConfigError(f"layer '{name}' ({class_name}) has no wrapped layer in its config")
        out = {"layer": self.inner_layer(inner, name)}
        backward = config.get("backward_layer")
        if class_name == "Bidirectional" and isinstance(backward, dict) \
                and isinstance(backward.get("class_name"), str) and not _auto_backward(inner, backward):
            out["backward_layer"] = self.inner_layer(backward, name)
            self.notes.append(f"layer '{name}': its custom backward_layer is kept")
        return out

    def inner_layer(self, inner: dict, owner: str) -> dict:
        class_name = inner["class_name"]
        if _is_model_entry(inner):
            sub = self.layer(inner, _entry_name(inner) or "model", None)
            return {"type": "Model", "config": sub["config"]}
        config = inner.get("config")
        if not isinstance(config, dict):
            raise ConfigError(f"layer '{owner}': its wrapped {class_name} has no config")
        return {"type": class_name, "config": self.layer_config(class_name, config, owner, wrapped=True)}

    # ----------------------------------------------------------------- compile settings
    def apply_compile(self, graph: dict, cc: dict) -> None:
        compile_out: dict = {}
        optimizer = cc.get("optimizer", cc.get("optimizer_config"))
        if isinstance(optimizer, str):
            compile_out["optimizer"] = optimizer.lower()
        elif isinstance(optimizer, dict) and isinstance(optimizer.get("class_name"), str):
            module = optimizer.get("module")
            if module is None or is_keras_module(module):
                compile_out["optimizer"] = optimizer["class_name"].lower()
                opt_cfg = optimizer.get("config") if isinstance(optimizer.get("config"), dict) else {}
                lr = opt_cfg.get("learning_rate")
                if isinstance(lr, dict):
                    inner = lr.get("config") if isinstance(lr.get("config"), dict) else {}
                    lr = inner.get("initial_learning_rate", inner.get("learning_rate"))
                    self.notes.append("the learning-rate schedule was replaced by its initial rate")
                if isinstance(lr, (int, float)) and not isinstance(lr, bool):
                    compile_out["learning_rate"] = _tidy_float32(float(lr))
            else:
                self.notes.append(f"the custom optimizer {optimizer['class_name']} was not imported")
        if compile_out:
            graph["compile"] = compile_out
        outputs = graph["outputs"]
        names = graph.get("_output_names", [])
        losses = _per_output(cc.get("loss"), outputs, names, is_leaf=_is_loss_leaf)
        weights = _per_output(cc.get("loss_weights"), outputs, names,
                              is_leaf=lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
        metrics = _per_output(cc.get("metrics"), outputs, names, is_leaf=_is_metric_leaf, metrics=True)
        for k, out in enumerate(outputs):
            loss = self.loss_name(losses[k]) if losses[k] is not None else None
            out["loss"] = loss
            if isinstance(weights[k], (int, float)) and not isinstance(weights[k], bool):
                out["loss_weight"] = float(weights[k])
            out["metrics"] = self.metric_names(metrics[k])

    def loss_name(self, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            module = value.get("module")
            if module is not None and not is_keras_module(module):
                self.notes.append(f"the custom loss {value.get('class_name')} was not imported")
                return None
            if value.get("class_name") == "function" and isinstance(value.get("config"), str):
                return value["config"]
            if isinstance(value.get("class_name"), str):
                name = canonical_loss(snake_case(value["class_name"]))
                cfg = value.get("config") if isinstance(value.get("config"), dict) else {}
                odd = {k: v for k, v in cfg.items() if k not in ("name", "reduction", "dtype")
                       and v not in (None, False, 0, 0.0, -1)}
                if odd:
                    self.notes.append(f"the loss {name} had settings {odd} that were not imported")
                return name
        return None

    def metric_names(self, value: Any) -> list:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        names = []
        for item in items:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict):
                module = item.get("module")
                if module is not None and not is_keras_module(module):
                    self.notes.append(f"the custom metric {item.get('class_name')} was not imported")
                    continue
                if item.get("class_name") == "function" and isinstance(item.get("config"), str):
                    names.append(item["config"])
                elif isinstance(item.get("config"), dict) and isinstance(item["config"].get("name"), str):
                    names.append(item["config"]["name"])
                elif isinstance(item.get("class_name"), str):
                    names.append(snake_case(item["class_name"]))
        return names


# ------------------------------------------------------------------------------ helpers
def _entry_name(entry: dict) -> str | None:
    name = entry.get("name")
    if not isinstance(name, str):
        config = entry.get("config")
        name = config.get("name") if isinstance(config, dict) else None
    return name if isinstance(name, str) and name else None


def _is_model_entry(entry: dict) -> bool:
    config = entry.get("config")
    return isinstance(config, dict) and isinstance(config.get("layers"), list) and (
        entry.get("class_name") in FUNCTIONAL_CLASSES or entry.get("class_name") == "Sequential"
        or "input_layers" in config)


def _is_ref(value: Any) -> bool:
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and _is_int(value[1]) and _is_int(value[2]))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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


def _parse_call(data: Any, where: str) -> tuple:
    """One inbound node -> (tensor refs in order, non-tensor call kwargs, keyword input slots)."""
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
            elif _meaningful_kwarg(key, value):
                kwargs_out[key] = value
        return refs, kwargs_out, keyword_slots
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected an inbound node object, found {data!r}")
    _collect_tensors(data.get("args", []), refs, where)
    kwargs = data.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise ConfigError(f"{where}: kwargs is not an object")
    for key in _keyword_order(kwargs):
        value = kwargs[key]
        before = len(refs)
        _collect_tensors(value, refs, where)
        if len(refs) > before:
            keyword_slots[key] = list(range(before, len(refs)))
        elif _meaningful_kwarg(key, value):
            kwargs_out[key] = _clean(value)
    return refs, kwargs_out, keyword_slots


def _keyword_order(kwargs: dict) -> list:
    """Query, value, key first (MultiHeadAttention's positional order), then the others."""
    first = [k for k in ("query", "value", "key") if k in kwargs]
    return first + [k for k in kwargs if k not in first]


def _meaningful_kwarg(key: str, value: Any) -> bool:
    if value is None:
        return False
    if key == "training" and value is False:
        return False
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


def _dtype_name(dtype: Any) -> str | None:
    if dtype is None:
        return None
    if isinstance(dtype, str):
        return dtype
    if isinstance(dtype, dict):
        cfg = dtype.get("config")
        if isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
            return cfg["name"]
    return None


def _clean(value: Any) -> Any:
    """Unwrap Keras serialization markers (tuples) and drop shared-object ids, recursively."""
    if isinstance(value, dict):
        if value.get("class_name") == "__tuple__" and isinstance(value.get("config"), dict):
            return _clean(value["config"].get("value", []))
        return {k: _clean(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def initializer_alias(value: Any) -> str | None:
    """The string alias of an initializer given by name or serialized dict with default settings."""
    if isinstance(value, str):
        cls = INITIALIZER_ALIASES.get(value)
        return INITIALIZERS[cls][0] if cls else None
    if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
        return None
    module = value.get("module")
    if module is not None and not is_keras_module(module):
        return None
    cls = value["class_name"]
    if cls not in INITIALIZERS:
        return None
    alias, defaults = INITIALIZERS[cls]
    config = value.get("config") or {}
    if not isinstance(config, dict):
        return None
    for key, v in config.items():
        if key not in defaults or not _same(defaults[key], v):
            return None
    return alias


def _initializer_class(value: Any) -> str | None:
    alias = initializer_alias(value)
    return INITIALIZER_ALIASES.get(alias) if alias else None


def _expand_tuple(param, value: Any) -> Any:
    """int_tuple values in one comparable form: ints repeated to the length, pairs for nested."""
    if value is None:
        return None
    length = param.length or 1
    if _is_int(value):
        value = [value] * length
    if not isinstance(value, (list, tuple)):
        return value
    if param.nested:
        return tuple(tuple(v) if isinstance(v, (list, tuple)) else (v, v) for v in value)
    return tuple(value)


def _is_default(class_name: str, param, value: Any, config: dict) -> bool:
    default = param.default
    if default is catalog.REQUIRED:
        return False
    kind = param.kind
    if kind == "activation":
        return (value or "linear") == (default or "linear")
    if kind == "initializer":
        if default is None:
            return value is None
        return value is not None and _initializer_class(value) == INITIALIZER_ALIASES.get(default)
    if param.name == "data_format" and default is None:
        return value in (None, "channels_last")
    if kind == "int_tuple":
        if default is None:
            if value is None:
                return True
            if param.name == "strides" and "pool_size" in config:
                return _expand_tuple(param, value) == _expand_tuple(param, config["pool_size"])
            return False
        return _expand_tuple(param, value) == _expand_tuple(param, default)
    if kind in ("shape", "axes") and isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return _same(list(value), list(default))
    if class_name == "MultiHeadAttention" and param.name == "value_dim":
        return value is None or value == config.get("key_dim")
    return _same(default, value)


def _simplify(param, value: Any) -> Any:
    if param.kind == "initializer":
        alias = initializer_alias(value)
        if alias is not None:
            return alias
    return value


def _auto_backward(forward: dict, backward: dict) -> bool:
    """True when a Bidirectional's backward layer is the one Keras makes from the forward one."""
    if forward.get("class_name") != backward.get("class_name"):
        return False
    f = _clean(forward.get("config")) if isinstance(forward.get("config"), dict) else {}
    b = _clean(backward.get("config")) if isinstance(backward.get("config"), dict) else {}
    ignore = ("name", "go_backwards")
    f = {k: v for k, v in f.items() if k not in ignore}
    b = {k: v for k, v in b.items() if k not in ignore}
    return _same_dict(f, b)


def _same_dict(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_dict(a[k], b[k]) for k in a)
    return _same(a, b)


def _is_loss_leaf(value: Any) -> bool:
    return value is None or isinstance(value, str) or (isinstance(value, dict) and "class_name" in value)


def _is_metric_leaf(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and "class_name" in value)


def _per_output(value: Any, outputs: list, names: list, is_leaf, metrics: bool = False) -> list:
    """Spread a compile argument (one value, a list per output, or a dict by output name)."""
    n = len(outputs)
    if value is None:
        return [None] * n
    if isinstance(value, dict) and not is_leaf(value):
        return [value.get(name) for name in names]
    if metrics:
        if isinstance(value, list):
            if n > 1 and len(value) == n and all(v is None or isinstance(v, list) or
                                                 (isinstance(v, dict) and not is_leaf(v)) for v in value):
                return list(value)
            if n == 1 and len(value) == 1 and isinstance(value[0], list):
                return [value[0]]
            return [value] * n
        return [value] * n
    if isinstance(value, list):
        if len(value) == n:
            return list(value)
        if len(value) == 1:
            return [value[0]] * n
        return [None] * n
    return [value] * n


def _tidy_float32(value: float) -> float:
    """The shortest decimal that rounds to the same float32 (0.009999999776 -> 0.01)."""
    try:
        target = struct.pack("f", value)
    except (OverflowError, struct.error):
        return value
    for digits in range(1, 18):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("f", candidate) == target:
            return candidate
    return value
