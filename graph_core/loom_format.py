"""Reading and writing ``.loom`` project files (format version 1, see docs/file-format.md).

Loading uses :mod:`json` only, never executes anything, and checks the structure: a malformed or
future-version file raises :class:`LoomFormatError` naming the JSON path at fault. Saving is atomic:
a temporary file in the same folder is written, flushed, fsynced and renamed over the target.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from graph_core.atomic_temps import remove_stale_temps, temp_prefix
from graph_core.document import Document, Layer, Node, Output, TensorRef
from graph_core.errors import LoomFormatError
from graph_core.file_limits import MAX_FILE_BYTES, MAX_INT, check_document, check_json_data
from graph_core.operations import format_problem
from graph_core.training_settings import DEFAULT_COMPILE, DEFAULT_FIT, FIT_OPTION_PARAMS, FIT_PARAMS, setting_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any

FORMAT_NAME = "layerloom"
FORMAT_VERSION = 1

_LAYER_KEYS = {"id", "type", "name", "config", "cache"}
_NODE_KEYS = {"id", "layer", "inputs", "pos", "keyword_inputs", "call_kwargs"}
_OUTPUT_KEYS = {"node", "index", "loss", "loss_weight", "metrics"}
_ORIGIN = (0, 0)  # a node's position when the file gives none
_NO_INPUTS: list = []  # a node's inputs when the file gives none (read, never changed)
_ROOT_KEYS = {"format", "version", "name", "layers", "nodes", "outputs", "compile", "fit"}


# ------------------------------------------------------------------------------ reading
def load(path: str | os.PathLike, allow_large: bool = False) -> Document:
    """Read a ``.loom`` file.

    Args:
        path: file to read.
        allow_large: read up to :data:`graph_core.file_limits.MAX_LARGE_ITEMS` layers and nodes
            (for drawing; see :func:`graph_core.file_limits.check_json_data`).

    Returns:
        The document.

    Raises:
        LoomFormatError: the file cannot be read, is not JSON, or does not follow the format;
            the message names the file and the JSON path (or line and column) at fault.
    """
    name = os.fspath(path)
    try:
        if not os.path.isfile(name):
            what = "not a regular file" if os.path.exists(name) else "no such file"
            raise LoomFormatError("$", f"cannot read the file: {what}", name)
        with open(name, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # bounded, whatever the size said
        if len(raw) > MAX_FILE_BYTES:
            raise LoomFormatError("$", f"file is more than {MAX_FILE_BYTES} bytes, the most a .loom file can be", name)
    except OSError as exc:
        raise LoomFormatError("$", f"cannot read the file: {exc.strerror or exc}", name) from None
    doc = loads(raw, file=name, default_name=Path(name).stem, allow_large=allow_large)
    if isinstance(doc.extra.get("data"), dict):  # absolute in memory: right wherever the doc goes
        from graph_core.data_sources import rebase_paths  # only for a file with a data section

        doc.extra["data"] = rebase_paths(doc.extra["data"], name, None)
    return doc


def loads(text: str | bytes, file: str | None = None, default_name: str = "model",
          allow_large: bool = False) -> Document:
    """Parse the text of a ``.loom`` file (see :func:`load`)."""
    if isinstance(text, bytes):
        if text.startswith((b"PK\x03\x04", b"\x89HDF")):
            raise LoomFormatError("$", "this is a Keras model file (.keras / .h5), not a LayerLoom project; "
                                       "import it with File › Import Keras model or `layerloom import`", file)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoomFormatError("$", f"not UTF-8 text (byte {exc.start}); is this a .loom file?", file) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise LoomFormatError("$", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                              file) from None
    except ValueError as exc:
        raise LoomFormatError("$", str(exc), file) from None
    except RecursionError:
        raise LoomFormatError("$", "JSON nested too deeply", file) from None
    try:
        return document_from_dict(data, default_name=default_name, allow_large=allow_large)
    except LoomFormatError as exc:
        exc.file = file
        exc.args = (f"{file}: {exc.path}: {exc.message}" if file else str(exc),)
        raise
    except RecursionError:
        raise LoomFormatError("$", "nested models go too deep", file) from None


def _reject_constant(token: str):
    raise ValueError(f"{token} is not allowed in a .loom file (JSON numbers must be finite)")


def document_from_dict(data: Any, default_name: str = "model", allow_large: bool = False) -> Document:
    """Build a document from parsed JSON, checking the structure as it goes.

    ``allow_large`` lifts the layer and node limits as :func:`load` says.

    Raises:
        LoomFormatError: naming the JSON path of the first value that does not fit.
    """
    check_json_data(data, allow_large)  # limits first: nothing below meets a value it cannot handle
    root = _expect(data, dict, "$", "a JSON object")
    fmt = root.get("format")
    if fmt != FORMAT_NAME:
        raise LoomFormatError("$.format", f'expected "{FORMAT_NAME}", found {_show(fmt)}: not a LayerLoom file')
    version = root.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LoomFormatError("$.version", f"expected a positive integer, found {_show(version)}")
    if version > FORMAT_VERSION:
        raise LoomFormatError("$.version", f"the file is format version {version}, written by a newer "
                                           f"LayerLoom; this one reads version {FORMAT_VERSION} — update LayerLoom")
    doc = _graph_from_dict(root, "$", default_name)
    doc.compile = {**DEFAULT_COMPILE, **_expect(root.get("compile", {}), dict, "$.compile", "an object")}
    doc.fit = {**DEFAULT_FIT, **_expect(root.get("fit", {}), dict, "$.fit", "an object")}
    _check_settings(doc, "$")
    doc.extra = {k: v for k, v in root.items() if k not in _ROOT_KEYS}
    if "data" in doc.extra:  # kept as JSON in extra; checked here (graph_core.data_sources)
        from graph_core.data_sources import parse_section

        parse_section(doc.extra["data"], "$.data")
    check_document(doc)  # the allow-list, names and tensor indices
    return doc


def _graph_from_dict(root: dict, path: str, default_name: str) -> Document:
    name = root.get("name", default_name)
    doc = Document(_expect(name, str, f"{path}.name", "a string"))
    layers = _expect(root.get("layers", []), list, f"{path}.layers", "a list")
    doc_layers, doc_nodes = doc.layers, doc.nodes
    for i, item in enumerate(layers):
        layer = _read(_layer_from_dict, item, path, "layers", i)
        if layer.id in doc_layers:
            raise LoomFormatError(f"{path}.layers[{i}].id", f"duplicate layer id {layer.id!r}")
        doc_layers[layer.id] = layer
    layer_ids = {lid: lid for lid in doc_layers}
    nodes = _expect(root.get("nodes", []), list, f"{path}.nodes", "a list")
    for i, item in enumerate(nodes):
        node = _read(_node_from_dict, item, path, "nodes", i)
        if node.id in doc_nodes or node.id in doc_layers:
            raise LoomFormatError(f"{path}.nodes[{i}].id", f"duplicate id {node.id!r}")
        layer_id = layer_ids.get(node.layer)
        if layer_id is None:
            raise LoomFormatError(f"{path}.nodes[{i}].layer", f"no layer has id {node.layer!r}")
        node.layer = layer_id  # the layer table's own string: lookups compare by identity
        doc_nodes[node.id] = node
    for i, node in enumerate(doc_nodes.values()):
        for j, ref in enumerate(node.inputs):
            if ref.node not in doc_nodes:
                raise LoomFormatError(f"{path}.nodes[{i}].inputs[{j}]", f"no node has id {ref.node!r}")
    outputs = _expect(root.get("outputs", []), list, f"{path}.outputs", "a list")
    for i, item in enumerate(outputs):
        out = _read(_output_from_dict, item, path, "outputs", i)
        if out.node not in doc_nodes:
            raise LoomFormatError(f"{path}.outputs[{i}].node", f"no node has id {out.node!r}")
        doc.outputs.append(out)
    doc._rebuild_indices()
    return doc


# The readers of one layer, node or output below raise LoomFormatError with a path relative to the
# item (".inputs[0]"); _read prefixes the item's own path. No path string is built for a value that
# is right, which is nearly all of them.

def _read(reader, item: Any, path: str, section: str, i: int):
    """``reader(item)`` for item ``i`` of ``section``, its errors placed under ``{path}.{section}[i]``."""
    try:
        return reader(item)
    except LoomFormatError as exc:
        raise exc.within(f"{path}.{section}[{i}]") from None


def _layer_from_dict(item: Any) -> Layer:
    obj = _expect(item, dict, "", "a layer object")
    layer_id = _nonempty_str(obj.get("id"), ".id")
    layer_type = _nonempty_str(obj.get("type"), ".type")
    name = _expect(obj.get("name", layer_id), str, ".name", "a string")
    config = dict(_expect(obj.get("config", {}), dict, ".config", "an object"))
    subgraph = None
    if layer_type == "Model":
        graph = _expect(config.pop("graph", {}), dict, ".config.graph", "an object")
        subgraph = _graph_from_dict(graph, ".config.graph", name)
        subgraph.name = name  # a nested model is named by its layer
        subgraph.extra = {k: v for k, v in graph.items() if k not in ("name", "layers", "nodes", "outputs")}
    problem = format_problem(layer_type, config)  # an operation's index and constant operands
    if problem is not None:
        raise LoomFormatError(f".config.{problem[0]}", problem[1])
    cache = obj.get("cache")
    if cache is not None:
        _expect(cache, dict, ".cache", "an object")
    extra = {} if _LAYER_KEYS.issuperset(obj) else {k: v for k, v in obj.items() if k not in _LAYER_KEYS}
    return Layer(layer_id, layer_type, name, config, subgraph, cache, extra)


def _node_from_dict(item: Any) -> Node:
    # The commonest item of a file: the usual case is tested inline, the helpers name what is wrong.
    obj = item if type(item) is dict else _expect(item, dict, "", "a node object")
    node_id, layer, given = obj.get("id"), obj.get("layer"), obj.get("inputs", _NO_INPUTS)
    if type(node_id) is not str or not node_id:
        node_id = _nonempty_str(node_id, ".id")
    if type(layer) is not str or not layer:
        layer = _nonempty_str(layer, ".layer")
    if type(given) is not list:
        given = _expect(given, list, ".inputs", "a list")
    inputs = []
    for j, ref in enumerate(given):
        if (type(ref) is not list or len(ref) != 2 or type(ref[0]) is not str
                or not _is_int(ref[1]) or ref[1] < 0):
            raise LoomFormatError(f".inputs[{j}]", f'expected ["node id", output index], found {_show(ref)}')
        inputs.append(TensorRef(ref[0], ref[1]))
    pos = obj.get("pos", _ORIGIN)
    if (type(pos) is not list and pos is not _ORIGIN) or len(pos) != 2 or not (
            type(pos[0]) is int or _finite(pos[0])) or not (type(pos[1]) is int or _finite(pos[1])):
        raise LoomFormatError(".pos", f"expected [x, y] with two numbers, found {_show(pos)}")
    keyword_inputs = _keyword_inputs(obj["keyword_inputs"], len(inputs)) if "keyword_inputs" in obj else {}
    call_kwargs = _call_kwargs(obj["call_kwargs"]) if "call_kwargs" in obj else {}
    extra = {} if _NODE_KEYS.issuperset(obj) else {k: v for k, v in obj.items() if k not in _NODE_KEYS}
    return Node(node_id, layer, inputs, (float(pos[0]), float(pos[1])), extra, keyword_inputs, call_kwargs)


def _keyword_inputs(value: Any, n_inputs: int) -> dict:
    """``{"initial_state": [1, 2]}`` (the input slots each keyword passes) → keyword → count.

    The slots must be the trailing inputs, keyword after keyword, in order."""
    obj = _expect(value, dict, ".keyword_inputs", "an object of keyword: [input slots]")
    slots = []
    counts = {}
    for name, given in obj.items():
        if not name.isidentifier():
            raise LoomFormatError(f".keyword_inputs.{name}", f"{_show(name)} is not a keyword argument name")
        if not isinstance(given, list) or not given or not all(_is_int(v) for v in given):
            raise LoomFormatError(f".keyword_inputs.{name}", f"expected a list of input slots, found {_show(given)}")
        slots.extend(given)
        counts[name] = len(given)
    if slots != list(range(n_inputs - len(slots), n_inputs)) or len(slots) > n_inputs:
        raise LoomFormatError(".keyword_inputs", f"keyword inputs must be the last input slots in order "
                                                 f"({n_inputs} inputs), found {_show(obj)}")
    return counts


def _call_kwargs(value: Any) -> dict:
    """The call's non-tensor keyword arguments: names to JSON scalars."""
    obj = _expect(value, dict, ".call_kwargs", "an object of keyword: value")
    for name, given in obj.items():
        if not name.isidentifier():
            raise LoomFormatError(f".call_kwargs.{name}", f"{_show(name)} is not a keyword argument name")
        if not (given is None or isinstance(given, (bool, str)) or (_is_number(given) and math.isfinite(given))):
            raise LoomFormatError(f".call_kwargs.{name}", f"expected true/false, a number or a string, found "
                                                          f"{_show(given)}")
    return dict(obj)


