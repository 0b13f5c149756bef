"""Edits of what the model exposes and how it trains: outputs, compile/fit settings, data section.

Re-exported by :mod:`graph_core.edits` (``from graph_core.edits import SetSetting`` keeps working).
"""

from __future__ import annotations

import copy
from typing import Any

from graph_core.document import ChangeEvent, Output
from graph_core.edit_base import _UNSET, Edit, _copy_value, _put, _require_node, _restore
from graph_core.errors import EditError, LoomFormatError


class MarkOutput(Edit):
    """Expose a tensor as a model output (inserted at ``index``, appended when None)."""

    def __init__(self, output: Output, index: int | None = None):
        self.output = output
        self.index = index
        self.label = "Mark as output"

    def apply(self, doc):
        _require_node(doc, self.output.node)
        if doc.output_index(self.output.ref) is not None:
            raise EditError(f"'{doc.node_label(self.output.node)}' is already a model output")
        doc.outputs.insert(len(doc.outputs) if self.index is None else self.index, copy.deepcopy(self.output))
        return ChangeEvent("outputs", frozenset({self.output.node}))

    def revert(self, doc):
        doc.outputs.pop(doc.output_index(self.output.ref))
        return ChangeEvent("outputs", frozenset({self.output.node}))


class UnmarkOutput(Edit):
    """Stop exposing model output number ``index``."""

    def __init__(self, index: int):
        self.index = index
        self.label = "Remove output"
        self._old: Output | None = None

    def apply(self, doc):
        if not 0 <= self.index < len(doc.outputs):
            raise EditError(f"the model has no output {self.index}")
        self._old = doc.outputs.pop(self.index)
        return ChangeEvent("outputs", frozenset({self._old.node}))

    def revert(self, doc):
        doc.outputs.insert(self.index, self._old)
        return ChangeEvent("outputs", frozenset({self._old.node}))


class SetOutput(Edit):
    """Change one training setting (``loss``, ``loss_weight`` or ``metrics``) of output ``index``."""

    FIELDS = ("loss", "loss_weight", "metrics")

    def __init__(self, index: int, field: str, value: Any):
        if field not in self.FIELDS:
            raise EditError(f"outputs have no setting {field!r}; use one of {', '.join(self.FIELDS)}")
        self.index = index
        self.field = field
        self.value = value
        self.label = f"Set output {field}"
        self._old: Any = None

    def apply(self, doc):
        if not 0 <= self.index < len(doc.outputs):
            raise EditError(f"the model has no output {self.index}")
        out = doc.outputs[self.index]
        self._old = copy.deepcopy(getattr(out, self.field))
        setattr(out, self.field, copy.deepcopy(self.value))
        return ChangeEvent("outputs", frozenset({out.node}))

    def revert(self, doc):
        out = doc.outputs[self.index]
        setattr(out, self.field, self._old)
        return ChangeEvent("outputs", frozenset({out.node}))

    def merge(self, other):
        if isinstance(other, SetOutput) and (other.index, other.field) == (self.index, self.field):
            self.value = other.value
            return True
        return False


class SetSetting(Edit):
    """Change one compile (``section="compile"``) or fit (``section="fit"``) setting, or the model name."""

    def __init__(self, section: str, key: str, value: Any):
        if section not in ("compile", "fit", "model"):
            raise EditError(f"unknown settings section {section!r}")
        self.section = section
        self.key = key
        self.value = value
        self.label = f"Set {key}"
        self._old: Any = _UNSET

    def apply(self, doc):
        if self.section == "model":
            if self.key != "name":
                raise EditError(f"the model has no setting {self.key!r}")
            self._old = doc.name
            doc.name = self.value
        else:
            target = getattr(doc, self.section)
            self._old = copy.deepcopy(target)
            _put(target, self.key, _copy_value(self.value))
        return ChangeEvent("settings")

    def revert(self, doc):
        if self.section == "model":
            doc.name = self._old
        else:
            _restore(getattr(doc, self.section), self._old)
        return ChangeEvent("settings")

    def merge(self, other):
        if isinstance(other, SetSetting) and (other.section, other.key) == (self.section, self.key):
            self.value = other.value
            return True
        return False


class SetDataSection(Edit):
    """Replace the document's ``data`` section (:mod:`graph_core.data_sources`); None removes it.

    Args:
        value: the section's JSON (e.g. ``section_to_dict(section)``), checked here, or None.

    Raises:
        EditError: the section is malformed (the message names the JSON path).
    """

    def __init__(self, value: dict | None):
        from graph_core.data_sources import parse_section

        if value is not None:
            try:
                parse_section(value)
            except LoomFormatError as exc:
                raise EditError(f"data section: {exc}") from None
        self.value = copy.deepcopy(value)
        self.label = "Set training data" if value is not None else "Remove training data"
        self._old: Any = _UNSET

    def apply(self, doc):
        self._old = copy.deepcopy(doc.extra["data"]) if "data" in doc.extra else _UNSET
        if self.value is None:
            doc.extra.pop("data", None)
        else:
            doc.extra["data"] = copy.deepcopy(self.value)
        return ChangeEvent("settings")

    def revert(self, doc):
        if self._old is _UNSET:
            doc.extra.pop("data", None)
        else:
            doc.extra["data"] = copy.deepcopy(self._old)
        return ChangeEvent("settings")
