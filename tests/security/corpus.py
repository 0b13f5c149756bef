"""The hostile corpus, generated (no stored blobs): model configs, .loom documents and archives
that try to run code, read paths, exhaust memory or break the editor.

Every builder returns plain data or writes a file under a folder the caller gives, so the tests
decide where things go and can assert nothing is touched elsewhere.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from graph_core.builder import GraphBuilder

#: A file a hostile document points at; no test ever creates it, and nothing may read it.
BAIT_PATH = "/tmp/layerloom-bait-never-read.txt"


# ------------------------------------------------------------------------------ Keras configs
def keras_layer(class_name: str, config: dict, name: str, inbound: str | None = "x",
                module: str = "keras.layers", registered_name=None) -> dict:
    """One Keras 3 layer entry, called on the output of layer ``inbound``."""
    nodes = [] if inbound is None else [{"args": [{"class_name": "__keras_tensor__", "config": {
        "shape": [None, 4], "dtype": "float32", "keras_history": [inbound, 0, 0]}}], "kwargs": {}}]
    return {"module": module, "class_name": class_name, "config": {"name": name, **config},
            "registered_name": registered_name, "name": name, "inbound_nodes": nodes}


def keras_model(*layers: dict, output: str | None = None) -> dict:
    """A Keras 3 functional model config: input ``x`` then ``layers`` in a chain-free list."""
    entries = [keras_layer("InputLayer", {"batch_shape": [None, 4], "dtype": "float32"}, "x", None)]
    entries.extend(layers)
    last = output or (layers[-1]["name"] if layers else "x")
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "m", "trainable": True, "layers": entries,
                       "input_layers": ["x", 0, 0], "output_layers": [last, 0, 0]},
            "registered_name": "Functional"}


def _fn(module: str, name: str) -> dict:
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


def hostile_keras_configs() -> dict:
    """Model configs that must be refused by import, by name (``id``) -> config."""
    lam = {"class_name": "Lambda", "module": "keras.layers",
           "config": {"function": {"class_name": "__lambda__", "config": {"code": "YQ=="}}}}
    return {
        "tfsm_layer": keras_model(keras_layer("TFSMLayer", {"filepath": BAIT_PATH, "call_endpoint": "serve"},
                                              "tfsm")),
        "lambda_layer": keras_model(keras_layer("Lambda", {"function": {"class_name": "__lambda__",
                                                                         "config": {"code": "YQ=="}}}, "lam")),
        "lambda_inside_typespec": keras_model(keras_layer("Dense", {"units": 2, "kernel_initializer": {
            "class_name": "__typespec__", "config": {"inner": lam}}}, "d")),
        "refused_layer_at_initializer_key": keras_model(keras_layer("Dense", {"units": 2, "kernel_initializer": {
            "module": "keras.layers", "class_name": "TFSMLayer", "config": {"filepath": BAIT_PATH}}}, "d")),
        "get_file_function": keras_model(keras_layer("Dense", {"units": 2, "activation": _fn(
            "keras.utils", "get_file")}, "d")),
        "enable_unsafe_deserialization": keras_model(keras_layer("Dense", {"units": 2, "activation": _fn(
            "keras.config", "enable_unsafe_deserialization")}, "d")),
        "module_injection": keras_model(keras_layer("Dense", {"units": 2, "kernel_initializer": {
            "module": "os", "class_name": "system", "config": {"command": "touch " + BAIT_PATH}}}, "d")),
        "keras_module_unlisted_class": keras_model(keras_layer("Dense", {"units": 2, "kernel_initializer": {
            "module": "keras.src.saving.saving_lib", "class_name": "load_model", "config": {}}}, "d")),
        "registered_name": keras_model(keras_layer("Dense", {"units": 2}, "d", registered_name="evil>Dense")),
        "string_lookup_vocabulary_path": keras_model(keras_layer("StringLookup", {"vocabulary": BAIT_PATH}, "look")),
        "text_vectorization_vocabulary_path": keras_model(keras_layer("TextVectorization", {
            "vocabulary": BAIT_PATH}, "vec")),
    }


# ------------------------------------------------------------------------------ .loom documents
def loom_dict(layer_type: str, config: dict, name: str = "hostile") -> dict:
    """A .loom document dict: Input -> one layer of ``layer_type`` -> output."""
    return {"format": "layerloom", "version": 1, "name": name,
            "layers": [{"id": "l1", "type": "Input", "name": "x", "config": {"shape": [4]}},
                       {"id": "l2", "type": layer_type, "name": "evil", "config": config}],
            "nodes": [{"id": "n1", "layer": "l1", "inputs": []},
                      {"id": "n2", "layer": "l2", "inputs": [["n1", 0]]}],
            "outputs": [{"node": "n2", "index": 0}]}


def hostile_loom_documents() -> dict:
    """.loom dicts that open must refuse (code, outside classes, paths), id -> (dict, JSON path)."""
    c = "$.layers[1].config"
    return {
        "tfsm_layer": (loom_dict("TFSMLayer", {"filepath": BAIT_PATH}), "$.layers[1].type"),
        "lambda_layer": (loom_dict("Lambda", {"function": "x"}), "$.layers[1].type"),
        "torch_wrapper": (loom_dict("TorchModuleWrapper", {}), "$.layers[1].type"),
        "string_lookup_vocabulary": (loom_dict("StringLookup", {"vocabulary": BAIT_PATH}), f"{c}.vocabulary"),
        "integer_lookup_vocabulary": (loom_dict("IntegerLookup", {"vocabulary": BAIT_PATH}), f"{c}.vocabulary"),
        "text_vectorization_vocabulary": (loom_dict("TextVectorization", {"vocabulary": BAIT_PATH}),
                                          f"{c}.vocabulary"),
        "application_weights_file": (loom_dict("Application", {"application": "MobileNetV2", "weights": BAIT_PATH}),
                                     f"{c}.weights"),
        "serialized_lambda": (loom_dict("Dense", {"units": 2, "kernel_initializer": {
            "class_name": "__lambda__", "config": {"code": "YQ=="}}}), f"{c}.kernel_initializer"),
        "custom_module_initializer": (loom_dict("Dense", {"units": 2, "kernel_initializer": {
            "module": "os", "class_name": "system", "config": {}}}), f"{c}.kernel_initializer"),
        "get_file_function": (loom_dict("Dense", {"units": 2, "activation": {
            "module": "keras.utils", "class_name": "function", "config": "get_file"}}), f"{c}.activation"),
        "dotted_activation": (loom_dict("Dense", {"units": 2, "activation": "keras.utils.get_file"}),
                              f"{c}.activation"),
        "wrapped_tfsm": (loom_dict("TimeDistributed", {"layer": {"type": "TFSMLayer", "config": {}}}),
                         f"{c}.layer.type"),
    }


def in_memory(data: dict):
    """The document of a hostile dict built without the loader (as an editor session could hold it)."""
    b = GraphBuilder(data["name"])
    x = b.input("x", shape=(4,))
    layer = data["layers"][1]
    b.output(b.layer(layer["type"], x, name=layer["name"], **layer["config"]))
    return b.document


# ------------------------------------------------------------------------------ archives
def write_zip(path: Path, members: dict, compression=zipfile.ZIP_DEFLATED) -> Path:
    """A zip archive whose members are ``name -> bytes``."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def config_bomb(path: Path, inflated: int = 300 * 1024 * 1024) -> Path:
    """A .keras archive whose config.json inflates to ``inflated`` bytes of JSON (a long list)."""
    return _bomb(path, "config.json", inflated, json.dumps({"keras_version": "3.5.0"}).encode())


def metadata_bomb(path: Path, inflated: int = 300 * 1024 * 1024) -> Path:
    """A .keras archive with a valid config.json and a metadata.json inflating to ``inflated`` bytes."""
    config = json.dumps(keras_model(keras_layer("Dense", {"units": 2}, "d"))).encode()
    return _bomb(path, "metadata.json", inflated, config, other="config.json")


def _bomb(path: Path, member: str, inflated: int, other_data: bytes, other: str = "metadata.json") -> Path:
    chunk = b"0," * (512 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(other, other_data)
        with archive.open(member, "w", force_zip64=True) as fh:
            fh.write(b'{"keras_version": "3.5.0", "pad": [')
            for _ in range(inflated // len(chunk)):
                fh.write(chunk)
            fh.write(b"0]}")
    return path
