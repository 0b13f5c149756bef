"""Constructor limits equal Keras's: every catalog type is built in Keras with the boundary values
of each numeric ParamSpec (and with the base argument ``trainable=False``), and Keras's accept or
reject must equal ``check_params``'s."""

from __future__ import annotations

import os

import pytest

from graph_core.catalog import CATALOG, check_params, resolve_config
from graph_core.errors import ShapeError
from graph_core.tensor import TensorSpec
from tests.keras_equality.test_keras_equality import SPACES, _keras_call, _keras_layer

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras

pytestmark = pytest.mark.keras


#: Wrappers are not in the equality spaces (their cases are listed one by one there).
WRAPPED = {
    "Bidirectional": ({"layer": {"type": "LSTM", "config": {"units": 4}}}, [(None, 5, 3)]),
    "TimeDistributed": ({"layer": {"type": "Dense", "config": {"units": 3}}}, [(None, 5, 3)]),
}


_RATE = "a rate of 1 drops everything and scales by 1 / (1 - rate) = inf; a negative rate means nothing"
#: Values Keras's constructor and symbolic call accept but LayerLoom refuses, with the reason
#: (also in docs/layer-catalog.md): ``(layer type or "*", parameter) -> why``.
STRICTER = {
    ("*", "rate"): _RATE, ("*", "dropout"): _RATE, ("*", "recurrent_dropout"): _RATE,
    ("*", "momentum"): "a moving average needs 0 <= momentum <= 1, else the statistics diverge",
    ("*", "epsilon"): "a negative epsilon can make variance + epsilon negative: NaN at the first batch",
    ("ZeroPadding1D", "padding"): "negative padding is cropping; Cropping1D says so",
    ("ZeroPadding2D", "padding"): "negative padding is cropping; Cropping2D says so",
    ("ZeroPadding3D", "padding"): "negative padding is cropping; Cropping3D says so",
    ("MultiHeadAttention", "output_shape"): "an output axis of size 0 holds nothing",
    ("StochasticDepth", "drop_path_rate"): "a rate of 1 keeps nothing and divides by 1 - rate = 0",
}


#: The one rule of STRICTER that is not by name: a size below 1 or a magnitude below 0.
BELOW_MINIMUM = ("a size below 1 (filters, heads, bins, crop or output sizes, lengths) or a magnitude below "
                 "0 (alphas, frequencies, limits): Keras builds an empty or meaningless layer symbolically")


def _stricter(layer_type: str, name: str, value=None) -> str | None:
    reason = STRICTER.get((layer_type, name)) or STRICTER.get(("*", name))
    p = CATALOG[layer_type].param(name)
    if reason is None and p is not None and p.minimum in (0, 1) and isinstance(value, (int, float)) \
            and not isinstance(value, bool) and value < p.minimum:
        reason = BELOW_MINIMUM
    return reason


_PROBE_INPUTS: dict = {}


def _inputs(layer_type: str) -> tuple:
    """``(shapes, dtype)`` the probes call a layer on: the first of its space both sides accept."""
    if layer_type in WRAPPED:
        return WRAPPED[layer_type][1], "float32"
    if layer_type not in _PROBE_INPUTS:
        space = SPACES[layer_type]
        options = [(shapes, dtype) for shapes in space["shapes"] for dtype in space["dtypes"]]
        _PROBE_INPUTS[layer_type] = options[0]
        base = _base_config(layer_type)
        for option in options:
            _PROBE_INPUTS[layer_type] = option
            if base is not None and _keras_accepts(layer_type, base) and _we_accept(layer_type, base):
                break
    return _PROBE_INPUTS[layer_type]


def _base_config(layer_type: str) -> dict | None:
    """A config both sides accept: the first candidate of each parameter in the equality space."""
    if layer_type in WRAPPED:
        return WRAPPED[layer_type][0]
    params = SPACES[layer_type]["params"]
    config = {name: values[0] for name, values in params.items() if values and values[0] is not None}
    for name, values in params.items():  # prefer a config check_params accepts
        if check_params(layer_type, config) == []:
            break
        for value in values[1:]:
            trial = {**config, name: value}
            if len(check_params(layer_type, trial)) < len(check_params(layer_type, config)):
                config = trial
    return config if check_params(layer_type, config) == [] else None


def _boundary_values(p) -> list:
    """Values at and just past each bound of a numeric parameter (large ones where it has none)."""
    integer = p.kind in ("int", "int_tuple")
    step = 1 if integer else 1e-3
    values = []
    if p.minimum is not None:
        values += [p.minimum, p.minimum - step]
    if p.maximum is not None:
        values += [p.maximum, p.maximum + step]
    else:
        values += ([9] if p.kind == "int_tuple" else [512]) if integer else [2.0, 100.0]
    if p.kind == "int_tuple":
        values = [int(v) for v in values]
    return values


