"""``layerloom check FILE.loom --fix -o FIXED.loom``: apply the fixes that keep the user's intent.

Only :attr:`graph_core.fixes.Fix.safe` fixes are applied (one at a time, re-checking after
each); the others (a choice between two repairs, replacing a loss the user chose) are listed
so the user can apply them in the editor. No Qt, no TensorFlow.
"""

from __future__ import annotations

import sys

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def fix_command(path: str, out: str | None) -> int:
    """Apply the safe fixes of ``path`` and save the result to ``out``.

    Returns:
        0 when the fixed model is valid, 1 when errors remain, 2 when a file cannot be read
        or written (or ``-o`` is missing).
    """
    from editor.cli import format_report
    from graph_core import check, loom_format
    from graph_core.errors import LoomFormatError
    from graph_core.fixes import apply_safe_fixes, fixes_for

    if not out:
        print("error: --fix needs -o FIXED.loom (the original file is not changed)", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        doc = loom_format.load(path)
    except LoomFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    applied = []
    for document in doc.iter_documents():  # nested models first get their own safe fixes
        applied.extend(apply_safe_fixes(document))
    for label in applied:
        print(f"fixed: {label}")
    if not applied:
        print("no fix that keeps your intent applies")
    for problem, fix in fixes_for(doc):
        print(f"not applied (your choice): {fix.label} — for: {problem.message}")
    try:
        loom_format.save(doc, out)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    result = check(doc)
    print(format_report(doc, result, out))
    return EXIT_OK if result.valid else EXIT_INVALID
