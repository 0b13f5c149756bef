"""Read a training script LayerLoom exported for a document with a data section.

Such a script (codegen/data_export.py) holds ``build_model()``, LayerLoom's data readers, literal
settings (``SOURCES``, ``FIT``…) and a ``main()`` that trains. The source reader does not read the
data code (it imports ``argparse``, ``csv``…; opening source never runs it); it reads the model
through ``build_model()`` and the fit settings from the ``FIT`` literal. The data section itself
is not read back, because its paths are relative to wherever the script was saved.
"""

from __future__ import annotations

import ast

from graph_core.source_import.keras_api import ROOTS
from graph_core.training_settings import DEFAULT_FIT, DEFAULT_FIT_OPTIONS

NOTE = ("read the model of a LayerLoom training script through build_model() and its FIT settings; "
        "its data (SOURCES) is not imported: choose the data in the Training panel")


def _top_functions(tree: ast.Module) -> dict:
    return {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}


def _fit_literal(tree: ast.Module) -> dict | None:
    for stmt in tree.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == "FIT"):
            try:
                value = ast.literal_eval(stmt.value)  # literals only: nothing is evaluated
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                return None
            return value if isinstance(value, dict) else None
    return None


def _reads_model_root(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return all(alias.name.split(".")[0] in ROOTS for alias in stmt.names)
    return isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] in ROOTS


def reduce_training_script(tree: ast.Module) -> tuple | None:
    """The part of a LayerLoom training script that describes the model, or None for other source.

    Args:
        tree: the parsed module.

    Returns:
        ``(module, fit, note)``: a module holding the script's keras/numpy imports, its
        ``build_model()`` and ``model = build_model()``; the fit settings its ``FIT`` literal
        sets (those of :data:`DEFAULT_FIT`, and the fit options that differ from their
        defaults); a note for the user. None when ``tree`` is not such a script (no
        ``build_model`` and ``main`` functions, or no literal ``FIT`` dict).
    """
    functions = _top_functions(tree)
    fit_literal = _fit_literal(tree)
    if "build_model" not in functions or "main" not in functions or fit_literal is None:
        return None
    body = [s for s in tree.body if _reads_model_root(s)] + [functions["build_model"]]
    body += ast.parse("model = build_model()").body
    module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    fit = {}
    for key, value in fit_literal.items():
        if key in DEFAULT_FIT or (key in DEFAULT_FIT_OPTIONS and value != DEFAULT_FIT_OPTIONS[key]):
            if isinstance(value, (int, float, str)):  # bool is an int
                fit[key] = value
    return module, fit, NOTE
