"""Fixtures for the editor tests: a canvas factory, and a guard against leaked top-level windows.

Every test of this folder fails if it leaves a visible top-level window behind (a dialog, a
popup, a view that was shown and never closed). Use :func:`make_canvas` for canvas tests: it
builds session + scene + view and tears them down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@dataclass
class Canvas:
    """What :func:`make_canvas` returns."""

    session: object
    scene: object
    view: object

    @property
    def doc(self):
        return self.scene.document

    def to_view(self, scene_point):
        """Viewport coordinates (QPoint) of a scene point."""
        return self.view.mapFromScene(scene_point)

    def port(self, node_id: str, kind: str, index: int = 0):
        """Viewport coordinates of a port (``kind`` is ``"in"`` or ``"out"``)."""
        item = self.scene.node_item(node_id)
        return self.to_view(item.scenePos() + item.port_pos(kind, index))

    def center_of(self, node_id: str):
        """Viewport coordinates of the centre of a node's card."""
        item = self.scene.node_item(node_id)
        return self.to_view(item.mapToScene(item.card_rect().center()))


@pytest.fixture
def make_canvas(qtbot):
    """Factory ``make_canvas(doc=None, show=True, size=(1000, 700))`` → :class:`Canvas`."""
    from editor.canvas import GraphScene, GraphView
    from editor.session import DocumentSession
    from graph_core.document import Document

    created = []

    def factory(doc=None, *, show: bool = True, size=(1000, 700)) -> Canvas:
        doc = doc if doc is not None else Document("test")
        session = DocumentSession(doc)
        scene = GraphScene(session, doc)
        view = GraphView(scene)
        view.resize(*size)
        created.append((session, scene, view))
        if show:
            view.show()
            qtbot.waitExposed(view)
        return Canvas(session, scene, view)

    yield factory
    from PySide6.QtWidgets import QApplication

    for session, scene, view in created:
        view.close()
        scene.close()
        session.close()
        view.deleteLater()
        scene.deleteLater()
        session.deleteLater()
    QApplication.processEvents()


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp):
    """Fail the test when it leaves a visible top-level widget behind."""
    from PySide6.QtWidgets import QApplication

    before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    yield
    QApplication.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible() and id(w) not in before]
    for w in leaked:
        w.close()
        w.deleteLater()
    QApplication.processEvents()
    if leaked:
        names = ", ".join(f"{type(w).__name__}({w.objectName() or w.windowTitle()!r})" for w in leaked)
        pytest.fail(f"the test leaked top-level windows: {names}")
