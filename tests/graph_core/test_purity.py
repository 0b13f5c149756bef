"""graph_core must stay free of Qt, TensorFlow and Keras."""

import ast
import pathlib
import subprocess
import sys

FORBIDDEN = ("PySide6", "tensorflow", "keras", "PyQt5", "PyQt6", "torch", "jax")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_no_forbidden_imports_in_source():
    offenders = []
    for path in (ROOT / "graph_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_graph_core_loads_no_heavy_module():
    code = ("import sys, graph_core, graph_core.catalog, graph_core.templates, graph_core.layout;"
            "import graph_core.analysis; graph_core.analysis.check(graph_core.templates.load_template('mlp'));"
            f"print([m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
