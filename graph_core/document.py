"""The LayerLoom document: layers, nodes (call sites), tensor references and model outputs.

The split mirrors Keras: a *layer* owns weights, a *node* is one call of a layer on some input
tensors. A layer with several nodes is shared. Documents are read freely but mutated only through
the reversible edits of :mod:`graph_core.edits`, applied with :meth:`Document.apply`; every applied
edit emits a :class:`ChangeEvent` to the document's listeners.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Iterator

from graph_core.records import Record, frozen
from graph_core.training_settings import DEFAULT_COMPILE, DEFAULT_FIT

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any


@frozen
class TensorRef:
    """One output tensor of a node: ``(node id, output index)``."""

    node: str
    index: int = 0


class Layer(Record):
    """An object with weights: a Keras layer instance.

    Attributes:
        id: stable id, saved in the file.
        type: Keras class name (``Dense``), or ``Model`` / ``Application``.
        name: unique name within its document; becomes the Keras layer name.
        config: the constructor arguments the user set (defaults come from the catalog).
        subgraph: for ``Model`` layers, the nested document.
        cache: for ``Application`` layers, Keras-computed shapes and params (see DESIGN.md).
        extra: fields of the file this version does not understand, kept on save.
    """

    __slots__ = _fields = ("id", "type", "name", "config", "subgraph", "cache", "extra")

    def __init__(self, id: str, type: str, name: str, config: dict | None = None,
                 subgraph: Document | None = None, cache: dict | None = None, extra: dict | None = None):
        self.id = id
        self.type = type
        self.name = name
        self.config = {} if config is None else config
        self.subgraph = subgraph
        self.cache = cache
        self.extra = {} if extra is None else extra

    def clone(self, new_id: str, new_name: str) -> Layer:
        """Return an independent copy (own weights) with a new id and name."""
        subgraph = None
        if self.subgraph is not None:
            subgraph = self.subgraph.clone()
            subgraph.name = new_name  # a nested model is named by its layer
        return Layer(new_id, self.type, new_name, copy.deepcopy(self.config), subgraph,
                     copy.deepcopy(self.cache), copy.deepcopy(self.extra))


class Node(Record):
    """One call of a layer on an ordered list of input tensors, placed on the canvas.

    Attributes:
        inputs: every tensor the call reads: its main inputs first, then its keyword tensor
            inputs (``initial_state``, ``mask``…) in the order of ``keyword_inputs``.
        keyword_inputs: keyword → how many of the trailing ``inputs`` it passes, e.g.
            ``{"initial_state": 2}`` for ``lstm(x, initial_state=[h, c])``.
        call_kwargs: the call's other keyword arguments (``training``, ``use_causal_mask``…).
    """

    __slots__ = _fields = ("id", "layer", "inputs", "pos", "extra", "keyword_inputs", "call_kwargs")

    def __init__(self, id: str, layer: str, inputs: list | None = None, pos: tuple = (0.0, 0.0),
                 extra: dict | None = None, keyword_inputs: dict | None = None, call_kwargs: dict | None = None):
        self.id = id
        self.layer = layer
        self.inputs = [] if inputs is None else inputs  # list[TensorRef]
        self.pos = pos
        self.extra = {} if extra is None else extra
        self.keyword_inputs = {} if keyword_inputs is None else keyword_inputs
        self.call_kwargs = {} if call_kwargs is None else call_kwargs

    @property
    def main_count(self) -> int:
        """How many of ``inputs`` are main inputs (the rest are keyword tensor inputs)."""
        return len(self.inputs) - sum(self.keyword_inputs.values())

    @property
    def main_inputs(self) -> list:
        """The main input tensors, in order."""
        return self.inputs[: self.main_count]

    def keyword_refs(self) -> dict:
        """keyword → the tensors it passes (``{"initial_state": [h, c]}``)."""
        out, start = {}, self.main_count
        for name, count in self.keyword_inputs.items():
            out[name] = self.inputs[start:start + count]
            start += count
        return out

    def keyword_of(self, slot: int) -> tuple | None:
        """``(keyword, position in it)`` of input ``slot``, or None for a main input."""
        start = self.main_count
        for name, count in self.keyword_inputs.items():
            if start <= slot < start + count:
                return name, slot - start
            start += count
        return None


class Output(Record):
    """A model output with its training settings."""

    __slots__ = _fields = ("node", "index", "loss", "loss_weight", "metrics", "extra")

    def __init__(self, node: str, index: int = 0, loss: str | None = None, loss_weight: float = 1.0,
                 metrics: list | None = None, extra: dict | None = None):
        self.node = node
        self.index = index
        self.loss = loss
        self.loss_weight = loss_weight
        self.metrics = [] if metrics is None else metrics
        self.extra = {} if extra is None else extra

    @property
    def ref(self) -> TensorRef:
        """The tensor this output exposes."""
        return TensorRef(self.node, self.index)


@frozen
class ChangeEvent:
    """What an applied (or reverted) edit changed.

    Attributes:
        kind: ``structure`` (nodes/layers added or removed, edges changed), ``config``,
            ``name``, ``position``, ``outputs``, ``settings`` or ``reset``.
        nodes: ids of the nodes whose inputs, layer or position changed.
        layers: ids of the layers whose config or name changed.
    """

    kind: str
    nodes: frozenset = frozenset()
    layers: frozenset = frozenset()

    @property
    def affects_analysis(self) -> bool:
        """False for changes that cannot alter shapes, params or problems (moves)."""
        return self.kind != "position"


Listener = Callable[["Document", ChangeEvent], None]


class Document:
    """A model graph: layers, nodes, ordered outputs, compile and fit settings.

    Read access is public; mutation happens only through :meth:`apply` / :meth:`revert` of an
    :class:`graph_core.edits.Edit`, which call the underscore primitives below.
    """

    def __init__(self, name: str = "model"):
        self.name = name
        self.layers: dict[str, Layer] = {}
        self.nodes: dict[str, Node] = {}
        self.outputs: list[Output] = []
        self.compile: dict = dict(DEFAULT_COMPILE)
        self.fit: dict = dict(DEFAULT_FIT)
        self.extra: dict = {}
        self.revision = 0
        self._listeners: list[Listener] = []
        self._nodes_by_layer: dict[str, list[str]] = {}
        self._consumers: dict[str, list[tuple[str, int]]] = {}
        self._id_counters: dict[str, itertools.count] = {}
        self._parent_watch: Listener | None = None
        self._parent_link: tuple | None = None
        self._by_name: dict[str, list[str]] = {}  # layer name -> ids of the layers with it
        self._named: tuple = (None, -1)  # (the layers dict, its size) _by_name was built for
        self._free_suffix: dict[str, int] = {}  # base -> no free "base_k" below this k (names only grow)

    # ----------------------------------------------------------------- read access
    def layer_of(self, node_id: str) -> Layer:
        """Return the layer a node calls."""
        return self.layers[self.nodes[node_id].layer]

    def nodes_of(self, layer_id: str) -> list[str]:
        """Return the ids of the nodes calling ``layer_id``, in document order."""
        return list(self._nodes_by_layer.get(layer_id, ()))

    def is_shared(self, layer_id: str) -> bool:
        """True when the layer is called at more than one node."""
        return len(self._nodes_by_layer.get(layer_id, ())) > 1

    def consumers(self, node_id: str) -> list[tuple[str, int]]:
        """Return ``(consumer node id, input slot)`` pairs reading any output of ``node_id``."""
        return list(self._consumers.get(node_id, ()))

    def input_nodes(self) -> list[str]:
        """Return the nodes of ``Input`` layers in document order: the model's inputs."""
        by_layer = self._nodes_by_layer
        found = [nid for lid, layer in self.layers.items() if layer.type == "Input" for nid in by_layer.get(lid, ())]
        if len(found) < 2:
            return found
        wanted = set(found)
        return [nid for nid in self.nodes if nid in wanted]

    def layer_by_name(self, name: str) -> Layer | None:
        """Return the layer called ``name`` (the first one if several are), or None."""
        ids = self._name_index().get(name)
        if not ids:
            return None
        if len(ids) == 1:
            layer = self.layers.get(ids[0])
            if layer is not None and layer.name == name:
                return layer
        for layer in self.layers.values():  # several (a file may hold duplicates) or a stale entry
            if layer.name == name:
                return layer
        return None

    def _name_index(self) -> dict:
        """name -> layer ids, rebuilt when the layers changed without the primitives below."""
        layers = self.layers
        if self._named[0] is not layers or self._named[1] != len(layers):
            self._by_name, self._free_suffix = {}, {}
            for lid, layer in layers.items():
                self._by_name.setdefault(layer.name, []).append(lid)
            self._named = (layers, len(layers))
        return self._by_name

    def _index_name(self, layer: Layer) -> None:  # the caller validated the index before the change
        ids = self._by_name.setdefault(layer.name, [])
        if layer.id not in ids:
            ids.append(layer.id)
        self._named = (self.layers, len(self.layers))

    def _unindex_name(self, layer_id: str, name: str) -> None:  # likewise
        ids = self._by_name.get(name)
        if ids and layer_id in ids:
            ids.remove(layer_id)
            if not ids:
                del self._by_name[name]
        self._free_suffix = {}  # a name became free: the lower bounds no longer hold

    def node_label(self, node_id: str) -> str:
        """A human name for a node: its layer name, with ``#k`` for the k-th call of a shared layer."""
        node = self.nodes.get(node_id)
        if node is None:
            return node_id
        layer = self.layers[node.layer]
        calls = self._nodes_by_layer.get(layer.id, [])
        if len(calls) > 1:
            return f"{layer.name} (call {calls.index(node_id) + 1})"
        return layer.name

    def predecessors(self, node_id: str) -> Iterator[str]:
        """Yield the ids of nodes feeding ``node_id`` (with repeats if fed twice)."""
        for ref in self.nodes[node_id].inputs:
            yield ref.node

    def output_index(self, ref: TensorRef) -> int | None:
        """Return the position of ``ref`` among the model outputs, or None."""
        for i, out in enumerate(self.outputs):
            if out.node == ref.node and out.index == ref.index:
                return i
        return None

    # ----------------------------------------------------------------- ids and names
    def new_id(self, prefix: str) -> str:
        """Return a fresh id such as ``n17`` that no layer or node uses."""
        counter = self._id_counters.setdefault(prefix, itertools.count(1))
        while True:
            candidate = f"{prefix}{next(counter)}"
            if candidate not in self.nodes and candidate not in self.layers:
                return candidate

    def unique_name(self, base: str) -> str:
        """Return ``base`` or ``base_2``, ``base_3``… so that no layer has that name yet."""
        taken = self._name_index()
        if base not in taken:
            return base
        for k in itertools.count(self._free_suffix.get(base, 2)):
            candidate = f"{base}_{k}"
            if candidate not in taken:
                self._free_suffix[base] = k  # base_2 … base_(k-1) are taken, and stay so until one is freed
                return candidate
        raise AssertionError("unreachable")

    # ----------------------------------------------------------------- events
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(document, event)`` after every change; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def apply(self, edit) -> ChangeEvent:
        """Apply a :class:`graph_core.edits.Edit` and notify listeners.

        Raises:
            EditError: when the edit does not fit the document; the document is unchanged.
        """
        event = edit.apply(self)
        self._changed(event)
        return event

    def revert(self, edit) -> ChangeEvent:
        """Undo a previously applied edit and notify listeners."""
        event = edit.revert(self)
        self._changed(event)
        return event

    def _changed(self, event: ChangeEvent) -> None:
        self.revision += 1
        for listener in list(self._listeners):
            listener(self, event)
        if self._parent_watch is not None:  # after our own listeners, so the parent sees fresh results
            self._parent_watch(self, event)

    @property
    def parent_link(self) -> tuple | None:
        """For a nested model's graph: ``(parent document, id of the Model layer)``; else None."""
        return self._parent_link

    @property
    def is_nested(self) -> bool:
        """True for the graph of a nested ``Model`` layer."""
        return self._parent_watch is not None

    # ----------------------------------------------------------------- primitives (edits only)
    def _insert_layer(self, layer: Layer, index: int | None = None) -> None:
        self._name_index()
        self.layers = _dict_insert(self.layers, layer.id, layer, index)
        self._index_name(layer)
        self._nodes_by_layer.setdefault(layer.id, [])
        self._watch_subgraph(layer)

    def _watch_subgraph(self, layer: Layer) -> None:
        """Make every change inside a nested model a config change of its layer here."""
        if layer.subgraph is None or getattr(layer.subgraph, "_parent_watch", None) is not None:
            return

        def forward(_sub: Document, _event: ChangeEvent, layer_id: str = layer.id) -> None:
            if layer_id in self.layers and self.layers[layer_id].subgraph is _sub:
                if _event.kind == "position":
                    self._changed(ChangeEvent("position"))
                else:
                    self._changed(ChangeEvent("config", frozenset(self.nodes_of(layer_id)), frozenset({layer_id})))

        layer.subgraph._parent_watch = forward
        layer.subgraph._parent_link = (self, layer.id)

    def _remove_layer(self, layer_id: str) -> int:
        index = list(self.layers).index(layer_id)
        self._name_index()
        layer = self.layers.pop(layer_id)
        self._unindex_name(layer_id, layer.name)
        self._named = (self.layers, len(self.layers))
        self._nodes_by_layer.pop(layer_id, None)
        return index

    def _rename_layer(self, layer_id: str, name: str) -> None:
        layer = self.layers[layer_id]
        self._name_index()
        self._unindex_name(layer_id, layer.name)
        layer.name = name
        self._index_name(layer)

    def _insert_node(self, node: Node, index: int | None = None) -> None:
        self.nodes = _dict_insert(self.nodes, node.id, node, index)
        self._index_node(node)

    def _remove_node(self, node_id: str) -> int:
        index = list(self.nodes).index(node_id)
        node = self.nodes.pop(node_id)
        self._unindex_node(node)
        return index

    def _set_inputs(self, node_id: str, inputs: list, keyword_inputs: dict | None = None) -> None:
        node = self.nodes[node_id]
        self._unindex_inputs(node)
        node.inputs = [TensorRef(*ref) for ref in inputs]
        if keyword_inputs is not None:
            node.keyword_inputs = dict(keyword_inputs)
        self._index_inputs(node)

    def _set_node_layer(self, node_id: str, layer_id: str) -> None:
        node = self.nodes[node_id]
        self._unindex_call(node)
        node.layer = layer_id
        self._index_call(node)

    def _index_node(self, node: Node) -> None:
        self._index_call(node)
        self._index_inputs(node)

    def _unindex_node(self, node: Node) -> None:
        self._unindex_call(node)
        self._unindex_inputs(node)

    def _index_call(self, node: Node) -> None:
        calls = self._nodes_by_layer.setdefault(node.layer, [])
        calls.append(node.id)
        if len(calls) > 1 and next(reversed(self.nodes)) != node.id:  # keep the calls in document order
            order = {nid: i for i, nid in enumerate(self.nodes)}
            calls.sort(key=lambda nid: order.get(nid, len(order)))

    def _unindex_call(self, node: Node) -> None:
        calls = self._nodes_by_layer.get(node.layer)
        if calls and node.id in calls:
            calls.remove(node.id)

    def _index_inputs(self, node: Node) -> None:
        for slot, ref in enumerate(node.inputs):
            self._consumers.setdefault(ref.node, []).append((node.id, slot))

    def _unindex_inputs(self, node: Node) -> None:
        for ref in node.inputs:
            users = self._consumers.get(ref.node)
            if users:
                self._consumers[ref.node] = [u for u in users if u[0] != node.id]

    def _rebuild_indices(self) -> None:
        """Recompute the lookup tables from scratch (after loading)."""
        self._nodes_by_layer = {lid: [] for lid in self.layers}
        self._consumers = {}
        self._named = (None, -1)
        for layer in self.layers.values():
            self._watch_subgraph(layer)
        for node in self.nodes.values():
            self._nodes_by_layer.setdefault(node.layer, []).append(node.id)
            for slot, ref in enumerate(node.inputs):
                self._consumers.setdefault(ref.node, []).append((node.id, slot))

    # ----------------------------------------------------------------- copies
    def clone(self) -> Document:
        """Return a deep, independent copy without listeners."""
        from graph_core.loom_format import document_from_dict, document_to_dict

        return document_from_dict(document_to_dict(self), allow_large=True)  # it is in memory already

    def iter_documents(self) -> Iterable[Document]:
        """Yield this document and every nested model's document, depth first."""
        yield self
        for layer in self.layers.values():
            if layer.subgraph is not None:
                yield from layer.subgraph.iter_documents()


def _dict_insert(d: dict, key: str, value: Any, index: int | None) -> dict:
    """Return ``d`` with ``key`` inserted at ``index`` (appended when None)."""
    if index is None or index >= len(d):
        d[key] = value
        return d
    items = list(d.items())
    items.insert(index, (key, value))
    return dict(items)
