"""The layer catalog: defaults, parameter checks, shape errors, lint and output counts.

Pure Python (no Keras); test_keras_equality.py compares the same rules with Keras.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from graph_core.catalog import (
    CATALOG,
    CATEGORY_ORDER,
    REQUIRED,
    categories,
    check_params,
    get_spec,
    resolve_config,
)
from graph_core.errors import ShapeError
from graph_core.tensor import TensorSpec

BRIEF_TYPES = [
    "Input", "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
    "Embedding", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D",
    "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "ZeroPadding2D", "Cropping2D", "UpSampling2D",
    "BatchNormalization", "LayerNormalization", "ReLU", "Softmax", "Rescaling", "SimpleRNN",
    "LSTM", "GRU", "Bidirectional", "TimeDistributed", "MultiHeadAttention", "Concatenate",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot",
]

#: a value for every REQUIRED parameter in the catalog
EXAMPLES = {
    "shape": (8,), "units": 4, "filters": 4, "kernel_size": 3, "activation": "relu",
    "rate": 0.5, "input_dim": 10, "output_dim": 4, "target_shape": (2, 4), "dims": (1,),
    "n": 2, "scale": 0.5, "stddev": 0.1, "pool_size": 2, "num_heads": 2, "key_dim": 4,
    "axes": -1, "layer": {"type": "LSTM", "config": {"units": 3}},
    # issue 10 layers
    "output_size": 2, "factor": 0.2, "height_factor": 0.1, "width_factor": 0.1, "height": 4,
    "width": 4, "num_tokens": 5, "num_bins": 4, "head_dim": 4, "num_query_heads": 2,
    "num_key_value_heads": 1, "max_number": 3,
    # issue 9: keras.applications internals
    "init_values": 1e-6, "projection_dim": 4, "drop_path_rate": 0.1,
}


def T(*shape, dtype="float32"):
    """A TensorSpec with the given shape (batch axis included)."""
    return TensorSpec(tuple(shape), dtype)


#: layers whose constructor needs a value besides the required ones (or another example)
EXAMPLES_FOR = {"Discretization": {"bin_boundaries": [0.0, 1.0]},
                "RandomPosterization": {"factor": (1, 8)},
                "EinsumDense": {"equation": "ab,bc->ac", "output_shape": 4},
                "SpectralNormalization": {"layer": {"type": "Dense", "config": {"units": 3}}}}


def minimal_config(layer_type: str) -> dict:
    extra = EXAMPLES_FOR.get(layer_type, {})
    config = {p.name: extra.get(p.name) or EXAMPLES[p.name] for p in CATALOG[layer_type].params
              if p.required}
    return {**config, **extra}


def infer(layer_type: str, inputs, **config):
    spec = get_spec(layer_type)
    return spec.infer(resolve_config(layer_type, config), list(inputs))


def shape_error(layer_type: str, inputs, **config) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        infer(layer_type, inputs, **config)
    assert info.value.hint
    return info.value


# --- the catalog as data --------------------------------------------------------------------

def test_catalog_holds_every_required_type():
    assert set(BRIEF_TYPES) <= set(CATALOG)
    assert get_spec("NoSuchLayer") is None


def test_catalog_is_ordered_by_category_then_name():
    cats = [c for c, _ in categories()]
    assert cats == [c for c in CATEGORY_ORDER if c in cats]
    assert next(iter(CATALOG)) == "Input"
    for _, specs in categories():
        names = [s.type for s in specs if s.type != "Input"]
        assert names == sorted(names)
    assert sum(len(s) for _, s in categories()) == len(CATALOG)


@pytest.mark.parametrize("layer_type", list(CATALOG))
def test_every_type_resolves_its_defaults(layer_type):
    spec = CATALOG[layer_type]
    config = minimal_config(layer_type)
    assert check_params(layer_type, config) == []
    resolved = resolve_config(layer_type, config)
    assert set(resolved) == {p.name for p in spec.params}
    assert REQUIRED not in resolved.values()
    for p in spec.params:
        assert p.kind in {"int", "float", "bool", "str", "choice", "int_tuple", "shape",
                          "activation", "axis", "axes", "dtype", "initializer", "layer", "any",
                          "vocabulary"}
        if p.kind == "int_tuple" and resolved[p.name] is not None:
            assert isinstance(resolved[p.name], tuple)
    assert spec.description and spec.category in CATEGORY_ORDER
    assert spec.num_outputs(resolved) >= 1


def test_resolve_config_normalizes_tuples_without_mutating():
    user = {"filters": 8, "kernel_size": 3, "strides": [2, 1]}
    resolved = resolve_config("Conv2D", user)
    assert resolved["kernel_size"] == (3, 3) and resolved["strides"] == (2, 1)
    assert resolved["dilation_rate"] == (1, 1) and resolved["padding"] == "valid"
    assert user == {"filters": 8, "kernel_size": 3, "strides": [2, 1]}
    assert resolve_config("Conv1D", {"filters": 1, "kernel_size": 5})["strides"] == (1,)
    assert resolve_config("Input", {"shape": [None, 128]})["shape"] == (None, 128)
    assert resolve_config("Reshape", {"target_shape": [4, -1]})["target_shape"] == (4, -1)
    assert resolve_config("MaxPooling2D", {})["strides"] is None
    inner = resolve_config("Bidirectional", {"layer": {"type": "GRU", "config": {"units": 2}}})
    assert inner["layer"]["config"]["reset_after"] is True
    assert inner["merge_mode"] == "concat"


def test_unknown_layer_type_is_reported_not_raised():
    assert check_params("Nope", {})[0][1] == "unknown layer type 'Nope'"
    assert resolve_config("Nope", {"a": 1}) == {"a": 1}


# --- check_params ---------------------------------------------------------------------------

@pytest.mark.parametrize("layer_type, config, param, fragment", [
    ("Dense", {"units": 0}, "units", "units must be a positive integer, got 0"),
    ("Dense", {"units": "8"}, "units", "got '8'"),
    ("Dense", {"units": True}, "units", "got True"),
    ("Dense", {}, "units", "units is required"),
    ("Dense", {"units": 4, "activation": "relux"}, "activation", "got 'relux'"),
    ("Dropout", {"rate": 1.0}, "rate", "rate must be a number in [0, 1), got 1.0"),
    ("Dropout", {"rate": -0.1}, "rate", "got -0.1"),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "full"}, "padding", "'full'"),
    ("Conv2D", {"filters": 4, "kernel_size": (3, 3, 3)}, "kernel_size", "(3, 3, 3)"),
    ("Conv2D", {"filters": 4, "kernel_size": 0}, "kernel_size", "got 0"),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal"}, None, None),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "causal"}, "padding", "causal"),
    ("Conv2D", {"filters": 5, "kernel_size": 3, "groups": 2}, "groups", "divisible"),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
     "dilation_rate", "cannot be combined"),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "output_padding": 1},
     "output_padding", "smaller than strides"),
    ("Input", {"shape": (0, 3)}, "shape", "positive integers or None"),
    ("Input", {"shape": (None, 3), "dtype": "float31"}, "dtype", "float31"),
    ("Reshape", {"target_shape": (-1, -1)}, "target_shape", "at most one -1"),
    ("Permute", {"dims": (1, 1)}, "dims", "permutation"),
    ("ReLU", {"max_value": -1.0}, "max_value", "got -1.0"),
    ("GroupNormalization", {"groups": 0}, "groups", "got 0"),
    ("Cropping2D", {"cropping": ((1, -2), (0, 0))}, "cropping", "non-negative"),
    ("Bidirectional", {"layer": {"type": "Dense", "config": {"units": 3}}}, "layer",
     "recurrent"),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 3, "go_backwards": True}}},
     "layer", "go_backwards"),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 0}}}, "layer.units",
     "units must be a positive integer"),
    ("Bidirectional", {"layer": "LSTM"}, "layer", "'type'"),
    ("TimeDistributed", {"layer": {"type": "Add", "config": {}}}, "layer", "one input"),
    ("MultiHeadAttention", {"num_heads": 2}, "key_dim", "required"),
    ("Dot", {"axes": (1, 2, 3)}, "axes", "pair"),
])
def test_check_params_catches_bad_values(layer_type, config, param, fragment):
    problems = check_params(layer_type, config)
    if param is None:
        assert problems == []
        return
    assert any(name == param and fragment in msg for name, msg, _hint in problems), problems


def test_unknown_keys_are_flagged_with_the_valid_names():
    ((name, message, hint),) = check_params("Dense", {"units": 3, "unit": 3})
    assert name == "unit" and "unknown parameter 'unit'" in message
    assert "units" in hint and "activation" in hint


@pytest.mark.parametrize("config", [
    {"units": object()}, {"units": float("nan")}, {"kernel_size": {"a": 1}, "filters": 1},
    {"layer": None}, {"strides": "x", "filters": 1, "kernel_size": 1}, {"axis": [1, "a"]},
])
@pytest.mark.parametrize("layer_type", ["Dense", "Conv2D", "Bidirectional", "Concatenate",
                                        "LayerNormalization"])
def test_check_params_never_raises(layer_type, config):
    assert isinstance(check_params(layer_type, config), list)
    assert isinstance(check_params(layer_type, None), list)


# --- shapes ---------------------------------------------------------------------------------

def test_representative_shapes():
    assert infer("Input", [], shape=(None, 128), dtype="int32") == [T(None, None, 128,
                                                                         dtype="int32")]
    assert infer("Input", [], shape=(3,), batch_size=8) == [T(8, 3)]
    assert infer("Dense", [T(None, 7, 5)], units=3) == [T(None, 7, 3)]
    assert infer("Dense", [T(None, 5, dtype="int32")], units=3) == [T(None, 3)]
    assert infer("Conv2D", [T(None, 28, 28, 1)], filters=8, kernel_size=3, strides=2,
                 padding="same") == [T(None, 14, 14, 8)]
    assert infer("Conv1D", [T(None, None, 16)], filters=4, kernel_size=5) == [T(None, None, 4)]
    assert infer("Conv2DTranspose", [T(None, 7, 7, 4)], filters=2, kernel_size=3,
                 strides=2) == [T(None, 15, 15, 2)]
    assert infer("MaxPooling2D", [T(None, 7, 7, 4)]) == [T(None, 3, 3, 4)]
    assert infer("GlobalAveragePooling1D", [T(None, None, 6)]) == [T(None, 6)]
    assert infer("Flatten", [T(None, 3, 4, dtype="int32")]) == [T(None, 12, dtype="int32")]
    assert infer("Reshape", [T(None, 12)], target_shape=(3, -1)) == [T(None, 3, 4)]
    assert infer("Permute", [T(None, 3, 4)], dims=(2, 1)) == [T(None, 4, 3)]
    assert infer("Embedding", [T(None, 20, dtype="int32")], input_dim=100,
                 output_dim=8) == [T(None, 20, 8)]
    assert infer("Concatenate", [T(None, None, 3), T(None, 5, 4)]) == [T(None, None, 7)]
    assert infer("Add", [T(None, 4, 1), T(None, 4, 8)]) == [T(None, 4, 8)]
    assert infer("Dot", [T(None, 5, 3), T(None, 7, 3)], axes=(2, 2)) == [T(None, 5, 7)]
    assert infer("MultiHeadAttention", [T(None, 5, 16), T(None, 9, 8)], num_heads=2,
                 key_dim=4) == [T(None, 5, 16)]
    assert infer("ZeroPadding2D", [T(None, 5, 5, 3)], padding=((1, 2), (0, 1))) == [
        T(None, 8, 6, 3)]
    assert infer("UpSampling2D", [T(None, None, 5, 3)], size=(2, 3)) == [T(None, None, 15, 3)]


def test_recurrent_outputs_and_states():
    out = infer("LSTM", [T(None, None, 8)], units=4, return_sequences=True, return_state=True)
    assert out == [T(None, None, 4), T(None, 4), T(None, 4)]
    bi = {"layer": {"type": "GRU", "config": {"units": 3, "return_state": True}},
          "merge_mode": None}
    assert infer("Bidirectional", [T(None, 5, 2)], **bi) == [T(None, 3)] * 4
    td = {"layer": {"type": "Dense", "config": {"units": 6}}}
    assert infer("TimeDistributed", [T(None, 10, 4)], **td) == [T(None, 10, 6)]


@pytest.mark.parametrize("layer_type, config, inputs, code, fragments", [
    ("Conv2D", {"filters": 4, "kernel_size": 3}, [T(None, 32)], "shape.rank",
     ["Conv2D needs a 4-D input (batch, rows, cols, channels), got (None, 32)"]),
    ("LSTM", {"units": 4}, [T(None, 32)], "shape.rank",
     ["3-D input (batch, timesteps, features)", "(None, 32)"]),
    ("Conv1D", {"filters": 4, "kernel_size": 3}, [T(None, 8, 8, 3)], "shape.rank",
     ["3-D", "(None, 8, 8, 3)"]),
    ("Conv3D", {"filters": 4, "kernel_size": 3}, [T(None, 8, 8, 3)], "shape.rank", ["5-D"]),
    ("Dense", {"units": 4}, [T(None, 10, None)], "shape.undefined_dim", ["(None, 10, None)"]),
    ("Conv2D", {"filters": 4, "kernel_size": 3}, [T(None, 8, 8, None)], "shape.undefined_dim",
     ["channel"]),
    ("Flatten", {}, [T(None, None, 64)], "shape.undefined_dim",
     ["Flatten cannot build on the variable-length axis 1 of (None, None, 64)"]),
    ("Concatenate", {"axis": -1}, [T(None, 5, 3), T(None, 6, 4)], "shape.concat_mismatch",
     ["(None, 5, 3)", "(None, 6, 4)", "axis 2"]),
    ("Add", {}, [T(None, 8, 8, 16), T(None, 4, 4, 32)], "shape.merge_mismatch",
     ["(None, 8, 8, 16)", "(None, 4, 4, 32)"]),
    ("Subtract", {}, [T(None, 3), T(None, 4)], "shape.merge_mismatch", ["(None, 3)"]),
    ("Dot", {"axes": -1}, [T(None, 3), T(None, 4)], "shape.dot_mismatch", ["3", "4"]),
    ("Reshape", {"target_shape": (5,)}, [T(None, 3, 4)], "shape.reshape_size",
     ["(None, 3, 4)", "12", "5"]),
    ("Reshape", {"target_shape": (5, -1)}, [T(None, 12)], "shape.reshape_size", ["12"]),
    ("Conv2D", {"filters": 4, "kernel_size": 5}, [T(None, 3, 3, 1)], "shape.negative_dim",
     ["(None, 3, 3, 1)", "kernel_size (5, 5)", "strides (1, 1)", "padding 'valid'"]),
    ("MaxPooling1D", {"pool_size": 4}, [T(None, 3, 2)], "shape.negative_dim", ["pool_size"]),
    ("Cropping1D", {"cropping": 2}, [T(None, 4, 2)], "shape.negative_dim", ["(None, 4, 2)"]),
    ("Dense", {"units": 4}, [T(None, 3), T(None, 3)], "shape.arity", ["1 input", "got 2"]),
    ("Add", {}, [T(None, 3)], "shape.arity", ["at least 2"]),
    ("MultiHeadAttention", {"num_heads": 1, "key_dim": 2},
     [T(None, 4, 8), T(None, 5, 8), T(None, 6, 8)], "shape.attention_mismatch", ["(None, 6, 8)"]),
    ("Softmax", {"axis": 3}, [T(None, 4)], "shape.axis", ["3"]),
    ("GroupNormalization", {"groups": 3}, [T(None, 8)], "shape.channels", ["8"]),
    ("LSTM", {"units": 2, "stateful": True}, [T(None, 3, 2)], "shape.undefined_dim",
     ["batch"]),
    ("TimeDistributed", {"layer": {"type": "Conv2D", "config": {"filters": 2, "kernel_size": 3}}},
     [T(None, 5, 16)], "shape.rank", ["TimeDistributed", "(None, 16)"]),
])
def test_shape_errors(layer_type, config, inputs, code, fragments):
    err = shape_error(layer_type, inputs, **config)
    assert err.code == code
    for fragment in fragments:
        assert fragment in err.message, err.message


def test_add_mismatch_suggests_a_projection_shortcut():
    err = shape_error("Add", [T(None, 8, 8, 16), T(None, 4, 4, 32)])
    assert "1×1 Conv2D" in err.hint and "residual" in err.hint


def test_embedding_rejects_float_ids():
    err = shape_error("Embedding", [T(None, 10)], input_dim=100, output_dim=8)
    assert err.code == "dtype.embedding_float"
    assert err.message == "Embedding expects integer token ids, got float32 input"
    assert err.hint == "set the Input's dtype to int32"


def test_unknown_inputs_give_unknown_outputs():
    unknown = TensorSpec(None, "float32")
    assert infer("Dense", [unknown], units=3) == [unknown]
    assert infer("Conv2D", [unknown], filters=3, kernel_size=3) == [unknown]
    assert infer("Add", [unknown, T(None, 3)]) == [unknown]
    assert infer("LSTM", [unknown], units=3) == [T(None, 3)]
    assert infer("Reshape", [unknown], target_shape=(2, 3)) == [T(None, 2, 3)]
    spec = get_spec("Dense")
    with pytest.raises(ShapeError) as info:
        spec.count_params(resolve_config("Dense", {"units": 3}), [unknown])
    assert info.value.code == "shape.unknown"


# --- parameters, lint, outputs --------------------------------------------------------------

@pytest.mark.parametrize("layer_type, config, inputs, expected", [
    ("Dense", {"units": 10}, [T(None, 784)], (7850, 0)),
    ("Dense", {"units": 10, "use_bias": False}, [T(None, 4, 5)], (50, 0)),
    ("Conv2D", {"filters": 32, "kernel_size": 3}, [T(None, 28, 28, 1)], (320, 0)),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "groups": 2}, [T(None, 9, 9, 4)], (152, 0)),
    ("SeparableConv2D", {"filters": 8, "kernel_size": 3}, [T(None, 9, 9, 4)], (76, 0)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, [T(None, 9, 9, 4)], (80, 0)),
    ("BatchNormalization", {}, [T(None, 9, 9, 4)], (8, 8)),
    ("LayerNormalization", {"axis": (1, 2)}, [T(None, 3, 4)], (24, 0)),
    ("Embedding", {"input_dim": 1000, "output_dim": 64}, [T(None, 5, dtype="int32")],
     (64000, 0)),
    ("LSTM", {"units": 32}, [T(None, None, 128)], (20608, 0)),
    ("GRU", {"units": 32}, [T(None, None, 128)], (15552, 0)),
    ("GRU", {"units": 32, "reset_after": False}, [T(None, None, 128)], (15456, 0)),
    ("SimpleRNN", {"units": 8}, [T(None, 4, 2)], (88, 0)),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 32}}},
     [T(None, None, 128)], (41216, 0)),
    ("TimeDistributed", {"layer": {"type": "Dense", "config": {"units": 6}}},
     [T(None, 10, 4)], (30, 0)),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, [T(None, 5, 8), T(None, 6, 8)],
     (288, 0)),
    ("Add", {}, [T(None, 3), T(None, 3)], (0, 0)),
])
def test_parameter_counts(layer_type, config, inputs, expected):
    spec = get_spec(layer_type)
    resolved = resolve_config(layer_type, config)
    spec.infer(resolved, inputs)
    assert spec.count_params(resolved, inputs) == expected


def test_lint_embedding_swapped():
    spec = get_spec("Embedding")
    config = resolve_config("Embedding", {"input_dim": 64, "output_dim": 10000})
    ((code, message, hint),) = spec.lint(config, [T(None, 5, dtype="int32")])
    assert code == "lint.embedding_swapped"
    assert message == ("output_dim 10000 is much larger than input_dim 64 — "
                       "are the arguments swapped?")
    assert hint == "Embedding(input_dim=vocabulary size, output_dim=vector size)"
    normal = resolve_config("Embedding", {"input_dim": 20000, "output_dim": 128})
    assert spec.lint(normal, [T(None, 5, dtype="int32")]) == []
    small = resolve_config("Embedding", {"input_dim": 10, "output_dim": 16})
    assert spec.lint(small, [T(None, 5, dtype="int32")]) == []


def test_lint_softmax_on_one_unit():
    spec = get_spec("Dense")
    config = resolve_config("Dense", {"units": 1, "activation": "softmax"})
    assert spec.lint(config, [T(None, 4)])[0][0] == "lint.softmax_single_unit"


@pytest.mark.parametrize("layer_type, config, expected", [
    ("Dense", {"units": 3}, 1),
    ("Input", {"shape": (3,)}, 1),
    ("LSTM", {"units": 3}, 1),
    ("LSTM", {"units": 3, "return_state": True}, 3),
    ("GRU", {"units": 3, "return_state": True}, 2),
    ("SimpleRNN", {"units": 3, "return_state": True, "return_sequences": True}, 2),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 3}}}, 1),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 3, "return_state": True}}},
     5),
    ("Bidirectional", {"layer": {"type": "GRU", "config": {"units": 3}}, "merge_mode": None}, 2),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 3, "return_state": True}},
                       "merge_mode": None}, 6),
])
def test_num_outputs(layer_type, config, expected):
    spec = get_spec(layer_type)
    assert spec.num_outputs(config) == expected
    assert spec.num_outputs(resolve_config(layer_type, config)) == expected
    if layer_type != "Input":
        shape = (None, 5, 3)
        assert len(spec.infer(resolve_config(layer_type, config), [T(*shape)])) == expected


# --- performance and purity -----------------------------------------------------------------

def test_graph_core_catalog_imports_no_keras():
    code = ("import sys, graph_core.catalog; "
            "bad = [m for m in ('keras', 'tensorflow', 'PySide6') if m in sys.modules]; "
            "sys.exit(str(bad) if bad else 0)")
    subprocess.run([sys.executable, "-c", code], check=True)
