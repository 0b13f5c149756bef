"""File › Compare with…: the menu item; the compare window (editor/compare_window.py) is imported
when it is chosen, not while the editor starts."""

from __future__ import annotations


def attach_compare(window) -> None:
    """Add File › Compare with… to ``window``."""
    action = window.file_menu.addAction("Compare with…")
    action.setObjectName("compareWith")
    action.setStatusTip("Show this model and another .loom file side by side with their differences")
    action.triggered.connect(lambda _checked=False: _compare(window))
    window.compare_action = action


def _compare(window) -> None:
    from editor.compare_window import compare_with_file

    compare_with_file(window)
