"""The catalog's pure-Python shape and parameter rules agree with Keras.

For every catalog type, many parameter combinations and input shapes (a full product where it
is small, a seeded random sample where it is not) are built in Keras on symbolic
``KerasTensor`` inputs and compared with ``infer`` / ``count_params`` / ``check_params``:

* Keras rejects the constructor arguments  -> ``check_params`` reports a problem;
* Keras rejects the call                   -> ``infer`` raises ``ShapeError``;
* otherwise                                -> same output shapes and dtypes, same trainable and
  non-trainable parameter counts.

A few cases are deliberately stricter than Keras's symbolic build (Keras accepts them, then
fails at run time or builds a model that cannot work); :func:`stricter_code` names them and
``infer`` must raise with that code.
"""

from __future__ import annotations

import itertools
import math
import os
import random

import pytest

from graph_core.catalog import CATALOG, check_params, get_spec, resolve_config
from graph_core.errors import ShapeError
from graph_core.tensor import FLOAT_DTYPES, TensorSpec
from tests.keras_equality import spaces_more

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras

from codegen.build import keras_layer_class

pytestmark = pytest.mark.keras

MERGES = ("Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot")
CF = "channels_first"


# --- the cases ------------------------------------------------------------------------------

def _space(sample: int | None = None, shapes=(), dtypes=("float32",), **params):
    """A parameter space: params -> candidate values, input shape lists, dtypes, sample size."""
    return {"params": params, "shapes": list(shapes), "dtypes": list(dtypes), "sample": sample}


def _one(*shapes):
    return [[s] for s in shapes]


S1 = _one((None, 5), (None, 4, 6), (None, None, 7), (None, 2, 3, 4), (None,), (None, None), (8, 5))
SEQ = _one((None, 10, 4), (None, None, 4), (None, 3, 4), (None, 10, None), (None, 10),
           (None, 8, 8, 4), (None, 4, 6), (None, 1, 4))
IMG = _one((None, 8, 8, 3), (None, None, None, 3), (None, 8, 8, None), (None, 3, 3, 2),
           (None, 8, 3), (None, 5, 7, 4), (None, 4, 8, 8), (None, 2, 9, 4), (2, 6, 6, 2))
VOL = _one((None, 6, 6, 6, 2), (None, None, 6, 6, 2), (None, 6, 6, 2), (None, 2, 5, 5, 4),
           (None, 4, 3, 5, 5))
RNN_IN = _one((None, 5, 3), (None, None, 3), (None, 5, None), (None, 3), (None, 5, 3, 2),
              (4, 5, 3))
ELEMWISE = [
    [(None, 3), (None, 3)], [(None, 3), (None, 4)], [(None, 1), (None, 4)],
    [(None, 5, 3), (None, 3)], [(None, None, 3), (None, 5, 3)], [(None, 5, 3)] * 3,
    [(None, 2, 3), (None, 3, 3)], [(None, 4, 4, 8), (None, 2, 2, 8)], [(2, 3), (None, 3)],
    [(2, 3), (3, 3)], [(None, 5, 1), (None, 1, 4)], [(None, 3), (None, 3), (None, 1)],
    [(None, 4, 4, 8), (None, 4, 4, 8)], [(None, None, 3), (None, None, 1)],
]
ACTS = ("linear", "relu", "sigmoid", "softmax", "tanh", "gelu")

