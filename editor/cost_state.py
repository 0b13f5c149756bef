"""The cost figures the editor shows, kept up to date: static cost per document, measured times.

One :class:`CostState` follows a session. For each document (top level and nested) it keeps a
:class:`graph_core.cost.CostTracker`, so an edit recomputes only what it touched. Measured times
come from the Keras worker (``profile`` request) for the top-level document; an edit that can
change them (anything but a move or a rename) drops them, since they describe another model.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from graph_core.cost import CostTracker, ModelCost

#: the metrics a card can be coloured by: key -> menu text
METRICS = {"off": "Off", "params": "Parameters", "flops": "FLOPs", "activation": "Activation memory",
           "time": "Measured time"}


class CostState(QObject):
    """Static cost and measured times of one session's documents.

    Args:
        session: the :class:`editor.session.DocumentSession`.

    Signals:
        timesChanged(): measured times arrived or were dropped.
    """

    timesChanged = Signal()

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.batch_size = 1
        self._trackers: dict = {}
        self.times: dict = {}  # top-level node id -> ms
        self.model_ms: float | None = None
        self.total_ms: float | None = None
        self.measured_revision: int | None = None
        session.changed.connect(self._on_changed)

    def close(self) -> None:
        """Stop following the session's documents."""
        for tracker, _doc in self._trackers.values():
            tracker.close()
        self._trackers.clear()
        try:
            self.session.changed.disconnect(self._on_changed)
        except (RuntimeError, TypeError):
            pass

    def set_batch_size(self, batch_size: int) -> None:
        """The batch size of every figure (measured times are dropped: they were for another batch)."""
        if batch_size != self.batch_size:
            self.batch_size = max(1, int(batch_size))
            self.clear_times()

    def cost(self, doc=None) -> ModelCost:
        """The current :class:`ModelCost` of ``doc`` (the top-level document by default)."""
        doc = doc or self.session.document
        entry = self._trackers.get(id(doc))
        if entry is None or entry[1] is not doc:
            tracker = CostTracker(result_of=self.session.result)
            tracker.follow(doc)
            entry = self._trackers[id(doc)] = (tracker, doc)
        return entry[0].compute(doc, self.session.result(doc), self.batch_size)

    # ------------------------------------------------------------------ measured times
    def set_times(self, reply: dict) -> bool:
        """Store a worker ``profiled`` reply; False when the document changed since it was requested."""
        if reply.get("revision") not in (None, self.session.document.revision):
            return False
        nodes = reply.get("nodes") or {}
        self.times = {nid: float(entry["ms"]) for nid, entry in nodes.items()
                      if isinstance(entry, dict) and isinstance(entry.get("ms"), (int, float))}
        self.model_ms = reply.get("model_ms")
        self.total_ms = reply.get("total_ms")
        self.measured_revision = self.session.document.revision
        self.timesChanged.emit()
        return True

    def clear_times(self) -> None:
        """Forget the measured times."""
        if self.times or self.model_ms is not None:
            self.times, self.model_ms, self.total_ms, self.measured_revision = {}, None, None, None
            self.timesChanged.emit()

    def _on_changed(self, doc, event) -> None:
        if event.affects_analysis and event.kind != "name" and self.times:
            self.clear_times()

    # ------------------------------------------------------------------ per node
    def node_values(self, doc, metric: str) -> dict:
        """node id -> value of ``metric`` (None when unknown) for every node of ``doc``."""
        if metric == "time":
            if doc is not self.session.document:
                return {nid: None for nid in doc.nodes}
            return {nid: self.times.get(nid) for nid in doc.nodes}
        if metric == "params":
            params = self.session.result(doc).layer_params
            out = {}
            for nid, node in doc.nodes.items():
                value = params.get(node.layer)
                out[nid] = None if value is None else value[0] + value[1]
            return out
        cost = self.cost(doc)
        if metric == "flops":
            return {nid: cost.nodes[nid].flops if nid in cost.nodes else None for nid in doc.nodes}
        return {nid: cost.nodes[nid].activation_bytes if nid in cost.nodes else None for nid in doc.nodes}
