"""The limits of the ``.loom`` format (docs/file-format.md, "Limits"), checked before work is done.

A file over a limit is refused at load with a :class:`LoomFormatError` naming the JSON path, so
nothing later (check, render, export, build, save) meets a value it cannot handle: every number
is finite and of sane magnitude, nesting is shallow enough for any recursive walk, the graph is
small enough to check in seconds, every tensor reference points at an output the layer has, and
nothing a document holds is refused by :mod:`graph_core.allow_list`. Whatever loads can be saved.
"""

from __future__ import annotations

import math

from graph_core.errors import LoomFormatError, LoomRefused

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any

#: Largest ``.loom`` file, in bytes.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Deepest JSON nesting (objects and lists); a nested model costs 4 levels.
MAX_JSON_DEPTH = 100
#: Most layers, and most nodes, in a document counting nested models.
MAX_LAYERS = 100_000
MAX_NODES = 100_000
#: Largest integer magnitude anywhere in a file (2**53: exact in every JSON reader).
MAX_INT = 2 ** 53
#: Largest output index in a tensor reference.
MAX_OUTPUT_INDEX = 255
#: Largest canvas coordinate of a node (a view fitted to larger positions shows nothing).
MAX_POSITION = 10_000_000
#: Parameters above which summary, build and fit ask before allocating weights.
LARGE_MODEL_PARAMS = 50_000_000
#: Most layers, and most nodes, read when the caller allows a large file (``layerloom render`` and
#: ``open`` with ``--allow-large``: drawing a graph past the limits above costs no Keras build).
MAX_LARGE_ITEMS = 1_000_000

def check_json_data(data: Any, allow_large: bool = False) -> None:
    """Refuse parsed JSON that breaks a depth, size, integer or float limit.

    The walk is iterative, so it is safe on any depth the JSON parser produced.

    Args:
        data: the parsed JSON of a file.
        allow_large: count layers and nodes up to :data:`MAX_LARGE_ITEMS` instead of
            :data:`MAX_LAYERS` and :data:`MAX_NODES` (every other limit stays).

    Raises:
        LoomFormatError: naming the JSON path of the first value over a limit.
    """
    max_layers, max_nodes = (MAX_LARGE_ITEMS, MAX_LARGE_ITEMS) if allow_large else (MAX_LAYERS, MAX_NODES)
    if _within_limits(data, max_layers, max_nodes):
        return  # the common case, without building a JSON path for every value
    hint = "" if allow_large else f" (`layerloom render` and `open` draw up to {MAX_LARGE_ITEMS:,} with --allow-large)"
    layers = nodes = 0
    stack = [(data, "$", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise LoomFormatError(path, f"nested more than {MAX_JSON_DEPTH} levels deep; "
                                            f".loom files nest at most {MAX_JSON_DEPTH}")
            if isinstance(value, dict):
                for key, item in value.items():
                    if key == "layers" and isinstance(item, list):
                        layers += len(item)
                    elif key == "nodes" and isinstance(item, list):
                        nodes += len(item)
                    stack.append((item, f"{path}.{key}", depth + 1))
            else:
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
            if layers > max_layers:
                raise LoomFormatError(path, f"more than {max_layers} layers; a document holds at most "
                                            f"{max_layers}{hint}")
            if nodes > max_nodes:
                raise LoomFormatError(path, f"more than {max_nodes} nodes; a document holds at most "
                                            f"{max_nodes}{hint}")
        elif isinstance(value, float) and not math.isfinite(value):
            raise LoomFormatError(path, f"the number {value} is not finite (a literal such as 1e400 "
                                        f"overflows); numbers must be finite")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise LoomFormatError(path, f"the integer with {len(str(abs(value)))} digits is larger "
                                        f"than {MAX_INT} (2**53), the largest a .loom file holds")


def _within_limits(data: Any, max_layers: int, max_nodes: int) -> bool:
    """True when :func:`check_json_data` would find nothing (a fast walk with no paths).

    Only containers are pushed on the stack; strings, the commonest values, cost one test."""
    layers = nodes = 0
    stack = [([data], -1)]  # the root inside a list: a scalar root is tested like any value
    pop, push, isfinite = stack.pop, stack.append, math.isfinite
    while stack:
        value, depth = pop()
        if depth >= MAX_JSON_DEPTH:
            return False
        if type(value) is dict:
            inner = value.get("layers")
            if type(inner) is list:
                layers += len(inner)
            inner = value.get("nodes")
            if type(inner) is list:
                nodes += len(inner)
            if layers > max_layers or nodes > max_nodes:
                return False
            value = value.values()
        depth += 1
        for item in value:
            kind = type(item)
            if kind is str:
                continue
            if kind is dict or kind is list:
                push((item, depth))
            elif kind is float:
                if not isfinite(item):
                    return False
            elif kind is int and not -MAX_INT <= item <= MAX_INT:
                return False
    return True


def check_document(doc, path: str = "$") -> None:
    """Refuse a parsed document whose tensor indices or contents are not allowed.

    Args:
        doc: the :class:`graph_core.document.Document` just read.
        path: its JSON path.

    Raises:
        LoomFormatError: naming the JSON path at fault.
    """
    from graph_core.allow_list import document_problems

    _check_indices(doc, path)
    _check_positions(doc, path)
    refused = [item for item in document_problems(doc, path) if item.refused]
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise LoomRefused(refused[0].path, refused[0].message + more)


def _check_indices(doc, path: str) -> None:
    """No tensor reference indexes past :data:`MAX_OUTPUT_INDEX` (an index past the layer's own
    output count is a problem :func:`graph_core.analysis.check` reports: the file stays openable
    after an edit that reduced a layer's outputs)."""
    for i, node in enumerate(doc.nodes.values()):
        for j, ref in enumerate(node.inputs):
            if ref.index > MAX_OUTPUT_INDEX:
                raise LoomFormatError(f"{path}.nodes[{i}].inputs[{j}]", _index_message(ref.index))
    for k, out in enumerate(doc.outputs):
        if out.index > MAX_OUTPUT_INDEX:
            raise LoomFormatError(f"{path}.outputs[{k}].index", _index_message(out.index))
    for i, layer in enumerate(doc.layers.values()):
        if layer.subgraph is not None:
            _check_indices(layer.subgraph, f"{path}.layers[{i}].config.graph")


def _check_positions(doc, path: str) -> None:
    for i, node in enumerate(doc.nodes.values()):
        x, y = node.pos
        if abs(x) > MAX_POSITION or abs(y) > MAX_POSITION:
            raise LoomFormatError(f"{path}.nodes[{i}].pos", f"the position {list(node.pos)} is farther than "
                                                           f"{MAX_POSITION:,} from the origin")
    for i, layer in enumerate(doc.layers.values()):
        if layer.subgraph is not None:
            _check_positions(layer.subgraph, f"{path}.layers[{i}].config.graph")


def _index_message(index: int) -> str:
    return (f"output index {index} is larger than {MAX_OUTPUT_INDEX}, the largest a .loom file "
            f"holds (no layer has that many outputs)")
