"""The Summary, Code and Training panels, with the real Keras worker (one per module) where it matters.

No sleeps: the tests wait on signals and conditions, with generous timeouts.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QTextCharFormat, QTextDocument

from editor.panels.code_panel import CodePanel, PythonHighlighter
from editor.panels.loss_chart import LossChart
from editor.panels.summary_panel import SummaryPanel, locate
from editor.panels.training_panel import TrainingPanel
from editor.session import DocumentSession
from graph_core import check
from graph_core.edits import Connect, Disconnect, Rename, add_layer
from graph_core.templates import load_template
from tests.editor.worker_fixtures import *  # noqa: F403
from tests.editor.worker_fixtures import READY_MS, REPLY_MS

pytestmark = [pytest.mark.keras]


def _node(doc, layer_name: str) -> str:
    return doc.nodes_of(doc.layer_by_name(layer_name).id)[0]


class FakeWorker(QObject):
    """The KerasWorker interface the panels use, answering nothing by itself (replies are simulated)."""

    ready = Signal()
    summaryReady = Signal(int, object)
    buildFailed = Signal(int, object)
    fitProgress = Signal(object)
    fitCancelling = Signal(object)
    fitFinished = Signal(object)
    fitFailed = Signal(str)
    crashed = Signal(str)

    def __init__(self):
        super().__init__()
        self.requests: list = []
        self.is_ready = True
        self.last_fit_failure: dict = {}

    def request_summary(self, doc, revision=None, *, expand_nested=False) -> int:
        self.requests.append(("summary", doc.revision if revision is None else revision))
        return len(self.requests)

    def request_fit(self, doc, revision=None, **params) -> int:
        self.requests.append(("fit", params))
        return len(self.requests)

    def cancel_fit(self, request_id=None) -> int:
        self.requests.append(("cancel", request_id))
        return len(self.requests)


# ------------------------------------------------------------------------------ code panel
def _formats_at(text_document, needle: str) -> list:
    """The char formats applied over the first occurrence of ``needle``."""
    block = text_document.begin()
    while block.isValid():
        column = block.text().find(needle)
        if column >= 0:
            ranges = block.layout().formats()
            return [QTextCharFormat(r.format) for r in ranges if r.start <= column < r.start + r.length]
        block = block.next()
    raise AssertionError(f"{needle!r} not in the text")


def test_code_panel_shows_highlights_copies_and_saves(qtbot, tmp_path):
    from codegen.python_export import export_python

    session = DocumentSession(load_template("mlp"))
    panel = CodePanel()
    qtbot.addWidget(panel)
    panel.set_session(session)
    assert panel.export_ok
    assert panel.code == export_python(session.document)
    assert panel.highlighter.blocks_highlighted > 0
    text_document = panel.editor.document()
    [keyword_format] = _formats_at(text_document, "import keras")
    assert keyword_format.foreground().color() == QColor("#0033b3")
    layer_formats = _formats_at(text_document, "dense_2 = ")
    assert any(f.fontWeight() == QFont.Weight.Bold and f.foreground().color() == QColor("#b45f06")
               for f in layer_formats)
    assert [f.foreground().color() for f in _formats_at(text_document, '"""A Keras')] == [QColor("#067d17")]
    panel.copy()
    assert QGuiApplication.clipboard().text() == panel.code

    written = panel.save(str(tmp_path / "direct.py"))
    assert written and (tmp_path / "direct.py").read_text(encoding="utf-8") == panel.code
    panel.save_dialog = lambda parent, caption, suggested, filters: str(tmp_path / suggested)
    with qtbot.waitSignal(panel.saved, timeout=5000) as blocker:
        panel.save_button.click()
    assert blocker.args[0] == str(tmp_path / "mlp.py")
    assert (tmp_path / "mlp.py").read_text(encoding="utf-8") == panel.code

    # edits refresh the code (debounced); the new name is highlighted as a layer
    session.push(Rename(session.document.layer_by_name("dense_2").id, "hidden_two"))
    qtbot.waitUntil(lambda: "hidden_two = layers.Dense" in panel.code, timeout=5000)
    assert any(f.foreground().color() == QColor("#b45f06") for f in _formats_at(text_document, "hidden_two"))
    assert panel.code == export_python(session.document)


