"""Issue 12, finding 6: names with terminal escapes are printed escaped by every CLI command."""

from __future__ import annotations

import json

from editor.cli import main
from editor.terminal_text import escape_controls
from tests.security.corpus import keras_layer, keras_model, loom_dict

FORGERY = "evil\x1b[2K\r\x1b[32mimported OK\x1b[0m\x08\x07\u202e"


def _assert_escaped(text: str) -> None:
    assert not any(ch in text for ch in "\x1b\r\x08\x07\u202e"), repr(text)
    assert "\\x1b[2K" in text


def test_escape_controls_keeps_newlines_and_tabs():
    assert escape_controls("a\tb\nc\x1b[0m\x00\x9b\u2066") == "a\tb\nc\\x1b[0m\\x00\\x9b\\u2066"


def test_check_prints_hostile_names_escaped(tmp_path, capsys):
    data = loom_dict("Dense", {"units": 0})
    data["layers"][1]["name"] = FORGERY
    src = tmp_path / "m.loom"
    src.write_text(json.dumps(data))
    assert main(["check", str(src)]) == 1
    captured = capsys.readouterr()
    _assert_escaped(captured.out + captured.err)


def test_refused_import_message_is_escaped(tmp_path, capsys):
    config = keras_model(keras_layer("Lambda", {}, FORGERY))
    src = tmp_path / f"m{FORGERY[:6]}.json"
    src.write_text(json.dumps(config))
    assert main(["import", str(src), "-o", str(tmp_path / "out.loom")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("refused: ")
    _assert_escaped(err)