SPACES = {
    "Input": _space(shape=[(3,), (None, 4), (2, 3, 4), (None,)], batch_size=[None, 4],
                    dtype=["float32", "int32", "float16", "bool"]),
    "Dense": _space(None, S1, ("float32", "int32", "float16"), units=[1, 3, 16],
                    use_bias=[True, False], activation=[None, "softmax"]),
    "Activation": _space(30, S1, ("float32", "int32"), activation=list(ACTS)),
    "ReLU": _space(30, S1[:3], max_value=[None, 6.0], negative_slope=[0.0, 0.1],
                   threshold=[0.0, 0.5]),
    "LeakyReLU": _space(None, S1[:4], ("float32", "int32"), negative_slope=[0.1, 0.3]),
    "ELU": _space(None, S1[:4], ("float32", "int32"), alpha=[0.5, 1.0, 2.0]),
    "Softmax": _space(None, _one((None, 5), (None, 3, 4), (None, 2, 3, 4)),
                      axis=[-1, 1, 2, -2, (1, 2)]),
    "Embedding": _space(None, _one((None,), (None, 5), (None, None), (None, 3, 4), (2, 7)),
                        ("int32", "int64", "float32"), input_dim=[5, 100], output_dim=[3, 8],
                        mask_zero=[False, True]),
    "Rescaling": _space(None, S1[:4], ("float32", "int32", "uint8"), scale=[1 / 255, 2.0],
                        offset=[0.0, -1.0]),
    "Dropout": _space(None, S1, ("float32", "int32"), rate=[0.0, 0.5]),
    "SpatialDropout1D": _space(None, _one((None, 5, 3), (None, 5), (None, 2, 3, 4)), rate=[0.2]),
    "SpatialDropout2D": _space(None, _one((None, 5, 3), (None, 5, 6, 3), (None, 2, 3, 4, 5)),
                               rate=[0.2], data_format=[None, CF]),
    "GaussianNoise": _space(None, S1[:4], ("float32", "int32"), stddev=[0.1, 1.0]),
    "Flatten": _space(None, _one((None,), (None, 5), (None, 3, 4), (None, 2, 3, 4),
                                 (None, None, 4), (None, 3, None), (6, 2, 2)),
                      ("float32", "int32", "float16"), data_format=[None, CF]),
    "Reshape": _space(None, _one((None, 12), (None, 3, 4), (None, None, 4), (None, 2, 6),
                                 (None, 10), (None, 2, 2, 3)),
                      ("float32", "int32"),
                      target_shape=[(12,), (3, 4), (-1,), (2, -1), (4, -1, 3), (5,), (-1, 5),
                                    (2, 2, 3), (-1, 7)]),
    "Permute": _space(None, _one((None, 5), (None, 3, 4), (None, 2, 3, 4), (None, None, 3),
                                 (None, 2, None, 4)), ("float32", "int32"),
                      dims=[(1,), (2, 1), (1, 2), (3, 1, 2), (2, 3, 1)]),
    "RepeatVector": _space(None, _one((None, 4), (None, None), (None, 3, 4), (3, 4)),
                           ("float32", "int32"), n=[1, 3]),
    "ZeroPadding1D": _space(None, _one((None, 5, 3), (None, None, 3), (None, 5)),
                            padding=[0, 1, (2, 3)]),
    "ZeroPadding2D": _space(None, _one((None, 5, 6, 3), (None, None, 6, 3), (None, 5, 6)),
                            padding=[1, (1, 2), ((1, 2), (3, 0))], data_format=[None, CF]),
    "Cropping1D": _space(None, _one((None, 5, 3), (None, None, 3), (None, 4, 3), (None, 3, 3),
                                    (None, 5)), cropping=[0, 1, (2, 3), (0, 1), (2, 0)]),
    "Cropping2D": _space(None, _one((None, 5, 6, 3), (None, None, 6, 3), (None, 3, 3, 3),
                                    (None, 4, 4)),
                         cropping=[0, 1, (1, 2), ((1, 2), (0, 3))], data_format=[None, CF]),
    "UpSampling1D": _space(None, _one((None, 5, 3), (None, None, 3), (None, 5)), size=[1, 2, 3]),
    "UpSampling2D": _space(None, _one((None, 5, 6, 3), (None, None, 6, 3), (None, 5, 6)),
                           size=[2, (2, 3)], data_format=[None, CF],
                           interpolation=["nearest", "bilinear"]),
    "BatchNormalization": _space(None, _one((None, 5), (None, 4, 6), (None, None, 6),
                                            (None, 3, 4, 5), (None, 4, None)),
                                 axis=[-1, 1, 2, 3], center=[True, False], scale=[True, False]),
    "LayerNormalization": _space(None, _one((None, 5), (None, 4, 6), (None, None, 6),
                                            (None, 3, 4, 5)),
                                 axis=[-1, 1, (1, 2), [-2, -1], 3], center=[True, False],
                                 scale=[True, False]),
    "GroupNormalization": _space(None, _one((None, 8), (None, 5, 6), (None, 4, 4, 8), (None, 3),
                                            (None, 5, None)),
                                 groups=[1, 2, 4, -1, 32], center=[True, False]),
    "Normalization": _space(None, _one((None, 5), (None, 3, 4), (None, 2, 3, 4), (None, None, 4)),
                            axis=[-1, None, 1, (1, 2)], invert=[False, True], mean=[None, 0.5],
                            variance=[None, 2.0]),
    "UnitNormalization": _space(None, _one((None, 5), (None, 3, 4), (None, 2, 3, 4)),
                                axis=[-1, 1, (1, 2), 3]),
    "SimpleRNN": _space(48, RNN_IN, units=[1, 4], return_sequences=[False, True],
                        return_state=[False, True], use_bias=[True, False],
                        stateful=[False, True], unroll=[False, True]),
    "LSTM": _space(48, RNN_IN, units=[1, 4], return_sequences=[False, True],
                   return_state=[False, True], use_bias=[True, False], stateful=[False, True],
                   unit_forget_bias=[True, False]),
    "GRU": _space(48, RNN_IN, units=[1, 4], return_sequences=[False, True],
                  return_state=[False, True], use_bias=[True, False], reset_after=[True, False],
                  stateful=[False, True]),
    "MultiHeadAttention": _space(
        90,
        [[q, v] for q in [(None, 5, 8), (None, None, 8), (None, 5, None), (None, 8),
                          (None, 2, 3, 8)]
         for v in [(None, 6, 8), (None, None, 4), (None, 6, 3, 4), (None, 6, None)]]
        + [[(None, 5, 8), v, k] for v, k in [((None, 6, 8), (None, 6, 5)),
                                             ((None, 6, 8), (None, 7, 5)),
                                             ((None, None, 8), (None, None, 5)),
                                             ((None, None, 8), (None, 6, 5)),
                                             ((None, 6, 8), (None, 6, None))]],
        num_heads=[1, 2], key_dim=[2, 4], value_dim=[None, 3], use_bias=[True, False],
        output_shape=[None, 5, (2, 3)], use_gate=[False, True]),
    "Concatenate": _space(None, [
        [(None, 3), (None, 4)], [(None, 5, 3), (None, 5, 4)], [(None, 5, 3), (None, 6, 3)],
        [(None, None, 3), (None, 5, 4)], [(None, 5, 3), (None, 5, 3), (None, 5, 2)],
        [(None, 5, 3), (None, 3)], [(None, 2, 3, 4), (None, 2, 3, 1)],
        [(None, None, 3), (None, None, 3)], [(None, 2, 3, 4), (None, 2, 5, 4)],
        [(2, 3), (3, 3)], [(2, 3), (None, 4)],
    ], axis=[-1, 1, 2, -2, 3]),
    "Dot": _space(None, [
        [(None, 3), (None, 3)], [(None, 5, 3), (None, 5, 3)], [(None, 5, 3), (None, 3, 5)],
        [(None, None, 3), (None, 4, 3)], [(None, 5, 3), (None, 3)], [(None, 2, 3, 4), (None, 2, 4)],
        [(None, 3), (None, 4)], [(None, 5, 3), (None, None, 3)], [(2, 3), (3, 3)],
    ], axes=[-1, 1, 2, (1, 2), (2, 1), (2, 2), (-1, -2), 0], normalize=[False, True]),
}
for _name in ("Add", "Multiply", "Average", "Maximum", "Minimum"):
    SPACES[_name] = _space(None, ELEMWISE, ("float32", "int32"))
