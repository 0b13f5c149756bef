"""``layerloom import model.py -o X.loom [--model NAME]``: Keras source → ``.loom``.

The source is read with :mod:`graph_core.source_import` (``ast`` only; nothing in it runs).
Application layers (``keras.applications.X``) are then measured with Keras, which builds the
named application itself; the source file plays no part in that.
"""

from __future__ import annotations

import os

from codegen.commands import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE, _error, _guarded

SOURCE_SUFFIXES = (".py",)
"""File name endings read as Python source by ``layerloom import``."""

MAX_FILE_BYTES = 1_000_000


def read_source(path: str) -> str:
    """The text of a source file (UTF-8, at most :data:`MAX_FILE_BYTES`).

    Raises:
        OSError: the file cannot be read.
        ValueError: the file is too large or not UTF-8 text.
    """
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: {size:,} bytes; at most {MAX_FILE_BYTES:,} are read")
    with open(path, "rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def run_source_import(src: str, out: str, model: str | None = None, measure: bool = True) -> int:
    """Import the model of a Python source file and save it as ``out``.

    Args:
        src: the ``.py`` file.
        out: the ``.loom`` file to write.
        model: the model to import when the source defines several (default: the last).
        measure: measure Application layers with Keras (so shapes and params are known).

    Returns:
        0 imported, 1 the source uses something unsupported, 2 unreadable or unwritable.
    """
    from graph_core import allow_list, check, loom_format
    from graph_core.source_import import SourceImportError, import_source

    try:
        text = read_source(src)
    except OSError as exc:
        _error(f"{src}: {exc.strerror or exc}")
        return EXIT_UNREADABLE
    except ValueError as exc:
        _error(str(exc))
        return EXIT_UNREADABLE
    stem = os.path.splitext(os.path.basename(src))[0] or "model"
    try:
        result = import_source(text, model=model, filename=src, default_name=_identifier(stem))
    except SourceImportError as exc:
        _error(str(exc))
        return EXIT_INVALID
    doc = result.document
    refused = [r for r in allow_list.document_problems(doc) if r.refused]
    if refused:  # the same allow-list as opening the file: never write what cannot be opened
        for item in refused:
            _error(f"{src}: {item.message} ({item.path})")
        return EXIT_INVALID
    apps = [layer for d in doc.iter_documents() for layer in d.layers.values() if layer.type == "Application"]
    if measure and apps and all(layer.config.get("weights", "imagenet") is None for layer in apps):
        status = _guarded(lambda: _measure(doc))
        if status != EXIT_OK:
            return status
    elif apps:
        result.notes.append("applications not measured: their weights= is not None, and an import never "
                            "downloads or reads weight files (set weights=None to measure them)")
    try:
        loom_format.save(doc, out)
    except OSError as exc:
        _error(f"cannot write {out}: {exc.strerror or exc}")
        return EXIT_UNREADABLE
    checked = check(doc)
    errors = len(checked.errors)
    warnings = len(checked.problems) - errors
    params = f"{checked.total:,}" + ("" if checked.params_known else "+")
    which = f"model '{result.model}'" if result.model else "a fragment"
    print(f"imported {which} from {src} -> {out}: {len(doc.layers)} layers, {len(doc.nodes)} nodes, "
          f"{len(doc.input_nodes())} inputs, {len(doc.outputs)} outputs, {params} params; check: "
          f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    for note in result.notes:
        print(f"note: {note}")
    for problem in checked.problems:
        print(f"  {problem}".replace("\n", "\n  "))
    return EXIT_OK


def _measure(doc) -> int:
    from codegen.applications import fill_application_caches
    from codegen.quiet import import_keras_quietly

    import_keras_quietly()
    fill_application_caches(doc)
    return EXIT_OK


def _identifier(stem: str) -> str:
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in stem)
    return text if text and not text[0].isdigit() else f"model_{text}"


def is_source_path(path: str) -> bool:
    """True for the files ``layerloom import`` reads as Python source."""
    return path.lower().endswith(SOURCE_SUFFIXES)

