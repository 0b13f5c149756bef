"""Long expressions are wrapped without breaking: an operator expression past the line width is
written flat (names and literals only, so it reads as one statement)."""

from __future__ import annotations

from codegen.source_expr import WIDTH, Operator, Raw, render


def test_an_operator_longer_than_the_line_is_written_flat():
    left, right = Raw("a" * WIDTH), Raw("b" * 10)
    text = render(Operator("+", left, right), col=20, indent=4)
    assert text == f"{'a' * WIDTH} + {'b' * 10}"
    assert render(Operator("-", Raw("x")), col=0, indent=0) == "-x"
