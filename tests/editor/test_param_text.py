"""The Qt-free text helpers of the parameter editors: parse what the user typed, format values."""

from __future__ import annotations

import subprocess
import sys

import pytest

from editor.param_text import (
    ParseError,
    format_tuple,
    format_value,
    jsonable,
    parse_axes,
    parse_literal,
)
from graph_core.catalog import REQUIRED, ParamSpec

''' + open('/tmp/moved.txt').read().rstrip() + '''


def test_parse_axes_and_literals():
    axes = ParamSpec("axes", "axes", -1)
    assert parse_axes("-1", axes) == -1
    assert parse_axes("1, 2", axes) == [1, 2]
    with pytest.raises(ParseError, match="axes"):
        parse_axes("1.5", axes)
    assert parse_axes("None", ParamSpec("axis", "axes", None, allow_none=True)) is None
    anything = ParamSpec("layer", "any", None)
    assert parse_literal('{"type": "LSTM", "config": {"units": 32}}', anything) == {
        "type": "LSTM", "config": {"units": 32}}
    assert parse_literal("(1, 2)", anything) == [1, 2]
    assert parse_literal("", anything) is None
    with pytest.raises(ParseError):
        parse_literal("open('x')", anything)


def test_format_values():
    assert format_value(REQUIRED) == "required"
    assert format_value([3, 3]) == "(3, 3)"
    assert format_value("relu") == "'relu'"
    assert format_tuple([3, 3]) == "3, 3"
    assert format_tuple([[1, 1], [2, 2]]) == "(1, 1), (2, 2)"
    assert format_tuple(None) == "None"
    assert jsonable({1: (2, (3,))}) == {"1": [2, [3]]}


def test_the_text_helpers_load_without_qt():
    code = "import sys, editor.param_text; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
