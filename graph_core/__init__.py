"""LayerLoom's document model: layers, nodes, edits, validation, shapes, params, .loom files.

Pure Python (standard library and networkx): never imports Qt, TensorFlow or Keras.

The names below are imported when first used (PEP 562), so importing one small module of the
package (``graph_core.training_settings`` for the CLI's ``--help``) does not load the catalog and
the checker with it.
"""

from __future__ import annotations

import importlib

#: Public name → the module that defines it.
_EXPORTS = {
    "Analyzer": "graph_core.analysis", "CheckResult": "graph_core.analysis", "check": "graph_core.analysis",
    "ChangeEvent": "graph_core.document", "Document": "graph_core.document", "Layer": "graph_core.document",
    "Node": "graph_core.document", "Output": "graph_core.document", "TensorRef": "graph_core.document",
    "EditError": "graph_core.errors", "GraphCoreError": "graph_core.errors",
    "LoomFormatError": "graph_core.errors", "ShapeError": "graph_core.errors",
    "Problem": "graph_core.problems",
    "TensorSpec": "graph_core.tensor", "format_shape": "graph_core.tensor",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import a public name's module on first use (``from graph_core import check``)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'graph_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_EXPORTS))
