"""Keras Functional-API Python source → document, read with ``ast`` only (never executed).

Typical use::

    result = import_source(text, filename="model.py")
    result.document      # the graph of the last model the source assigns
    result.models        # the names of every model it assigns
    result.notes         # what was skipped (model.fit, print, ...)

Nothing in the source runs, nothing is imported and no file it names is read: names bound to
literals are the only values evaluated. What is not supported raises
:class:`SourceImportError` with the line and column.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from graph_core.document import Document
from graph_core.edits import SetSetting
from graph_core.source_import.assemble import Assembler
from graph_core.source_import.reader import Reader
from graph_core.source_import.training_script import reduce_training_script
from graph_core.source_import.values import (
    MAX_SOURCE_CHARS,
    ModelValue,
    SequentialValue,
    SourceImportError,
)

__all__ = ["SourceImport", "SourceImportError", "import_source", "looks_like_python"]


@dataclass
class SourceImport:
    """The result of :func:`import_source`.

    Attributes:
        document: the imported model.
        model: the name of the model imported (a variable name, or ``None`` for a fragment).
        models: the names of all the models the source assigns, in order.
        notes: what was skipped or assumed, one line each.
    """

    document: Document
    model: str | None
    models: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def import_source(text: str, model: str | None = None, filename: str | None = None,
                  default_name: str = "model", given: dict | None = None) -> SourceImport:
    """Read Keras source and return the document of one of its models.

    Args:
        text: Python source (a module, a notebook cell or several cells joined).
        model: the variable (or ``name=``) of the model to import; by default the last model
            assigned. A fragment without ``keras.Model`` takes its Inputs as inputs and the
            tensors nothing consumes as outputs.
        filename: shown in messages.
        default_name: the document name of a fragment.
        given: names the source uses without defining, bound to Input tensors:
            ``{name: {"shape": [...], "dtype": ...}}`` (pasting a block that continues an
            earlier one onto a selected node).

    Returns:
        A :class:`SourceImport`.

    Raises:
        SourceImportError: invalid Python, an unsupported construct (with its line and
            column), an undefined name, or no model at all.
    """
    try:
        try:
            return _import(text, model, default_name, given or {})
        except RecursionError:
            raise SourceImportError("the source nests expressions or calls too deeply to be read") from None
    except SourceImportError as exc:
        if filename and exc.file is None:
            raise SourceImportError(exc.message, exc.line, exc.col, filename) from None
        raise


def _import(text: str, model: str | None, default_name: str, given: dict) -> SourceImport:
    tree = parse(text)
    reader = Reader()
    for name, config in given.items():
        reader.bind_input(name, config)
    script = reduce_training_script(tree)
    if script is not None:  # LayerLoom's own training script: its model part and FIT settings
        tree, script_fit, note = script
        reader.notes.append(note)
    reader.run_module(tree)
    if script is not None:
        reader.fit.update(script_fit)
    names = _model_names(reader.models)
    assembler = Assembler()
    if model is not None:
        chosen = _find(reader.models, model)
        if chosen is None:
            listed = ", ".join(names) or "none"
            raise SourceImportError(f"no model called '{model}' in the source (models: {listed})")
    elif reader.models:
        chosen = reader.models[-1]
    else:
        chosen = None
    notes = list(reader.notes)
    if chosen is None:
        doc = assembler.fragment(reader.calls, default_name)
        notes.append("no keras.Model in the source: its Inputs are the inputs and the tensors "
                     "nothing consumes are the outputs")
        picked = None
    else:
        var, value = chosen
        doc_name = value.name or var
        if isinstance(value, ModelValue):
            doc = assembler.functional(value, doc_name)
        else:
            doc = assembler.sequential(value, doc_name)
        picked = var
        others = [n for n in names if n != var]
        if others:
            notes.append(f"imported model '{var}'; the source also defines {', '.join(others)} "
                         f"(choose one with --model NAME)")
    for key, value in reader.fit.items():
        doc.apply(SetSetting("fit", key, value))
    return SourceImport(doc, picked, names, notes)


def parse(text: str) -> ast.Module:
    """Parse source text, turning every parser failure into a located SourceImportError."""
    if not isinstance(text, str):
        raise SourceImportError("the source must be text")
    if len(text) > MAX_SOURCE_CHARS:
        raise SourceImportError(f"the source has {len(text):,} characters; at most "
                                f"{MAX_SOURCE_CHARS:,} are read")
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise SourceImportError(f"not valid Python: {exc.msg}", exc.lineno or 0,
                                exc.offset or 0) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SourceImportError(f"the source cannot be parsed ({type(exc).__name__})") from None


def looks_like_python(text: str) -> bool:
    """True when ``text`` parses as Python and uses Keras (pasting it imports a graph)."""
    if not text or len(text) > MAX_SOURCE_CHARS or ("keras" not in text and "layers." not in text
                                                    and "Input(" not in text):
        return False
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _model_names(models: list) -> list:
    names = []
    for var, _value in models:
        if var not in names:
            names.append(var)
    return names


def _find(models: list, wanted: str):
    for var, value in reversed(models):
        if var == wanted:
            return var, value
    for var, value in reversed(models):
        if isinstance(value, (ModelValue, SequentialValue)) and value.name == wanted:
            return var, value
    return None
