"""Document-wide checks kept up to date edit by edit: reachability, names, parameter totals.

:class:`GraphChecks` holds what :class:`graph_core.analysis.Analyzer` reports about the graph as a
whole, not about one node: cycles, missing inputs or outputs, layers that reach no output,
invalid or duplicate names, parameter totals (a shared layer counted once) and shared layers called
on incompatible shapes. A config or name edit only revisits the layers it touched; a structural
edit is applied as a delta (the nodes and layers it named: :mod:`graph_core.structure_delta`,
:mod:`graph_core.reach_delta`) when it can be, else the structural parts are recomputed in one
linear pass. Either way the cost of a local edit does not grow with the graph.
"""

from __future__ import annotations

import re
from itertools import islice

from graph_core.document import Document
from graph_core.graph_algorithms import ancestors, find_cycles
from graph_core.node_checks import _describe, _input_shapes
from graph_core.problems import ERROR, WARNING, Problem
from graph_core.reach_delta import update_reached
from graph_core.versioned_map import VersionedMap

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class GraphChecks:
    """The graph-level part of a check, maintained incrementally.

    Args:
        doc: the document checked.
    """

    def __init__(self, doc: Document):
        self.doc = doc
        self._doc_index: dict | None = None  # node id -> position in doc.nodes (problem order)
        self._layer_index: dict | None = None  # layer id -> position in doc.layers
        self._doc_next = self._layer_next = 0  # the position the next appended node / layer gets
        self.inputs: set = set()  # the Input nodes
        self.needed: set = set()  # the nodes that take part in the model
        self.structure_problems: list = []  # cycles, no inputs / outputs
        self.unused_problems: dict = {}  # node id -> its graph.unused warning, in document order
        self.reached_for: tuple | None = None  # the output nodes the structure was computed for
        self._name_problems: dict = {}  # layer id -> its name problems (only layers that have some)
        self._names: dict = {}  # layer id -> the name it was checked with
        self._by_name: dict = {}  # name -> ids of the layers with that name
        self.layer_params = VersionedMap()  # layer id -> (trainable, non_trainable) or None
        self._entries: dict = {}  # layer id -> (value, counted, unknown in model, unused, problems)
        self._shared_problems: dict = {}  # layer id -> its shape.shared_incompatible problems
        self.trainable = self.non_trainable = 0
        self.unknown_in_model = 0
        self.unused: set = set()
        self.unused_trainable = self.unused_non_trainable = 0

    # ----------------------------------------------------------------- structure
    def rebuild_indices(self) -> None:
        """Forget the document-order tables (after a structural edit); they are rebuilt when read."""
        self._doc_index = self._layer_index = None

    @property
    def doc_index(self) -> dict:
        """node id -> its position in the document (the order problems are reported in)."""
        if self._doc_index is None:
            self._doc_index = {nid: i for i, nid in enumerate(self.doc.nodes)}
            self._doc_next = len(self._doc_index)
        return self._doc_index

    @property
    def layer_index(self) -> dict:
        """layer id -> its position in the document."""
        if self._layer_index is None:
            self._layer_index = {lid: i for i, lid in enumerate(self.doc.layers)}
            self._layer_next = len(self._layer_index)
        return self._layer_index

    @property
    def checked_names(self) -> dict:
        """layer id -> the name it was checked with, for every layer of the last check."""
        return self._names

    def rebuild_structure(self, cyclic: list) -> None:
        """Recompute cycles, missing inputs or outputs, reachability and unused nodes."""
        doc = self.doc
        self.reached_for = tuple(o.node for o in doc.outputs)
        problems = []
        if cyclic:
            for cycle in find_cycles(doc, cyclic):
                names = [doc.node_label(n) for n in cycle]
                loop = " → ".join(f"'{n}'" for n in names + names[:1])
                problems.append(Problem(
                    ERROR, "graph.cycle",
                    f"cycle: {loop}. A Keras model must be a directed acyclic graph: a tensor cannot become "
                    f"an input of a layer that helped produce it", tuple(cycle),
                    "remove one of these connections; loops belong inside recurrent layers (LSTM, GRU)"))
        inputs = doc.input_nodes()
        self.inputs = set(inputs)
        problems.extend(self._endpoint_problems())
        if doc.outputs:
            reached = ancestors(doc, [o.node for o in doc.outputs])  # a new set: ours to extend
            self.unused_problems = {nid: _unused_problem(doc, nid) for nid in doc.nodes if nid not in reached}
            reached.update(inputs)
            self.needed = reached
        else:
            self.needed = set(doc.nodes)
            self.unused_problems = {}
        self.structure_problems = problems

    def _endpoint_problems(self) -> list:
        """A model with nodes but no Input, or no output."""
        doc, problems = self.doc, []
        if not self.inputs and doc.nodes:
            problems.append(Problem(ERROR, "graph.no_inputs", f"model '{doc.name}' has no Input layer", (),
                                    "add an Input layer and connect it"))
        if not doc.outputs and doc.nodes:
            problems.append(Problem(ERROR, "graph.no_outputs", f"model '{doc.name}' has no output", (),
                                    "select the last layer and mark it as an output"))
        return problems

    # ----------------------------------------------------------------- after a structural edit
    # (graph_core.structure_delta: the analyzer applies an edit's delta when it can)
    def can_update_reach(self, delta) -> bool:
        """Whether :meth:`update_reach` can apply ``delta``: the outputs are those of the last
        check, every node it removes reached no output, and no rewired node became or stopped
        being an Input. The caller has no cycle (so there is no cycle problem to keep)."""
        doc = self.doc
        if self.reached_for != tuple(o.node for o in doc.outputs):
            return False
        for nid in delta.changed:
            if (nid in self.inputs) != (doc.layer_of(nid).type == "Input"):
                return False
        if doc.outputs:
            reached = _Reached(self)
            if any(nid in reached for nid in delta.removed):
                return False
        return True

    def update_reach(self, delta, position: dict) -> set:
        """Reachability, unused warnings and the Input / output problems after ``delta``
        (:meth:`can_update_reach` said yes); ``position``: the nodes' topological positions.

        Returns:
            The layers of the nodes that started or stopped reaching an output (to recount).
        """
        doc, needed, unused = self.doc, self.needed, self.unused_problems
        for nid in delta.removed:
            needed.discard(nid)
            unused.pop(nid, None)
            self.inputs.discard(nid)
        if not doc.outputs:  # every node takes part
            needed.update(delta.added)
            self.inputs.update(n for n in delta.added if doc.layer_of(n).type == "Input")
            self.structure_problems = self._endpoint_problems()
            return set()
        for nid in delta.added:  # new: reaching nothing yet, until update_reached says otherwise
            unused[nid] = _unused_problem(doc, nid)
            if doc.layer_of(nid).type == "Input":
                self.inputs.add(nid)
                needed.add(nid)
        flipped = update_reached(doc, _Reached(self), position, [*delta.added, *delta.changed])
        for nid in delta.changed:  # its layer may be new (a call made independent): re-word
            if nid in unused:
                unused[nid] = _unused_problem(doc, nid)
        self.structure_problems = self._endpoint_problems()
        return {doc.nodes[nid].layer for nid in flipped}

    def update_indices(self, delta) -> None:
        """The document-order tables after ``delta``: removed ids dropped, ids appended at the end
        numbered after the others (else the table is rebuilt when next read)."""
        if self._doc_index is not None:
            self._doc_index, self._doc_next = _extended(
                self._doc_index, self._doc_next, self.doc.nodes, delta.added, delta.removed)
        if self._layer_index is not None:
            self._layer_index, self._layer_next = _extended(
                self._layer_index, self._layer_next, self.doc.layers, delta.added_layers, delta.removed_layers)

    def update_names(self, delta) -> None:
        """Check the names of the layers ``delta`` added, those left by the layers it removed, and
        those of the layers whose calls changed (a name problem lists the layer's nodes)."""
        touched = {self._names[lid] for lid in delta.kept_layers}
        for lid in delta.removed_layers:
            old = self._names.pop(lid)
            ids = self._by_name[old]
            ids.remove(lid)
            if not ids:
                del self._by_name[old]
            self._name_problems.pop(lid, None)
            touched.add(old)
        for lid in delta.added_layers:
            name = self.doc.layers[lid].name
            self._names[lid] = name
            self._by_name.setdefault(name, []).append(lid)
            touched.add(name)
        for name in touched:
            self._recheck_name(name)
        if delta.renamed_layers:
            self.renamed(delta.renamed_layers)

    def renamed_in_structure(self, layer_ids) -> None:
        """Re-word the structural problems that name the renamed layers."""
        unused = self.unused_problems
        for lid in layer_ids:
            for nid in self.doc._nodes_by_layer.get(lid, ()):
                if nid in unused:
                    unused[nid] = _unused_problem(self.doc, nid)

    # ----------------------------------------------------------------- names
    def rebuild_names(self) -> None:
        """Recheck every layer name (after a structural edit)."""
        self._name_problems, self._names, self._by_name = {}, {}, {}
        for lid, layer in self.doc.layers.items():
            self._names[lid] = layer.name
            self._by_name.setdefault(layer.name, []).append(lid)
        for name in self._by_name:
            self._recheck_name(name)

    def renamed(self, layer_ids) -> None:
        """Recheck the names involved in renaming ``layer_ids`` (old and new names)."""
        touched = set()
        for lid in layer_ids:
            layer = self.doc.layers.get(lid)
            old = self._names.get(lid)
            if layer is None or old is None or old == layer.name:
                continue
            self._by_name[old].remove(lid)
            if not self._by_name[old]:
                del self._by_name[old]
            self._by_name.setdefault(layer.name, []).append(lid)
            self._names[lid] = layer.name
            touched.update((old, layer.name))
        for name in touched:
            self._recheck_name(name)

    def _recheck_name(self, name: str) -> None:
        doc = self.doc
        lids = self._by_name.get(name, ())
        valid = NAME_PATTERN.match(name) is not None
        if len(lids) == 1 and valid:  # the common case: nothing to report
            self._name_problems.pop(lids[0], None)
            return
        if len(lids) > 1:
            lids.sort(key=self.layer_index.__getitem__)
        for k, lid in enumerate(lids):
            layer = doc.layers[lid]
            nodes = tuple(doc.nodes_of(lid))
            problems = []
            if not valid:
                problems.append(Problem(ERROR, "name.invalid",
                                        f"{layer.type} name {name!r} is not a valid Keras layer name", nodes,
                                        "use letters, digits and underscores, starting with a letter"))
            if k:
                both = nodes + tuple(doc.nodes_of(lids[0]))
                problems.append(Problem(ERROR, "name.duplicate", f"two layers are named '{name}'", both,
                                        "layer names must be unique; rename one of them"))
            if problems:
                self._name_problems[lid] = problems
            else:
                self._name_problems.pop(lid, None)

    # ----------------------------------------------------------------- parameters
    def rebuild_params(self, results: dict) -> None:
        """Recount every layer (after reachability changed)."""
        layers = self.doc.layers
        for lid in [lid for lid in self.layer_params.data if lid not in layers]:
            del self.layer_params[lid]
        self._entries, self._shared_problems = {}, {}
        self.trainable = self.non_trainable = self.unknown_in_model = 0
        self.unused = set()
        self.unused_trainable = self.unused_non_trainable = 0
        by_layer, needed, entries, params = self.doc._nodes_by_layer, self.needed, self._entries, self.layer_params
        fresh = not params.data  # a first count: nothing to compare with
        store = params.setter()
        trainable = non_trainable = unused_trainable = unused_non_trainable = 0  # of the inline ones
        unused = self.unused
        for lid, layer in layers.items():
            calls = by_layer.get(lid, ())
            res = results.get(calls[0]) if len(calls) == 1 else None
            if res is None or res.params is None or layer.type == "Input":
                self.update_layer(lid, results)  # the general case
                continue
            value, in_model = res.params, calls[0] in needed  # one call with a known count: inline
            entries[lid] = (value, in_model, False, not in_model)
            if in_model:
                trainable += value[0]
                non_trainable += value[1]
            else:
                unused.add(lid)
                unused_trainable += value[0]
                unused_non_trainable += value[1]
            if fresh or params.data.get(lid, False) != value:
                store(lid, value)
        self.trainable += trainable
        self.non_trainable += non_trainable
        self.unused_trainable += unused_trainable
        self.unused_non_trainable += unused_non_trainable

    def update_layer(self, lid: str, results: dict) -> None:
        """Recount one layer from the results of its calls."""
        doc = self.doc
        layer = doc.layers.get(lid)
        self._drop_entry(lid)
        if layer is None:
            if lid in self.layer_params.data:
                del self.layer_params[lid]
            return
        calls = doc._nodes_by_layer.get(lid, ())
        needed = self.needed
        if len(calls) == 1:  # the common case, without the general bookkeeping
            res = results.get(calls[0])
            if res is None:
                calls, counts, in_model = (), [], False
            else:
                counts = [(calls[0], res.params)] if res.params is not None else []
                in_model = calls[0] in needed
        else:
            calls = [n for n in calls if n in results]
            counts = [(n, results[n].params) for n in calls if results[n].params is not None]
            in_model = False
            for n in calls:
                if n in needed:
                    in_model = True
                    break
        unused = bool(calls) and not in_model
        problems = []
        if layer.type != "Input" and not counts:
            value, counted, unknown = None, False, bool(calls) and in_model
        else:
            value = counts[0][1] if counts else (0, 0)
            counted, unknown = in_model or not calls, False
            for other, count in counts[1:]:
                if count != value:
                    first = counts[0][0]
                    shape_a = _input_shapes(doc, results, first)
                    shape_b = _input_shapes(doc, results, other)
                    problems.append(Problem(
                        ERROR, "shape.shared_incompatible",
                        f"{_describe(layer)} is shared but called on {shape_a} at '{doc.node_label(first)}' "
                        f"and on {shape_b} at '{doc.node_label(other)}'; one set of weights cannot fit both",
                        (other, first), "feed both calls tensors of the same shape, or make this call independent"))
        entry = (value, counted, unknown, unused)
        self._entries[lid] = entry
        if problems:
            self._shared_problems[lid] = problems
        if lid not in self.layer_params.data or self.layer_params.data[lid] != value:
            self.layer_params[lid] = value
        self._add(entry, lid, 1)

    def _drop_entry(self, lid: str) -> None:
        entry = self._entries.pop(lid, None)
        self._shared_problems.pop(lid, None)
        if entry is not None:
            self._add(entry, lid, -1)

    def _add(self, entry: tuple, lid: str, sign: int) -> None:
        value, counted, unknown, unused = entry
        if counted:
            self.trainable += sign * value[0]
            self.non_trainable += sign * value[1]
        self.unknown_in_model += sign * unknown
        if unused:
            if sign > 0:
                self.unused.add(lid)
            else:
                self.unused.discard(lid)
            if value is not None:
                self.unused_trainable += sign * value[0]
                self.unused_non_trainable += sign * value[1]

    # ----------------------------------------------------------------- reading
    def problems(self) -> list:
        """The graph-level problems in their report order: structure, names, shared layers."""
        out = self.structure_problems + list(self.unused_problems.values())
        if self._name_problems or self._shared_problems:
            index = self.layer_index
            for lid in sorted(self._name_problems, key=index.__getitem__):
                out.extend(self._name_problems[lid])
            for lid in sorted(self._shared_problems, key=index.__getitem__):
                out.extend(self._shared_problems[lid])
        return out

    def unused_layers(self) -> tuple:
        """The ids of the layers that reach no output, in document order."""
        return tuple(sorted(self.unused, key=self.layer_index.__getitem__)) if self.unused else ()


