"""Recurrent layers (SimpleRNN, LSTM, GRU) and the wrappers Bidirectional, TimeDistributed.

Wrappers hold their inner layer in the config key ``"layer"`` as
``{"type": "LSTM", "config": {...}}``; the catalog resolves that inner config.
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import (
    FLOAT32,
    REGISTRY,
    fmt,
    known_shapes,
    need_known,
    need_min_rank,
    need_rank,
    unknown,
)
from graph_core.layer_rules.spec import REQUIRED, CallSpec, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

#: number of state tensors and of gates of each recurrent layer
_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
RNN_TYPES = tuple(_STATES)

_RANK_HINT = ("recurrent layers read (batch, timesteps, features): add a time axis with "
              "Reshape((steps, features)) or RepeatVector; for images use TimeDistributed or "
              "ConvLSTM2D")


def make_rnn_infer(layer: str):
    """Infer function of SimpleRNN / LSTM / GRU."""
    n_states = _STATES[layer]

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        units = config["units"]
        if shape is None:
            batch, steps = None, None
        else:
            need_rank(layer, shape, 3, "(batch, timesteps, features)", _RANK_HINT)
            need_known(layer, shape, 2, "the feature axis",
                       "give the Input a fixed feature size, e.g. shape=(None, 16)")
            batch, steps = shape[0], shape[1]
            if config["stateful"] and batch is None:
                raise ShapeError(
                    f"{layer} with stateful=True needs a fixed batch size, got {fmt(shape)}",
                    "set batch_size on the Input, or use stateful=False",
                    "shape.undefined_dim")
        out = (batch, steps, units) if config["return_sequences"] else (batch, units)
        specs = [TensorSpec(out, FLOAT32)]
        if config["return_state"]:
            specs += [TensorSpec((batch, units), FLOAT32)] * n_states
        return specs

    return infer


def make_rnn_count(layer: str):
    """count_params of SimpleRNN / LSTM / GRU."""
    gates = _GATES[layer]

    def count(config: dict, inputs: list) -> tuple:
        (shape,) = known_shapes(layer, inputs)
        units = config["units"]
        weights = gates * units * (shape[-1] + units)
        if config["use_bias"]:
            weights += gates * units * (2 if layer == "GRU" and config["reset_after"] else 1)
        return weights, 0

    return count


def _make_outputs(layer: str):
    n_states = _STATES[layer]

    def outputs(config: dict) -> int:
        return 1 + n_states if config.get("return_state", False) else 1

    return outputs


# --- Bidirectional -------------------------------------------------------------------------

def _inner(config: dict):
    """(LayerSpec, resolved config) of a wrapper's inner layer."""
    inner = config["layer"]
    return REGISTRY[inner["type"]], inner["config"]


def infer_bidirectional(config: dict, inputs: list) -> list:
    """Run the inner RNN forward and backward and merge the two outputs."""
    spec, inner_cfg = _inner(config)
    outs = spec.infer(inner_cfg, inputs)
    out, states = outs[0], outs[1:]
    mode = config["merge_mode"]
    if mode is None:
        merged = [out, out]
    elif mode == "concat" and out.shape is not None:
        merged = [TensorSpec((*out.shape[:-1], out.shape[-1] * 2), FLOAT32)]
    else:
        merged = [out]
    return merged + states + states


def count_bidirectional(config: dict, inputs: list) -> tuple:
    """Twice the inner layer's weights."""
    spec, inner_cfg = _inner(config)
    trainable, frozen = spec.count_params(inner_cfg, inputs)
    return 2 * trainable, 2 * frozen


def bidirectional_outputs(config: dict) -> int:
    """1 (2 with merge_mode None), plus both directions' states with return_state."""
    inner = config.get("layer") or {}
    n = 2 if config.get("merge_mode", "concat") is None else 1
    if inner.get("config", {}).get("return_state") and inner.get("type") in _STATES:
        n += 2 * _STATES[inner["type"]]
    return n


