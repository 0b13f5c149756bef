"""Where a new card goes: next to the node feeding it, on a spot no other card covers."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF

from editor.canvas import style as S
from graph_core.layout import LAYER_GAP, NODE_GAP

_TRIES = 40


def free_spot(scene, centre: QPointF, source_id: str | None = None) -> QPointF:
    """The centre for a new card near ``centre`` (or just after ``source_id``) overlapping no card.

    Args:
        scene: the :class:`editor.canvas.scene.GraphScene`.
        centre: where the user asked for it (scene coordinates).
        source_id: the node that will feed the new card; the card then goes one layer after it
            (to its right, or below it top to bottom) at the same height.

    Returns:
        the scene point for the card's centre.
    """
    w, h = S.NODE_WIDTH, S.NODE_MIN_HEIGHT
    down = scene.orientation == "TB"
    source = scene.node_item(source_id) if source_id else None
    if source is not None:
        rect = source.card_rect().translated(source.scenePos())
        gap = LAYER_GAP[scene.orientation]
        centre = (QPointF(rect.center().x(), rect.bottom() + gap + h / 2) if down
                  else QPointF(rect.right() + gap + w / 2, rect.center().y()))
    cards = [item.solid_rect.translated(item.scenePos()).adjusted(-12, -12, 12, 12) for item in scene.node_items()]
    step = (w + NODE_GAP) if down else (h + NODE_GAP)
    for k in range(_TRIES):
        offset = ((k + 1) // 2) * step * (1 if k % 2 else -1) if k else 0.0
        at = QPointF(centre.x() + offset, centre.y()) if down else QPointF(centre.x(), centre.y() + offset)
        box = QRectF(at.x() - w / 2, at.y() - h / 2, w, h + S.TAG_HEIGHT + S.TAG_GAP)
        if not any(box.intersects(card) for card in cards):
            return at
    return centre
