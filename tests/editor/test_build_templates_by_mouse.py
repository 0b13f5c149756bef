"""The canvas's promise: a person can build every template from an empty canvas with the mouse.

For each shipped template, a new empty model is opened in a MainWindow and the template is rebuilt
using only what a user does: palette drops, drags from output ports to input ports, clicks on
cards, Layer › Call Again for shared layers, double-click on a Model card to draw its graph in its
tab, the inspector's fields (name, parameters, *Mark as model output*, loss / weight / metrics,
model settings). The result must be the template: same layers (types, names, resolved configs),
same wiring (by layer name and call), same outputs, same settings, same check (shapes, params,
problems).

The one thing not done by hand is what Keras does: an ``Application`` layer's shapes and
parameters come from the Keras worker through the Summary panel; here a fake worker gives the
answer Keras gives (the real worker is covered by ``test_panels.py`` / ``test_worker.py``).
"""

from __future__ import annotations

import pprint

import pytest
from PySide6.QtCore import QObject, QPointF, Qt, QTimer, Signal

from editor.canvas import style as S
from graph_core import catalog, check
from graph_core.analysis import Analyzer, application_cache_key
from graph_core.templates import list_templates, load_template
from tests.editor.gui_driver import GuiDriver
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]

TEMPLATES = [t.slug for t in list_templates()]

#: What Keras measures for a keras.applications model, by (application, include_top, weights, input
#: shape without the batch axis): the Keras worker's answer (as stored in siamese-vision.loom).
KERAS_APPLICATIONS = {
    ("Xception", False, None, (250, 250, 3)): {
        "outputs": [[None, 8, 8, 2048]], "dtypes": ["float32"],
        "trainable": 20806952, "non_trainable": 54528,
    },
}


# ------------------------------------------------------------------ what "the same model" means
def _call(doc, node_id: str) -> tuple:
    """A node as (layer name, call number)."""
    node = doc.nodes[node_id]
    return doc.layers[node.layer].name, doc.nodes_of(node.layer).index(node_id)


def describe(doc, top_level: bool = True) -> dict:
    """Everything that makes a model, without ids and canvas positions."""
    result = check(doc)
    layers = []
    for layer in doc.layers.values():
        entry = {"name": layer.name, "type": layer.type,
                 "config": catalog.resolve_config(layer.type, layer.config)}
        if layer.subgraph is not None:
            entry["graph"] = describe(layer.subgraph, top_level=False)
        layers.append(entry)
    nodes = []
    for nid, node in doc.nodes.items():
        specs = result.output_specs(nid)
        nodes.append({"call": _call(doc, nid),
                      "inputs": [(*_call(doc, ref.node), ref.index) for ref in node.inputs],
                      "shapes": [(s.shape, s.dtype) for s in specs] if specs else None})
    described = {
        "name": doc.name,
        "layers": layers,
        "nodes": nodes,
        "outputs": [(_call(doc, o.node), o.index, o.loss, o.loss_weight, list(o.metrics)) for o in doc.outputs],
        "params": (result.total, result.trainable, result.non_trainable, result.params_known),
        "problems": sorted((p.severity, p.code, p.message) for p in result.problems),
    }
    if top_level:
        described["compile"] = dict(doc.compile)
        described["fit"] = dict(doc.fit)
    return described


# ------------------------------------------------------------------ the Keras worker, faked
class MeasuringWorker(QObject):
    """The worker interface the Summary panel uses; answers summaries with Keras's measurements
    of the model's (top-level) Application layers, asynchronously like the real worker."""

    summaryReady = Signal(int, object)
    buildFailed = Signal(int, object)
    crashed = Signal(str)
    ready = Signal()

    def __init__(self):
        super().__init__()
        self.is_ready = True
        self.requests = 0

    def request_summary(self, doc, revision=None, *, expand_nested=False) -> int:
        self.requests += 1
        request_id = self.requests
        caches = []
        analyzer = Analyzer(doc)
        try:
            result = analyzer.result()
        finally:
            analyzer.close()
        for layer in doc.layers.values():
            if layer.type != "Application":
                continue
            cache = dict(layer.cache or {})
            for nid in doc.nodes_of(layer.id):
                inputs = [result.output_specs(ref.node)[ref.index] for ref in doc.nodes[nid].inputs]
                cfg = layer.config
                fact = KERAS_APPLICATIONS[(cfg.get("application"), cfg.get("include_top"), cfg.get("weights"),
                                           tuple(inputs[0].shape[1:]))]
                cache[application_cache_key(cfg, inputs)] = fact
            caches.append({"path": [], "layer_id": layer.id, "cache": cache})
        reply = {"id": request_id, "text": "(summary)", "total": 0, "trainable": 0, "non_trainable": 0,
                 "caches": caches}
        QTimer.singleShot(0, lambda: self.summaryReady.emit(revision, reply))
        return request_id


