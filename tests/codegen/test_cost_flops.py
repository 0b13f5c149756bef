"""LayerLoom's MAC rules agree with TensorFlow's own FLOP counter (``tf.compat.v1.profiler``).

Each case builds the real Keras layer, traces one call at a fixed batch size into a TF graph and
sums the profiler's ``flops`` statistic (the registry in ``tensorflow/python/profiler/internal``)
over the linear ops: MatMul, BatchMatMul*, Conv2D, Conv3D, DepthwiseConv2dNative,
Conv2DBackpropInput. Bias adds and activations are left out, as in LayerLoom's convention.
Expected: ``2 × macs`` exactly.

Where the profiler's convention differs, the check says which count it uses instead:

* transposed convolutions (``valid`` padding, and every Conv3DTranspose, whose op has no
  registered count): the profiler counts the *adjoint* forward convolution (output back to input),
  which performs exactly the same multiply-accumulates;
* MultiHeadAttention: its einsums have no registered count in TF; the count is derived from the
  Keras layer itself: every einsum equation it runs (projections, scores, context, output), each
  costing the product of the sizes of all its index letters.
"""

from __future__ import annotations

import itertools
import os
import random

import pytest

from graph_core.catalog import get_spec, resolve_config
from graph_core.cost_rules import macs
from graph_core.tensor import TensorSpec

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

pytestmark = pytest.mark.keras

LINEAR_OPS = frozenset(("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Conv2D", "Conv3D",
                        "DepthwiseConv2dNative", "Conv2DBackpropInput"))
BATCH = 3


def _ours(layer_type: str, config: dict, shapes: list) -> int:
    resolved = resolve_config(layer_type, config)
    inputs = [TensorSpec(tuple(s)) for s in shapes]
    outputs = get_spec(layer_type).infer(resolved, inputs)
    value = macs(layer_type, resolved, inputs, outputs)
    assert value is not None, (layer_type, config, shapes)
    return value


def _keras_layer(layer_type: str, config: dict):
    import keras

    if layer_type in ("Bidirectional", "TimeDistributed"):
        inner = config["layer"]
        wrapped = getattr(keras.layers, inner["type"])(**inner["config"])
        rest = {k: v for k, v in config.items() if k != "layer"}
        return getattr(keras.layers, layer_type)(wrapped, **rest)
    return getattr(keras.layers, layer_type)(**config)


def _call(layer, layer_type: str, xs):
    if layer_type == "Dot":
        return layer(list(xs))
    if layer_type == "MultiHeadAttention":
        return layer(*xs)
    return layer(xs[0])


def profiled_flops(layer_type: str, config: dict, shapes: list) -> int:
    """TensorFlow's profiler count of the linear ops of one call of the Keras layer."""
    import tensorflow as tf
    from tensorflow.python.framework import ops as tf_ops
    from tensorflow.python.profiler.internal import flops_registry  # noqa: F401  (registers the counts)

    layer = _keras_layer(layer_type, config)
    _call(layer, layer_type, [tf.zeros(s) for s in shapes])  # build the weights eagerly
    fn = tf.function(lambda *xs: _call(layer, layer_type, xs))
    graph = fn.get_concrete_function(*[tf.TensorSpec(s, tf.float32) for s in shapes]).graph
    total = _graph_flops(graph, tf_ops)
    assert total, f"no linear op found for {layer_type} {config}"
    return total


def _graph_flops(graph, tf_ops) -> int:
    """Profiler flops of the linear ops of a graph and of the functions it calls (grouped convs run in XLA)."""
    total = 0
    for op in graph.get_operations():
        if op.type in LINEAR_OPS:
            total += tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value
        elif op.type in ("PartitionedCall", "StatefulPartitionedCall"):
            total += _graph_flops(graph._get_function(op.get_attr("f").name).graph, tf_ops)
    return total


def _grid(sample: int, seed: int, **axes) -> list:
    combos = [dict(zip(axes, values)) for values in itertools.product(*axes.values())]
    random.Random(seed).shuffle(combos)
    return combos[:sample]


DENSE = [({"units": u, "use_bias": b}, [s]) for u in (1, 7, 32) for b in (True, False)
         for s in ((BATCH, 5), (BATCH, 4, 6), (BATCH, 2, 3, 4))]