def _keras_accepts(layer_type: str, config: dict) -> bool:
    """Whether Keras constructs the layer and calls it on the equality space's first inputs."""
    try:
        layer = _keras_layer(layer_type, config)
    except Exception:
        return False
    shapes, dtype = _inputs(layer_type)
    tensors = [keras.KerasTensor(s, dtype=dtype) for s in shapes]
    try:
        _keras_call(layer_type, layer, tensors)
    except Exception:
        return False
    return True


def _we_accept(layer_type: str, config: dict) -> bool:
    """Whether check_params accepts the config and the shape rule the probe inputs."""
    if check_params(layer_type, config):
        return False
    shapes, dtype = _inputs(layer_type)
    try:
        CATALOG[layer_type].infer(resolve_config(layer_type, config), [TensorSpec(s, dtype) for s in shapes])
    except ShapeError:
        return False
    return True


#: Layers Keras cannot put in any functional model (docs/layer-catalog.md): nothing to probe.
UNBUILDABLE = ("Equalization",)


def _cases() -> list:
    cases = []
    for layer_type, spec in CATALOG.items():
        if layer_type in ("Input", *UNBUILDABLE) or (layer_type not in SPACES and layer_type not in WRAPPED):
            continue
        base = _base_config(layer_type)
        if base is None:
            continue
        cases.append((layer_type, "trainable", {**base, "trainable": False}))
        cases.append((layer_type, "dtype", {**base, "dtype": "float64"}))
        for p in spec.params:
            if p.kind not in ("int", "float", "int_tuple"):
                continue
            for value in _boundary_values(p):
                cases.append((layer_type, p.name, {**base, p.name: value}))
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{t}-{name}={c.get(name)}" for t, name, c in CASES])
def test_constructor_accepts_what_keras_accepts(case):
    layer_type, name, config = case
    ours = _we_accept(layer_type, config)
    theirs = _keras_accepts(layer_type, config)
    if theirs and not ours and _stricter(layer_type, name, config.get(name)):
        return  # deliberately stricter: see STRICTER
    assert ours == theirs, (f"{layer_type}({config}): Keras {'accepts' if theirs else 'rejects'} it, "
                            f"check_params says {check_params(layer_type, config) or 'fine'}")


def test_every_type_is_probed():
    probed = {t for t, _n, _c in CASES}
    missing = sorted(set(CATALOG) - probed - {"Input", *UNBUILDABLE})
    assert not missing, f"no base config for {missing}"


def _frozen_model_builds(case) -> bool:
    """Both sides take ``trainable=False`` (the test above compares that) and Keras can make a model
    holding the layer alone."""
    layer_type, _name, config = case
    if not (_we_accept(layer_type, config) and _keras_accepts(layer_type, config)):
        return False
    shapes, dtype = _inputs(layer_type)
    tensors = [keras.Input(batch_shape=s, dtype=dtype) for s in shapes]
    try:
        keras.Model(tensors, _keras_call(layer_type, _keras_layer(layer_type, config), tensors))
    except ValueError:
        return False
    return True


TRAINABLE_CASES = [c for c in CASES if c[1] == "trainable" and _frozen_model_builds(c)]


@pytest.mark.parametrize("case", TRAINABLE_CASES, ids=[c[0] for c in TRAINABLE_CASES])
def test_frozen_layers_count_as_keras_counts_them(case):
    """``trainable=False``: the split between trainable and non-trainable weights of a model
    holding the layer equals Keras's (layers made of sub-layers stay trainable in Keras)."""
    from keras.src.utils.summary_utils import count_params

    from graph_core.analysis import check
    from graph_core.builder import GraphBuilder

    layer_type, _name, config = case
    shapes, dtype = _inputs(layer_type)
    tensors = [keras.Input(batch_shape=s, dtype=dtype) for s in shapes]
    model = keras.Model(tensors, _keras_call(layer_type, _keras_layer(layer_type, config), tensors))
    g = GraphBuilder("m")
    refs = [g.input(shape=list(s[1:]), dtype=dtype) for s in shapes]
    g.output(g.layer(layer_type, refs if len(refs) > 1 else refs[0], **config))
    result = check(g.document)
    assert (result.trainable, result.non_trainable) == (count_params(model.trainable_weights),
                                                        count_params(model.non_trainable_weights))


def test_nearly_every_type_is_probed_frozen():
    """The frozen-count test covers the catalog, not a handful of types."""
    assert len(TRAINABLE_CASES) >= len(CATALOG) - 8, sorted(
        set(CATALOG) - {c[0] for c in TRAINABLE_CASES})