def measure_applications(window, qtbot) -> None:
    """Dock a Summary panel (as the Keras integration does) and let it measure Application layers."""
    from editor.panels.summary_panel import SummaryPanel

    panel = SummaryPanel(MeasuringWorker(), debounce_ms=0)
    window.add_panel(panel, "Summary", Qt.DockWidgetArea.BottomDockWidgetArea)
    panel.set_session(window.session)
    doc = window.session.document
    apps = [layer for layer in doc.layers.values() if layer.type == "Application"]
    qtbot.waitUntil(lambda: all(layer.cache for layer in apps) and window.session.result().params_known,
                    timeout=3000)


# ------------------------------------------------------------------ the user's work
def card_centre(node) -> QPointF:
    x, y = node.pos
    return QPointF(x + S.NODE_WIDTH / 2, y + S.NODE_MIN_HEIGHT / 2)


def build_graph(gui: GuiDriver, blueprint, top_level: bool) -> None:
    """Rebuild ``blueprint`` (a template document) on the current canvas tab, node by node."""
    built = {}  # blueprint node id -> node id on the canvas
    for bp_id, bp_node in blueprint.nodes.items():
        layer = blueprint.layers[bp_node.layer]
        first_call = blueprint.nodes_of(layer.id)[0]
        if bp_id != first_call:  # another call of a shared layer
            node_id = gui.call_again(built[first_call])
            gui.move_node(node_id, card_centre(bp_node))
        else:
            node_id = gui.drop_from_palette(layer.type, card_centre(bp_node))  # "Model"/"Application" too
            gui.rename(layer.name)
            for key, value in layer.config.items():
                gui.set_param(key, value)
            if layer.type == "Model":
                parent_index = gui.window.tabs.tabs.currentIndex()
                gui.open_nested(node_id)
                assert gui.window.tabs.breadcrumb_names()[-1] == layer.name
                build_graph(gui, layer.subgraph, top_level=False)
                gui.click_empty_canvas()
                gui.rename(layer.subgraph.name)  # the nested model's own name
                gui.click_tab(parent_index)
        built[bp_id] = node_id
        for slot, ref in enumerate(bp_node.inputs):
            gui.connect(built[ref.node], ref.index, node_id, slot)

    for out in blueprint.outputs:
        assert out.index == 0, "the inspector marks a layer's first output"
        gui.click_node(built[out.node])
        gui.mark_output()
        if top_level:
            gui.set_output(out.loss, out.loss_weight, list(out.metrics))

    if top_level:
        gui.click_empty_canvas()
        gui.rename(blueprint.name)
        for section in ("compile", "fit"):
            for key, value in getattr(blueprint, section).items():
                gui.set_setting(key, value)


def positions(doc) -> list:
    """Where the cards are, node by node (nested models included)."""
    return [(d.name, n.pos) for d in doc.iter_documents() for n in d.nodes.values()]


def assert_same_model(got: dict, want: dict, slug: str) -> None:
    for key in want:
        assert got[key] == want[key], f"{slug}: {key} differs:\n{pprint.pformat(got[key])}\n" \
                                      f"instead of\n{pprint.pformat(want[key])}"


@pytest.mark.parametrize("slug", TEMPLATES)
def test_build_template_with_the_mouse(slug, make_window, qtbot):
    blueprint = load_template(slug)
    window = make_window(None)  # what File › New shows: an empty model
    built = window.session.document
    assert not built.nodes and not built.layers
    qtbot.waitExposed(window)
    gui = GuiDriver(window, qtbot)

    build_graph(gui, blueprint, top_level=True)
    if any(layer.type == "Application" for d in blueprint.iter_documents() for layer in d.layers.values()):
        measure_applications(window, qtbot)

    want = describe(blueprint)
    assert_same_model(describe(built), want, slug)
    result = check(built)
    assert result.valid and not result.errors
    assert positions(built) == positions(blueprint)  # every card landed where it was dropped

    # every gesture was one undo step: Edit › Undo all the way back to the empty model, and Redo
    steps = 0
    while window.undo_action.isEnabled():
        window.undo_action.trigger()
        steps += 1
    assert not built.nodes and not built.layers and not built.outputs and built.name == "model"
    assert steps == window.session.undo_stack.count()
    while window.redo_action.isEnabled():
        window.redo_action.trigger()
    gui.settle()
    assert_same_model(describe(built), want, slug)


def test_palette_models_entries(make_window, qtbot):
    """What the palette's Models entries create: an empty nested model to draw in, and Xception."""
    window = make_window(None)
    qtbot.waitExposed(window)
    gui = GuiDriver(window, qtbot)
    doc = window.session.document
    model = gui.drop_from_palette("Model", QPointF(200, 100))
    layer = doc.layer_of(model)
    assert layer.type == "Model" and layer.subgraph is not None and not layer.subgraph.nodes
    assert window.inspector.layer() is layer and window.open_nested_action.isEnabled()
    app = gui.drop_from_palette("Application", QPointF(200, 300))
    layer = doc.layer_of(app)
    assert (layer.type, layer.config) == ("Application", {"application": "Xception", "include_top": False,
                                                          "weights": None})
    shown = {name: window.inspector.editor(name).value() for name in ("application", "include_top", "weights")}
    assert shown == layer.config
    gui.set_param("application", "ResNet50")
    assert layer.config["application"] == "ResNet50"
    gui.open_nested(model)
    assert window.tabs.breadcrumb_names() == ["model", "model"] and not gui.doc.nodes