CONV = {
    "Conv1D": ((BATCH, 17, 4), (1, 3, 5)),
    "Conv2D": ((BATCH, 13, 11, 4), (1, 3, (3, 2))),
    "Conv3D": ((BATCH, 7, 6, 5, 2), (1, 3, (2, 3, 1))),
}


def _conv_cases():
    cases = []
    for layer_type, (shape, kernels) in CONV.items():
        for i, combo in enumerate(_grid(10, 1, kernel_size=kernels, strides=(1, 2), padding=("valid", "same"),
                                        filters=(4, 8), use_bias=(True, False), groups=(1, 2))):
            if combo["strides"] == 2 and i % 2:
                combo["dilation_rate"] = 1
            elif combo["strides"] == 1 and i % 3 == 0:
                combo["dilation_rate"] = 2
            cases.append((layer_type, combo, [shape]))
    return cases


def _depthwise_cases():
    cases = []
    for combo in _grid(12, 2, kernel_size=(1, 3, (3, 2)), strides=(1, 2), padding=("valid", "same"),
                       depth_multiplier=(1, 3)):
        cases.append(("DepthwiseConv2D", combo, [(BATCH, 12, 10, 4)]))
    for combo in _grid(12, 3, kernel_size=(1, 3, (3, 2)), strides=(1, 2), padding=("valid", "same"),
                       depth_multiplier=(1, 2), filters=(5, 8)):
        cases.append(("SeparableConv2D", combo, [(BATCH, 12, 10, 4)]))
    for combo in _grid(6, 4, kernel_size=(1, 3), strides=(1, 2), padding=("valid", "same"),
                       depth_multiplier=(1, 2), filters=(5,)):
        cases.append(("SeparableConv1D", combo, [(BATCH, 15, 4)]))
    for combo in _grid(4, 5, kernel_size=(3, 5), strides=(1, 2), depth_multiplier=(1, 2)):
        cases.append(("DepthwiseConv1D", combo, [(BATCH, 15, 4)]))
    return cases


def _rnn_cases():
    cases = []
    for layer_type in ("SimpleRNN", "LSTM", "GRU"):
        for combo in _grid(6, 6, units=(1, 4, 9), return_sequences=(True, False), use_bias=(True, False)):
            combo["unroll"] = True  # the profiler sees the unrolled matmuls (a while loop hides them)
            if layer_type == "GRU":
                combo["reset_after"] = len(cases) % 2 == 0
            cases.append((layer_type, combo, [(BATCH, 5, 3)]))
    cases.append(("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 4, "unroll": True}}},
                  [(BATCH, 4, 6)]))
    cases.append(("Bidirectional", {"layer": {"type": "GRU", "config": {"units": 3, "unroll": True,
                                                                         "return_sequences": True}},
                                    "merge_mode": "sum"}, [(BATCH, 6, 2)]))
    return cases


OTHER = [
    ("TimeDistributed", {"layer": {"type": "Dense", "config": {"units": 6}}}, [(BATCH, 5, 4)]),
    ("TimeDistributed", {"layer": {"type": "Conv2D", "config": {"filters": 3, "kernel_size": 3}}},
     [(BATCH, 4, 8, 8, 2)]),
    ("Dot", {"axes": -1}, [(BATCH, 5, 4), (BATCH, 7, 4)]),
    ("Dot", {"axes": (1, 1)}, [(BATCH, 5, 4), (BATCH, 5, 6)]),
    ("Dot", {"axes": 1}, [(BATCH, 8), (BATCH, 8)]),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, [(BATCH, 5, 6, 3)]),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "padding": "same"}, [(BATCH, 5, 6, 3)]),
    ("Conv1DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, [(BATCH, 9, 3)]),
]

PROFILED = ([("Dense", c, s) for c, s in DENSE] + _conv_cases() + _depthwise_cases() + _rnn_cases() + OTHER)


@pytest.mark.parametrize("layer_type,config,shapes", PROFILED,
                         ids=[f"{t}-{i}" for i, (t, _c, _s) in enumerate(PROFILED)])
def test_flops_equal_tensorflow_profiler(layer_type, config, shapes):
    assert 2 * _ours(layer_type, config, shapes) == profiled_flops(layer_type, config, shapes)


TRANSPOSED = [
    (layer_type, {"filters": f, "kernel_size": k, "strides": s, "padding": p}, shape)
    for layer_type, shape in (("Conv1DTranspose", (BATCH, 9, 3)), ("Conv2DTranspose", (BATCH, 5, 6, 3)),
                              ("Conv3DTranspose", (BATCH, 4, 3, 5, 2)))
    for f, k, s, p in ((4, 3, 1, "valid"), (2, 3, 2, "valid"), (5, 2, 2, "same"), (3, 4, 3, "valid"))
]