def test_code_panel_reports_an_export_failure(qtbot):
    def broken(_doc, result=None):
        raise ValueError("nothing to export")

    panel = CodePanel(export=broken)
    qtbot.addWidget(panel)
    panel.set_session(DocumentSession(load_template("mlp")))
    assert not panel.export_ok
    assert "nothing to export" in panel.code and panel.code.startswith("#")


def test_highlighter_strings_comments_and_triple_quotes(qtbot):
    text_document = QTextDocument()
    highlighter = PythonHighlighter(text_document)
    highlighter.set_layer_names({"encoder"})
    text_document.setPlainText('x = 3  # encoder here\ns = """one\nencoder two\n"""\ny = encoder(x, name="encoder")\n')
    highlighter.rehighlight()  # a bare QTextDocument is highlighted lazily
    assert highlighter.blocks_highlighted >= 5
    formats = highlighter.formats
    block = text_document.findBlockByNumber(2)  # inside the triple-quoted string
    assert block.previous().userState() == 1
    ranges = block.layout().formats()
    string_color = formats["string"].foreground().color()
    assert ranges and all(r.format.foreground().color() == string_color or r.format.fontWeight() == QFont.Weight.Bold
                          for r in ranges)
    first = text_document.findBlockByNumber(0).layout().formats()
    comment = [r.start for r in first if r.format.fontItalic()]
    assert comment == [7]  # "encoder" in the comment is not a layer name there
    last = text_document.findBlockByNumber(4).layout().formats()
    assert sum(1 for r in last if r.format.fontWeight() == QFont.Weight.Bold) >= 2  # call and name="encoder"


# ------------------------------------------------------------------------------ summary panel
def test_summary_panel_summary_build_error_and_show_node(qtbot, worker, make_canvas, outside_catalog):
    # every keras.layers class is in the catalog: take one out (in this process only) to stand
    # for a class graph_core does not know
    outside_catalog("ActivityRegularization")
    canvas = make_canvas(load_template("mlp"), show=False)
    session, doc = canvas.session, canvas.doc
    selected = []

    def select(ids, path):
        selected.append((list(ids), tuple(path)))
        canvas.scene.select_nodes(ids)

    panel = SummaryPanel(worker, select_nodes=select)
    qtbot.addWidget(panel)
    panel.set_session(session)
    qtbot.waitUntil(lambda: panel.state == "ok", timeout=READY_MS)
    assert "dense_2" in panel.text.toPlainText() and "predictions" in panel.text.toPlainText()
    assert f"Total params: {check(doc).total:,}" in panel.params_label.text()

    # a layer graph_core accepts (unknown type: a warning) but Keras refuses (bad config)
    edit = add_layer(doc, "ActivityRegularization", {"no_such_option": 3}, inputs=[(_node(doc, "dense_2"), 0)])
    session.push(edit)
    session.push(Connect((edit.node.id, 0), _node(doc, "predictions"), 0, replace=True))
    assert session.result().valid
    qtbot.waitUntil(lambda: panel.state == "build_error", timeout=REPLY_MS)
    status = panel.status.text()
    assert "activity_regularization" in status and "Show node" in status
    assert panel.text.toPlainText() == ""
    assert panel.error_nodes == [edit.node.id]
    panel.status.linkActivated.emit("node:show")
    assert selected == [([edit.node.id], ())]
    assert canvas.scene.selected_node_ids() == [edit.node.id]

    # an invalid document is not sent to Keras: the panel says why
    sent = panel.pending_request
    session.push(Disconnect(_node(doc, "predictions"), 0))
    qtbot.waitUntil(lambda: panel.state == "invalid", timeout=5000)
    assert "Not built" in panel.status.text() and panel.pending_request is None and sent is None
    assert panel.error_nodes == [_node(doc, "predictions")]

    # back to the template: the summary returns
    while session.undo_stack.canUndo():
        session.undo_stack.undo()
    qtbot.waitUntil(lambda: panel.state == "ok", timeout=REPLY_MS)
    assert f"Total params: {check(doc).total:,}" in panel.params_label.text()


