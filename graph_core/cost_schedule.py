"""The run schedule behind peak activation memory, and running totals (helpers of graph_core.cost).

:func:`schedule_of` orders a document's model nodes (the file's order when it is topological, the
usual case; else Kahn's) and notes after which step each node's tensors can be freed;
:func:`peak_activation` walks that schedule. :class:`Totals` keeps sums of known values and a
count of unknown ones, so one edit updates a total without summing every node again.
"""

from __future__ import annotations

from graph_core.document import Document
from graph_core.graph_algorithms import topological_order


class Totals:
    """Sums of known values and a count of unknown ones, updated by replacing one value.

    Two channels: MACs and activation bytes of nodes; a weight total uses the first channel only
    (:meth:`of_weights`, :meth:`replace_bytes`).
    """

    def __init__(self):
        self.macs = self.activation = self.unknown_macs = self.unknown_activation = 0

    @classmethod
    def of(cls, nodes: dict, used: frozenset) -> Totals:
        """The totals of the node costs (``(macs, activation bytes)``) of the nodes in ``used``."""
        totals = cls()
        macs = activation = unknown_macs = unknown_activation = 0
        for nid in used:
            cost = nodes.get(nid)
            m, a = (None, None) if cost is None else cost
            if m is None:
                unknown_macs += 1
            else:
                macs += m
            if a is None:
                unknown_activation += 1
            else:
                activation += a
        totals.macs, totals.activation = macs, activation
        totals.unknown_macs, totals.unknown_activation = unknown_macs, unknown_activation
        return totals

    @classmethod
    def with_peak(cls, schedule: Schedule, nodes: dict) -> tuple:
        """``(totals of the scheduled nodes, peak activation bytes)`` in one walk of the schedule."""
        if schedule.order is None:
            return cls.of(nodes, schedule.used), None
        totals = cls()
        macs = activation = unknown_macs = unknown_activation = alive = peak = 0
        frees = schedule.frees
        for step, nid in enumerate(schedule.order):
            m, a = nodes[nid]
            if m is None:
                unknown_macs += 1
            else:
                macs += m
            if a is None:
                unknown_activation += 1
                continue
            activation += a
            if not unknown_activation:
                alive += a
                if alive > peak:
                    peak = alive
                for done in frees.get(step, ()):
                    alive -= nodes[done][1]
        totals.macs, totals.activation = macs, activation
        totals.unknown_macs, totals.unknown_activation = unknown_macs, unknown_activation
        return totals, (None if unknown_activation else peak)

    @classmethod
    def of_weights(cls, layer_bytes: dict, used_layers: frozenset) -> Totals:
        """The total of the weight bytes of the layers in ``used_layers`` (in the first channel)."""
        totals = cls()
        values = [layer_bytes.get(lid) for lid in used_layers]
        known = [v for v in values if v is not None]
        totals.macs, totals.unknown_macs = sum(known), len(values) - len(known)
        return totals

    def replace(self, old: tuple | None, new: tuple, fresh: bool = False) -> None:
        """Replace one node's (macs, activation bytes) figure (``fresh``: add it, nothing to remove)."""
        if not fresh:
            self._add(old.macs if old else None, old.activation_bytes if old else None, -1)
        self._add(new.macs, new.activation_bytes, 1)

    def replace_bytes(self, old: int | None, new: int | None, fresh: bool = False) -> None:
        """Replace one layer's weight bytes in the first channel."""
        if not fresh:
            self._add(old, None, -1)
        self._add(new, None, 1)

    def _add(self, macs, activation, sign: int) -> None:
        if macs is None:
            self.unknown_macs += sign
        else:
            self.macs += sign * macs
        if activation is None:
            self.unknown_activation += sign
        else:
            self.activation += sign * activation

    @property
    def macs_total(self) -> int | None:
        """The first channel's sum, None when a part is unknown."""
        return None if self.unknown_macs else self.macs

    @property
    def activation_total(self) -> int | None:
        """The second channel's sum, None when a part is unknown."""
        return None if self.unknown_activation else self.activation


class Schedule:
    """The model's nodes in run order, which nodes' tensors can be freed after each step, and the
    running totals over the model's nodes and layers.

    ``peak`` is a :class:`PeakTree` once a tracker keeps the schedule across edits (None before)."""

    def __init__(self, order: list | None, frees: dict, used: dict, used_layers: set):
        self.order, self.frees, self.used, self.used_layers = order, frees, used, used_layers
        self.totals = Totals()
        self.weights = Totals()
        self.peak: PeakTree | None = None
        self._model_nodes: frozenset | None = None

    @property
    def model_nodes(self) -> frozenset:
        """The ids of the scheduled nodes (made once per schedule)."""
        if self._model_nodes is None:
            self._model_nodes = frozenset(self.used)
        return self._model_nodes


