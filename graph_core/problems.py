"""Problems found by validation: what, where, and what to do."""

from __future__ import annotations

from graph_core.records import frozen

ERROR = "error"
WARNING = "warning"


@frozen
class Problem:
    """One finding of :func:`graph_core.analysis.check`.

    Attributes:
        severity: ``"error"`` (the model cannot be built) or ``"warning"`` (likely a mistake).
        code: stable identifier such as ``"graph.cycle"`` or ``"shape.merge_mismatch"``.
        message: one sentence naming the layer(s) and showing the shapes involved.
        node_ids: the nodes concerned (the editor selects them).
        hint: what to do about it (may be empty).
        output_index: for problems of one model output, its position in ``doc.outputs``.
        param: for problems of one layer parameter, its name (``units``, ``layer.units``).
        detail: the message without the part naming where it is (``output 0 ('dense'): ``),
            for views that already show where.
    """

    severity: str
    code: str
    message: str
    node_ids: tuple = ()
    hint: str = ""
    output_index: int | None = None
    param: str | None = None
    detail: str = ""

    @property
    def text(self) -> str:
        """The problem in the fewest words: ``detail`` when set, else ``message``."""
        return self.detail or self.message

    @property
    def is_error(self) -> bool:
        """True for errors, False for warnings."""
        return self.severity == ERROR

    def to_dict(self) -> dict:
        """JSON-ready form (used by ``layerloom check --json``)."""
        out = {"severity": self.severity, "code": self.code, "message": self.message,
               "nodes": list(self.node_ids), "hint": self.hint}
        if self.output_index is not None:
            out["output"] = self.output_index
        if self.param is not None:
            out["param"] = self.param
        return out

    def __str__(self) -> str:
        text = f"{self.severity}: {self.message} [{self.code}]"
        return f"{text}\n  hint: {self.hint}" if self.hint else text
