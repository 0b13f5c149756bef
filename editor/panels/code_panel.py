"""The Code panel: the Python that LayerLoom exports for the current document, live.

The text comes from :func:`codegen.python_export.export_python` (pure text generation: it never
imports Keras, so it runs in the editor process), refreshed after edits with a short debounce.
A :class:`PythonHighlighter` colours keywords, strings, numbers, comments and the names of the
document's layers. "Copy" puts the code on the clipboard; "Save…" writes it atomically.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from editor.panels.summary_panel import monospace_font
from editor.qt_signals import reconnect

DEBOUNCE_MS = 400

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\b(?:0[xX][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)j?\b")
_BUILTINS = frozenset({"print", "len", "range", "list", "dict", "tuple", "int", "float", "str", "bool",
                       "None", "True", "False", "zip", "enumerate", "isinstance", "super", "open"})
_IN_TRIPLE_DOUBLE, _IN_TRIPLE_SINGLE = 1, 2


def _format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    if italic:
        fmt.setFontItalic(True)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Python syntax colouring plus the names of the model's layers.

    Triple-quoted strings may span lines (block state). Layer names are highlighted wherever they
    appear as a whole word, also inside strings (``name="encoder"``), but not in comments.

    Attributes:
        blocks_highlighted: how many text blocks have been highlighted (for tests/benchmarks).
    """

    def __init__(self, document):
        super().__init__(document)
        self.formats = {
            "keyword": _format("#0033b3", bold=True),
            "builtin": _format("#7a3e9d"),
            "string": _format("#067d17"),
            "number": _format("#1750eb"),
            "comment": _format("#8c8c8c", italic=True),
            "layer": _format("#b45f06", bold=True),
        }
        self._keywords = frozenset(keyword.kwlist) - {"None", "True", "False"}
        self._names: re.Pattern | None = None
        self._name_set: frozenset = frozenset()
        self.blocks_highlighted = 0

    def set_layer_names(self, names) -> None:
        """Highlight these layer names (re-highlights only when the set changed)."""
        names = frozenset(n for n in names if n)
        if names == self._name_set:
            return
        self._name_set = names
        ordered = sorted(names, key=len, reverse=True)
        self._names = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)") if ordered else None
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        self.blocks_highlighted += 1
        self.setCurrentBlockState(0)
        spans = []  # (start, end, kind) of strings and comments
        i, n = 0, len(text)
        state = self.previousBlockState()
        if state in (_IN_TRIPLE_DOUBLE, _IN_TRIPLE_SINGLE):
            quote = '"""' if state == _IN_TRIPLE_DOUBLE else "'''"
            end = text.find(quote)
            if end < 0:
                spans.append((0, n, "string"))
                self.setCurrentBlockState(state)
                i = n
            else:
                spans.append((0, end + 3, "string"))
                i = end + 3
        code_start = i
        code_parts = []
        while i < n:
            ch = text[i]
            if ch == "#":
                code_parts.append((code_start, i))
                spans.append((i, n, "comment"))
                code_start = i = n
                break
            if ch in "\"'":
                code_parts.append((code_start, i))
                triple = text[i:i + 3] in ('"""', "'''")
                quote = text[i:i + 3] if triple else ch
                j = i + len(quote)
                while j < n:
                    if text[j] == "\\":
                        j += 2
                        continue
                    if text.startswith(quote, j):
                        j += len(quote)
                        break
                    j += 1
                else:
                    if triple:
                        self.setCurrentBlockState(_IN_TRIPLE_DOUBLE if quote == '"""' else _IN_TRIPLE_SINGLE)
                    j = n
                spans.append((i, min(j, n), "string"))
                code_start = i = min(j, n)
                continue
            i += 1
        if code_start < n:
            code_parts.append((code_start, n))
        for start, end in code_parts:
            segment = text[start:end]
            for match in _NUMBER.finditer(segment):
                self.setFormat(start + match.start(), match.end() - match.start(), self.formats["number"])
            for match in _IDENT.finditer(segment):
                word = match.group()
                kind = "keyword" if word in self._keywords else "builtin" if word in _BUILTINS else None
                if kind:
                    self.setFormat(start + match.start(), len(word), self.formats[kind])
        for start, end, kind in spans:
            self.setFormat(start, end - start, self.formats[kind])
        if self._names is not None:
            comment_start = next((s for s, _e, k in spans if k == "comment"), n)
            for match in self._names.finditer(text, 0, comment_start):
                self.setFormat(match.start(), match.end() - match.start(), self.formats["layer"])