class PeakTree:
    """The peak of :func:`peak_activation`, kept while node sizes change: O(log n) per change.

    Leaf ``t`` holds what step ``t`` adds to the bytes alive while it runs: its node's outputs,
    less what the step before it freed. The bytes alive at step ``t`` are then the sum of leaves
    ``0..t``, and the peak is the largest such prefix sum: every tree node keeps the sum of its span
    and the largest prefix sum within it. An unknown size counts 0 and is counted apart; the peak is
    None while any is unknown, as :func:`peak_activation` says.

    Args:
        schedule: a schedule with a run order (not a cyclic graph's).
        nodes: node id -> :class:`graph_core.cost.NodeCost` of every scheduled node.
    """

    def __init__(self, schedule: Schedule, nodes: dict):
        order, frees = schedule.order, schedule.frees
        self._step = schedule.used
        self._freed_after = {nid: step for step, done in frees.items() for nid in done}
        self._steps = len(order)
        width = 1
        while width < self._steps:
            width *= 2
        self._width = width
        sizes = [nodes[nid].activation_bytes for nid in order]
        self.unknown = sizes.count(None)
        known = {nid: size or 0 for nid, size in zip(order, sizes)}
        sums = [0] * (2 * width)
        for step, nid in enumerate(order):
            sums[width + step] = known[nid]
        for step, done in frees.items():
            if step + 1 < self._steps:
                sums[width + step + 1] -= sum(known[nid] for nid in done)
        best = list(sums)  # a leaf's largest prefix is its own value
        for i in range(width - 1, 0, -1):
            left, right = 2 * i, 2 * i + 1
            sums[i] = sums[left] + sums[right]
            best[i] = max(best[left], sums[left] + best[right])
        self._sums, self._best = sums, best

    @property
    def peak(self) -> int | None:
        """The peak in bytes, None while a size is unknown."""
        return None if self.unknown else max(self._best[1], 0)

    def replace(self, nid: str, old: int | None, new: int | None) -> None:
        """Node ``nid``'s outputs now take ``new`` bytes instead of ``old`` (None: unknown)."""
        self.unknown += (new is None) - (old is None)
        delta = (new or 0) - (old or 0)
        if delta:
            self._add(self._step[nid], delta)
            freed = self._freed_after.get(nid)
            if freed is not None and freed + 1 < self._steps:
                self._add(freed + 1, -delta)

    def _add(self, step: int, delta: int) -> None:
        sums, best = self._sums, self._best
        i = self._width + step
        sums[i] += delta
        best[i] = sums[i]
        i //= 2
        while i:
            left = 2 * i
            sums[i] = sums[left] + sums[left + 1]
            best[i] = max(best[left], sums[left] + best[left + 1])
            i //= 2


def schedule_of(doc: Document, nodes: dict | None = None) -> Schedule:
    """Run order (the document's order when it is topological, the usual case; else Kahn's), the
    nodes that are part of the model (they reach an output), and what is freed after each step."""
    nodes = doc.nodes if nodes is None else nodes
    position: dict = {}
    last_use: dict = {}
    for step, (nid, node) in enumerate(nodes.items()):
        for source, _index in node.inputs:
            if source not in position:
                return _sorted_schedule(doc)
            last_use[source] = step
        position[nid] = step
    order = list(nodes)
    every = True
    outputs = {o.node for o in doc.outputs}
    if outputs and not (position.keys() - last_use.keys()) <= outputs:  # a sink that is no output
        used = set(outputs)  # some node reaches no output: keep the ones that do
        for nid in reversed(order):
            if nid in used:
                for ref in nodes[nid].inputs:
                    used.add(ref.node)
        order = [n for n in order if n in used]
        every = False
        position = {n: i for i, n in enumerate(order)}
        last_use = {}
        for step, nid in enumerate(order):
            for ref in nodes[nid].inputs:
                last_use[ref.node] = step
    return _finish_schedule(doc, nodes, order, position, last_use, every)


def _sorted_schedule(doc: Document) -> Schedule:
    order, cyclic = topological_order(doc)
    if cyclic:
        return Schedule(None, {}, dict.fromkeys(doc.nodes), {n.layer for n in doc.nodes.values()})
    return schedule_of(doc, {nid: doc.nodes[nid] for nid in order})


def _finish_schedule(doc: Document, nodes: dict, order: list, position: dict, last_use: dict,
                     every: bool) -> Schedule:
    end = len(order)
    for out in doc.outputs:
        if out.node in position:
            last_use[out.node] = end
    frees: dict = {}  # step -> the nodes whose tensors are freed after it
    for nid, step in position.items():
        free_at = last_use.get(nid, step)
        if free_at < end:
            frees.setdefault(free_at, []).append(nid)
    layers = {node.layer for node in nodes.values()} if every else {nodes[n].layer for n in order}
    return Schedule(order, frees, position, layers)


def peak_activation(schedule: Schedule, nodes: dict) -> int | None:
    """Peak bytes alive when the model's nodes run in topological order.

    A node's outputs are allocated when it runs and freed after its last reader has run; the
    model's outputs stay alive to the end. The peak is taken while a node runs, its inputs and
    its outputs both alive.

    Args:
        schedule: the run order and the frees after each step.
        nodes: node id -> :class:`graph_core.cost.NodeCost`.

    Returns:
        The peak in bytes, None when a tensor's size is unknown or the graph has a cycle.
    """
    if schedule.order is None:
        return None
    alive = peak = 0
    frees = schedule.frees
    for step, nid in enumerate(schedule.order):
        size = nodes[nid].activation_bytes
        if size is None:
            return None
        alive += size
        if alive > peak:
            peak = alive
        for done in frees.get(step, ()):
            alive -= nodes[done].activation_bytes
    return peak
