"""LayerLoom's document model: layers, nodes, edits, validation, shapes, params, .loom files.

Pure Python (standard library and networkx): never imports Qt, TensorFlow or Keras.
"""

from graph_core.analysis import Analyzer, CheckResult, check
from graph_core.document import ChangeEvent, Document, Layer, Node, Output, TensorRef
from graph_core.errors import EditError, GraphCoreError, LoomFormatError, ShapeError
from graph_core.problems import Problem
from graph_core.tensor import TensorSpec, format_shape

__all__ = [
    "Analyzer", "ChangeEvent", "CheckResult", "Document", "EditError", "GraphCoreError", "Layer",
    "LoomFormatError", "Node", "Output", "Problem", "ShapeError", "TensorRef", "TensorSpec", "check",
    "format_shape",
]
