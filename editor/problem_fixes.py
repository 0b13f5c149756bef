"""The problems panel's "Fix" button: the selected problem's one-click repairs.

Each repair is a :class:`graph_core.fixes.Fix`; clicking applies it as ONE undo step on the
document the problem belongs to (the model or a nested model).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QToolButton


class FixButton(QToolButton):
    """Shows the fix of the selected problem ("Fix: Insert Flatten before 'dense'"); a menu
    when there are several. Hidden when the problem has none.

    Signals:
        fixed(str): a fix was applied (its label).
    """

    fixed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("problemFixButton")
        self.setStyleSheet("QToolButton { text-align: left; padding: 3px 8px; margin: 0 8px 4px 8px; }")
        self.clicked.connect(self._apply_first)
        self._session = None
        self._doc = None
        self._fixes: list = []
        self.hide()

    @property
    def fixes(self) -> list:
        """The fixes offered for the selected problem."""
        return list(self._fixes)

    def show_for(self, session, doc, problem) -> None:
        """Offer the fixes of ``problem`` (a problem of ``doc`` in ``session``); None hides."""
        from graph_core.fixes import fixes_for

        self._session, self._doc = session, doc
        self._fixes = []
        if session is not None and doc is not None and problem is not None:
            self._fixes = [fix for p, fix in fixes_for(doc, session.result(doc)) if p == problem]
        if not self._fixes:
            self.setMenu(None)
            self.hide()
            return
        first = self._fixes[0]
        self.setText(f"Fix: {first.label}")
        self.setToolTip("Apply this repair (one undo step)")
        if len(self._fixes) > 1:
            menu = QMenu(self)
            for fix in self._fixes:
                menu.addAction(fix.label).triggered.connect(lambda _c=False, f=fix: self.apply(f))
            self.setMenu(menu)
            self.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        else:
            self.setMenu(None)
            self.setPopupMode(QToolButton.ToolButtonPopupMode.DelayedPopup)
        self.show()

    def apply(self, fix) -> bool:
        """Apply ``fix`` as one undo step; True when applied."""
        if self._session is None or self._doc is None:
            return False
        if not self._session.push(fix.edit(self._doc), self._doc):
            return False
        self._fixes = []
        self.hide()
        self.fixed.emit(fix.label)
        return True

    def _apply_first(self, _checked: bool = False) -> None:
        if self._fixes:
            self.apply(self._fixes[0])
