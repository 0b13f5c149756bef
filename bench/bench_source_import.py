"""Benchmark: Python source import of an 800-layer graph, against the same model's .loom load.

Exports :func:`bench.graphs.branchy_chain` to Python, then times reading that source back with
:func:`graph_core.source_import.import_source` (ast parse, symbolic read, document build, layout)
and, as the baseline measured in the same run, :func:`graph_core.loom_format.loads` of the same
document's JSON, and the fixes scan :func:`graph_core.fixes.fixes_for` of the imported model.

Run: ``.venv/bin/python bench/bench_source_import.py [--layers 800] [--repeat 9]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.graphs import branchy_chain
from bench.timing import times_ms
from codegen.python_export import export_python
from graph_core import loom_format
from graph_core.fixes import fixes_for
from graph_core.source_import import import_source


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    doc = branchy_chain(args.layers)
    source = export_python(doc)
    text = loom_format.dumps(doc)
    imported = import_source(source).document  # warm-up
    source_ms = statistics.median(times_ms(lambda: import_source(source), args.repeat))
    loom_ms = statistics.median(times_ms(lambda: loom_format.loads(text), args.repeat))
    fixes_ms = statistics.median(times_ms(lambda: fixes_for(imported), args.repeat))
    print(f"source import: {len(imported.layers)} layers, {len(imported.nodes)} nodes from "
          f"{len(source.splitlines())} lines of Python")
    print(f"  import_source      median {source_ms:8.1f} ms")
    print(f"  loom_format.loads  median {loom_ms:8.1f} ms (baseline: the same model as .loom)")
    print(f"  ratio source / .loom: {source_ms / loom_ms:.2f}")
    print(f"  fixes_for (scan of the imported model): median {fixes_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