def _output_from_dict(item: Any) -> Output:
    obj = _expect(item, dict, "", "an output object")
    node = _nonempty_str(obj.get("node"), ".node")
    index = obj.get("index", 0)
    if not _is_int(index) or index < 0:
        raise LoomFormatError(".index", f"expected a non-negative integer, found {_show(index)}")
    loss = obj.get("loss")
    if loss is not None and not isinstance(loss, str):
        raise LoomFormatError(".loss", f"expected a loss name or null, found {_show(loss)}")
    weight = obj.get("loss_weight", 1.0)
    if not _is_number(weight):
        raise LoomFormatError(".loss_weight", f"expected a number, found {_show(weight)}")
    metrics = _expect(obj.get("metrics", []), list, ".metrics", "a list of metric names")
    for k, metric in enumerate(metrics):
        if not isinstance(metric, str):
            raise LoomFormatError(f".metrics[{k}]", f"expected a metric name, found {_show(metric)}")
    extra = {k: v for k, v in obj.items() if k not in _OUTPUT_KEYS}
    return Output(node, index, loss, float(weight), list(metrics), extra)


def _check_settings(doc: Document, path: str) -> None:
    if not isinstance(doc.compile.get("optimizer"), str):
        raise LoomFormatError(f"{path}.compile.optimizer", "expected an optimizer name such as \"adam\"")
    if not _is_number(doc.compile.get("learning_rate")):
        raise LoomFormatError(f"{path}.compile.learning_rate", "expected a number")
    for param in FIT_PARAMS:
        value = doc.fit.get(param.name)
        if not _is_int(value) or value < param.minimum:
            raise LoomFormatError(f"{path}.fit.{param.name}", f"expected a positive integer, found {_show(value)}")
        if param.maximum is not None and value > param.maximum:  # the training panel cannot show more
            raise LoomFormatError(f"{path}.fit.{param.name}", f"{value} is more than {param.maximum:,}, the most "
                                                              f"LayerLoom allows")
    for param in FIT_OPTION_PARAMS:  # written only once set
        if param.name in doc.fit:
            problem = setting_problem("fit", param.name, doc.fit[param.name])
            if problem:
                raise LoomFormatError(f"{path}.fit.{param.name}", problem)


