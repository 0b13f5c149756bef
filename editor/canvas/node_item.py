"""A node on the canvas: a rounded card with the layer type, name, key parameters and output shape.

Ports are drawn by the node itself (inputs on the left, outputs on the right) and hit-tested with
:meth:`NodeItem.port_at`; the scene turns drags between them into Connect edits. The item holds
only display state derived from the document and the last check; it never edits anything.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem

from editor.canvas import labels
from editor.canvas import style as S
from editor.canvas.card_text import elide, static_text
from editor.canvas.lod import FULL, MEDIUM
from editor.canvas.problem_badge import ProblemBadge
from graph_core.layer_kinds import kind_of, spec_for

IN, OUT = "in", "out"
_UNSET = object()
_CENTER = Qt.AlignCenter


def scene_drag(item: QGraphicsItem) -> bool:
    """True while the item's scene is dragging a connection."""
    scene = item.scene()
    return scene is not None and scene.wire_drag_active()


class NodeItem(QGraphicsItem):
    """The card of one node (one call of a layer).

    Args:
        node_id: the document node id.
    """

    def __init__(self, node_id: str):
        super().__init__()
        self.node_id = node_id
        self.layer_id = ""
        self.layer_type = ""
        self.category = ""
        self.is_input = False
        self.is_model = False
        self.is_output = False
        self.n_in = 0
        self.n_out = 1
        self.connected_in: int = 0  # inputs 0..connected_in-1 are connected
        self.out_used: set = set()
        self.shared_count = 1
        self.highlighted = False
        self.has_problems: str | None = None
        self.outputs_key = _UNSET
        self.problems_key = None
        self.shape_line = ""
        self.tag_text: str | None = None
        self.height = S.NODE_MIN_HEIGHT
        self._level = FULL
        self._layer_tip = ""
        self._title = self._name = self._params = self._shape = self._tag = self._xn = None
        self._title_font = None
        self._title_big = None
        self._title_w = 0.0
        self._texts_dirty = True
        self._in_ports: list = []
        self.port_names: dict = {}
        self._port_labels: list = []
        self.orientation = "LR"
        self._out_ports: list = []
        self.solid_rect = QRectF()
        self._title_text = self._name_text = self._params_text = ""
        self._card = QRectF()
        self._stripe = QPainterPath()
        self._bounds = QRectF()
        self._tag_rect = QRectF()
        self._xn_rect = QRectF()
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.badge = ProblemBadge(self)

    # ------------------------------------------------------------------ state from the document
    @property
    def title(self) -> str:
        """The card's big text: the Keras class, the application's name, or an operation's
        expression (``x * 2.0``)."""
        return self._title_text

    @property
    def params_text(self) -> str:
        """The card's line of key parameters (``64 units · relu``)."""
        return self._params_text

    def refresh(self, doc, known_outputs: int | None = None) -> None:
        """Re-read everything shown from ``doc`` (type, name, params, ports, shared, output tag)."""
        node = doc.nodes[self.node_id]
        layer = doc.layers[node.layer]
        self.prepareGeometryChange()
        self.layer_id = layer.id
        self.layer_type = layer.type
        self.category = labels.layer_category(layer)
        self.is_input = layer.type == "Input"
        self.is_model = kind_of(layer) == "model"
        self.n_in = labels.input_port_count(doc, self.node_id)
        self.n_out = labels.output_port_count(doc, self.node_id, known_outputs)
        self.port_names = labels.named_input_ports(doc, self.node_id, self.n_in)
        self.connected_in = len(node.inputs)
        self.out_used = {ref.index for c, _ in doc.consumers(self.node_id)
                         for ref in doc.nodes[c].inputs if ref.node == self.node_id}
        calls = doc.nodes_of(layer.id)
        self.shared_count = len(calls)
        self.tag_text = labels.output_tag(doc, self.node_id)
        self.is_output = self.tag_text is not None
        self._title_text = labels.layer_title(layer, doc, self.node_id)
        self._name_text = layer.name if self.shared_count < 2 else \
            f"{layer.name}  ·  call {calls.index(self.node_id) + 1}"
        self._params_text = labels.param_summary(layer, doc)
        spec_doc = f"{layer.type} '{layer.name}'"
        spec = spec_for(layer)
        if spec is not None:
            spec_doc += f"\n{spec.description}"
        if self.is_model:
            spec_doc += " Double-click to open it."
        self._layer_tip = spec_doc
        self.setToolTip(spec_doc)
        self._relayout()

    def set_check(self, outputs: list | None, problems: list) -> bool:
        """Show the node's output shapes and problems from a check; True when the outputs changed."""
        outputs_key = tuple(outputs) if outputs is not None else None
        changed = outputs_key != self.outputs_key
        problems_key = tuple((p.severity, p.message, p.hint) for p in problems)
        if problems_key != self.problems_key:
            self.problems_key = problems_key
            self.badge.set_problems(problems)
            self.has_problems = self.badge.severity
            self.update()
        if changed:
            self.outputs_key = outputs_key
            self.shape_line = labels.shape_text(outputs)
            self._shape = None
            self._texts_dirty = True
            self.update()
        return changed

    def set_highlighted(self, on: bool) -> None:
        """Outline the node as another call of a selected shared layer."""
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def set_level(self, level: int) -> None:
        """Switch the level of detail (the overview paints nothing itself)."""
        if level == self._level:
            return
        self._level = level
        self.setFlag(QGraphicsItem.ItemHasNoContents, level < MEDIUM)
        self.badge.allowed = level == FULL
        if self.badge.severity:
            self.badge.setVisible(self.badge.allowed)
        self.update()

    # ------------------------------------------------------------------ geometry
    def _text_width(self) -> float:
        return S.NODE_WIDTH - S.PAD_X - S.STRIPE_WIDTH - S.PAD_RIGHT

    def _relayout(self) -> None:
        changed = getattr(self.scene(), "_card_changed", None)
        if changed is not None:  # the card's size and ports may change: the router must know
            changed(self.node_id)
        f = S.fonts()
        ports = max(self.n_in, self.n_out)
        self.height = max(S.NODE_MIN_HEIGHT, ports * S.PORT_SPACING + 14.0)
        w = S.NODE_WIDTH
        self._card = QRectF(0.5, 0.5, w - 1.0, self.height - 1.0)
        radius = S.INPUT_RADIUS if self.is_input else S.NODE_RADIUS
        card_path = QPainterPath()
        card_path.addRoundedRect(self._card, radius, radius)
        strip = QPainterPath()
        strip.addRect(QRectF(0.5, 0.5, S.STRIPE_WIDTH, self.height - 1.0))
        self._stripe = card_path.intersected(strip) if not self.is_input else QPainterPath()
        text_w = self._text_width()
        xn_w = 0.0
        if self.shared_count > 1:
            xn = f"×{self.shared_count}"
            self._xn = static_text(xn)
            xn_w = f.badge_m.horizontalAdvance(xn) + 10.0
            self._xn_rect = QRectF(w - 14.0 - xn_w, S.PAD_TOP + 1.0, xn_w, 15.0)
        else:
            self._xn = None
        self._title_w = text_w - (xn_w + 8.0 if xn_w else 0.0) - 6.0
        self._title_big = None
        self._texts_dirty = True
        if self.tag_text:
            self._tag = True
            tw = min(f.tag_m.horizontalAdvance(self.tag_text) + 14.0, 3 * w)
            left = w - tw
            if self.orientation == "TB":  # clear of the output ports along the bottom edge
                left = max(left, (w + max(0, self.n_out - 1) * S.PORT_SPACING) / 2.0 + S.PORT_HIT_RADIUS)
            self._tag_rect = QRectF(left, self.height + S.TAG_GAP, tw, S.TAG_HEIGHT)
        else:
            self._tag = None
            self._tag_rect = QRectF()
        self._accent = S.accent_color(self.layer_id).name() if self.shared_count > 1 else None
        self._cat_hex = S.category_color(self.category)
        self._radius = radius
        self._model_back = self._card.translated(4.0, 4.0)
        self._halo = self._card.adjusted(-2, -2, 2, 2)
        x = S.STRIPE_WIDTH + S.PAD_X
        ys = (S.PAD_TOP, S.PAD_TOP + S.ROW_TYPE, S.PAD_TOP + S.ROW_TYPE + S.ROW_NAME,
              S.PAD_TOP + S.ROW_TYPE + S.ROW_NAME + S.ROW_PARAMS)
        self._text_pos = tuple(QPointF(x, y) for y in ys)
        self._big_pos = QPointF(x, (self.height - f.type_big_m.height()) / 2.0)
        self._dot = QPointF(w - 4.0, 4.0)
        self._xn_text = f"×{self.shared_count}"
        self._in_ports = [self._port_centre(IN, i) for i in range(self.n_in)]
        self._out_ports = [self._port_centre(OUT, i) for i in range(self.n_out)]
        self.badge.setPos(w - 4.0, 4.0)
        bounds = QRectF(-S.PORT_HIT_RADIUS, -S.BADGE_SIZE / 2 - 2.0,
                        w + 2 * S.PORT_HIT_RADIUS, self.height + S.BADGE_SIZE / 2 + 2.0 + 6.0)
        if self.orientation == "TB":
            bounds = bounds.adjusted(0, -S.PORT_HIT_RADIUS, 0, S.PORT_HIT_RADIUS)
        self._port_labels = []
        if self.port_names and self.orientation == "LR":  # names left of their ports (LR layout only)
            for i, name in self.port_names.items():
                width = f.tag_m.horizontalAdvance(name) + 8.0
                c = self._in_ports[i]
                self._port_labels.append((QRectF(c.x() - S.PORT_RADIUS - 4.0 - width, c.y() - 7.0, width, 14.0),
                                          name, i >= self.connected_in))
            left = min(r.left() for r, _n, _free in self._port_labels)
            bounds = bounds.united(QRectF(left - 1.0, bounds.top(), 1.0, bounds.height()))
        if self.tag_text:
            bounds = bounds.united(self._tag_rect.adjusted(-1, -1, 1, 1))
        self._bounds = bounds
        solid = QRectF(0.0, 0.0, w, self.height)
        self.solid_rect = solid.united(self._tag_rect) if self.tag_text else solid
        self.update()

    def _ensure_texts(self) -> None:
        """Lay the texts out (lazily: only cards that get painted pay for it)."""
        f = S.fonts()
        text_w = self._text_width()
        for font, metrics in ((f.type, f.type_m), (f.type_small, f.type_small_m), (f.type_tiny, f.type_tiny_m)):
            self._title_font = font
            if metrics.horizontalAdvance(self._title_text) <= self._title_w:
                break
        self._title = static_text(elide(QFontMetricsF(self._title_font), self._title_text, self._title_w))
        self._name = static_text(elide(f.name_m, self._name_text, text_w))
        self._params = static_text(elide(f.params_m, self._params_text, text_w)) if self._params_text else None
        self._shape = static_text(elide(f.shape_m, self.shape_line, text_w)) if self.shape_line else None
        self._texts_dirty = False

    def boundingRect(self) -> QRectF:
        return self._bounds

    def card_rect(self) -> QRectF:
        """The card in item coordinates (without ports, badge or output tag)."""
        return QRectF(0.0, 0.0, S.NODE_WIDTH, self.height)

    def port_pos(self, kind: str, index: int) -> QPointF:
        """Centre of input or output port ``index`` in item coordinates."""
        ports = self._in_ports if kind == IN else self._out_ports
        if 0 <= index < len(ports):
            return QPointF(ports[index])
        return self._port_centre(kind, index)

    def set_orientation(self, orientation: str) -> None:
        """Put input ports on the left and outputs on the right (``"LR"``), or on top and bottom."""
        if orientation != self.orientation:
            self.prepareGeometryChange()
            self.orientation = orientation
            self._relayout()

    def _port_centre(self, kind: str, index: int) -> QPointF:
        count = self.n_in if kind == IN else self.n_out
        if self.orientation == "TB":
            left = (S.NODE_WIDTH - (count - 1) * S.PORT_SPACING) / 2.0
            return QPointF(left + index * S.PORT_SPACING, 0.0 if kind == IN else self.height)
        top = (self.height - (count - 1) * S.PORT_SPACING) / 2.0
        x = 0.0 if kind == IN else S.NODE_WIDTH
        return QPointF(x, top + index * S.PORT_SPACING)

    def port_at(self, pos: QPointF, radius: float = S.PORT_HIT_RADIUS) -> tuple | None:
        """The port ``(kind, index)`` within ``radius`` of item point ``pos``, or None."""
        best = None
        best_d = radius * radius
        for kind, ports in ((OUT, self._out_ports), (IN, self._in_ports)):
            for i, c in enumerate(ports):
                d = (c.x() - pos.x()) ** 2 + (c.y() - pos.y()) ** 2
                if d <= best_d:
                    best, best_d = (kind, i), d
        return best

    def open_button_rect(self) -> QRectF:
        """The small "open" affordance of a Model node (empty for other nodes)."""
        if not self.is_model:
            return QRectF()
        return QRectF(S.NODE_WIDTH - S.OPEN_BUTTON_W - 8.0, self.height - S.OPEN_BUTTON_H - 6.0,
                      S.OPEN_BUTTON_W, S.OPEN_BUTTON_H)

    # ------------------------------------------------------------------ Qt overrides
    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None:
                scene._node_moved(self)
        return super().itemChange(change, value)

    def hoverMoveEvent(self, event) -> None:
        scene = self.scene()
        port = self.port_at(event.pos())
        tip = self._layer_tip
        if port is not None and scene is not None:
            tip = scene.port_tooltip(self.node_id, *port)
        if tip != self.toolTip():
            self.setToolTip(tip)
        super().hoverMoveEvent(event)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        card = self._card
        radius = self._radius
        selected = self.isSelected()
        accent = self._accent
        painter.setRenderHint(QPainter.Antialiasing, True)
        if self.is_model:
            painter.setPen(S.pen(S.CARD_BORDER))
            painter.setBrush(S.brush(S.MODEL_BACK))
            painter.drawRoundedRect(self._model_back, radius, radius)
        if selected:
            border = S.pen(S.SELECTION, 2.0)
        elif self.highlighted and accent:
            border = S.pen(accent, 2.0)
        elif self.is_output:
            border = S.pen(S.OUTPUT_BORDER, 1.5)
        elif accent:
            border = S.pen(accent, 1.0)
        elif self.is_input:
            border = S.pen(S.INPUT_BORDER)
        else:
            border = S.pen(S.CARD_BORDER)
        if self.highlighted and accent and not selected:
            painter.setPen(S.pen(S.argb(accent, 60), 5.0))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(self._halo, radius + 2, radius + 2)
        painter.setPen(border)
        painter.setBrush(S.brush(S.INPUT_FILL if self.is_input else S.CARD_FILL))
        painter.drawRoundedRect(card, radius, radius)
        if not self.is_input:
            painter.fillPath(self._stripe, S.brush(self._cat_hex))
        f = S.fonts()
        if self._level < FULL:
            if self._title_big is None:  # the full type if it fits, else its short forms (BatchNorm)
                width = self._text_width()
                forms = (self._title_text,) + labels.short_titles(self._title_text)
                fits = [t for t in forms if f.type_big_m.horizontalAdvance(t) <= width]
                self._title_big = static_text(fits[0] if fits else elide(f.type_big_m, forms[-1], width))
            painter.setFont(f.type_big)
            painter.setPen(S.pen(S.TEXT_PRIMARY))
            painter.drawStaticText(self._big_pos, self._title_big)
            if self.has_problems:
                painter.setPen(S.pen(S.CARD_FILL, 2.0))
                painter.setBrush(S.brush(S.ERROR if self.has_problems == "error" else S.WARNING))
                painter.drawEllipse(self._dot, 8.0, 8.0)
            if scene_drag(self):
                self._paint_ports(painter)
            return
        if self._texts_dirty:
            self._ensure_texts()
        pos = self._text_pos
        painter.setFont(self._title_font)
        painter.setPen(S.pen(S.TEXT_PRIMARY))
        painter.drawStaticText(pos[0], self._title)
        painter.setFont(f.name)
        painter.setPen(S.pen(S.TEXT_SECONDARY))
        painter.drawStaticText(pos[1], self._name)
        if self._params is not None:
            painter.setFont(f.params)
            painter.setPen(S.pen(S.TEXT_PARAMS))
            painter.drawStaticText(pos[2], self._params)
        if self._shape is not None:
            painter.setFont(f.shape)
            painter.setPen(S.pen(S.TEXT_SHAPE if self.shape_line != "?" else S.TEXT_UNKNOWN))
            painter.drawStaticText(pos[3], self._shape)
        if self._xn is not None:
            painter.setPen(Qt.NoPen)
            painter.setBrush(S.brush(accent))
            painter.drawRoundedRect(self._xn_rect, 7.5, 7.5)
            painter.setFont(f.badge)
            painter.setPen(S.pen(S.CARD_FILL))
            painter.drawText(self._xn_rect, _CENTER, self._xn_text)
        if self.is_model:
            r = self.open_button_rect()
            painter.setPen(S.pen(S.CARD_BORDER_DARK))
            painter.setBrush(S.brush(S.CARD_FILL))
            painter.drawRoundedRect(r, 4, 4)
            painter.setFont(f.tag)
            painter.setPen(S.pen(S.TEXT_PARAMS))
            painter.drawText(r, _CENTER, "open ↗")
        if self._tag is not None:
            self._paint_tag(painter)
        if self._port_labels:
            self._paint_port_labels(painter)
        self._paint_ports(painter)

    def _paint_tag(self, painter: QPainter) -> None:
        f = S.fonts()
        painter.setPen(Qt.NoPen)
        painter.setBrush(S.brush(S.OUTPUT_TAG_FILL))
        painter.drawRoundedRect(self._tag_rect, 8.5, 8.5)
        painter.setFont(f.tag)
        painter.setPen(S.pen(S.OUTPUT_TAG_TEXT))
        painter.drawText(self._tag_rect, _CENTER, self.tag_text)

    def _paint_port_labels(self, painter: QPainter) -> None:
        """The names of keyword and named input ports (``initial_state[0]``, ``mask``, ``query``);
        free ports are named while the card is selected or a wire is dragged."""
        f = S.fonts()
        painter.setFont(f.tag)
        offer = self.isSelected() or scene_drag(self)
        for rect, name, free in self._port_labels:
            if free and not offer:
                continue
            painter.setPen(S.pen(S.CARD_BORDER))
            painter.setBrush(S.brush(S.CARD_FILL))
            painter.drawRoundedRect(rect, 7.0, 7.0)
            painter.setPen(S.pen(S.TEXT_SECONDARY))
            painter.drawText(rect, _CENTER, name)

    def _paint_ports(self, painter: QPainter) -> None:
        scene = self.scene()
        drag = scene.wire_drag_active() if scene is not None else False
        r = S.PORT_RADIUS
        for i, c in enumerate(self._in_ports):
            state = scene.port_state(self.node_id, i) if drag else None
            connected = i < self.connected_in
            rad = r
            if state == "ok":
                painter.setPen(S.pen(S.PORT_OK, 2.0))
                painter.setBrush(S.brush(S.argb(S.PORT_OK, 70)))
                rad = r + 1.5
            elif state == "ok-hover":
                painter.setPen(S.pen(S.PORT_OK, 2.5))
                painter.setBrush(S.brush(S.PORT_OK))
                rad = r + 3.0
            elif state in ("refused", "refused-hover"):
                painter.setPen(S.pen(S.PORT_REFUSED, 1.5))
                painter.setBrush(S.brush(S.argb(S.PORT_REFUSED, 40)))
                rad = r + (2.0 if state == "refused-hover" else 0.0)
            elif connected:
                painter.setPen(S.pen(S.PORT_CONNECTED, 1.5))
                painter.setBrush(S.brush(S.PORT_CONNECTED))
            else:
                painter.setPen(S.pen(S.PORT_BORDER, 1.5))
                painter.setBrush(S.brush(S.PORT_FILL))
            painter.drawEllipse(c, rad, rad)
        for i, c in enumerate(self._out_ports):
            if i in self.out_used:
                painter.setPen(S.pen(S.PORT_CONNECTED, 1.5))
                painter.setBrush(S.brush(S.PORT_CONNECTED))
            else:
                painter.setPen(S.pen(S.PORT_BORDER, 1.5))
                painter.setBrush(S.brush(S.PORT_FILL))
            painter.drawEllipse(c, r, r)