def test_summary_panel_maps_nested_errors_and_ignores_stale_replies(qtbot):
    fake = FakeWorker()
    session = DocumentSession(load_template("model-as-layer"))
    doc = session.document
    paths = []
    panel = SummaryPanel(fake, select_nodes=lambda ids, path: paths.append((ids, path)))
    qtbot.addWidget(panel)
    panel.set_session(session)
    assert fake.requests == [("summary", doc.revision)] and panel.state == "waiting"
    request_id = panel.pending_request
    # a reply for another request or an older revision changes nothing
    fake.summaryReady.emit(doc.revision, {"id": request_id + 7, "text": "stale", "total": 1})
    fake.summaryReady.emit(doc.revision - 1, {"id": request_id, "text": "stale", "total": 1})
    assert panel.state == "waiting" and panel.text.toPlainText() == ""
    # a Keras error inside the nested model points at the node inside it
    encoder = doc.layer_by_name("encoder")
    fake.buildFailed.emit(doc.revision, {"id": request_id, "message": "Bidirectional 'bidirectional': bad",
                                         "layer_name": "bidirectional", "node_id": "n3"})
    assert panel.state == "build_error"
    assert panel.error_path == (encoder.id,) and panel.error_nodes == ["n3"]
    assert locate(doc, "n3", "bidirectional") == ((encoder.id,), ["n3"])
    with qtbot.waitSignal(panel.showNodeRequested) as blocker:
        panel.show_error_node()
    assert blocker.args == [(encoder.id,), ["n3"]] and paths == [(["n3"], (encoder.id,))]
    # a crash while waiting: the panel asks again once the worker is back
    panel.refresh()
    fake.crashed.emit("The Keras worker crashed")
    assert panel.state == "crashed"
    fake.ready.emit()
    assert fake.requests[-1] == ("summary", doc.revision) and panel.state == "waiting"


# ------------------------------------------------------------------------------ training panel
def test_training_panel_settings_are_undoable_edits(qtbot):
    fake = FakeWorker()
    session = DocumentSession(load_template("mlp"))
    doc = session.document
    panel = TrainingPanel(fake)
    qtbot.addWidget(panel)
    panel.set_session(session)
    assert panel.epochs.value() == doc.fit["epochs"] and panel.optimizer.currentText() == doc.compile["optimizer"]
    original = (dict(doc.compile), dict(doc.fit), doc.outputs[0].loss, doc.outputs[0].metrics)

    panel.epochs.setValue(7)
    panel.samples.setValue(512)
    panel.optimizer.setCurrentText("adam")
    panel.optimizer.activated.emit(0)
    panel.learning_rate.setText("0.01")
    panel.learning_rate.editingFinished.emit()
    loss, weight, metrics = panel.output_rows[0]
    loss.setCurrentText("mse")
    loss.activated.emit(loss.currentIndex())
    weight.setValue(2.5)
    metrics.setText("mae, accuracy")
    metrics.editingFinished.emit()
    assert doc.fit["epochs"] == 7 and doc.fit["samples"] == 512
    assert doc.compile == {"optimizer": "adam", "learning_rate": 0.01}
    out = doc.outputs[0]
    assert (out.loss, out.loss_weight, out.metrics) == ("mse", 2.5, ["mae", "accuracy"])
    assert session.undo_stack.count() == 7

    panel.learning_rate.setText("-1")
    panel.learning_rate.editingFinished.emit()
    assert doc.compile["learning_rate"] == 0.01 and "greater than 0" in panel.status.text()

    while session.undo_stack.canUndo():
        session.undo_stack.undo()
    assert (dict(doc.compile), dict(doc.fit), doc.outputs[0].loss, doc.outputs[0].metrics) == original
    assert panel.epochs.value() == original[1]["epochs"]
    assert panel.optimizer.currentText() == original[0]["optimizer"]
    assert loss.currentText() == original[2] and metrics.text() == ", ".join(original[3])
    assert session.undo_stack.count() == 7  # undoing pushed nothing new

    # a fit refused by graph_core is not sent
    session.push(Disconnect(_node(doc, "predictions"), 0))
    assert panel.run() is None and fake.requests == []
    assert "Cannot train" in panel.status.text()