SPACES["Subtract"] = _space(None, [s for s in ELEMWISE if len(s) == 2] + [[(None, 3)] * 3])
SPACES.update(spaces_more.SPACES)  # issue 10: the rest of keras.layers


def _conv_space(n, kind, count):
    shapes = {1: SEQ, 2: IMG, 3: VOL}[n]
    params = {
        "filters": [2, 3, 4], "kernel_size": [1, 3, 2 if n == 1 else (3,) + (1,) * (n - 1)],
        "strides": [1, 2, 3], "padding": ["valid", "same"], "dilation_rate": [1, 2],
        "use_bias": [True, False], "data_format": [None, CF],
    }
    if kind == "conv":
        params["groups"] = [1, 1, 2]
        if n == 1:
            params["padding"].append("causal")
    if kind == "transpose":
        params["output_padding"] = [None, None, 0, 1]
    if kind in ("separable", "depthwise"):
        params["depth_multiplier"] = [1, 2]
    if kind == "depthwise":
        del params["filters"]
    return _space(count, shapes, **params)


for _n in (1, 2, 3):
    SPACES[f"Conv{_n}D"] = _conv_space(_n, "conv", 80)
    SPACES[f"Conv{_n}DTranspose"] = _conv_space(_n, "transpose", 50)
    for _mode in ("Max", "Average"):
        SPACES[f"{_mode}Pooling{_n}D"] = _space(
            40, {1: SEQ, 2: IMG, 3: VOL}[_n], pool_size=[2, 3, 1 if _n == 1 else (3,) + (1,) *
                                                       (_n - 1)],
            strides=[None, 1, 2], padding=["valid", "same"], data_format=[None, CF])
        SPACES[f"Global{_mode}Pooling{_n}D"] = _space(
            None, {1: SEQ, 2: IMG, 3: VOL}[_n], keepdims=[False, True],
            data_format=[None, CF])
