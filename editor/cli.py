"""The ``layerloom`` command line.

Every command prints clear messages and exits non-zero on bad input; none prints a traceback.
Heavy imports (Qt, TensorFlow) happen only inside the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from editor import start_up_gc
from editor.cli_train import ALLOW_LARGE, TRAIN_COMMANDS, TRAIN_SUBCOMMANDS, run_train_command
from editor.terminal_text import escaped_output

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE, EXIT_NOT_CHECKED = 0, 1, 2, 3
_ALLOW_LARGE_DRAWING = ("read a file past the format's layer and node limits (up to 1,000,000 each) "
                        "to draw it; such a file opens only with this option")


def _terminal_columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` gives it ($COLUMNS, then the tty, then 80)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, sized without importing shutil (with bz2, lzma: a start-up cost
    that every command would pay, as argparse makes a formatter for each argument added)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser (and its subcommands' parsers) using :class:`_HelpFormatter`."""

    def __init__(self, *args, formatter_class=_HelpFormatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)


def _open_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--screenshot", metavar="OUT.png", help="save a picture of the window and exit")
    p.add_argument("--allow-large", action="store_true", help=_ALLOW_LARGE_DRAWING)


def _render_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png|OUT.svg")
    p.add_argument("--geometry", metavar="OUT.json", help="also write the drawn cards, edges and labels")
    p.add_argument("--allow-large", action="store_true", help=_ALLOW_LARGE_DRAWING)


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--fix", action="store_true", help="apply the fixes that keep your intent (needs -o)")
    p.add_argument("-o", "--output", metavar="FIXED.loom", help="where --fix writes the fixed model")
    p.add_argument("--batch-size", type=int, default=1, metavar="N",
                   help="batch size for FLOPs and activation memory (default 1)")


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file_a", metavar="A.loom")
    p.add_argument("file_b", metavar="B.loom")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--batch-size", type=int, default=1, metavar="N", help="batch size of the FLOPs delta")


def _profile_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--batch-size", type=int, default=1, metavar="N")
    p.add_argument("--repeats", type=int, default=10, metavar="R", help="timed repeats (median)")
    p.add_argument("--json", action="store_true", help="print a JSON report")


def _templates_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?")
    p.add_argument("-o", "--output", metavar="FILE.loom")


def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.py|OUT.keras")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE)


def _import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="FILE.loom")
    p.add_argument("--model", metavar="NAME", help="the model to import from a .py defining several")


def _summary_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE)


def _trace_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--input", metavar="SAMPLE.npz", help="one array per model input, keyed by input name")
    p.add_argument("--weights", metavar="W.weights.h5", help="weights to load (default: seeded init)")
    p.add_argument("--seed", type=int, default=0, help="seed of the initialisation and synthetic sample")