def check_bidirectional(config: dict) -> list:
    """The inner layer must be a recurrent layer running forwards."""
    inner = config["layer"]
    if inner["type"] not in RNN_TYPES:
        return [("layer", f"Bidirectional wraps a recurrent layer, got {inner['type']}",
                 "wrap SimpleRNN, LSTM or GRU")]
    if inner["config"].get("go_backwards"):
        return [("layer", ("the wrapped layer must have go_backwards=False "
                 "(Bidirectional makes the backward copy itself)"), "set go_backwards=False")]
    return []


# --- TimeDistributed -----------------------------------------------------------------------

def infer_time_distributed(config: dict, inputs: list) -> list:
    """Apply the inner layer to every timestep: (batch, steps, ...) -> (batch, steps, ...')."""
    spec, inner_cfg = _inner(config)
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    need_min_rank("TimeDistributed", shape, 3, "(batch, timesteps, ...)",
                  "for a (batch, features) input use the inner layer directly")
    child = TensorSpec((shape[0], *shape[2:]), inputs[0].dtype)
    try:
        outs = spec.infer(inner_cfg, [child])
    except ShapeError as exc:
        raise ShapeError(
            f"TimeDistributed applies {spec.type} to each timestep of {fmt(shape)}, i.e. to "
            f"{fmt(child.shape)}: {exc.message}", exc.hint, exc.code) from None
    out = outs[0].shape
    if out is None:
        return unknown()
    return [TensorSpec((out[0], shape[1], *out[1:]), FLOAT32)]


def count_time_distributed(config: dict, inputs: list) -> tuple:
    """The inner layer's weights (shared across timesteps)."""
    spec, inner_cfg = _inner(config)
    (shape,) = known_shapes("TimeDistributed", inputs)
    return spec.count_params(inner_cfg, [TensorSpec((shape[0], *shape[2:]), inputs[0].dtype)])


def check_time_distributed(config: dict) -> list:
    """The inner layer must take one input and give one output."""
    inner = config["layer"]
    spec = REGISTRY.get(inner["type"])
    if spec is None or spec.min_inputs != 1 or spec.num_outputs(inner["config"]) != 1:
        return [("layer", (f"TimeDistributed wraps a layer with one input and one output, got "
                 f"{inner['type']}"), "e.g. Dense, Conv2D, Flatten")]
    return []


# --- specs ---------------------------------------------------------------------------------

def _rnn_params(layer: str) -> tuple:
    ps = (P.positive_int("units", "size of the output and of each state"),
          P.activation("tanh", main=False))
    if layer != "SimpleRNN":
        ps += (P.activation("sigmoid", main=False, name="recurrent_activation"),)
    ps += (P.use_bias(),
           P.initializer("kernel_initializer", "glorot_uniform"),
           P.initializer("recurrent_initializer", "orthogonal"),
           P.initializer("bias_initializer", "zeros"))
    if layer == "LSTM":
        ps += (ParamSpec("unit_forget_bias", "bool", True, doc="add 1 to the forget gate bias"),)
    ps += P.regularizers("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                         "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                         "bias_constraint")
    ps += (P.rate("dropout", 0.0, "dropout on the inputs"),
           P.rate("recurrent_dropout", 0.0, "dropout on the recurrent state"),
           P.seed(),
           ParamSpec("return_sequences", "bool", False,
                     doc="output every timestep (batch, steps, units), not just the last",
                     main=True),
           ParamSpec("return_state", "bool", False,
                     doc="also output the final state(s) as extra outputs"),
           ParamSpec("go_backwards", "bool", False, doc="process the sequence backwards"),
           ParamSpec("stateful", "bool", False,
                     doc="keep states between batches (needs a fixed batch size)"),
           ParamSpec("unroll", "bool", False, doc="unroll the loop (short sequences only)"))
    if layer == "GRU":
        ps += (ParamSpec("reset_after", "bool", True,
                         doc="apply the reset gate after the matrix product (cuDNN style)"),)
    if layer != "SimpleRNN":
        ps += (ParamSpec("use_cudnn", "any", "auto", doc="use cuDNN when possible"),)
    return ps


