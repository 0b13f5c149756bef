"""The training panel's chart: train and validation curves per output over (fractional) epochs.

Each series has a colour shared by the curves of one output (its *group*) and a line style:
solid for training, dashed for validation. The legend sits in its own column right of the plot,
so it never hides a curve, and its rows never overlap (they wrap into more columns when the chart
is short). Axis titles name the quantity and the epoch; tick labels are spaced by their width.
An optional vertical marker shows the best epoch.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

TOTAL = "loss"
"""The name of the total-loss series of a live fit (drawn thicker)."""

LEGEND_SWATCH = 22
"""Width of the line sample in front of a legend entry (pixels)."""

LOG_SPAN = 100.0
"""Values spanning more than this factor are drawn on a log scale."""


def nice_ticks(low: float, high: float, count: int = 5) -> list:
    """About ``count`` round tick values covering ``[low, high]`` (1, 2, 2.5 or 5 times a power of ten)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [round(first, 12)]
    while ticks[-1] < high - step * 1e-9:  # the last tick is at or above ``high``
        ticks.append(round(first + len(ticks) * step, 12))
    return ticks


class LossChart(QWidget):
    """Curves: one polyline per series, with axes, axis titles and a legend beside the plot.

    Points are appended as batches finish; the widget repaints at most once per
    ``repaint_ms`` however many points arrive (coalesced with a single-shot timer).

    Attributes:
        points_received: points accepted since the last :meth:`clear`.
        paints: how many times the chart was painted.
        x_label, y_label: the axis titles.
        best_epoch: x of the best-epoch marker (None: no marker).
    """

    COLORS = ("#202020", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
              "#17becf", "#bcbd22")

    def __init__(self, parent: QWidget | None = None, repaint_ms: int = 100):
        super().__init__(parent)
        self.setObjectName("LossChart")
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._series: dict[str, list] = {}
        self._style: dict[str, tuple] = {}  # name -> (group, dashed)
        self._group_colors: dict[str, QColor] = {}
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(repaint_ms)
        self._repaint.timeout.connect(self.update)
        self.points_received = 0
        self.paints = 0
        self.x_label = "epoch"
        self.y_label = "loss"
        self.best_epoch: float | None = None
        self.placeholder = "Loss curves appear here during a fit"

    @property
    def repaint_scheduled(self) -> bool:
        """True while a coalesced repaint is waiting to run."""
        return self._repaint.isActive()

    def sizeHint(self) -> QSize:
        return QSize(420, 220)

    def clear(self) -> None:
        """Remove every series and the best-epoch marker."""
        self._series.clear()
        self._style.clear()
        self._group_colors.clear()
        self.best_epoch = None
        self.points_received = 0
        self.update()

    def series(self) -> dict:
        """``{name: [(x, y), …]}`` (copies)."""
        return {name: list(points) for name, points in self._series.items()}

    def style_of(self, name: str) -> tuple:
        """``(colour name, dashed)`` of series ``name``."""
        group, dashed = self._style[name]
        return self._group_colors[group].name(), dashed

    def _ensure(self, name: str, group: str | None, dashed: bool) -> list:
        points = self._series.get(name)
        if points is None:
            points = self._series[name] = []
            group = name if group is None else group
            self._style[name] = (group, dashed)
            if group not in self._group_colors:
                self._group_colors[group] = QColor(self.COLORS[len(self._group_colors) % len(self.COLORS)])
        return points

    def add_point(self, name: str, x: float, y, *, group: str | None = None, dashed: bool = False) -> bool:
        """Append a point to series ``name`` (created on first use); non-finite y is skipped.

        Args:
            name: the series (its legend text).
            x, y: the point; x must not go back.
            group: series of one group share a colour (default: the series' own).
            dashed: draw the series dashed (validation curves).

        Returns:
            True when the point was kept.
        """
        if y is None:
            return False
        try:
            x, y = float(x), float(y)
        except (TypeError, ValueError):
            return False
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        points = self._ensure(name, group, dashed)
        if points and x < points[-1][0]:
            return False
        points.append((x, y))
        self.points_received += 1
        if not self._repaint.isActive():
            self._repaint.start()
        return True

    def set_series(self, series: dict) -> None:
        """Replace everything with ``{name: {"points", "output", "split"}}`` (see
        :func:`editor.panels.fit_history.curves`): one colour per output, validation dashed."""
        best = self.best_epoch
        self.clear()
        self.best_epoch = best
        for name, entry in series.items():
            for x, y in entry["points"]:
                self.add_point(name, x, y, group=entry.get("output", name), dashed=entry.get("split") == "val")
        self.update()

    # ------------------------------------------------------------------ geometry
    def legend_layout(self, metrics: QFontMetrics | None = None) -> tuple:
        """``(legend width, [(name, entry rect), …])``: rows in columns right of the plot.

        The rows of a column never overlap and a column holds as many rows as fit the chart's
        height; more entries open another column.
        """
        metrics = metrics or QFontMetrics(self.font())
        names = list(self._series)
        if not names:
            return 0.0, []
        row_h = metrics.height() + 2
        top, usable = 8.0, max(row_h, self.height() - 16.0)
        per_column = max(1, int(usable // row_h))
        columns = [names[k:k + per_column] for k in range(0, len(names), per_column)]
        rects, x = [], float(self.width())
        widths = [max(metrics.horizontalAdvance(n) for n in column) + LEGEND_SWATCH + 14 for column in columns]
        total = sum(widths) + 8
        x = self.width() - total + 4
        for column, width in zip(columns, widths):
            for row, name in enumerate(column):
                rects.append((name, QRectF(x, top + row * row_h, width - 4, row_h)))
            x += width
        return total, rects

    def plot_rects(self, metrics: QFontMetrics | None = None) -> tuple:
        """``(plot area, x-axis title rect, y-axis title rect)``, clear of the legend and labels."""
        metrics = metrics or QFontMetrics(self.font())
        legend_w, _ = self.legend_layout(metrics)
        title_h = metrics.height()
        labels = self.y_axis()[4]
        left = title_h + 6 + max(metrics.horizontalAdvance(label) for label in labels) + 8
        bottom = 2 * metrics.height() + 10
        right = max(legend_w, 24.0) + 8
        plot = QRectF(left, 10, max(10.0, self.width() - left - right), max(10.0, self.height() - bottom - 10))
        x_title = QRectF(plot.left(), plot.bottom() + metrics.height() + 6, plot.width(), metrics.height())
        y_title = QRectF(0, plot.top(), title_h + 2, plot.height())
        return plot, x_title, y_title

    def y_axis(self) -> tuple:
        """``(log, low, high, ticks, labels)`` of the y axis, in plotted units.

        A log scale is used when every value is positive and they span more than
        :data:`LOG_SPAN` times (a first epoch's loss of thousands would flatten the rest);
        ``low``, ``high`` and ``ticks`` are then powers of ten's exponents.
        """
        ys = [y for pts in self._series.values() for _, y in pts]
        if not ys:
            return False, 0.0, 1.0, [0.0, 1.0], ["0", "1"]
        y_min, y_max = min(ys), max(ys)
        if y_min > 0 and y_max / y_min > LOG_SPAN:
            low, high = math.floor(math.log10(y_min)), math.ceil(math.log10(y_max))
            step = max(1, math.ceil((high - low) / 6))
            ticks = [float(k) for k in range(low, high + 1, step)]
            high = max(high, ticks[-1])
            return True, float(low), float(high), ticks, [f"{10 ** k:g}" for k in ticks]
        y_min = min(0.0, y_min) if 0 <= y_min < 0.5 * y_max else y_min
        if y_max <= y_min:
            y_max = y_min + (abs(y_min) or 1.0)
        ticks = nice_ticks(y_min, y_max)
        return False, min(ticks[0], y_min), max(ticks[-1], y_max), ticks, [f"{t:.4g}" for t in ticks]

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:
        self.paints += 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = QFontMetrics(self.font())
        text_color = self.palette().text().color()
        if not any(self._series.values()):
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            painter.end()
            return
        x_max = max(1.0, math.ceil(max(x for pts in self._series.values() for x, _ in pts)))
        log, y_min, y_max, ticks, labels = self.y_axis()
        plot, x_title, y_title = self.plot_rects(metrics)

        def to_screen(x: float, y: float, plotted: bool = False) -> QPointF:
            if log and not plotted:
                y = math.log10(max(y, 1e-300))
            return QPointF(plot.left() + x / x_max * plot.width(),
                           plot.bottom() - (y - y_min) / (y_max - y_min) * plot.height())

        self._paint_axes(painter, metrics, text_color, plot, to_screen, x_max, ticks, labels)
        painter.drawText(x_title, Qt.AlignmentFlag.AlignHCenter, self.x_label)
        painter.save()
        painter.translate(y_title.center())
        painter.rotate(-90)
        title = metrics.elidedText(self.y_label + (" (log)" if log else ""), Qt.TextElideMode.ElideMiddle,
                                   int(y_title.height()))
        painter.drawText(QRectF(-y_title.height() / 2, -y_title.width() / 2, y_title.height(), y_title.width()),
                         Qt.AlignmentFlag.AlignCenter, title)
        painter.restore()
        if self.best_epoch is not None and 0 <= self.best_epoch <= x_max:
            top, bottom = to_screen(self.best_epoch, y_max, True), to_screen(self.best_epoch, y_min, True)
            pen = QPen(QColor("#15803d"))
            pen.setStyle(Qt.PenStyle.DotLine)
            pen.setWidthF(1.2)
            painter.setPen(pen)
            painter.drawLine(top, bottom)
            label = "best"
            width = metrics.horizontalAdvance(label) + 4
            x = min(top.x() + 3, plot.right() - width)
            painter.drawText(QRectF(x, plot.top(), width, metrics.height()), Qt.AlignmentFlag.AlignLeft, label)
        painter.setClipRect(plot.adjusted(-2, -2, 2, 2))
        width = max(1, int(plot.width()))
        for name, points in self._series.items():
            if not points:
                continue
            stride = max(1, len(points) // (2 * width))
            shown = points[::stride]
            if shown[-1] is not points[-1]:
                shown.append(points[-1])
            painter.setPen(self._pen(name))
            if len(shown) == 1:
                painter.drawEllipse(to_screen(*shown[0]), 2.5, 2.5)
            else:
                painter.drawPolyline(QPolygonF([to_screen(x, y) for x, y in shown]))
        painter.setClipping(False)
        self._paint_legend(painter, metrics, text_color)
        painter.end()

    def _pen(self, name: str) -> QPen:
        group, dashed = self._style[name]
        pen = QPen(self._group_colors[group])
        pen.setWidthF(2.0 if name == TOTAL else 1.6)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def _paint_axes(self, painter, metrics, text_color, plot, to_screen, x_max, ticks, labels) -> None:
        axis_pen = QPen(text_color)
        axis_pen.setWidthF(1.0)
        grid_pen = QPen(QColor(text_color.red(), text_color.green(), text_color.blue(), 40))
        painter.setPen(axis_pen)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        label_right = plot.left() - 6
        last_y = None
        label_w = max(metrics.horizontalAdvance(label) for label in labels) + 4
        for value, label in zip(ticks, labels):
            point = to_screen(0, value, True)
            painter.setPen(grid_pen)
            painter.drawLine(QPointF(plot.left(), point.y()), QPointF(plot.right(), point.y()))
            if last_y is not None and abs(last_y - point.y()) < metrics.height():
                continue  # a short chart: skip labels that would touch
            last_y = point.y()
            painter.setPen(axis_pen)
            painter.drawText(QRectF(label_right - label_w, point.y() - metrics.height() / 2, label_w,
                                    metrics.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        label_w = metrics.horizontalAdvance(str(int(x_max))) + 12
        per_epoch = plot.width() / x_max
        step = next(s for s in (m * 10 ** p for p in range(7) for m in (1, 2, 5)) if s * per_epoch >= label_w)
        for epoch in range(0, int(x_max) + 1, step):
            point = QPointF(to_screen(epoch, ticks[0], True).x(), plot.bottom())
            painter.drawLine(point, QPointF(point.x(), point.y() + 3))
            painter.drawText(QRectF(point.x() - label_w / 2, point.y() + 3, label_w, metrics.height()),
                             Qt.AlignmentFlag.AlignHCenter, str(epoch))

    def _paint_legend(self, painter, metrics, text_color) -> None:
        for name, rect in self.legend_layout(metrics)[1]:
            mid = rect.top() + rect.height() / 2
            pen = self._pen(name)
            pen.setWidthF(2.0)
            painter.setPen(pen)
            painter.drawLine(QPointF(rect.left(), mid), QPointF(rect.left() + LEGEND_SWATCH - 4, mid))
            painter.setPen(text_color)
            painter.drawText(QRectF(rect.left() + LEGEND_SWATCH, rect.top(), rect.width() - LEGEND_SWATCH,
                                    rect.height()), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