#: Every subcommand, in the order ``--help`` lists them: name → (its help, what adds its arguments).
SUBCOMMANDS = {
    "open": ("open a .loom file in the editor", _open_arguments),
    "render": ("draw a model's graph to PNG or SVG without a window", _render_arguments),
    "check": ("validate a .loom file: problems, shapes, params", _check_arguments),
    "diff": ("compare two .loom files: layers added, removed, changed, rewired", _diff_arguments),
    "profile": ("measure each layer's forward time with Keras", _profile_arguments),
    "templates": ("list the templates, or write one to a file", _templates_arguments),
    "export": ("export Python (.py) or a Keras model file (.keras)", _export_arguments),
    "import": ("import a Keras model (.keras, .h5, JSON config) or Keras Python source (.py, read without "
               "running it) as a .loom file", _import_arguments),
    "summary": ("print Keras's model.summary() of a .loom file", _summary_arguments),
    "trace": ("run one sample through the model: every node's output statistics", _trace_arguments),
    **TRAIN_SUBCOMMANDS,
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``layerloom`` with all its subcommands.

    Args:
        only: a subcommand's name: the parser has that subcommand alone, which parses its
            arguments exactly as the whole parser does. argparse makes a parser for each
            subcommand and a help formatter for each argument, so the whole parser costs about
            15 ms on the 2-core benchmark machine against 1 ms for one (issue 17).
    """
    parser = _Parser(prog="layerloom", description="Draw Keras Functional-API models.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (helptext, add_arguments) in SUBCOMMANDS.items():
        if only is None or name == only:
            add_arguments(sub.add_parser(name, help=helptext))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``layerloom`` console script.

    Args:
        argv: the arguments; None reads ``sys.argv`` and marks this call as the process's own
            start (the console script, ``python -m editor.cli``): only then is the garbage
            collector paused while the command starts (editor/start_up_gc.py).
    """
    if argv is None:
        start_up_gc.pause()
    try:
        with escaped_output():  # names in messages never reach the terminal as control codes
            given = sys.argv[1:] if argv is None else list(argv)
            args = build_parser(given[0] if given and given[0] in SUBCOMMANDS else None).parse_args(given)
            try:
                code = _dispatch(args)
            except KeyboardInterrupt:
                print("interrupted", file=sys.stderr)
                return 130
    finally:
        start_up_gc.resume()
    if argv is None and args.command in _NOTHING_TO_TEAR_DOWN:
        _exit_now(code)
    return code


#: Commands that leave nothing to tear down when they return: pure Python, no thread, no child
#: process, every file they wrote closed. Started as the process's own command, they exit without
#: Python's finalization, which frees every object and module one by one (about 20 ms of CPU after
#: an 800-layer ``check`` on the benchmark machine, issue 17: 15 % of the command).
_NOTHING_TO_TEAR_DOWN = frozenset({"check", "diff", "templates"})


def _exit_now(code: int) -> None:
    """End the process with ``code`` once the standard streams are flushed, skipping finalization.

    When a stream cannot be flushed (a closed pipe) it returns, and the process ends the usual way,
    which reports that as Python always does."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


#: Commands that resume the garbage collector themselves, once started (the others at once).
_QUICK_STARTS = (None, "open", "check", "templates")


def _dispatch(args) -> int:
    if args.command not in _QUICK_STARTS or (args.command == "check" and args.fix):
        start_up_gc.resume()
    if args.command is None:
        from editor.app import run_editor

        return run_editor(None)
    if args.command == "open":
        from editor.app import run_editor

        return run_editor(args.file, screenshot=args.screenshot, allow_large=args.allow_large)
    if args.command == "render":
        from editor.render import run_render

        return run_render(args.file, args.output, args.geometry, allow_large=args.allow_large)
    if args.command == "check":
        if args.fix:
            from editor.fix_command import fix_command

            return fix_command(args.file, args.output)
        return check_command(args.file, as_json=args.json, batch_size=args.batch_size)
    if args.command == "templates":
        return templates_command(args.name, args.output)
    if args.command == "diff":
        from editor.cli_cost import diff_command

        return diff_command(args.file_a, args.file_b, as_json=args.json, batch_size=args.batch_size)
    if args.command == "profile":
        from editor.cli_cost import profile_command

        return profile_command(args.file, batch_size=args.batch_size, repeats=args.repeats, as_json=args.json)
    if args.command in TRAIN_COMMANDS:
        return run_train_command(args)
    from codegen import commands

    if args.command == "export":
        return commands.run_export(args.file, args.output, allow_large=args.allow_large)
    if args.command == "import":
        from codegen.source_command import is_source_path, run_source_import

        if is_source_path(args.file):
            return run_source_import(args.file, args.output, model=args.model)
        if args.model:
            print("error: --model applies to Python source (.py) only", file=sys.stderr)
            return EXIT_UNREADABLE
        return commands.run_import(args.file, args.output)
    if args.command == "summary":
        return commands.run_summary(args.file, allow_large=args.allow_large)
    if args.command == "trace":
        from codegen.trace_command import run_trace

        return run_trace(args.file, as_json=args.json, sample=args.input, weights=args.weights,
                         seed=args.seed)
    raise AssertionError(args.command)


def check_command(path: str, as_json: bool = False, batch_size: int = 1) -> int:
    """``layerloom check``: exit 0 when valid (warnings allowed), 1 when invalid, 2 when unreadable,
    3 when not checked (layers LayerLoom cannot vouch for, and no error among the rest)."""
    from graph_core import check, loom_format
    from graph_core.cost import model_cost
    from graph_core.cost_text import summary_line
    from graph_core.errors import LoomFormatError

    if batch_size < 1:
        print(f"error: --batch-size must be a positive integer, got {batch_size}", file=sys.stderr)
        return EXIT_UNREADABLE

    try:  # one pass that makes objects and frees few: the collector stays paused (editor.start_up_gc)
        doc = loom_format.load(path)
    except LoomFormatError as exc:
        start_up_gc.resume()
        if as_json:
            print(json.dumps({"valid": False, "error": {"file": path, "path": exc.path, "message": exc.message}}))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    result = check(doc)
    cost = model_cost(doc, result, batch_size)
    report = (json.dumps(cost.add_to_report(result.to_json(doc)), indent=2) if as_json
              else f"{format_report(doc, result, path)}\ncost: {summary_line(cost)}")
    start_up_gc.resume()
    print(report)
    return {"valid": EXIT_OK, "invalid": EXIT_INVALID}.get(result.status, EXIT_NOT_CHECKED)


def format_report(doc, result, path: str) -> str:
    """The human-readable report of ``layerloom check``."""
    lines = []
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    for problem in result.problems:
        lines.append(str(problem))
    verdict = {"valid": "valid", "invalid": "INVALID"}.get(result.status, "NOT CHECKED")
    lines.append(f"{path}: {verdict} — {len(doc.nodes)} nodes, {len(doc.layers)} layers, {result.params_text()} "
                 f"({result.trainable:,} trainable), {errors} error{'s' if errors != 1 else ''}, "
                 f"{warnings} warning{'s' if warnings != 1 else ''}")
    if result.unchecked:
        names = ", ".join(sorted({doc.layer_of(n).name for n in result.unchecked}))
        lines.append(f"not checked: LayerLoom cannot vouch for {names} (type outside its catalog, or an "
                     f"application Keras has not measured); shapes and totals after them are unknown")
    return "\n".join(lines)


def templates_command(name: str | None, output: str | None) -> int:
    """``layerloom templates [NAME -o FILE]``: list the templates or write one."""
    from graph_core import loom_format, templates

    if name is None:
        for info in templates.list_templates():
            print(f"{info.slug:22} {info.title}")
        return EXIT_OK
    try:
        doc = templates.load_template(name)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return EXIT_INVALID
    if output is None:
        print(loom_format.dumps(doc), end="")
        return EXIT_OK
    try:
        loom_format.save(doc, output)
    except OSError as exc:
        print(f"error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"wrote {output}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
