"""The part of LayerLoom's self-contained modules an exported script holds (codegen/script_pruning.py):
for every kind of source, the kept code defines every name it uses and only the readers of that kind."""

from __future__ import annotations

import ast
import builtins

import pytest

from codegen.data_export import MAIN, SHARED_MODULES
from codegen.script_pruning import SOURCE_KINDS, TARGET_KINDS, names_used, needed_code

READERS = {"npz": {"read_npz"}, "npy": {"read_npy"}, "csv": {"read_csv_table", "csv_columns"},
           "image_folder": {"read_image_folder", "_read_folder"}, "text_folder": {"read_text_folder", "_read_folder"}}


def _unbound(code: str) -> set:
    """Names ``code`` reads that nothing in it (or a builtin, a module, a local) binds."""
    tree = ast.parse(code)
    bound = set(dir(builtins)) | {"np", "keras", "csv", "os", "json", "math", "contextlib", "argparse", "__file__"}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return names_used(code) - bound


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_each_source_kind_keeps_its_readers_and_nothing_unbound(kind):
    roots = names_used(MAIN) | {"SOURCES", "INPUTS", "TARGETS"}
    code = "\n\n\n".join(needed_code(SHARED_MODULES, roots, {kind, *TARGET_KINDS}))
    defined = {n.name for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    others = set().union(*(names for other, names in READERS.items() if other != kind)) - READERS[kind]
    assert READERS[kind] <= defined and not defined & others
    assert f'kind == "{kind}"' in code or f'["kind"] == "{kind}"' in code
    assert _unbound(code + "\n\n\n" + MAIN) <= {"SOURCES", "INPUTS", "TARGETS", "VALIDATION_SOURCES", "FIT",
                                                "KEYED_OUTPUTS", "WEIGHTS", "DATA_KINDS", "build_model"}


def test_target_kind_branches_follow_the_targets():
    code = "\n".join(needed_code(SHARED_MODULES, {"load_arrays"}, {"csv", "float"}))
    assert 'if kind == "onehot"' not in code and 'if kind == "class_ids"' not in code
    code = "\n".join(needed_code(SHARED_MODULES, {"load_arrays"}, {"csv", "class_ids"}))
    assert 'if kind == "class_ids"' in code and 'if kind == "onehot"' not in code


def test_nothing_reached_keeps_nothing():
    assert needed_code(SHARED_MODULES, {"no_such_name"}, set()) == ["", "", ""]
