"""What a check finds: per-node results and the document's :class:`CheckResult`.

:func:`graph_core.analysis.check` and the incremental :class:`~graph_core.analysis.Analyzer`
produce these; views, the CLI and codegen read them.
"""

from __future__ import annotations

from graph_core.document import Document
from graph_core.records import Record
from graph_core.tensor import TensorSpec

VALID, INVALID, NOT_CHECKED = "valid", "invalid", "not checked"
"""The three states of a checked document (:attr:`CheckResult.status`)."""

UNKNOWN = TensorSpec(None, "float32")
"""The spec of a tensor whose shape is not known."""


class NodeResult(Record):
    """What one node produces: its output tensors, its layer's params there, its problems.

    Attributes:
        outputs: the output specs (``list[TensorSpec]``); None when their count and shapes are unknown.
        params: ``(trainable, non_trainable)`` of the layer there, or None when unknown.
        problems: the problems found at this node.
        config: the resolved config used (for :mod:`graph_core.cost`); not compared.
        masks: per output, whether it carries a Keras mask (``()``: none); not compared.
        alike: what this result shares with the results of the nodes alike (the same layer check
            on the same input specs: one rule evaluation in the check), or None; not compared.
            :mod:`graph_core.cost` computes one cost for all the nodes that share it.
    """

    __slots__ = _fields = ("outputs", "params", "problems", "config", "masks", "alike")
    _compared = ("outputs", "params", "problems")

    def __init__(self, outputs: list | None, params: tuple | None, problems: list | None = None,
                 config: dict | None = None, masks: tuple = (), alike: tuple | None = None):
        self.outputs = outputs
        self.params = params
        self.problems = [] if problems is None else problems
        self.config = config
        self.masks = masks
        self.alike = alike

    def carries_mask(self, index: int = 0) -> bool:
        """Whether output ``index`` carries a Keras mask (Embedding(mask_zero=True), Masking…)."""
        return index < len(self.masks) and self.masks[index]

    def output(self, index: int) -> TensorSpec:
        """The spec of output ``index`` (unknown when out of range or unknown)."""
        if self.outputs is None or index >= len(self.outputs):
            return UNKNOWN
        return self.outputs[index]


class CheckResult(Record):
    """Everything :func:`check` finds.

    Attributes:
        problems: all problems, errors first, in graph order.
        nodes: per node id, its :class:`NodeResult`.
        layer_params: per layer id, ``(trainable, non_trainable)`` or None when unknown.
        trainable, non_trainable: totals over the layers of the model (a shared layer counted
            once; layers that reach no output are not part of the model and not counted).
        params_known: False when some layer's count is unknown (totals are then a lower bound).
        unchecked: nodes LayerLoom cannot vouch for: layer types outside the catalog, and
            applications whose shapes Keras has not measured yet.
        unused_params: ``(trainable, non_trainable)`` of the layers that reach no output,
            shown apart (Keras leaves them out of the model).
        unused_layers: the ids of those layers.
    """

    __slots__ = _fields = ("problems", "nodes", "layer_params", "trainable", "non_trainable", "params_known",
                           "unchecked", "unused_params", "unused_layers")

    def __init__(self, problems: list, nodes: dict, layer_params: dict, trainable: int, non_trainable: int,
                 params_known: bool, unchecked: tuple = (), unused_params: tuple = (0, 0),
                 unused_layers: tuple = ()):
        self.problems = problems
        self.nodes = nodes
        self.layer_params = layer_params
        self.trainable = trainable
        self.non_trainable = non_trainable
        self.params_known = params_known
        self.unchecked = unchecked
        self.unused_params = unused_params
        self.unused_layers = unused_layers

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(p.is_error for p in self.problems)

    @property
    def status(self) -> str:
        """``"invalid"`` (an error), ``"not checked"`` (parts LayerLoom cannot vouch for) or ``"valid"``."""
        if not self.valid:
            return INVALID
        return NOT_CHECKED if self.unchecked else VALID

    @property
    def total(self) -> int:
        """Total parameter count of the known parts (a lower bound unless ``params_known``)."""
        return self.trainable + self.non_trainable

    @property
    def known_total(self) -> int | None:
        """The total parameter count, or None when some part of it is unknown."""
        return self.total if self.params_known else None

    def params_text(self) -> str:
        """The parameter count in words: ``1,234 params``, ``at least 1,234 params (2 layers
        unknown)``, with ``+ 56 in layers that reach no output`` when there are such layers."""
        unknown = sum(1 for value in self.layer_params.values() if value is None)
        if self.params_known:
            text = f"{self.total:,} params"
        else:
            text = f"at least {self.total:,} params ({unknown} layer{'s' if unknown != 1 else ''} unknown)"
        unused = sum(self.unused_params)
        if self.unused_layers:
            text += f" + {unused:,} in layers that reach no output"
        return text

    @property
    def errors(self) -> list:
        """The problems of severity error."""
        return [p for p in self.problems if p.is_error]

    def output_specs(self, node_id: str) -> list:
        """The output tensor specs of a node ([] when unknown)."""
        result = self.nodes.get(node_id)
        return list(result.outputs or []) if result else []

    def problems_of(self, node_id: str) -> list:
        """The problems that concern ``node_id``."""
        return [p for p in self.problems if node_id in p.node_ids]

    def to_json(self, doc: Document) -> dict:
        """The JSON form printed by ``layerloom check --json``."""
        nodes = {}
        for nid, res in self.nodes.items():
            specs = res.outputs or []
            nodes[nid] = {
                "layer": doc.layer_of(nid).name,
                "output_shapes": [list(s.shape) if s.shape is not None else None for s in specs],
                "dtype": specs[0].dtype if len(specs) == 1 else [s.dtype for s in specs],
                "masks": [bool(res.carries_mask(k)) for k in range(len(specs))],
            }
        return {"valid": self.valid, "status": self.status, "problems": [p.to_dict() for p in self.problems],
                "nodes": nodes, "unchecked": [doc.layer_of(n).name for n in self.unchecked],
                "params": {"total": self.known_total, "at_least": self.total, "trainable": self.trainable,
                           "non_trainable": self.non_trainable, "known": self.params_known,
                           "unused": {"layers": [doc.layers[lid].name for lid in self.unused_layers],
                                      "trainable": self.unused_params[0],
                                      "non_trainable": self.unused_params[1]}}}
