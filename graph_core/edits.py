"""Reversible edits: the only way a document changes.

Each edit checks that it fits the document, then ``apply`` performs it and ``revert`` restores
the exact previous state (ids, order, positions). Both return the :class:`ChangeEvent` that the
document sends to its listeners. Undo stacks, views and autosave are built on these.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

from graph_core.document import ChangeEvent, Document, Layer, Node, TensorRef
from graph_core.edit_base import (  # noqa: F401 - re-exported: callers import the edits from here
    _UNSET,
    DELETE,
    Edit,
    _copy_value,
    _put,
    _require_layer,
    _require_node,
    _restore,
)
from graph_core.errors import EditError
from graph_core.graph_algorithms import reaches
from graph_core.settings_edits import (  # noqa: F401 - re-exported
    MarkOutput,
    SetDataSection,
    SetOutput,
    SetSetting,
    UnmarkOutput,
)


class AddNode(Edit):
    """Add a node; with ``layer`` given, also add that new layer (else the node calls an existing one).

    Args:
        node: the node to add (its inputs must exist).
        layer: a new layer for the node, or None to call ``node.layer`` again (sharing it).
        index: position among the document's nodes (appended when None).
    """

    def __init__(self, node: Node, layer: Layer | None = None, index: int | None = None):
        self.node = node
        self.layer = layer
        self.index = index
        self.label = f"Add {layer.name}" if layer else "Call layer again"

    def apply(self, doc):
        if self.node.id in doc.nodes or self.node.id in doc.layers:
            raise EditError(f"id {self.node.id!r} is already used")
        if self.layer is not None:
            if self.layer.id in doc.layers:
                raise EditError(f"layer id {self.layer.id!r} is already used")
            if doc.layer_by_name(self.layer.name) is not None:
                raise EditError(f"a layer named {self.layer.name!r} already exists")
            if self.layer.id != self.node.layer:
                raise EditError("the node must call the layer added with it")
            doc._insert_layer(self.layer)
        else:
            _require_layer(doc, self.node.layer)
        for ref in self.node.inputs:
            _require_node(doc, ref.node)
        doc._insert_node(self.node, self.index)
        return ChangeEvent("structure", frozenset({self.node.id}), frozenset({self.node.layer}))

    def revert(self, doc):
        doc._remove_node(self.node.id)
        if self.layer is not None:
            doc._remove_layer(self.layer.id)
        return ChangeEvent("structure", frozenset({self.node.id}), frozenset({self.node.layer}))


class RemoveNode(Edit):
    """Remove a node nothing reads and no output exposes; its layer goes too if no other node calls it."""

    def __init__(self, node_id: str):
        self.node_id = node_id
        self.label = "Delete node"
        self._saved: tuple | None = None

    def apply(self, doc):
        node = _require_node(doc, self.node_id)
        if doc.consumers(self.node_id):
            raise EditError(f"node {doc.node_label(self.node_id)!r} still feeds other layers")
        if any(out.node == self.node_id for out in doc.outputs):
            raise EditError(f"node {doc.node_label(self.node_id)!r} is still a model output")
        layer = doc.layers[node.layer]
        node_index = doc._remove_node(self.node_id)
        layer_index = None
        if not doc.nodes_of(layer.id):
            layer_index = doc._remove_layer(layer.id)
        self._saved = (node, node_index, layer, layer_index)
        return ChangeEvent("structure", frozenset({self.node_id}), frozenset({layer.id}))

    def revert(self, doc):
        node, node_index, layer, layer_index = self._saved
        if layer_index is not None:
            doc._insert_layer(layer, layer_index)
        doc._insert_node(node, node_index)
        return ChangeEvent("structure", frozenset({self.node_id}), frozenset({layer.id}))


def connection_refusal(doc: Document, source: TensorRef, target: str, slot: int | None = None,
                       replace: bool = False) -> str | None:
    """Tell why ``source`` cannot feed input ``slot`` of node ``target``, or None if it can.

    Args:
        doc: the document.
        source: the tensor to connect.
        target: the consumer node id.
        slot: the input position (appended when None).
        replace: True to replace the tensor already in ``slot``.

    Returns:
        A sentence naming the layers and the reason (cycle, occupied port, arity), or None.
    """
    from graph_core.layer_kinds import spec_for

    if source.node not in doc.nodes:
        return f"node {source.node!r} does not exist"
    if target not in doc.nodes:
        return f"node {target!r} does not exist"
    src_name, dst_name = doc.node_label(source.node), doc.node_label(target)
    if source.node == target:
        return f"'{dst_name}' cannot take its own output: a model must be a directed acyclic graph"
    layer = doc.layer_of(target)
    spec = spec_for(layer)
    count = len(doc.nodes[target].inputs)
    max_inputs = spec.max_inputs if spec is not None and (spec.kind != "model" or layer.subgraph) else None
    if slot is not None and not 0 <= slot <= count:
        return f"'{dst_name}' has no input {slot}"
    if replace and (slot is None or slot >= count):
        return f"'{dst_name}' input {slot} is not connected"
    if max_inputs == 0:
        return f"'{dst_name}' is an {layer.type} and takes no inputs"
    if reaches(doc, target, source.node):
        return (f"connecting '{src_name}' → '{dst_name}' would close a cycle ('{dst_name}' already "
                f"feeds '{src_name}'); a model must be a directed acyclic graph: a tensor can never "
                f"feed the layers that compute it (loops live inside layers, like an LSTM's)")
    if replace:
        return None
    if max_inputs is not None and doc.nodes[target].main_count >= max_inputs:  # keyword tensors aside
        if max_inputs == 1:
            return f"'{dst_name}' input is occupied: disconnect it first ({layer.type} takes one input)"
        return f"'{dst_name}' already has all {max_inputs} inputs a {layer.type} takes"
    return None


class Connect(Edit):
    """Feed tensor ``source`` into node ``target`` at input ``slot`` (appended when None).

    With ``replace=True`` the tensor already at ``slot`` is swapped for ``source``.
    """

    def __init__(self, source: TensorRef, target: str, slot: int | None = None, replace: bool = False):
        self.source = TensorRef(*source)
        self.target = target
        self.slot = slot
        self.replace = replace
        self.label = "Connect"
        self._old: list | None = None

    def apply(self, doc):
        reason = connection_refusal(doc, self.source, self.target, self.slot, self.replace)
        if reason:
            raise EditError(reason)
        node = doc.nodes[self.target]
        self._old = list(node.inputs)
        new = list(node.inputs)
        if self.replace:
            new[self.slot] = self.source
        else:  # a new main input goes before the keyword tensor inputs
            new.insert(node.main_count if self.slot is None else min(self.slot, node.main_count), self.source)
        doc._set_inputs(self.target, new)
        return self._event()

    def revert(self, doc):
        doc._set_inputs(self.target, self._old)
        return self._event()

    def _event(self) -> ChangeEvent:
        """Both ends of every connection made or undone (the replaced tensor's node too)."""
        ends = {self.target, self.source.node}
        if self.replace:
            ends.add(self._old[self.slot].node)
        return ChangeEvent("structure", frozenset(ends))


class Disconnect(Edit):
    """Remove input ``slot`` of node ``target`` (later inputs move up one place)."""

    def __init__(self, target: str, slot: int):
        self.target = target
        self.slot = slot
        self.label = "Disconnect"
        self._old: list | None = None

    def apply(self, doc):
        node = _require_node(doc, self.target)
        if not 0 <= self.slot < len(node.inputs):
            raise EditError(f"'{doc.node_label(self.target)}' has no connected input {self.slot}")
        self._old = list(node.inputs)
        self._old_keywords = dict(node.keyword_inputs)
        source = node.inputs[self.slot].node
        keywords = dict(node.keyword_inputs)
        where = node.keyword_of(self.slot)
        if where is not None:  # a keyword tensor input: its keyword passes one tensor fewer
            keywords[where[0]] -= 1
            if not keywords[where[0]]:
                del keywords[where[0]]
        doc._set_inputs(self.target, node.inputs[: self.slot] + node.inputs[self.slot + 1:], keywords)
        return ChangeEvent("structure", frozenset({self.target, source}))

    def revert(self, doc):
        source = self._old[self.slot].node
        doc._set_inputs(self.target, self._old, self._old_keywords)
        return ChangeEvent("structure", frozenset({self.target, source}))


class SetConfig(Edit):
    """Set (or with :data:`DELETE`, remove) one constructor argument of a layer.

    Successive edits of the same key of the same layer merge into one undo step (typing).
    """

    def __init__(self, layer_id: str, key: str, value: Any):
        self.layer_id = layer_id
        self.key = key
        self.value = value
        self.label = f"Set {key}"
        self._old: Any = _UNSET

    def apply(self, doc):
        layer = _require_layer(doc, self.layer_id)
        if self.key == "graph" and layer.subgraph is not None:
            raise EditError("edit a nested model's graph through its own document")
        self._old = copy.deepcopy(layer.config)
        _put(layer.config, self.key, _copy_value(self.value))
        return ChangeEvent("config", frozenset(doc.nodes_of(self.layer_id)), frozenset({self.layer_id}))

    def revert(self, doc):
        layer = doc.layers[self.layer_id]
        _restore(layer.config, self._old)
        return ChangeEvent("config", frozenset(doc.nodes_of(self.layer_id)), frozenset({self.layer_id}))

    def merge(self, other):
        if isinstance(other, SetConfig) and (other.layer_id, other.key) == (self.layer_id, self.key):
            self.value = other.value
            return True
        return False


class SetLayerCache(Edit):
    """Store Keras-computed shapes/params of an ``Application`` layer (see DESIGN.md)."""

    def __init__(self, layer_id: str, cache: dict | None):
        self.layer_id = layer_id
        self.cache = cache
        self.label = "Update application cache"
        self._old = None

    def apply(self, doc):
        layer = _require_layer(doc, self.layer_id)
        self._old = layer.cache
        layer.cache = copy.deepcopy(self.cache)
        return ChangeEvent("config", frozenset(doc.nodes_of(self.layer_id)), frozenset({self.layer_id}))

    def revert(self, doc):
        doc.layers[self.layer_id].cache = self._old
        return ChangeEvent("config", frozenset(doc.nodes_of(self.layer_id)), frozenset({self.layer_id}))


class Rename(Edit):
    """Rename a layer (names are unique within a document)."""

    def __init__(self, layer_id: str, name: str):
        self.layer_id = layer_id
        self.name = name
        self.label = f"Rename to {name}"
        self._old: str | None = None

    def apply(self, doc):
        layer = _require_layer(doc, self.layer_id)
        other = doc.layer_by_name(self.name)
        if other is not None and other.id != self.layer_id:
            raise EditError(f"a layer named {self.name!r} already exists")
        self._old = layer.name
        self._old_graph_name = layer.subgraph.name if layer.subgraph is not None else None
        doc._rename_layer(self.layer_id, self.name)
        if layer.subgraph is not None:  # a nested model is named by its layer
            layer.subgraph.name = self.name
        return ChangeEvent("name", frozenset(doc.nodes_of(self.layer_id)), frozenset({self.layer_id}))

    def revert(self, doc):
        layer = doc.layers[self.layer_id]
        doc._rename_layer(self.layer_id, self._old)
        if layer.subgraph is not None:
            layer.subgraph.name = self._old_graph_name
        return ChangeEvent("name", frozenset(doc.nodes_of(self.layer_id)), frozenset({self.layer_id}))

    def merge(self, other):
        if isinstance(other, Rename) and other.layer_id == self.layer_id:
            self.name = other.name
            return True
        return False


class Move(Edit):
    """Move nodes to new canvas positions (a drag of many nodes is one edit)."""

    def __init__(self, positions: dict):
        self.positions = {nid: (float(x), float(y)) for nid, (x, y) in positions.items()}
        self.label = "Move" if len(self.positions) == 1 else f"Move {len(self.positions)} nodes"
        self._old: dict = {}

    def apply(self, doc):
        for nid, (x, y) in self.positions.items():
            _require_node(doc, nid)
            if not (math.isfinite(x) and math.isfinite(y)):
                raise EditError(f"position of {doc.node_label(nid)!r} must be finite")
        self._old = {nid: doc.nodes[nid].pos for nid in self.positions}
        for nid, pos in self.positions.items():
            doc.nodes[nid].pos = pos
        return ChangeEvent("position", frozenset(self.positions))

    def revert(self, doc):
        for nid, pos in self._old.items():
            doc.nodes[nid].pos = pos
        return ChangeEvent("position", frozenset(self._old))


class MakeIndependent(Edit):
    """Give node ``node_id`` its own copy of its shared layer (own weights)."""

    def __init__(self, node_id: str, new_layer_id: str, new_name: str):
        self.node_id = node_id
        self.new_layer_id = new_layer_id
        self.new_name = new_name
        self.label = "Make independent"
        self._old_layer: str | None = None

    def apply(self, doc):
        node = _require_node(doc, self.node_id)
        if not doc.is_shared(node.layer):
            raise EditError(f"'{doc.node_label(self.node_id)}' is the only call of its layer")
        if self.new_layer_id in doc.layers or self.new_layer_id in doc.nodes:
            raise EditError(f"id {self.new_layer_id!r} is already used")
        if doc.layer_by_name(self.new_name) is not None:
            raise EditError(f"a layer named {self.new_name!r} already exists")
        self._old_layer = node.layer
        doc._insert_layer(doc.layers[node.layer].clone(self.new_layer_id, self.new_name))
        doc._set_node_layer(self.node_id, self.new_layer_id)
        return ChangeEvent("structure", frozenset({self.node_id}), frozenset({self._old_layer, self.new_layer_id}))

    def revert(self, doc):
        doc._set_node_layer(self.node_id, self._old_layer)
        doc._remove_layer(self.new_layer_id)
        return ChangeEvent("structure", frozenset({self.node_id}), frozenset({self._old_layer, self.new_layer_id}))


class Compound(Edit):
    """Several edits applied as one undo step; if one fails, those before it are reverted."""

    def __init__(self, edits: Iterable[Edit], label: str = "Edit"):
        self.edits = list(edits)
        self.label = label

    def apply(self, doc):
        done: list[Edit] = []
        events = []
        try:
            for edit in self.edits:
                events.append(edit.apply(doc))
                done.append(edit)
        except Exception:
            for edit in reversed(done):
                edit.revert(doc)
            raise
        return _combine(events)

    def revert(self, doc):
        return _combine([edit.revert(doc) for edit in reversed(self.edits)])


def _combine(events: list) -> ChangeEvent:
    kinds = {e.kind for e in events}
    kind = kinds.pop() if len(kinds) == 1 else "structure"
    nodes = frozenset().union(*(e.nodes for e in events)) if events else frozenset()
    layers = frozenset().union(*(e.layers for e in events)) if events else frozenset()
    return ChangeEvent(kind, nodes, layers)


# The edit builders live in graph_core.edit_builders; they are re-exported here for callers.
from graph_core.edit_builders import add_layer, call_again, delete_nodes, snake_case  # noqa: E402,F401
