"""The records that describe a layer type: its parameters and its rules.

``graph_core.catalog`` re-exports everything here; import from there.
"""

from __future__ import annotations

from collections.abc import Callable

from graph_core.records import frozen
from graph_core.tensor import TensorSpec

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any


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
        "axis", "axes", "dtype", "initializer", "layer", "any", "vocabulary",
        "index",  # a get_item index (graph_core.operations.index_key)
    }
)

BASE_ARGS = ("trainable", "dtype")
"""Arguments most Keras layers accept besides their own (through ``**kwargs``)."""

CALL_STYLES = ("single", "list", "positional")
"""How a layer receives its main inputs: ``layer(x)``, ``layer([a, b])`` or ``layer(q, v, k)``."""

LAYER_KINDS = ("input", "layer", "model", "application", "operation")
"""What a document layer is: an Input, a catalog layer, a nested model, a keras.applications model,
or a ``keras.ops`` operation (:mod:`graph_core.operations`)."""

InferFn = Callable[[dict, "list[TensorSpec]"], "list[TensorSpec]"]
CountFn = Callable[[dict, "list[TensorSpec]"], "tuple[int, int]"]
LintFn = Callable[[dict, "list[TensorSpec]"], "list[tuple[str, str, str]]"]
CheckFn = Callable[[dict], "list[tuple[str, str, str]]"]


@frozen
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


@frozen
class CallSpec:
    """How a layer is called: the one description build, export, import and the canvas read.

    Args:
        style: one of :data:`CALL_STYLES`. ``"single"`` takes one tensor; ``"list"`` takes a
            list of tensors (merge layers; a single tensor is passed bare when the layer
            accepts one); ``"positional"`` takes its inputs as separate arguments (attention:
            ``layer(query, value, key)``).
        input_names: readable names of the input slots, in order (``("query", "value",
            "key")``); empty means ``input 0``, ``input 1``…
        keyword_tensors: tensor keyword arguments the call takes besides its main inputs
            (``initial_state``, ``mask``, ``attention_mask``).
        list_keywords: those of them passed as a list (``initial_state=[h, c]``).
        keywords: non-tensor keyword arguments the call takes besides ``training`` (which
            every Keras layer accepts): ``use_causal_mask``, ``return_attention_scores``.
        extra_outputs: keywords that, when true, make the call return one more tensor.
        check_call: ``(config, main inputs, {keyword: [input specs]}, call kwargs) -> [extra
            output specs]``: checks the keyword tensors (raising ``ShapeError``) and gives the
            specs of the outputs ``extra_outputs`` add.
        keyword_ports: ``(keyword, how many tensors)`` of the keyword tensors the canvas offers
            as ports (``(("initial_state", 2), ("mask", 1))`` for LSTM).
    """

    style: str = "single"
    input_names: tuple = ()
    keyword_tensors: tuple = ()
    list_keywords: tuple = ()
    keywords: tuple = ()
    extra_outputs: tuple = ()
    check_call: Callable | None = None
    keyword_ports: tuple = ()

    def arguments(self, tensors: list, min_inputs: int = 1, make_list=list) -> list:
        """The positional arguments of a call on ``tensors`` in this style.

        Args:
            tensors: the input tensors (Keras tensors, or expressions for the exporter).
            min_inputs: the layer's least number of inputs (a list layer that needs several
                always gets a list, even of one tensor).
            make_list: builds the list argument from the tensors (``list`` for Keras; the
                exporter passes a source-list builder).

        Returns:
            ``[x]``, ``[make_list([a, b])]`` or ``[q, v, k]``.
        """
        if self.style == "positional":
            return list(tensors)
        if len(tensors) > 1 or (self.style == "list" and min_inputs > 1):
            return [make_list(list(tensors))]
        return list(tensors[:1])

    def input_name(self, slot: int) -> str:
        """The name of input ``slot`` (``query``), or ``input <slot>``."""
        return self.input_names[slot] if slot < len(self.input_names) else f"input {slot}"


@frozen
class LayerSpec:
    """Everything LayerLoom knows about one Keras layer class.

    ``infer`` maps a resolved config and the input specs to the output specs and raises
    :class:`~graph_core.errors.ShapeError`; ``count_params`` returns ``(trainable,
    non_trainable)`` and needs the input shapes it depends on to be known (it raises
    ``ShapeError`` with code ``"shape.unknown"`` otherwise); ``lint`` returns likely-mistake
    warnings ``(code, message, hint)``; ``check`` returns cross-parameter problems
    ``(param, message, hint)`` for a resolved config whose single values are valid.

    ``call`` says how the layer is called (:class:`CallSpec`, derived from the arity when
    omitted); ``kind`` is one of :data:`LAYER_KINDS`; ``keyword_constructor`` makes the
    exporter write every constructor argument as a keyword (``Dot(axes=1)``); ``base_args``
    are the base-layer arguments the constructor takes (SpatialDropout has no ``trainable``).
    ``frozen_by_trainable`` is False for layers made of sub-layers (MultiHeadAttention and the
    wrappers), whose ``trainable=False`` constructor argument Keras does not pass on: a model
    still counts their weights as trainable.
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
    call: CallSpec | None = None
    kind: str = "layer"
    keyword_constructor: bool = False
    base_args: tuple = BASE_ARGS
    frozen_by_trainable: bool = True

    @property
    def call_spec(self) -> CallSpec:
        """How this layer is called (derived from its arity unless the entry says otherwise)."""
        if self.call is not None:
            return self.call
        several = self.max_inputs is None or self.max_inputs > 1
        return CallSpec("list" if several else "single")

    @property
    def is_wrapper(self) -> bool:
        """True for layers that wrap another layer (a parameter of kind ``"layer"``)."""
        return any(p.kind == "layer" for p in self.params)

    def accepts_inputs(self, count: int) -> bool:
        """Whether a call on ``count`` main inputs has the right arity."""
        return self.min_inputs <= count and (self.max_inputs is None or count <= self.max_inputs)

    def arity_text(self) -> str:
        """The inputs this layer takes, in words: ``1 input``, ``2 to 3 inputs (query, value[, key])``."""
        lo, hi = self.min_inputs, self.max_inputs
        if hi is None:
            return f"at least {lo} inputs"
        names = self.call_spec.input_names
        named = ""
        if names:
            named = " (" + ", ".join(names[:lo]) + "".join(f"[, {n}]" for n in names[lo:hi]) + ")"
        if lo == hi:
            return f"{lo} input{'s' if lo != 1 else ''}{named}"
        return f"{lo} to {hi} inputs{named}"

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
