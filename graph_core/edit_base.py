"""The base of every reversible edit, and the small helpers edits share.

:class:`Edit` is the interface (``apply`` / ``revert`` / ``merge``); the concrete edits live in
:mod:`graph_core.edits` and :mod:`graph_core.settings_edits` (re-exported by ``graph_core.edits``).
"""

from __future__ import annotations

import copy
from typing import Any

from graph_core.document import ChangeEvent, Document, Layer, Node
from graph_core.errors import EditError

_UNSET = object()
DELETE = object()
"""Pass as a value to :class:`SetConfig` to remove the key (back to the Keras default)."""


class Edit:
    """Base class: one reversible change of a document.

    Attributes:
        label: short text for undo menus (``"Connect dense → concat"``).
    """

    label = "Edit"

    def apply(self, doc: Document) -> ChangeEvent:  # pragma: no cover - abstract
        """Perform the edit on ``doc`` (raises EditError if it does not fit)."""
        raise NotImplementedError

    def revert(self, doc: Document) -> ChangeEvent:  # pragma: no cover - abstract
        """Undo the edit on ``doc``; only valid right after ``apply``."""
        raise NotImplementedError

    def merge(self, other: Edit) -> bool:
        """Absorb ``other`` (applied right after self) into self; True when merged."""
        return False


def _require_node(doc: Document, node_id: str) -> Node:
    node = doc.nodes.get(node_id)
    if node is None:
        raise EditError(f"node {node_id!r} does not exist in model {doc.name!r}")
    return node


def _require_layer(doc: Document, layer_id: str) -> Layer:
    layer = doc.layers.get(layer_id)
    if layer is None:
        raise EditError(f"layer {layer_id!r} does not exist in model {doc.name!r}")
    return layer


def _copy_value(value: Any) -> Any:
    return value if value is DELETE else copy.deepcopy(value)


def _restore(target: dict, saved: dict) -> None:
    """Put back a saved copy of a dict in place (same object, same key order)."""
    target.clear()
    target.update(saved)


def _put(config: dict, key: str, value: Any) -> None:
    if value is DELETE:
        config.pop(key, None)
    else:
        config[key] = value
