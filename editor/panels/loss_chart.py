"""The live loss chart of the training panel: one curve per loss over fractional epochs."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

TOTAL = "loss"
"""The name of the total-loss series (drawn thicker)."""


class LossChart(QWidget):
    """Loss curves: one polyline per series over fractional epochs, with axes and a legend.

    Points are appended as batches finish; the widget repaints at most once per
    ``repaint_ms`` however many points arrive (coalesced with a single-shot timer).

    Attributes:
        points_received: points accepted since the last :meth:`clear`.
        paints: how many times the chart was painted.
    """

    COLORS = ("#202020", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
              "#17becf", "#bcbd22")

    def __init__(self, parent: QWidget | None = None, repaint_ms: int = 100):
        super().__init__(parent)
        self.setObjectName("LossChart")
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._series: dict[str, list] = {}
        self._colors: dict[str, QColor] = {}
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(repaint_ms)
        self._repaint.timeout.connect(self.update)
        self.points_received = 0
        self.paints = 0
        self.x_label = "epoch"

    @property
    def repaint_scheduled(self) -> bool:
        """True while a coalesced repaint is waiting to run."""
        return self._repaint.isActive()

    def sizeHint(self) -> QSize:
        return QSize(360, 200)

    def clear(self) -> None:
        """Remove every series."""
        self._series.clear()
        self._colors.clear()
        self.points_received = 0
        self.update()

    def series(self) -> dict:
        """``{name: [(x, y), …]}`` (copies)."""
        return {name: list(points) for name, points in self._series.items()}

    def add_point(self, name: str, x: float, y) -> bool:
        """Append a point to series ``name`` (created on first use); non-finite y is skipped."""
        if y is None:
            return False
        try:
            x, y = float(x), float(y)
        except (TypeError, ValueError):
            return False
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        points = self._series.get(name)
        if points is None:
            points = self._series[name] = []
            self._colors[name] = QColor(self.COLORS[(len(self._colors)) % len(self.COLORS)])
        if points and x < points[-1][0]:
            return False
        points.append((x, y))
        self.points_received += 1
        if not self._repaint.isActive():
            self._repaint.start()
        return True

    def plot_rects(self, metrics: QFontMetrics | None = None) -> tuple:
        """``(plot area, x-axis title rect)``: the title sits right of the plot, clear of the last
        tick label (which is centred on the plot's right edge)."""
        metrics = metrics or QFontMetrics(self.font())
        left = metrics.horizontalAdvance("0.0000") + 12
        bottom = metrics.height() + 10
        title_w = metrics.horizontalAdvance(self.x_label) + 4
        right = 20 + 4 + title_w + 4  # half a tick label, a gap, the title, a margin
        plot = QRectF(left, 8, max(10.0, self.width() - left - right), max(10.0, self.height() - bottom - 8))
        return plot, QRectF(plot.right() + 24, plot.bottom() + 3, title_w, metrics.height())

    def paintEvent(self, _event) -> None:
        self.paints += 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = QFontMetrics(self.font())
        text_color = self.palette().text().color()
        if not any(self._series.values()):
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loss curves appear here during a fit")
            painter.end()
            return
        xs = [x for pts in self._series.values() for x, _ in pts]
        ys = [y for pts in self._series.values() for _, y in pts]
        x_max = max(1.0, math.ceil(max(xs)))
        y_min, y_max = min(0.0, min(ys)), max(ys)
        if y_max <= y_min:
            y_max = y_min + 1.0
        y_max += (y_max - y_min) * 0.05
        left = metrics.horizontalAdvance("0.0000") + 12
        plot, x_label_rect = self.plot_rects(metrics)

        def to_screen(x: float, y: float) -> QPointF:
            return QPointF(plot.left() + x / x_max * plot.width(),
                           plot.bottom() - (y - y_min) / (y_max - y_min) * plot.height())

        axis_pen = QPen(text_color)
        axis_pen.setWidthF(1.0)
        grid_pen = QPen(QColor(text_color.red(), text_color.green(), text_color.blue(), 40))
        painter.setPen(axis_pen)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        for k in range(5):
            value = y_min + (y_max - y_min) * k / 4
            point = to_screen(0, value)
            painter.setPen(grid_pen)
            painter.drawLine(QPointF(plot.left(), point.y()), QPointF(plot.right(), point.y()))
            painter.setPen(axis_pen)
            label = f"{value:.3g}"
            painter.drawText(QRectF(0, point.y() - metrics.height() / 2, left - 6, metrics.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        step = max(1, int(math.ceil(x_max / 10)))
        for epoch in range(0, int(x_max) + 1, step):
            point = to_screen(epoch, y_min)
            painter.drawLine(point, QPointF(point.x(), point.y() + 3))
            painter.drawText(QRectF(point.x() - 20, point.y() + 3, 40, metrics.height()),
                             Qt.AlignmentFlag.AlignHCenter, str(epoch))
        painter.drawText(x_label_rect, Qt.AlignmentFlag.AlignLeft, self.x_label)
        width = max(1, int(plot.width()))
        for name, points in self._series.items():
            stride = max(1, len(points) // (2 * width))
            shown = points[::stride]
            if shown[-1] is not points[-1]:
                shown.append(points[-1])
            pen = QPen(self._colors[name])
            pen.setWidthF(2.0 if name == TOTAL else 1.4)
            painter.setPen(pen)
            if len(shown) == 1:
                painter.drawEllipse(to_screen(*shown[0]), 2, 2)
            else:
                painter.drawPolyline(QPolygonF([to_screen(x, y) for x, y in shown]))
        # legend, top right
        names = list(self._series)
        legend_w = max(metrics.horizontalAdvance(n) for n in names) + 30
        y = plot.top() + 4
        box = QRectF(plot.right() - legend_w - 4, y - 2, legend_w + 2, len(names) * metrics.height() + 4)
        painter.fillRect(box, QColor(self.palette().base().color().red(), self.palette().base().color().green(),
                                     self.palette().base().color().blue(), 210))
        for name in names:
            pen = QPen(self._colors[name])
            pen.setWidthF(2.0)
            painter.setPen(pen)
            x0 = box.left() + 4
            mid = y + metrics.height() / 2
            painter.drawLine(QPointF(x0, mid), QPointF(x0 + 16, mid))
            painter.setPen(text_color)
            painter.drawText(QPointF(x0 + 22, y + metrics.ascent()), name)
            y += metrics.height()
        painter.end()
