"""The Cost panel: heaviest layers in a sortable table, the canvas heat map, measured time.

:func:`attach_cost` is the one call the application makes: it docks the panel, adds the cost to
the status bar and to the inspector's information lines, colours the cards of every canvas tab
when a metric is chosen (with a legend over the view) and asks the Keras worker to measure time.
Clicking a row selects its node on the canvas. Nothing here imports TensorFlow.

:class:`CostPanel` keeps the figures and the choices (metric, batch size); its widgets
(:class:`editor.cost_widget.CostWidget`) sit behind the Summary tab and are built when the Cost
tab is first shown, so they cost the window's first frame nothing.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel

from editor.cost_state import METRICS, CostState
from editor.lazy_panels import add_lazy_panel, is_built, panel_of
from graph_core.cost_text import human_bytes, human_count, summary_line

REFRESH_MS = 60


def _text(metric: str, value) -> str:
    if value is None:
        return "?"
    if metric == "params":
        return human_count(value, "params") if value else "0 params"
    if metric == "flops":
        return human_count(value, "FLOPs")
    if metric == "activation":
        return human_bytes(value)
    return f"{value:.3g} ms"


class CostPanel(QObject):
    """The Cost panel: the figures of the current tab's model, the heat map, measured times.

    Args:
        window: the main window (``tabs``, ``session``, ``show_nodes``).
        worker: the :class:`~editor.worker.client.KerasWorker` used to measure time (None: no measuring).

    Its widgets (``table``, ``totals``, ``metric_box``, ``batch_box``, ``measure_button``) are
    those of :attr:`widget`, built on first use.
    """

    def __init__(self, window, worker=None, parent: QObject | None = None):
        super().__init__(parent)
        self.window = window
        self.worker = worker
        self.dock = None  # the Cost dock, set by attach_cost
        self.state: CostState | None = None
        self._profile_id: int | None = None
        self._heat: dict = {}  # id(scene) -> (scene, HeatMap, HeatLegend)
        self.heat_metric = "off"
        self.batch_size = 1
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        if worker is not None:
            worker.profiled.connect(self._on_profiled)
            worker.profileFailed.connect(self._on_profile_failed)

    # ------------------------------------------------------------------ the widgets
    @property
    def widget(self):
        """The panel's :class:`~editor.cost_widget.CostWidget` (built now if it is not yet)."""
        return panel_of(self.dock)

    def _built_widget(self):
        return self.dock.panel if self.dock is not None and is_built(self.dock) else None

    @property
    def table(self):
        """The table of the current tab's nodes."""
        return self.widget.table

    @property
    def totals(self):
        """The label with the model's totals."""
        return self.widget.totals

    @property
    def metric_box(self):
        """The "Colour cards by" choice."""
        return self.widget.metric_box

    @property
    def batch_box(self):
        """The batch size spin box."""
        return self.widget.batch_box

    @property
    def measure_button(self):
        """The Measure time button."""
        return self.widget.measure_button

    @property
    def measuring(self) -> bool:
        """True while the worker measures time."""
        return self._profile_id is not None

    def _sync_widget(self) -> None:
        widget = self._built_widget()
        if widget is not None:
            widget.sync()

    # ------------------------------------------------------------------ following the window
    def heat_legend(self, scene):
        """The heat-map legend drawn over ``scene``'s view (None when there is none)."""
        entry = self._heat.get(id(scene))
        return entry[2] if entry else None

    def set_session(self, session) -> None:
        """Follow ``session`` (its documents' costs, its measured times)."""
        if self.state is not None:
            self.state.close()
        for _scene, heat, legend in self._heat.values():
            heat.clear()
            legend.hide()
        self._heat.clear()
        self.state = CostState(session, self) if session is not None else None
        if self.state is not None:
            self.state.set_batch_size(self.batch_size)
            self.state.timesChanged.connect(self.schedule_refresh)
            session.checked.connect(lambda _doc, _result: self.schedule_refresh())
        self._profile_id = None
        self._sync_widget()
        self.refresh()

    def schedule_refresh(self) -> None:
        """Refresh soon (edits arriving together are shown once)."""
        self._timer.start()

    def current(self) -> tuple:
        """(path, document) of the window's current canvas tab."""
        tabs = self.window.tabs
        doc = tabs.current_document() or (self.state.session.document if self.state else None)
        return tabs.current_path(), doc

    # ------------------------------------------------------------------ actions
    def set_metric(self, metric: str) -> None:
        """Colour the cards by ``metric`` (a key of :data:`METRICS`; ``"off"`` removes the colours)."""
        self.heat_metric = metric if metric in METRICS else "off"
        self._sync_widget()
        if self.heat_metric == "time" and self.state is not None and not self.state.times \
                and self._profile_id is None:
            self.measure()
        self.refresh()

    def set_batch_size(self, value: int) -> None:
        """The batch size of every figure (measured times are dropped)."""
        self.batch_size = max(1, int(value))
        if self.state is not None:
            self.state.set_batch_size(self.batch_size)
        self._sync_widget()
        self.refresh()

    def measure(self) -> int | None:
        """Ask the worker to time every layer of the top-level model at the batch size."""
        if self.worker is None or self.state is None:
            return None
        session = self.state.session
        if not session.result().valid:
            self._say("Fix the model's errors before measuring time")
            return None
        self._profile_id = self.worker.request_profile(session.document, batch_size=self.state.batch_size)
        self._sync_widget()
        self._say("Measuring each layer's forward time in the Keras worker…", 0)
        return self._profile_id

    def _on_profiled(self, reply: dict) -> None:
        if reply.get("id") != self._profile_id or self.state is None:
            return
        self._profile_id = None
        self._sync_widget()
        if not self.state.set_times(reply):
            self._say("The model changed while it was measured; measure again")
            return
        self._say(f"Measured: layers {reply.get('total_ms', 0):.2f} ms, whole model "
                  f"{reply.get('model_ms', 0):.2f} ms at batch {reply.get('batch_size')}")

    def _on_profile_failed(self, message: str) -> None:
        self._profile_id = None
        self._sync_widget()
        self._say(f"Measuring failed: {message}", 8000)

    def _say(self, text: str, timeout: int = 6000) -> None:
        show = getattr(self.window, "show_message", None)
        if callable(show):
            show(text, timeout)

    def show_node(self, node_id: str) -> None:
        """Select ``node_id`` of the current tab's model on its canvas (a table row was clicked)."""
        path, _doc = self.current()
        self.window.show_nodes(path, [node_id])

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        """Recompute what is shown: totals, table, heat map of the open tabs, status bar."""
        self._timer.stop()
        if self.state is None:
            return
        path, doc = self.current()
        if doc is None:
            return
        widget = self._built_widget()
        if widget is not None:  # not built yet: it shows the figures when it is
            self.show_figures(widget)
        self._paint_heat()
        hook = getattr(self.window, "cost_status", None)
        if hook is not None:  # the status bar shows the whole model, whatever tab is open
            top = self.state.cost()
            hook.setText(f"FLOPs: <b>{human_count(top.flops)}</b> · peak act. {human_bytes(top.peak_activation_bytes)}")
            hook.setToolTip(summary_line(top))

    def show_figures(self, widget) -> None:
        """Show the current tab's totals and nodes on ``widget`` (a :class:`CostWidget`)."""
        if self.state is None:
            return
        _path, doc = self.current()
        if doc is None:
            return
        cost = self.state.cost(doc)
        timed = f" · measured {self.state.total_ms:.2f} ms (model {self.state.model_ms:.2f} ms)" \
            if self.state.times and doc is self.state.session.document else ""
        training = human_bytes(cost.training_bytes)
        widget.show_figures(html.escape(f"{summary_line(cost)} · training ≈ {training}{timed}"), doc, cost)

    def _paint_heat(self) -> None:
        tabs = self.window.tabs
        for path in tabs.paths():
            scene, view = tabs.scene_for(path), None
            if scene is None:
                continue
            entry = self._heat.get(id(scene))
            if entry is not None and entry[0] is not scene:
                entry = None
            if self.heat_metric == "off":  # no colours: nothing to make, only to clear
                if entry is not None:
                    entry[1].clear()
                    entry[2].hide()
                continue
            if entry is None:
                view = next(iter(scene.views()), None)
                if view is None:
                    continue
                from editor.canvas.heat_map import HeatLegend, HeatMap

                entry = self._heat[id(scene)] = (scene, HeatMap(scene), HeatLegend(view))
            _scene, heat, legend = entry
            values = self.state.node_values(scene.document, self.heat_metric)
            heat.apply(values, lambda v: _text(self.heat_metric, v))
            known = [v for v in values.values() if v is not None]
            low, high = (min(known), max(known)) if known else (None, None)
            title = METRICS[self.heat_metric]
            if self.heat_metric != "params":
                title += f" (batch {self.state.batch_size})"
            if self.heat_metric == "time" and not known:
                title += " — not measured"
            legend.set(title, _text(self.heat_metric, low), _text(self.heat_metric, high))

    def inspector_lines(self, doc, node_ids: list) -> list:
        """The cost lines the inspector shows for a selection (the model's totals when empty)."""
        if self.state is None or doc is None:
            return []
        cost = self.state.cost(doc)
        if not node_ids:
            return [summary_line(cost)]
        lines = []
        for nid in node_ids:
            node_cost = cost.nodes.get(nid)
            if node_cost is None:
                continue
            prefix = f"{doc.node_label(nid)}: " if len(node_ids) > 1 else ""
            ms = self.state.times.get(nid) if doc is self.state.session.document else None
            timed = f" · {ms:.3f} ms measured" if ms is not None else ""
            lines.append(f"{prefix}{human_count(node_cost.flops, 'FLOPs')} · activations "
                         f"{human_bytes(node_cost.activation_bytes)} (batch {cost.batch_size}){timed}")
        return lines


def attach_cost(window, worker=None) -> CostPanel:
    """Dock the Cost panel on ``window`` and hook it into the status bar, inspector and canvas.

    Args:
        window: the :class:`editor.main_window.MainWindow`.
        worker: the Keras worker used to measure time (None: time cannot be measured).

    Returns:
        The panel (also ``window.cost_panel``); its widgets are built when the Cost tab is first shown.
    """
    panel = CostPanel(window, worker, window)
    window.cost_panel = panel

    def build():
        from editor.cost_widget import CostWidget

        widget = CostWidget(panel)
        panel.show_figures(widget)
        return widget

    panel.dock = window.cost_dock = add_lazy_panel(window, build, "Cost", Qt.DockWidgetArea.BottomDockWidgetArea)
    window.cost_status = QLabel()
    window.cost_status.setObjectName("statusCost")
    window.statusBar().addPermanentWidget(window.cost_status)
    window.inspector.info_providers.append(panel.inspector_lines)
    window.sessionChanged.connect(panel.set_session)
    window.tabs.currentChanged.connect(panel.schedule_refresh)
    window.tabs.sceneCreated.connect(lambda _scene, _view: panel.schedule_refresh())
    panel.set_session(window.session)
    return panel