def _expect(value: Any, kind: type, path: str, what: str):
    if not isinstance(value, kind):
        raise LoomFormatError(path, f"expected {what}, found {_show(value)}")
    return value


def _nonempty_str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise LoomFormatError(path, f"expected a non-empty string, found {_show(value)}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    """A finite JSON number (not a boolean)."""
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))


def _show(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    if isinstance(value, (dict, list)):
        return kinds[type(value)]
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ------------------------------------------------------------------------------ writing
def document_to_dict(doc: Document, *, top_level: bool = True) -> dict:
    """Return the JSON-ready dict of a document (format version 1)."""
    data: dict = {}
    if top_level:
        data.update({"format": FORMAT_NAME, "version": FORMAT_VERSION})
    data["name"] = doc.name
    data["layers"] = [_layer_to_dict(layer) for layer in doc.layers.values()]
    data["nodes"] = [_node_to_dict(node) for node in doc.nodes.values()]
    data["outputs"] = [_output_to_dict(out) for out in doc.outputs]
    if top_level:
        data["compile"] = dict(doc.compile)
        data["fit"] = dict(doc.fit)
    data.update(doc.extra)
    return data


def _layer_to_dict(layer: Layer) -> dict:
    config = dict(layer.config)
    if layer.subgraph is not None:
        config["graph"] = document_to_dict(layer.subgraph, top_level=False)
    data = {"id": layer.id, "type": layer.type, "name": layer.name, "config": _jsonable(config)}
    if layer.cache is not None:
        data["cache"] = layer.cache
    data.update(layer.extra)
    return data


def _node_to_dict(node: Node) -> dict:
    x, y = node.pos
    data = {"id": node.id, "layer": node.layer, "inputs": [[r.node, r.index] for r in node.inputs],
            "pos": [_tidy_number(x), _tidy_number(y)]}
    if node.keyword_inputs:
        start, slots = node.main_count, {}
        for name, count in node.keyword_inputs.items():
            slots[name] = list(range(start, start + count))
            start += count
        data["keyword_inputs"] = slots
    if node.call_kwargs:
        data["call_kwargs"] = dict(node.call_kwargs)
    data.update(node.extra)
    return data


def _output_to_dict(out: Output) -> dict:
    data = {"node": out.node, "index": out.index, "loss": out.loss,
            "loss_weight": out.loss_weight, "metrics": list(out.metrics)}
    data.update(out.extra)
    return data


def _tidy_number(value: float):
    value = round(float(value), 2)
    if value.is_integer() and abs(value) <= MAX_INT:  # larger ints would not load again
        return int(value)
    return value


def _jsonable(value: Any):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def dumps(doc: Document, project_file: str | os.PathLike | None = None) -> str:
    """Return the text of the ``.loom`` file for ``doc``: 2-space indent, short lists on one line.

    Args:
        doc: the document.
        project_file: the file the text is for: data source paths are written relative to it
            (None writes them as they are in memory).
    """
    data = document_to_dict(doc)
    if project_file is not None and isinstance(data.get("data"), dict):
        from graph_core.data_sources import rebase_paths  # only for a document with a data section

        data["data"] = rebase_paths(data["data"], None, project_file)
    return _pretty(data, 0) + "\n"


def _pretty(value: Any, depth: int) -> str:
    """JSON text that keeps lists of scalars (shapes, positions, inputs) on one line."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_pretty(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) or (isinstance(v, list) and
               all(not isinstance(w, (dict, list)) for w in v)) for v in value):
            return json.dumps(value, allow_nan=False, separators=(", ", ": "))
        return "[\n" + ",\n".join(inner + _pretty(v, depth + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, allow_nan=False)


def save(doc: Document, path: str | os.PathLike) -> None:
    """Write ``doc`` to ``path`` atomically: a crash mid-save leaves the old file intact.

    Data source paths are written relative to ``path`` (they are absolute in memory).

    Raises:
        OSError: the folder is not writable or the disk is full (the old file is untouched).
    """
    write_atomic(path, dumps(doc, path))


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, fsync and rename."""
    import tempfile  # (with shutil, random, bz2, lzma): only when saving, not for load or check

    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_temps(target)  # left by a save that was killed mid-write
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
