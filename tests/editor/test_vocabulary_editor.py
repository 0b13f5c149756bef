"""The vocabulary editor: pasted tokens become a lookup layer's inline vocabulary."""

from __future__ import annotations

import pytest

from editor.param_editors import make_editor
from editor.param_text import ParseError
from editor.vocabulary_editor import VocabularyEditor, format_vocabulary, parse_vocabulary
from graph_core import catalog
from graph_core.builder import GraphBuilder
from tests.editor.test_inspector import select, wait_inspector
from tests.editor.window_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_leaked_windows")]


def test_parse_and_format():
    assert parse_vocabulary("the\ncat\r\n\n sat \n") == ["the", "cat", " sat "]
    assert parse_vocabulary("  \n\n") is None
    assert parse_vocabulary("3\n 5\n7", integers=True) == [3, 5, 7]
    with pytest.raises(ParseError, match="line 2"):
        parse_vocabulary("3\nfive", integers=True)
    assert format_vocabulary(["a", "b"]) == "a\nb" and format_vocabulary(None) == ""


def test_lookup_vocabularies_get_the_vocabulary_editor(qapp):
    for layer in ("StringLookup", "IntegerLookup", "TextVectorization"):
        param = catalog.get_spec(layer).param("vocabulary")
        assert isinstance(make_editor(param, None), VocabularyEditor)
    ints = make_editor(catalog.get_spec("IntegerLookup").param("vocabulary"), [1, 2])
    ints.set_value([1, 2])
    assert ints.integers and ints.text.toPlainText() == "1\n2"


def _text_session():
    from editor.session import DocumentSession

    b = GraphBuilder("text")
    x = b.input("text", shape=(1,), dtype="string")
    x = b.layer("StringLookup", x, name="ids")
    x = b.layer("Embedding", x, input_dim=10, output_dim=4)
    x = b.layer("Flatten", x)
    b.output(b.layer("Dense", x, units=2, name="out"), loss="mse")
    return DocumentSession(b.document)


def test_pasted_tokens_set_the_vocabulary_in_one_undo_step(qtbot, make_window):
    window = make_window(_text_session())
    session = window.session
    ids = session.document.layer_by_name("ids")
    select(window, "ids")
    wait_inspector(qtbot, window, "ids")
    editor = window.inspector.editor("vocabulary")
    assert isinstance(editor, VocabularyEditor)
    assert editor.count.text() == "adapted (no tokens)"
    steps = session.undo_stack.count()
    editor.text.setPlainText("red\ngreen\nblue\n")
    assert editor.count.text() == "3 tokens"
    qtbot.mouseClick(editor.apply, qtbot_button())
    assert ids.config["vocabulary"] == ["red", "green", "blue"]
    assert session.undo_stack.count() == steps + 1
    node = session.document.nodes_of(ids.id)[0]
    assert session.result().output_specs(node)[0].dtype == "int64"
    editor.text.setPlainText("red\nred\n")
    qtbot.mouseClick(editor.apply, qtbot_button())
    assert "twice" in window.inspector.row("vocabulary").error.text()
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert "vocabulary" not in ids.config


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