class _Reached:
    """The nodes that reach an output, as a set over :class:`GraphChecks`'s own tables: ``needed``
    (those nodes and the Inputs) and the unused warnings (every node that reaches none)."""

    def __init__(self, checks: GraphChecks):
        self._checks = checks

    def __contains__(self, nid: str) -> bool:
        return nid in self._checks.needed and nid not in self._checks.unused_problems

    def add(self, nid: str) -> None:
        self._checks.needed.add(nid)
        self._checks.unused_problems.pop(nid, None)

    def discard(self, nid: str) -> None:
        checks = self._checks
        if nid not in checks.inputs:
            checks.needed.discard(nid)
        checks.unused_problems[nid] = _unused_problem(checks.doc, nid)


def _extended(index: dict, next_position: int, items: dict, added: list, removed: list) -> tuple:
    """``(index, next position)`` of a document-order table (id -> position) after removing
    ``removed`` and appending ``added``; ``(None, 0)`` (rebuilt when read) when the added ids are not
    the last ones of ``items``."""
    for key in removed:
        index.pop(key, None)
    if not added:
        return index, next_position
    tail = list(islice(reversed(items), len(added)))
    if set(tail) != set(added):
        return None, 0
    for key in reversed(tail):
        index[key] = next_position
        next_position += 1
    return index, next_position


def _unused_problem(doc: Document, nid: str) -> Problem:
    layer = doc.layer_of(nid)
    what = "Input" if layer.type == "Input" else "layer"
    return Problem(WARNING, "graph.unused", f"{_describe(layer)} reaches no model output, so it is "
                   f"not part of the model", (nid,), f"connect this {what} towards an output or delete it")