for _n in (1, 2):
    SPACES[f"SeparableConv{_n}D"] = _conv_space(_n, "separable", 50)
    SPACES[f"DepthwiseConv{_n}D"] = _conv_space(_n, "depthwise", 50)


def _wrapper_cases(rng):
    """Bidirectional and TimeDistributed: (type, config, shapes, dtypes)."""
    cases = []
    for inner, units, seqs, state, mode, shape in itertools.product(
            ("SimpleRNN", "LSTM", "GRU"), (2,), (False, True), (False, True),
            ("concat", "sum", "mul", "ave", None),
            ((None, 5, 3), (None, None, 4), (None, 3), (None, 5, None))):
        if rng.random() < 0.45:
            cfg = {"units": units, "return_sequences": seqs, "return_state": state}
            cases.append(("Bidirectional", {"layer": {"type": inner, "config": cfg},
                                            "merge_mode": mode}, [shape], ["float32"]))
    cases.append(("Bidirectional", {"layer": {"type": "LSTM", "config": {
        "units": 3, "go_backwards": True}}}, [(None, 5, 3)], ["float32"]))
    cases.append(("Bidirectional", {"layer": {"type": "GRU", "config": {
        "units": 3, "reset_after": False, "use_bias": False}}}, [(None, 5, 3)], ["float32"]))
    inners = [
        {"type": "Dense", "config": {"units": 3}},
        {"type": "Conv2D", "config": {"filters": 4, "kernel_size": 3}},
        {"type": "Conv1D", "config": {"filters": 2, "kernel_size": 2, "padding": "same"}},
        {"type": "Flatten", "config": {}},
        {"type": "MaxPooling2D", "config": {}},
        {"type": "Dropout", "config": {"rate": 0.5}},
        {"type": "LSTM", "config": {"units": 3}},
        {"type": "BatchNormalization", "config": {}},
    ]
    for inner, shape in itertools.product(inners, [
            (None, 5, 8), (None, 5, 6, 6, 3), (None, None, 6, 6, 3), (None, 5, 4, 3),
            (None, 4), (None, 5, 4, None), (None, 5, 2, 2, 3)]):
        cases.append(("TimeDistributed", {"layer": inner}, [shape], ["float32"]))
    return cases


def _cases():
    rng = random.Random(1234)
    cases = []
    for layer_type, space in SPACES.items():
        names = list(space["params"])
        combos = list(itertools.product(*(space["params"][k] for k in names),
                                        space["shapes"] or [[]], space["dtypes"]))
        if space["sample"] is not None and len(combos) > space["sample"]:
            combos = rng.sample(combos, space["sample"])
        for combo in combos:
            config = {k: v for k, v in zip(names, combo[:-2])}
            if layer_type == "Input":
                cases.append((layer_type, config, [], []))
            else:
                shapes = combo[-2]
                cases.append((layer_type, config, shapes, [combo[-1]] * len(shapes)))
    cases.extend(_wrapper_cases(rng))
    return cases


def _case_id(case) -> str:
    layer_type, config, shapes, dtypes = case
    parts = []
    for k, v in config.items():
        if isinstance(v, dict):
            v = f"{v['type']}({','.join(f'{a}={b}' for a, b in v['config'].items())})"
        parts.append(f"{k}={v}")
    ins = "+".join(f"{s}" for s in shapes).replace(" ", "")
    dt = dtypes[0] if dtypes and dtypes[0] != "float32" else ""
    return f"{layer_type}[{','.join(parts).replace(' ', '')}]<-{ins}{dt}"


CASES = _cases()


# --- running Keras --------------------------------------------------------------------------

def _keras_layer(layer_type: str, config: dict):
    config = dict(config)
    if "layer" in config:
        inner = config["layer"]
        config["layer"] = getattr(keras.layers, inner["type"])(**inner["config"])
    return keras_layer_class(layer_type)(**config)


def _keras_call(layer_type: str, layer, tensors):
    if layer_type == "MultiHeadAttention":
        key = tensors[2] if len(tensors) > 2 else None
        return layer(tensors[0], tensors[1], key=key)
    if layer_type in MERGES:
        return layer(tensors)
    spec = get_spec(layer_type)
    return layer(*spec.call_spec.arguments(tensors, spec.min_inputs))


