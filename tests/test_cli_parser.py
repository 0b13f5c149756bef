"""The command line builds only the parser of the subcommand it is given (editor.cli.build_parser):
that parser must read every command line exactly as the whole parser does."""

from __future__ import annotations

import pytest

from editor import cli

#: Command lines of every subcommand: defaults, options, and mistakes argparse refuses.
ARGV = [
    ["open", "m.loom"], ["open", "m.loom", "--screenshot", "o.png", "--allow-large"],
    ["render", "m.loom", "-o", "o.svg", "--geometry", "g.json"], ["render", "m.loom"],
    ["check", "m.loom"], ["check", "--json", "m.loom", "--batch-size", "8"],
    ["check", "m.loom", "--fix", "-o", "f.loom"],
    ["check", "m.loom", "--batch-size", "eight"], ["check"], ["check", "m.loom", "--colour"],
    ["diff", "a.loom", "b.loom", "--json"], ["diff", "a.loom"],
    ["profile", "m.loom", "--repeats", "3"], ["templates"], ["templates", "inception", "-o", "i.loom"],
    ["export", "m.loom", "-o", "m.py"], ["import", "m.keras", "-o", "m.loom", "--model", "net"],
    ["summary", "m.loom", "--allow-large"], ["trace", "m.loom", "--seed", "3", "--input", "s.npz"],
    ["fit", "m.loom", "--data", "x.npz", "--data", "id=y.npz", "--epochs", "2", "--lr-schedule", "cosine",
     "--last-weights", "--continue"], ["fit", "m.loom", "--lr-schedule", "sometimes"],
    ["evaluate", "m.loom", "--weights", "w.h5"], ["predict", "m.loom", "-o", "p.npz", "--preview", "2"],
    ["predict", "m.loom"],
]


def _parse(parser, argv: list, capsys) -> tuple:
    """``(namespace or None, exit code or None, what argparse printed)``."""
    try:
        return vars(parser.parse_args(argv)), None, ""
    except SystemExit as exc:
        captured = capsys.readouterr()
        return None, exc.code, captured.out + captured.err


@pytest.mark.parametrize("argv", ARGV, ids=[" ".join(a) for a in ARGV])
def test_the_one_subcommand_parser_reads_a_command_line_as_the_whole_parser_does(argv, capsys):
    assert argv[0] in cli.SUBCOMMANDS
    assert _parse(cli.build_parser(argv[0]), argv, capsys) == _parse(cli.build_parser(), argv, capsys)


def test_every_subcommand_has_its_parser_and_help_lists_them_all(capsys):
    whole = cli.build_parser()
    with pytest.raises(SystemExit):
        whole.parse_args(["--help"])
    listing = capsys.readouterr().out
    for name, (helptext, _) in cli.SUBCOMMANDS.items():
        assert name in listing and helptext.split()[0] in listing
        with pytest.raises(SystemExit):
            cli.build_parser(name).parse_args([name, "--help"])
        assert capsys.readouterr().out.startswith(f"usage: layerloom {name} ")
