"""The Keras-side ``layerloom`` commands: export, summary, fit, import.

Each returns an exit code and never prints a traceback: 0 done, 1 the model is invalid or
Keras refused it, 2 the file cannot be read or written (or a bad argument). Messages go to
standard error; results (summary, losses) to standard output.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from codegen.errors import BuildError, CodegenError

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2

EXPORT_FORMATS = {".py": "Python source", ".keras": "Keras model file"}


def _warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _load(src: str):
    """The document of ``src``, or None after printing why it cannot be read."""
    from graph_core import loom_format
    from graph_core.errors import LoomFormatError

    try:
        return loom_format.load(src)
    except LoomFormatError as exc:
        _error(str(exc))
        return None


def _invalid(doc, src: str, result=None) -> bool:
    """Print the errors of an invalid document; True when it is invalid.

    ``result``: the document's check result when the caller has it (else it is checked here)."""
    from graph_core import check

    if result is None:
        result = check(doc)
    if result.valid:
        return False
    errors = result.errors
    _error(f"{src}: the model is invalid ({len(errors)} error{'s' if len(errors) != 1 else ''}); "
           f"fix {'them' if len(errors) != 1 else 'it'} first:")
    for problem in errors:
        print(f"  {problem}".replace("\n", "\n  "), file=sys.stderr)
    return True


def _keras():
    from codegen.quiet import import_keras_quietly

    return import_keras_quietly()


def _guarded(func):
    """Run a command body: typed errors become messages and exit codes, never tracebacks."""
    try:
        return func()
    except BuildError as exc:
        where = f" (layer '{exc.layer_name}')" if exc.layer_name and exc.layer_name not in exc.message \
            else ""
        _error(f"{exc.message}{where}")
        return EXIT_INVALID
    except CodegenError as exc:
        _error(str(exc))
        return EXIT_UNREADABLE
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        _error(f"{name}{exc.strerror or exc}")
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        _error(f"unexpected {type(exc).__name__}: {exc}")
        return EXIT_INVALID


def _run_on_valid(src: str, body, allocates: bool = False, allow_large: bool = False) -> int:
    """Load ``src`` and check it, then run ``body(doc, result)`` (``result``: its check result,
    computed once) with :func:`_guarded`; the exit code.

    ``allocates``: the body builds Keras weights, so a model above the parameter threshold is
    refused first unless ``allow_large`` (``--allow-large``).
    """
    from graph_core import check

    doc = _load(src)
    if doc is None:
        return EXIT_UNREADABLE
    result = check(doc)
    if _invalid(doc, src, result):
        return EXIT_INVALID
    if allocates:
        from codegen.model_limits import refuse_large_model

        return _guarded(lambda: (refuse_large_model(doc, allow_large), body(doc, result))[1])
    return _guarded(lambda: body(doc, result))


def run_export(src: str, out: str, allow_large: bool = False) -> int:
    """``layerloom export FILE -o OUT.py|OUT.keras``.

    Args:
        src: the ``.loom`` file.
        out: the destination; its extension chooses the format.

    Returns:
        The exit code.
    """
    ext = Path(out).suffix.lower()
    if ext not in EXPORT_FORMATS:
        kinds = " or ".join(f"{e} ({what})" for e, what in EXPORT_FORMATS.items())
        shown = f"'{ext}'" if ext else "no extension"
        _error(f"cannot export to {out}: {shown} is not an export format; use {kinds}")
        return EXIT_UNREADABLE

    def body(doc, result) -> int:
        _warn_unchecked(doc, result)
        if ext == ".py":
            from codegen.python_export import export_python
            from graph_core.loom_format import write_atomic

            write_atomic(out, export_python(doc, out, result=result))
        else:
            _keras()
            from codegen.keras_export import save_keras

            save_keras(doc, out)
        print(f"wrote {out}")
        return EXIT_OK

    return _run_on_valid(src, body, allocates=ext != ".py", allow_large=allow_large)


def _warn_unchecked(doc, result) -> None:
    """Say which layers an export cannot vouch for (types outside the catalog, unmeasured
    applications); ``result`` is the document's check result."""
    unchecked = result.unchecked
    if unchecked:
        names = ", ".join(sorted({doc.layer_of(n).name for n in unchecked}))
        _warning(f"LayerLoom cannot vouch for {names}: their type is outside its catalog (or Keras has not "
                 f"measured the application); the export passes their configs through unchecked")


def run_summary(src: str, expand_nested: bool = False, allow_large: bool = False) -> int:
    """``layerloom summary FILE``: print Keras's ``model.summary()``.

    Application layers whose shapes were never measured are measured on the way (in memory;
    the file is not changed).
    """
    def body(doc, _result) -> int:
        _keras()
        from codegen.summary import summarize

        result = summarize(doc, expand_nested=expand_nested, fill_caches=True)
        print(result.text)
        return EXIT_OK

    return _run_on_valid(src, body, allocates=True, allow_large=allow_large)


def run_fit(src: str, epochs: int | None = None, batch_size: int | None = None,
            samples: int | None = None, seed: int | None = None, allow_large: bool = False) -> int:
    """``layerloom fit FILE``: fit on synthetic data and print the losses of every epoch.

    Arguments left None come from the file's fit settings.
    """
    for label, value, low in (("--epochs", epochs, 1), ("--batch-size", batch_size, 1),
                              ("--samples", samples, 1), ("--seed", seed, 0)):
        if value is not None and value < low:
            _error(f"{label} must be at least {low}, got {value}")
            return EXIT_UNREADABLE

    def body(doc, _result) -> int:
        _keras()
        from codegen.fit import fit_synthetic

        def report(info: dict) -> None:
            losses = info["losses"]
            parts = [f"loss {_number(info['loss'])}"]
            if len(losses) > 1:
                parts.append(", ".join(f"{name} {_number(v)}" for name, v in losses.items()))
            print(f"epoch {info['epoch'] + 1}/{info['epochs']}: " + " — ".join(parts), flush=True)

        result = fit_synthetic(doc, epochs=epochs, batch_size=batch_size, samples=samples,
                               seed=seed, on_epoch=report)
        print(f"fitted {result.samples} synthetic samples, batch size {result.batch_size}, "
              f"seed {result.seed}")
        return EXIT_OK

    return _run_on_valid(src, body, allocates=True, allow_large=allow_large)


def _number(value) -> str:
    return "?" if value is None else f"{value:.4f}"


def run_import(src: str, out: str) -> int:
    """``layerloom import MODEL -o FILE.loom``: delegates to :mod:`codegen.importer`."""
    from codegen.importer import run_import_command

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return run_import_command(src, out)
