"""Layered (Sugiyama) auto-layout: ranks, dummy nodes for long edges, crossing reduction, compact
coordinates, and bands so that a long chain wraps instead of running off in one row.

The four steps follow Gansner et al., "A Technique for Drawing Directed Graphs" (1993):

1. rank: each node's layer is its longest distance from an input, pulled towards its consumers;
2. an edge spanning several layers gets one dummy node per layer it crosses, so it has a reserved
   slot there and never passes under a card;
3. the order inside each layer comes from alternating median sweeps, keeping the best order seen
   (crossings counted exactly between neighbouring layers);
4. cross-axis coordinates are the closest positions to the neighbours' median that keep the order
   and the gaps (isotonic regression, pool-adjacent-violators), so chains come out straight.

A drawing much longer than wide is then cut into bands (rows of layers for left-to-right, columns
of layers for top-to-bottom) at the cuts fewest edges cross, so the whole model fits a screen.

Step 1 lives in :mod:`graph_core.layout_ranks`, steps 2 to 4 in :mod:`graph_core.layer_graph`, the
bands in :mod:`graph_core.layout_bands`; this module holds the entry points and card sizes.
"""

from __future__ import annotations

from graph_core.document import Document
from graph_core.gc_pause import paused_gc
from graph_core.layer_graph import NODE_GAP, LayerGraph
from graph_core.layout_bands import (
    LAYER_GAP,
    LEFT_RIGHT,
    TOP_BOTTOM,
    place,
)
from graph_core.layout_ranks import node_ranks, numbered_graph
from graph_core.records import Record

ORIENTATIONS = (LEFT_RIGHT, TOP_BOTTOM)

CARD_WIDTH = 184.0
CARD_HEIGHT = 80.0
PORT_SPACING = 17.0
TAG_ROOM = 22.0          # below a card: its output tag
TARGET_ASPECT = 1.6      # width / height aimed at when wrapping (a landscape screen)

# kept for callers of the former column layout
COLUMN_WIDTH = CARD_WIDTH + LAYER_GAP[LEFT_RIGHT]
ROW_HEIGHT = CARD_HEIGHT + NODE_GAP


class Layout(Record):
    """The result of :func:`layered_layout`.

    Attributes:
        positions: ``{node id: (x, y)}``, the top-left corner of each card.
        orientation: ``"LR"`` or ``"TB"``.
        bands: how many bands the layers were wrapped into.
        crossings: edge crossings between neighbouring layers (dummy nodes included).
        size: ``(width, height)`` of the drawing in scene units (cards only).
        layers: the layer index of each node.
    """

    __slots__ = _fields = ("positions", "orientation", "bands", "crossings", "size", "layers")

    def __init__(self, positions: dict, orientation: str = LEFT_RIGHT, bands: int = 1, crossings: int = 0,
                 size: tuple = (0.0, 0.0), layers: dict | None = None):
        self.positions = positions
        self.orientation = orientation
        self.bands = bands
        self.crossings = crossings
        self.size = size
        self.layers = {} if layers is None else layers


def card_size(doc: Document, nid: str) -> tuple:
    """The ``(width, height)`` a card of node ``nid`` takes on the canvas (ports make it taller)."""
    return _card_size(len(doc.nodes[nid].inputs))


def _card_size(input_count: int) -> tuple:
    return CARD_WIDTH, max(CARD_HEIGHT, max(1, input_count) * PORT_SPACING + 14.0)


def layered_layout(doc: Document, orientation: str = LEFT_RIGHT, sizes: dict | None = None,
                   wrap: bool = True, aspect: float = TARGET_ASPECT) -> Layout:
    """Lay the document's graph out in layers.

    Args:
        doc: the document (not modified).
        orientation: ``"LR"`` (layers are columns, data flows right) or ``"TB"`` (layers are rows,
            data flows down, the reading direction of Netron and ``keras.utils.plot_model``).
        sizes: ``{node id: (width, height)}`` of the cards; missing ones use :func:`card_size`.
        wrap: cut a long drawing into bands so its width/height stays near ``aspect``.
        aspect: the width/height ratio aimed at when wrapping.

    Returns:
        a :class:`Layout`.

    Raises:
        ValueError: ``orientation`` is not ``"LR"`` or ``"TB"``.
    """
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be 'LR' or 'TB', got {orientation!r}")
    if not doc.nodes:
        return Layout({}, orientation)
    with paused_gc():  # linear at any size (see graph_core.gc_pause)
        return _layered_layout(doc, orientation, sizes, wrap, aspect)


def _layered_layout(doc: Document, orientation: str, sizes: dict | None, wrap: bool, aspect: float) -> Layout:
    numbered = numbered_graph(doc)
    sizes = sizes or {}
    horizontal = orientation == LEFT_RIGHT
    # (main, cross) extent of each real node, by its number: main runs along the data flow
    extent = []
    for nid, inputs in zip(numbered.ids, numbered.inputs):
        w, h = sizes[nid] if nid in sizes else _card_size(len(inputs))
        extent.append((w, h + TAG_ROOM) if horizontal else (h + TAG_ROOM, w))
    rank = node_ranks(numbered)
    graph = LayerGraph.build(numbered, rank)
    crossings = graph.order()
    cross = graph.coordinates(extent)
    positions, size, bands = place(graph, cross, extent, orientation, wrap, aspect)
    return Layout(positions, orientation, bands, crossings, size, dict(zip(numbered.ids, rank)))


def view_orientation(doc: Document) -> str:
    """The reading direction saved with the document's view state (``"LR"`` unless set)."""
    view = doc.extra.get("view")
    value = view.get("orientation") if isinstance(view, dict) else None
    return value if value in ORIENTATIONS else LEFT_RIGHT


def set_view_orientation(doc: Document, orientation: str) -> None:
    """Save the reading direction in the document's view state (``"view"``, kept in the file).

    Raises:
        ValueError: ``orientation`` is not ``"LR"`` or ``"TB"``.
    """
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be 'LR' or 'TB', got {orientation!r}")
    view = doc.extra.get("view")
    if not isinstance(view, dict):
        view = doc.extra["view"] = {}
    view["orientation"] = orientation


def layered_positions(doc: Document, orientation: str = LEFT_RIGHT, sizes: dict | None = None) -> dict:
    """``{node id: (x, y)}`` of :func:`layered_layout` (top-left corners of the cards)."""
    return layered_layout(doc, orientation, sizes).positions


def auto_layout_edit(doc: Document, orientation: str = LEFT_RIGHT, sizes: dict | None = None):
    """Return the :class:`graph_core.edits.Move` edit that lays the document out."""
    from graph_core.edits import Move

    return Move(layered_positions(doc, orientation, sizes))