def _size(variables) -> int:
    return sum(math.prod(v.shape) for v in variables)


#: input rank (with batch) of layers wrapped in TimeDistributed in these tests
TD_RANKS = {"LSTM": 3, "MaxPooling2D": 4, "Conv1D": 3, "Conv2D": 4}


def stricter_code(layer_type: str, config: dict, inputs: list) -> str | None:
    """The ShapeError code LayerLoom raises where Keras's symbolic build is more lenient."""
    if layer_type == "Equalization":
        return "keras.unbuildable"  # the layer call works, but no keras.Model holding it builds
    more = spaces_more.stricter_code(layer_type, config, inputs)
    if more is not None:
        return more
    if layer_type == "Embedding" and inputs[0].dtype in FLOAT_DTYPES:
        return "dtype.embedding_float"  # Keras casts silently; floats are almost always a bug
    inner = config.get("layer", {}).get("type") if layer_type == "TimeDistributed" else None
    if (layer_type == "Flatten" or inner == "Flatten") and inputs[0].shape is not None:
        first = 1 if inner is None else 2
        if None in inputs[0].shape[first:]:
            return "shape.undefined_dim"  # Keras gives (batch, None): nothing after can build
    if inner in TD_RANKS and inputs[0].shape is not None and len(inputs[0].shape) > 2 \
            and len(inputs[0].shape) - 1 != TD_RANKS[inner]:
        return "shape.rank"  # Keras's TimeDistributed skips the inner layer's rank check
    if layer_type == "Dot":
        axes = config["axes"] if isinstance(config["axes"], tuple) else (config["axes"],) * 2
        if 0 in (a % len(spec.shape) for a, spec in zip(axes, inputs)):
            return "shape.axis"  # Keras returns a meaningless shape for the batch axis
        if inputs[0].shape[0] and inputs[1].shape[0] and inputs[0].shape[0] != inputs[1].shape[0]:
            return "shape.merge_mismatch"  # Keras's Dot skips the batch-size check
    if layer_type == "Softmax" and inputs[0].shape is not None:
        rank = len(inputs[0].shape)
        axes = config["axis"] if isinstance(config["axis"], tuple) else (config["axis"],)
        if any(not -rank <= a < rank for a in axes):
            return "shape.axis"  # Keras does not check the axis until run time
    return None


def _run_keras(case):
    layer_type, config, shapes, dtypes = case
    try:
        layer = (None if layer_type == "Input" else _keras_layer(layer_type, config))
    except (ValueError, TypeError, NotImplementedError) as exc:
        return "ctor", exc
    try:
        if layer_type == "Input":
            out = keras.Input(**config)
            return "ok", ([out], 0, 0)
        tensors = [keras.KerasTensor(s, dtype=d) for s, d in zip(shapes, dtypes)]
        out = _keras_call(layer_type, layer, tensors)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        return "call", exc
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    return "ok", (outs, _size(layer.trainable_weights), _size(layer.non_trainable_weights),
                  layer.count_params())


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_keras(case):
    layer_type, config, shapes, dtypes = case
    spec = get_spec(layer_type)
    problems = check_params(layer_type, config)
    status, result = _run_keras(case)
    if status == "ctor":
        assert problems, f"Keras rejects the config ({result}) but check_params accepts it"
        return
    assert not problems, f"Keras accepts the config but check_params says {problems}"
    resolved = resolve_config(layer_type, config)
    inputs = [TensorSpec(tuple(s), d) for s, d in zip(shapes, dtypes)]
    code = stricter_code(layer_type, config, inputs) if status == "ok" else None
    if status == "call" or code is not None:
        with pytest.raises(ShapeError) as info:
            spec.infer(resolved, inputs)
        if code is not None:
            assert info.value.code == code
        assert info.value.hint, "every ShapeError gives a hint"
        return
    keras_outs, trainable, non_trainable, *total = result
    ours = spec.infer(resolved, inputs)
    assert [tuple(o.shape) for o in ours] == [tuple(k.shape) for k in keras_outs]
    assert [o.dtype for o in ours] == [k.dtype for k in keras_outs]
    assert spec.num_outputs(config) == len(keras_outs)
    assert spec.count_params(resolved, inputs) == (trainable, non_trainable)
    if total:
        assert trainable + non_trainable == total[0]


def test_every_catalog_type_is_covered():
    covered = {c[0] for c in CASES}
    assert set(CATALOG) <= covered, sorted(set(CATALOG) - covered)
    assert len(CASES) >= 1000
