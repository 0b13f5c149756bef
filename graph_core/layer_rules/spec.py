"""The data classes that describe a layer type: its parameters and its rules.

``graph_core.catalog`` re-exports everything here; import from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph_core.tensor import TensorSpec


class _Required:
    """Sentinel type of :data:`REQUIRED`: a parameter the user must set."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REQUIRED"

    def __reduce__(self):
        return (_Required, ())


REQUIRED = _Required()

PARAM_KINDS = frozenset(
    {
        "int", "float", "bool", "str", "choice", "int_tuple", "shape", "activation",
        "axis", "axes", "dtype", "initializer", "any",
    }
)

InferFn = Callable[[dict, "list[TensorSpec]"], "list[TensorSpec]"]
CountFn = Callable[[dict, "list[TensorSpec]"], "tuple[int, int]"]
LintFn = Callable[[dict, "list[TensorSpec]"], "list[tuple[str, str, str]]"]
CheckFn = Callable[[dict], "list[tuple[str, str, str]]"]


@dataclass(frozen=True)
class ParamSpec:
    """One constructor argument of a Keras layer.

    Args:
        name: the Keras constructor argument name, e.g. ``"units"``.
        kind: how the value is edited and checked: one of :data:`PARAM_KINDS`.
        default: the Keras default, or :data:`REQUIRED`.
        choices: allowed values for ``"choice"``; suggested values for ``"activation"``.
        minimum: smallest allowed value (for each entry of an ``int_tuple``).
        maximum: largest allowed value.
        length: the number of entries of an ``int_tuple`` (an int means ``(v,) * length``).
        allow_none: whether ``None`` is a valid value.
        doc: one line of help.
        main: whether the canvas shows this parameter on the node.
        exclusive_max: whether ``maximum`` itself is excluded (``rate < 1``).
        nested: for ``int_tuple``: entries may themselves be (before, after) pairs.
    """

    name: str
    kind: str
    default: Any
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    length: int | None = None
    allow_none: bool = False
    doc: str = ""
    main: bool = False
    exclusive_max: bool = False
    nested: bool = False

    @property
    def required(self) -> bool:
        """True when the user must give a value (there is no Keras default)."""
        return self.default is REQUIRED


@dataclass(frozen=True)
class LayerSpec:
    """Everything LayerLoom knows about one Keras layer class.

    ``infer`` maps a resolved config and the input specs to the output specs and raises
    :class:`~graph_core.errors.ShapeError`; ``count_params`` returns ``(trainable,
    non_trainable)`` and needs the input shapes it depends on to be known (it raises
    ``ShapeError`` with code ``"shape.unknown"`` otherwise); ``lint`` returns likely-mistake
    warnings ``(code, message, hint)``; ``check`` returns cross-parameter problems
    ``(param, message, hint)`` for a resolved config whose single values are valid.
    """

    type: str
    category: str
    description: str
    params: tuple
    min_inputs: int
    max_inputs: int | None
    infer: InferFn
    count_params: CountFn
    lint: LintFn | None = None
    check: CheckFn | None = None
    outputs: Callable[[dict], int] | None = None

    def num_outputs(self, config: dict) -> int:
        """Number of output tensors a call of this layer produces.

        Args:
            config: the layer's config (resolved or as the user set it).

        Returns:
            1 for most layers; more for recurrent layers with ``return_state`` and for
            ``Bidirectional`` with ``merge_mode=None``.
        """
        return 1 if self.outputs is None else self.outputs(config)

    def param(self, name: str) -> ParamSpec | None:
        """The :class:`ParamSpec` called ``name``, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None
