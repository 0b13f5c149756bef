"""The graph canvas: a QGraphicsScene projection of a Document, its view, and their items.

Typical use::

    scene = GraphScene(session, session.document)
    view = GraphView(scene)
    view.fit_to_view()

See docs/editor-canvas.md.
"""

from editor.canvas.scene import GraphScene
from editor.canvas.view import MIME_LAYER, GraphView

__all__ = ["GraphScene", "GraphView", "MIME_LAYER"]
