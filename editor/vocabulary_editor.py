"""The vocabulary editor: a lookup layer's tokens as text, one token a line.

Pasting a word list (from a file opened elsewhere, a spreadsheet column…) and pressing
*Apply* sets the layer's inline ``vocabulary``; an empty text means no vocabulary (the layer
is adapted). Tokens are taken as they are (only the line ends are removed); blank lines are
skipped, since padding is the layer's ``mask_token``. IntegerLookup vocabularies must be
integers. Repeated tokens are left to the layer's check, which names them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from editor.param_editors import ParamEditor
from editor.param_text import ParseError

#: lines shown before the text field scrolls
VISIBLE_LINES = 6


def integer_tokens(param) -> bool:
    """True when the vocabulary ``param`` holds integers (IntegerLookup)."""
    return "int" in param.choices


def parse_vocabulary(text: str, integers: bool = False):
    """The tokens of ``text`` (one a line), or None when it has none.

    Raises:
        ParseError: a line of an integer vocabulary is not an integer (the message gives the
            line number).
    """
    tokens = [line.rstrip("\r") for line in text.split("\n")]
    tokens = [t for t in tokens if t.strip()]
    if not tokens:
        return None
    if not integers:
        return tokens
    out = []
    for number, token in enumerate(tokens, 1):
        try:
            out.append(int(token.strip()))
        except ValueError:
            raise ParseError(f"vocabulary line {number}: {token!r} is not an integer") from None
    return out


def format_vocabulary(value) -> str:
    """The text of a vocabulary value (one token a line; empty for None)."""
    if not isinstance(value, (list, tuple)):
        return ""
    return "\n".join(str(t) for t in value)


class VocabularyEditor(ParamEditor):
    """A multi-line text of tokens with a token count and an *Apply* button."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.integers = integer_tokens(param)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("one token a line (paste a word list); empty: learned "
                                     "with adapt()")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        line = self.text.fontMetrics().lineSpacing()
        self.text.setFixedHeight(line * VISIBLE_LINES + 12)
        self.count = QLabel()
        self.apply = QPushButton("Apply")
        self.apply.setToolTip("set the layer's vocabulary to these tokens")
        self.apply.clicked.connect(self._commit)
        self.text.textChanged.connect(self._update_count)
        self.count.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.apply)
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.text)
        box.addWidget(self.count)
        box.addLayout(row)
        self.widget = QWidget()
        self.widget.setLayout(box)
        self._update_count()

    @staticmethod
    def can_represent(param, value) -> bool:
        if value is None:
            return True
        if not isinstance(value, (list, tuple)):
            return False
        kind = int if integer_tokens(param) else str
        return all(isinstance(t, kind) and not isinstance(t, bool) and "\n" not in str(t)
                   and (kind is int or t.strip()) for t in value)

    def set_value(self, value) -> None:
        try:
            if parse_vocabulary(self.text.toPlainText(), self.integers) == (
                    list(value) if isinstance(value, (list, tuple)) else None):
                return  # same tokens: keep the user's text (and cursor)
        except ParseError:
            pass
        self.text.blockSignals(True)
        self.text.setPlainText(format_vocabulary(value))
        self.text.blockSignals(False)
        self._update_count()

    def value(self):
        return parse_vocabulary(self.text.toPlainText(), self.integers)

    def _update_count(self) -> None:
        try:
            tokens = self.value()
        except ParseError as exc:
            self.count.setText(str(exc))
            return
        self.count.setText("adapted (no tokens)" if tokens is None else
                           f"{len(tokens)} token{'s' if len(tokens) != 1 else ''}")