def make_rnn_call_check(layer: str):
    """The check of an RNN call's keyword tensors: ``initial_state`` (one (batch, units) tensor per
    state: 2 for LSTM, 1 for GRU and SimpleRNN) and ``mask`` ((batch, timesteps))."""
    n_states = _STATES[layer]

    def check_call(config: dict, inputs: list, keywords: dict, _kwargs: dict) -> list:
        shape = inputs[0].shape if inputs else None
        states = keywords.get("initial_state")
        if states is not None:
            if len(states) != n_states:
                raise ShapeError(
                    f"{layer} takes {n_states} initial state{'s' if n_states > 1 else ''} "
                    f"({'h, c' if n_states == 2 else 'h'}), got {len(states)}",
                    f"pass initial_state=[{', '.join(['h', 'c'][:n_states])}], e.g. the states of an "
                    f"encoder {layer} with return_state=True", "shape.initial_state")
            units = config["units"]
            for k, state in enumerate(states):
                if state.shape is None:
                    continue
                if len(state.shape) != 2 or state.shape[1] not in (None, units) or (
                        shape is not None and None not in (shape[0], state.shape[0])
                        and shape[0] != state.shape[0]):
                    raise ShapeError(
                        f"{layer} initial_state[{k}] must have shape (batch, {units}), got {fmt(state.shape)}",
                        f"give the state layer {units} units (the states of the encoder must match "
                        f"this layer's units)", "shape.initial_state")
        masks = keywords.get("mask")
        if masks is not None:
            mask = masks[0].shape if len(masks) == 1 else None
            if len(masks) != 1 or (mask is not None and (len(mask) != 2 or (
                    shape is not None and None not in (shape[1], mask[1]) and shape[1] != mask[1]))):
                raise ShapeError(
                    f"{layer} mask must be one (batch, timesteps) tensor, got "
                    f"{', '.join(fmt(m.shape) for m in masks)}",
                    "pass a boolean (batch, timesteps) mask, e.g. from Masking or Embedding(mask_zero=True)",
                    "shape.mask")
        return []

    return check_call


def _rnn_spec(layer: str, description: str) -> LayerSpec:
    call = CallSpec("single", keyword_tensors=("initial_state", "mask"), list_keywords=("initial_state",),
                    check_call=make_rnn_call_check(layer),
                    keyword_ports=(("initial_state", _STATES[layer]), ("mask", 1)))
    return LayerSpec(layer, "Recurrent", description, _rnn_params(layer), 1, 1,
                     make_rnn_infer(layer), make_rnn_count(layer), outputs=_make_outputs(layer), call=call)


_LAYER_PARAM = ParamSpec("layer", "layer", REQUIRED, doc='the wrapped layer: {"type": ..., '
                         '"config": {...}}', main=True)

SPECS = (
    _rnn_spec("SimpleRNN", "Fully connected recurrent layer: output fed back as state."),
    _rnn_spec("LSTM", "Long short-term memory layer (output + cell state)."),
    _rnn_spec("GRU", "Gated recurrent unit layer."),
    LayerSpec(
        "Bidirectional", "Recurrent",
        "Runs a recurrent layer forwards and backwards and merges the results.",
        (_LAYER_PARAM,
         ParamSpec("merge_mode", "choice", "concat", choices=("concat", "sum", "mul", "ave"),
                   allow_none=True, doc="how to combine both directions (None: two outputs)",
                   main=True)),
        1, 1, infer_bidirectional, count_bidirectional, check=check_bidirectional,
        outputs=bidirectional_outputs, frozen_by_trainable=False),
    LayerSpec(
        "TimeDistributed", "Recurrent",
        "Applies a layer to every timestep of a sequence, with shared weights.",
        (_LAYER_PARAM,), 1, 1, infer_time_distributed, count_time_distributed,
        check=check_time_distributed, frozen_by_trainable=False),
)