@pytest.mark.parametrize("layer_type,config,shape", TRANSPOSED)
def test_transposed_conv_equals_profiled_adjoint_conv(layer_type, config, shape):
    """A transposed convolution costs what the forward convolution it is the gradient of costs."""
    resolved = resolve_config(layer_type, config)
    (out,) = get_spec(layer_type).infer(resolved, [TensorSpec(shape)])
    forward = layer_type.replace("Transpose", "")
    adjoint = {"filters": shape[-1], "kernel_size": config["kernel_size"], "strides": config["strides"],
               "padding": config["padding"]}
    # the adjoint forward convolution maps the transposed conv's output back onto its input
    assert get_spec(forward).infer(resolve_config(forward, adjoint), [out])[0].shape == shape
    fwd_flops = profiled_flops(forward, adjoint, [out.shape])
    assert 2 * _ours(layer_type, config, [shape]) == fwd_flops


def _einsum_macs(equation: str, *shapes) -> int:
    """Multiply-accumulates of an einsum: the product of the sizes of all its index letters."""
    operands = equation.split("->")[0].split(",")
    sizes = {}
    for letters, shape in zip(operands, shapes):
        for letter, size in zip(letters, shape):
            sizes[letter] = size
    total = 1
    for size in sizes.values():
        total *= size
    return total


def keras_attention_macs(config: dict, shapes: list) -> int:
    """The multiply-accumulates of every einsum a Keras MultiHeadAttention call runs."""
    import keras
    import numpy as np

    layer = keras.layers.MultiHeadAttention(**config)
    xs = [np.zeros(s, "float32") for s in shapes]
    layer(*xs)
    query, value = xs[0], xs[1]
    key = xs[2] if len(xs) > 2 else value
    total = 0
    projected = {}
    for name, x in (("_query_dense", query), ("_key_dense", key), ("_value_dense", value)):
        dense = getattr(layer, name)
        total += _einsum_macs(dense.equation, x.shape, dense.kernel.shape)
        projected[name] = tuple(dense(x).shape)
    q, k, v = projected["_query_dense"], projected["_key_dense"], projected["_value_dense"]
    total += _einsum_macs(layer._dot_product_equation, k, q)
    scores = tuple(keras.ops.einsum(layer._dot_product_equation, np.zeros(k, "float32"),
                                    np.zeros(q, "float32")).shape)
    total += _einsum_macs(layer._combine_equation, scores, v)
    if config.get("use_gate"):
        total += _einsum_macs(layer._gate_dense.equation, query.shape, layer._gate_dense.kernel.shape)
    context = tuple(keras.ops.einsum(layer._combine_equation, np.zeros(scores, "float32"),
                                     np.zeros(v, "float32")).shape)
    out = layer._output_dense
    return total + _einsum_macs(out.equation, context, out.kernel.shape)


ATTENTION = [
    (combo, shapes)
    for combo, shapes in zip(
        _grid(16, 7, num_heads=(1, 2, 4), key_dim=(3, 8), value_dim=(None, 5), output_shape=(None, (6,)),
              use_gate=(False, True)),
        itertools.cycle([[(BATCH, 5, 8), (BATCH, 7, 6)], [(BATCH, 4, 8), (BATCH, 4, 8)],
                         [(BATCH, 5, 8), (BATCH, 7, 6), (BATCH, 7, 3)]]))
] + [({"num_heads": 2, "key_dim": 4, "attention_axes": (2,)}, [(BATCH, 3, 5, 8), (BATCH, 3, 6, 8)]),
     ({"num_heads": 2, "key_dim": 4, "attention_axes": (1, 2)}, [(BATCH, 3, 5, 8), (BATCH, 2, 4, 8)])]


@pytest.mark.parametrize("config,shapes", ATTENTION)
def test_attention_macs_equal_keras_einsums(config, shapes):
    import keras

    if config.get("use_gate") and "use_gate" not in keras.layers.MultiHeadAttention.__init__.__code__.co_varnames:
        pytest.fail("this Keras has no use_gate, but the catalog offers it")
    assert _ours("MultiHeadAttention", config, shapes) == keras_attention_macs(config, shapes)