def test_training_panel_run_cancel_and_loss_chart(qtbot, worker):
    session = DocumentSession(load_template("multi-output"))
    panel = TrainingPanel(worker)
    qtbot.addWidget(panel)
    panel.set_session(session)
    panel.epochs.setValue(1)
    panel.batch_size.setValue(1)
    panel.samples.setValue(20_000)
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    with qtbot.waitSignal(worker.fitProgress, timeout=READY_MS,
                          check_params_cb=lambda m: m.get("phase") == "batch" and m["batch"] >= 2):
        panel.run_button.click()
    assert panel.running and panel.cancel_button.isEnabled() and not panel.run_button.isEnabled()
    series = panel.chart.series()
    assert panel.chart.points_received >= 1
    assert set(series) == {"total · train", "age · train", "income · train", "gender · train"}
    assert panel.progress.maximum() == 20_000 and 0 < panel.progress.value() < 20_000
    with qtbot.waitSignal(panel.fitEnded, timeout=REPLY_MS) as blocker:
        panel.cancel_button.click()
    assert blocker.args[0]["cancelled"]
    assert not panel.running and panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert "Cancelled" in panel.status.text()

    # a short complete run: final metrics shown, the chart painted
    panel.batch_size.setValue(16)
    panel.samples.setValue(64)
    with qtbot.waitSignal(panel.fitEnded, timeout=REPLY_MS) as blocker:
        panel.run_button.click()
    done = blocker.args[0]
    assert not done.get("cancelled", True), done
    assert "Finished" in panel.status.text() and "Trained 1 epoch" in panel.fit_view.summary_text()
    assert panel.progress.value() == panel.progress.maximum() == 4
    assert panel.chart.series()["total · train"][-1][0] == pytest.approx(1.0)
    panel.chart.resize(400, 220)
    image = panel.chart.grab()
    assert not image.isNull() and panel.chart.paints >= 1


def test_training_panel_survives_a_worker_failure(qtbot):
    fake = FakeWorker()
    session = DocumentSession(load_template("mlp"))
    panel = TrainingPanel(fake)
    qtbot.addWidget(panel)
    panel.set_session(session)
    request_id = panel.run()
    assert request_id == 1 and panel.running
    fake.fitProgress.emit({"id": request_id, "phase": "batch", "epoch": 0, "epochs": 1, "batch": 0,
                           "batches": 8, "loss": 2.0, "losses": {"predictions": 2.0}})
    assert panel.chart.series() == {"train": [(0.125, 2.0)]}
    fake.fitProgress.emit({"id": 99, "phase": "batch", "epoch": 0, "epochs": 1, "batch": 1, "batches": 8,
                           "loss": 1.0})
    assert panel.chart.points_received == 1  # another fit's progress is ignored
    fake.last_fit_failure = {"message": "crashed", "crashed": True}
    fake.fitFailed.emit("the Keras worker crashed or was killed during a fit; the fit was lost — run it again.")
    assert not panel.running and panel.run_button.isEnabled()
    assert "run it again" in panel.status.text()


def test_loss_chart_skips_bad_points_and_coalesces_repaints(qtbot):
    chart = LossChart(repaint_ms=10_000)
    qtbot.addWidget(chart)
    assert chart.add_point("loss", 0.5, 1.0)
    assert not chart.add_point("loss", 0.6, float("nan"))
    assert not chart.add_point("loss", 0.7, None)
    assert not chart.add_point("loss", 0.4, 0.9)  # x must not go back
    for k in range(100):
        chart.add_point("loss", 0.7 + k / 100, 1.0 / (k + 1))
    assert chart.points_received == 101 and chart.paints == 0  # one repaint pending, not a hundred
    assert chart.repaint_scheduled
