"""The part of LayerLoom's self-contained modules an exported script needs (pure text, no Keras).

The exported training script (:mod:`codegen.data_export`) holds the code of
:mod:`codegen.data_readers`, :mod:`codegen.data_assembly` and :mod:`codegen.fit_runtime`
verbatim, but only what the document uses:

- a branch ``if kind == "<kind>":`` or ``if source["kind"] == ...`` (no ``else``) of a copied
  function is left out when no configured source or target has that kind (so ``read_source``
  keeps only the readers it dispatches to, ``fit_target`` only the target kinds it converts);
- a top-level function or class is kept only when it is reachable by name from the script's
  own code (``main()`` and friends), through the kept code of the others.

Everything kept is the modules' text, line for line (the code LayerLoom loads and trains with);
nothing is rewritten.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE_KINDS = ("npz", "npy", "csv", "image_folder", "text_folder")
"""The ``kind`` values of data sources (their branches can be left out)."""

TARGET_KINDS = ("onehot", "class_ids", "binary", "positive", "float")
"""The ``kind`` values of targets (:mod:`codegen.data_plan`; their branches can be left out)."""


def _kind_branch(node: ast.stmt) -> str | None:
    """``"csv"`` for a statement ``if kind == "csv": ...`` or ``if source["kind"] == "csv":``
    without ``else``, else None."""
    if not isinstance(node, ast.If) or node.orelse:
        return None
    test = node.test
    if (isinstance(test, ast.Compare) and _is_kind(test.left)
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value in (*SOURCE_KINDS, *TARGET_KINDS)):
        return test.comparators[0].value
    return None


def _is_kind(node: ast.expr) -> bool:
    """``kind`` or ``something["kind"]``."""
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "kind"
    return isinstance(node, ast.Name) and node.id == "kind"


def _dropped_lines(definition: ast.AST, kinds: set) -> set:
    """The line numbers of the branches of kinds not in ``kinds`` inside ``definition``."""
    dropped = set()
    for node in ast.walk(definition):
        kind = _kind_branch(node) if isinstance(node, ast.stmt) else None
        if kind is not None and kind not in kinds:
            dropped.update(range(node.lineno, node.end_lineno + 1))
    return dropped


def _definitions(text: str, kinds: set) -> list:
    """``[(name, code)]`` of a module's top-level functions and classes, in order, with the
    branches of unused kinds left out."""
    lines = text.splitlines()
    found = []
    for node in ast.parse(text).body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        dropped = _dropped_lines(node, kinds)
        kept = [lines[i - 1] for i in range(start, node.end_lineno + 1) if i not in dropped]
        found.append((node.name, "\n".join(kept)))
    return found


def names_used(code: str) -> set:
    """Every name ``code`` reads (variables, functions, modules before an attribute)."""
    return {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}


def needed_code(file_names: tuple, roots: set, kinds: set) -> list:
    """The code of the definitions of some codegen modules that ``roots`` reach.

    Args:
        file_names: the modules' file names in ``codegen/`` (read as text).
        roots: the names the script's own code uses.
        kinds: the source kinds the script reads and the target kinds it converts.

    Returns:
        One text per module (definitions in the module's order, separated by two blank lines;
        an empty text for a module none of whose definitions is needed).
    """
    folder = Path(__file__).resolve().parent
    modules = [_definitions((folder / name).read_text(encoding="utf-8"), kinds) for name in file_names]
    code_of = {name: code for definitions in modules for name, code in definitions}
    reached, pending = set(), [name for name in roots if name in code_of]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        pending.extend(used for used in names_used(code_of[name]) if used in code_of and used not in reached)
    return ["\n\n\n".join(code for name, code in definitions if name in reached) for definitions in modules]
