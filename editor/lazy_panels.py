"""Panels built the first time they are shown.

A panel docked behind another one in a tab group (Code, Training, Step through behind the Summary)
is not seen when the window opens, so building it then only delays the first frame. A lazy panel's
dock holds an empty placeholder until it first becomes visible (its tab is chosen, View › Panels
shows it, a restored layout puts it in front) or until code asks for the panel; then the factory
builds the real widget and the dock shows it. The dock's title, place and tab are there from the
start, so the window looks the same.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDockWidget, QWidget

_FACTORY = "_layerloom_panel_factory"


def add_lazy_panel(window, factory: Callable[[], QWidget], title: str, area,
                   minimum_height: int = 0) -> QDockWidget:
    """Dock a panel in ``window`` that ``factory`` builds when the dock is first shown.

    Args:
        window: the :class:`editor.main_window.MainWindow` (its ``add_panel``).
        factory: ``() -> QWidget``, called once, builds the panel (and points it at the session).
        title: the dock title (also listed in View › Panels).
        area: a ``Qt.DockWidgetArea``.
        minimum_height: the placeholder's minimum height: about the panel's own, so the tab
            group opens as tall as it will be once the panel is built.

    Returns:
        The QDockWidget; :func:`panel_of` gives its panel (building it when needed).
    """
    placeholder = QWidget()
    placeholder.setObjectName(f"{title.lower().replace(' ', '_')}Placeholder")
    placeholder.setMinimumHeight(minimum_height)
    dock = window.add_panel(placeholder, title, area)
    dock.panel = None
    setattr(dock, _FACTORY, (factory, area))

    def on_visibility(visible: bool) -> None:
        if visible:
            panel_of(dock)

    dock.visibilityChanged.connect(on_visibility)
    return dock


def panel_of(dock: QDockWidget) -> QWidget:
    """The panel of a dock from :func:`add_lazy_panel` (or ``MainWindow.add_panel``), built now if
    it has not been yet."""
    pending = getattr(dock, _FACTORY, None)
    if pending is None:
        return dock.panel
    setattr(dock, _FACTORY, None)
    factory, area = pending
    from editor.main_window import fit_for_dock

    panel = factory()
    placeholder = dock.widget()
    dock.setWidget(fit_for_dock(panel, area))
    dock.panel = panel
    if placeholder is not None:
        placeholder.deleteLater()
    return panel


def is_built(dock: QDockWidget) -> bool:
    """True when the dock's panel exists (always for a panel docked with ``add_panel``)."""
    return getattr(dock, _FACTORY, None) is None