class CodePanel(QWidget):
    """Live Python export of the session's document, with Copy and Save….

    Args:
        parent: Qt parent.
        export: the export function, called as ``export(doc, result=check result)`` (default
            :func:`codegen.python_export.export_python`).
        save_dialog: ``(parent, caption, suggested path, filter) -> path or ""``
            (default: ``QFileDialog.getSaveFileName``); injectable for tests.

    Signals:
        saved(str): the code was written to that path.
    """

    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, export: Callable | None = None,
                 save_dialog: Callable | None = None, debounce_ms: int = DEBOUNCE_MS):
        super().__init__(parent)
        self.setObjectName("CodePanel")
        self.session = None
        self._export = export
        self.save_dialog = save_dialog or _default_save_dialog
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QPushButton("Save…")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.status = QLabel("")
        self.status.setObjectName("codeStatus")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("codeText")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(monospace_font())
        self.highlighter = PythonHighlighter(self.editor.document())

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.editor, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.refresh)
        self.export_ok = False

    @property
    def code(self) -> str:
        """The code shown."""
        return self.editor.toPlainText()

    def set_session(self, session) -> None:
        """Follow ``session`` (a DocumentSession, or None)."""
        reconnect(self.session, session, {"changed": self._on_changed})
        self.session = session
        self.refresh()

    def _on_changed(self, _doc, event) -> None:
        if getattr(event, "kind", None) != "position":
            self._timer.start()

    def _export_function(self) -> Callable:
        if self._export is None:
            from codegen.python_export import export_python

            self._export = export_python
        return self._export

    def refresh(self) -> None:
        """Regenerate the code now."""
        self._timer.stop()
        if self.session is None:
            self._show("")
            self.status.setText("No model open.")
            self.export_ok = False
            return
        doc = self.session.document
        try:
            text = self._export_function()(doc, result=self.session.result())  # kept up to date edit by edit
            self.export_ok = True
            self.status.setText(left_out_note(doc))
        except Exception as exc:  # an invalid document cannot be exported yet
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            text = f"# Python export is not possible yet:\n# {message}\n"
            self.export_ok = False
            self.status.setText("Fix the model's problems to export it.")
        names = {layer.name for d in doc.iter_documents() for layer in d.layers.values()}
        self.highlighter.set_layer_names(names)
        self._show(text)

    def _show(self, text: str) -> None:
        if self.editor.toPlainText() == text:
            return
        vbar, hbar = self.editor.verticalScrollBar(), self.editor.horizontalScrollBar()
        v, h = vbar.value(), hbar.value()
        self.editor.setPlainText(text)
        vbar.setValue(min(v, vbar.maximum()))
        hbar.setValue(min(h, hbar.maximum()))

    def copy(self) -> None:
        """Put the code on the clipboard."""
        QGuiApplication.clipboard().setText(self.code)
        self.status.setText("Copied to the clipboard.")

    def _on_save_clicked(self, _checked: bool = False) -> None:
        self.save()

    def save(self, path: str | None = None) -> str | None:
        """Write the code to ``path`` (asked with the save dialog when None), atomically.

        Returns:
            The path written, or None (cancelled or failed; the status says why).
        """
        from graph_core.loom_format import write_atomic

        if self._timer.isActive():
            self.refresh()
        if path is None:
            name = (self.session.document.name if self.session is not None else "model") or "model"
            path = self.save_dialog(self, "Save Python code", f"{name}.py", "Python files (*.py)")
            if not path:
                return None
        try:
            write_atomic(path, self.code)
        except OSError as exc:
            self.status.setText(f"Could not save {path}: {exc.strerror or exc}")
            return None
        self.status.setText(f"Saved {path}")
        self.saved.emit(str(path))
        return str(path)


def left_out_note(doc) -> str:
    """Says which layers the exported code leaves out because they reach no output ("" if none)."""
    from codegen.build import BuildError, used_nodes

    try:
        used = set(used_nodes(doc))
    except BuildError:
        return ""
    left = [doc.node_label(n) for n in doc.nodes if n not in used]
    if not left:
        return ""
    names = ", ".join(left[:4]) + (f" and {len(left) - 4} more" if len(left) > 4 else "")
    return (f"Not in the code: {len(left)} layer{'s' if len(left) != 1 else ''} reaching no model output "
            f"({names}). Connect {'them' if len(left) != 1 else 'it'} or mark an output to include "
            f"{'them' if len(left) != 1 else 'it'}.")


def _default_save_dialog(parent, caption: str, suggested: str, filters: str) -> str:
    path, _selected = QFileDialog.getSaveFileName(parent, caption, suggested, filters)
    return path
