"""The shape and dtype rules of operation nodes equal Keras: every case applies the real
``keras.ops`` function to symbolic ``keras.KerasTensor`` inputs (with the arguments the build
passes, :func:`graph_core.operations.call_values`) and compares shape and dtype; where Keras
refuses, the rule must refuse too (and the check names the node)."""

from __future__ import annotations

import itertools

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_core import check
from graph_core.builder import GraphBuilder
from graph_core.catalog import check_params, resolve_config
from graph_core.errors import ShapeError
from graph_core.operations import OPERATION_SPECS, OPERATIONS, call_values, get_operation
from graph_core.tensor import TensorSpec
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.keras

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")
FLOATS = ("float16", "bfloat16", "float32", "float64")
CONSTANTS = (2, 2.0, -1.5, True)


def keras_result(op_type: str, config: dict, inputs: list):
    """``(shape, dtype)`` Keras gives, or None when Keras refuses."""
    op = get_operation(op_type)
    tensors = [keras.KerasTensor(s.shape, dtype=s.dtype) for s in inputs]
    try:
        args, kwargs = call_values(op, resolve_config(op_type, config), tensors)
        out = getattr(keras.ops, op.function)(*args, **kwargs)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):
        return None
    if isinstance(out, (list, tuple)):  # split: one result per piece
        return [(tuple(o.shape), keras.backend.standardize_dtype(o.dtype)) for o in out]
    return tuple(out.shape), keras.backend.standardize_dtype(out.dtype)


def ours(op_type: str, config: dict, inputs: list):
    """``(shape, dtype)`` LayerLoom's rule gives, or None when it refuses."""
    if check_params(op_type, config):
        return None
    try:
        outs = OPERATION_SPECS[op_type].infer(resolve_config(op_type, config), inputs)
    except ShapeError:
        return None
    if get_operation(op_type).outputs is not None:
        return [(tuple(o.shape), o.dtype) for o in outs]
    (out,) = outs
    return tuple(out.shape), out.dtype


def _cases() -> list:
    cases = []
    binary = [op.type for op in OPERATIONS if op.operands == ("x1", "x2") and op.constant_operands]
    shape_pairs = [((None, 4), (None, 4)), ((None, 4), (4,)), ((None, 3, 1), (None, 1, 5)), ((None, 4), (None, 5)),
                   ((2, 3), (3, 2)), ((None, 1), (None, 7)), ((None, 2, 3), (3,))]
    for op_type in binary:
        for a, b in shape_pairs:
            cases.append((op_type, {}, [TensorSpec(a), TensorSpec(b)]))
        for da, db in itertools.product(("bool", "int8", "int32", "int64", "uint8", "float16", "float32"), repeat=2):
            cases.append((op_type, {}, [TensorSpec((None, 3), da), TensorSpec((None, 3), db)]))
        for dtype, const in itertools.product(("bool", "int32", "int64", "float16", "bfloat16", "float32"), CONSTANTS):
            cases.append((op_type, {"x2": const}, [TensorSpec((None, 3), dtype)]))
            cases.append((op_type, {"x1": const}, [TensorSpec((None, 2, 3), dtype)]))
    unary = [op.type for op in OPERATIONS if op.operands == ("x",) and not op.params]
    for op_type in unary + ["ops.gelu", "ops.softmax", "ops.log_softmax"]:
        for dtype in DTYPES:
            cases.append((op_type, {}, [TensorSpec((None, 3, 4), dtype)]))
    for op_type in ("ops.softmax", "ops.log_softmax"):
        for axis in (-1, 1, 2, 3, -4, None):
            cases.append((op_type, {"axis": axis}, [TensorSpec((None, 3, 4))]))
    reductions = [op.type for op in OPERATIONS if op.group == "Reduction"]
    for op_type in reductions:
        for axis, keepdims in itertools.product((None, 0, 1, -1, 2, 3, -4, [1, 2], [0, -1]), (False, True)):
            cases.append((op_type, {"axis": axis, "keepdims": keepdims}, [TensorSpec((None, 3, 4))]))
        for dtype in DTYPES:
            cases.append((op_type, {"axis": -1}, [TensorSpec((None, 5), dtype)]))
    for op_type, config in (("ops.round", {"decimals": 1}), ("ops.leaky_relu", {"negative_slope": 0.1}),
                            ("ops.elu", {"alpha": 0.5})):
        for dtype in DTYPES:
            cases.append((op_type, config, [TensorSpec((None, 3), dtype)]))
    for axis, dtype in itertools.product((None, 0, 1, 2, -1, 3), (None, "float16", "int32")):
        for in_dtype in ("bool", "int8", "float32"):
            cases.append(("ops.cumsum", {"axis": axis, "dtype": dtype}, [TensorSpec((None, 3, 4), in_dtype)]))
            cases.append(("ops.cumsum", {"axis": axis, "dtype": dtype}, [TensorSpec((2, 3, 4), in_dtype)]))
    for shape in ((None, 3, 4), (2, 3), (2, 3, 4, 5)):
        for repeats in (2, [1, 2], [1, 2, 3], [2, 1, 1, 1], [1, 1, 1, 1, 2]):
            cases.append(("ops.tile", {"repeats": repeats}, [TensorSpec(shape)]))
        for repeats, axis in ((2, None), (2, 1), ([1, 2, 3], 1), ([1, 2], 1), (3, -1), (2, 5), ([1] * 6, None)):
            cases.append(("ops.repeat", {"repeats": repeats, "axis": axis}, [TensorSpec(shape)]))
        for pad_width in (1, [1, 2], [[0, 0], [1, 1], [2, 0]], [[1, 1]] * 4, [[0, 0], [1, 2]]):
            cases.append(("ops.pad", {"pad_width": pad_width}, [TensorSpec(shape)]))
        for a, b in ((0, 1), (1, -1), (-1, -2), (1, 4)):
            cases.append(("ops.swapaxes", {"axis1": a, "axis2": b}, [TensorSpec(shape)]))
        for src, dst in ((1, 2), (0, -1), ([0, 1], [-1, -2]), ([1], [0]), (1, 5), ([0, 1], [2])):
            cases.append(("ops.moveaxis", {"source": src, "destination": dst}, [TensorSpec(shape)]))
    for shape in ((None, 6, 4), (4, 6), (None, None, 3)):
        for sections, axis in ((2, 1), (3, 1), (4, 1), (2, -1), ([1, 4], 1), ([2], -1), ([1, 3, 5], 1),
                               (1, 0), (2, 0), (4, 0), (2, 3)):
            cases.append(("ops.split", {"indices_or_sections": sections, "axis": axis}, [TensorSpec(shape)]))
    for lo, hi in ((0, 6), (0.0, 6.0), (-1, 1.5)):
        for dtype in DTYPES:
            cases.append(("ops.clip", {"x_min": lo, "x_max": hi}, [TensorSpec((None, 4), dtype)]))
    for dtype in DTYPES:
        cases.append(("ops.cast", {"dtype": dtype}, [TensorSpec((None, 4), "float32")]))
        cases.append(("ops.cast", {"dtype": "float32"}, [TensorSpec((None, 4), dtype)]))
    for shapes, axis in [(((None, 4), (None, 2)), -1), (((None, 4), (None, 2)), 0), (((None, 4), (3, 4)), 0),
                         (((None, 4, 2), (None, 4, 3)), 2), (((None, 4), (None, 3, 2)), -1), (((None, 4),), 1),
                         (((None, 4), (None, 4), (None, 4)), 1), (((None, 4), (None, 2)), 2),
                         (((None, 4), (None, 2)), -3), (((None, 4), (None, 2)), 1)]:
        for dtypes in (("float32",) * len(shapes), ("int32",) + ("float16",) * (len(shapes) - 1)):
            cases.append(("ops.concatenate", {"axis": axis}, [TensorSpec(s, d) for s, d in zip(shapes, dtypes)]))
    for shapes, axis in [(((None, 4), (None, 4)), 0), (((None, 4), (None, 4)), 1), (((None, 4), (None, 4)), 2),
                         (((None, 4), (None, 4)), -1), (((None, 4), (None, 5)), 1), (((None, 4), (None, 4)), 3),
                         (((None, 4), (None, 4), (None, 4)), -3), (((None, 4),), 1)]:
        cases.append(("ops.stack", {"axis": axis}, [TensorSpec(s) for s in shapes]))
    for shape, newshape in [((None, 6), [2, 3]), ((None, 6), [-1, 3]), ((4, 6), [-1, 3]), ((4, 6), [8, 3]),
                            ((4, 6), [5, 5]), ((4, 6), [-1, 5]), ((4, 6), [-1, -1]), ((4, 6), [-2, 12]),
                            ((None, 6), [-1]), ((2, 3, 4), [6, 4]), ((2, 3, 4), [24]), ((4, 6), [0, -1]),
                            ((None, 2, 3), [-1, 2, 3]), ((2, 0), [0, 5])]:
        cases.append(("ops.reshape", {"newshape": newshape}, [TensorSpec(shape)]))
    for shape, axes in [((None, 3, 4), None), ((None, 3, 4), [0, 2, 1]), ((None, 3, 4), [2, 1, 0]),
                        ((None, 3, 4), [0, 1]), ((None, 3, 4), [0, 0, 1]), ((None, 3, 4), [0, -1, -2]),
                        ((None, 3, 4), [0, 1, 3])]:
        cases.append(("ops.transpose", {"axes": axes}, [TensorSpec(shape)]))
    for axis in (0, 1, 2, -1, -3, 3, -4, [1, 2], [0, -1]):
        cases.append(("ops.expand_dims", {"axis": axis}, [TensorSpec((None, 3))]))
    for shape, axis in [((None, 1, 3), 1), ((None, 1, 3), None), ((None, 1, 3), 2), ((None, 1, 1), [1, 2]),
                        ((1, 3, 1), None), ((None, 1, 3), -2), ((None, 1, 3), 3), ((None, 3), 0)]:
        cases.append(("ops.squeeze", {"axis": axis}, [TensorSpec(shape)]))
    for a, b in [((None, 3, 4), (None, 4, 5)), ((None, 3, 4), (4, 5)), ((4,), (4,)), ((None, 4), (4,)),
                 ((4,), (4, 6)), ((None, 3, 4), (None, 5, 4)), ((2, 3, 4), (3, 4, 2)), ((None, 3, 4), (None, 4)),
                 ((None, 2, 3, 4), (2, 4, 5)), ((None, 3, None), (None, 7, 2))]:
        for da, db in (("float32", "float32"), ("int8", "int8"), ("int32", "float16")):
            cases.append(("ops.matmul", {}, [TensorSpec(a, da), TensorSpec(b, db)]))
    for subscripts, shapes in [("bij,bjk->bik", ((None, 3, 4), (None, 4, 5))), ("ij->ji", ((3, 4),)),
                               ("bi,bi->b", ((None, 4), (None, 4))), ("bij->bj", ((None, 3, 4),)),
                               ("...ij,...jk->...ik", ((None, 2, 3, 4), (None, 2, 4, 5))),
                               ("bqd,bkd->bqk", ((None, 5, 8), (None, 7, 8))), ("ij,jk", ((3, 4), (4, 5))),
                               ("bij,bjk->bik", ((None, 3, 4),)), ("ij->ji", ((None, 3, 4),)),
                               ("abc,cd->abd", ((None, 3, 4), (4, 6))), ("i...->...", ((None, 3, 4),)),
                               ("ii->i", ((4, 4),)), ("ij,ij->ij", ((None, 3), (None, 3)))]:
        cases.append(("ops.einsum", {"subscripts": subscripts}, [TensorSpec(s) for s in shapes]))
        cases.append(("ops.einsum", {"subscripts": subscripts}, [TensorSpec(s, "int8") for s in shapes]))
    for shapes, consts in [(((None, 4), (None, 4), (None, 4)), {}), (((None, 4), (None, 1), (4,)), {}),
                           (((None, 4), (None, 4)), {"x2": 0.0}), (((None, 4), (None, 3)), {"x2": 0}),
                           (((None, 4),), {"x1": 1, "x2": 0.5}), (((None, 4), (None, 4)), {"x1": -1.0})]:
        for dtypes in (("bool", "float32", "float32"), ("bool", "int32", "float16"), ("bool", "int8", "int8")):
            cases.append(("ops.where", consts, [TensorSpec(s, d) for s, d in zip(shapes, dtypes)]))
    return cases


def _slice(start, stop, step):
    return {"slice": [start, stop, step]}


S = _slice(None, None, None)
KEYS = [
    [S, _slice(None, 4, None)], [0], [-1], [S, 0], [S, -1, _slice(None, None, 2)], ["...", None, _slice(1, 3, 2)],
    [S, None], [None, "..."], ["...", 0], [S, 5], [S, -6], [S, 0, 0, 0], ["...", "..."], [S, _slice(None, None, -1)],
    [S, _slice(10, None, None)], [S, _slice(-2, None, None)], [S, _slice(1, -1, None)], [None, None, S],
    [S, S, S], [S, S, S, S], ["...", _slice(None, 2, None), S], [0, 0], [S, _slice(3, 1, None)],
    [S, _slice(None, None, 3)], [S, _slice(-100, 100, None)], [S, None, 2, None], [2], [S, "...", 1],
]
GET_ITEM_CASES = [("ops.get_item", {"key": key}, [TensorSpec(shape)])
                  for key in KEYS for shape in ((None, 5, 3), (4, 5), (None, None, 3))]
CASES = _cases() + GET_ITEM_CASES


def _id(case) -> str:
    op_type, config, inputs = case
    return f"{op_type}-{config}-{[(s.shape, s.dtype) for s in inputs]}"


@pytest.mark.parametrize("op_type,config,inputs", CASES, ids=[_id(c) for c in CASES])
def test_operation_rule_equals_keras(op_type, config, inputs):
    expected = keras_result(op_type, config, inputs)
    assert ours(op_type, config, inputs) == expected


def test_the_cases_cover_every_operation_and_many_refusals():
    covered = {case[0] for case in CASES}
    assert covered == set(OPERATION_SPECS), sorted(set(OPERATION_SPECS) - covered)
    assert len(CASES) > 1500
    refused = sum(1 for op_type, config, inputs in CASES[::7] if keras_result(op_type, config, inputs) is None)
    assert refused > 20
    first: dict = {}
    for case in CASES:
        first.setdefault(case[0], case)
    built = [t for t, case in first.items() if keras_result(*case) is not None]
    assert len(built) == len(first), sorted(set(first) - set(built))  # no operation is only refusals


@given(st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=1, max_size=4),
       st.lists(st.one_of(st.integers(-6, 6), st.none(), st.just("..."),
                          st.tuples(st.one_of(st.none(), st.integers(-7, 7)), st.one_of(st.none(), st.integers(-7, 7)),
                                    st.one_of(st.none(), st.sampled_from([-2, -1, 1, 2, 3])))), min_size=1, max_size=5))
@settings(max_examples=examples(150))
def test_get_item_equals_keras_on_random_indices(shape, raw_key):
    key = [_slice(*entry) if isinstance(entry, tuple) else entry for entry in raw_key]
    inputs = [TensorSpec(tuple(shape))]
    assert ours("ops.get_item", {"key": key}, inputs) == keras_result("ops.get_item", {"key": key}, inputs)


@pytest.mark.parametrize("op_type,config,inputs,needle", [
    ("ops.add", {}, [TensorSpec((None, 4)), TensorSpec((None, 5))], "cannot broadcast"),
    ("ops.get_item", {"key": [S, 7]}, [TensorSpec((None, 5))], "out of bounds"),
    ("ops.reshape", {"newshape": [-1, -1]}, [TensorSpec((None, 6))], "at most one -1"),
    ("ops.matmul", {}, [TensorSpec((None, 3, 4)), TensorSpec((None, 5, 4))], "inner sizes"),
    ("ops.concatenate", {"axis": -1}, [TensorSpec((None, 4)), TensorSpec((None, 3, 2))], "same shape"),
])
def test_a_refusal_names_the_node(op_type, config, inputs, needle):
    assert keras_result(op_type, config, inputs) is None  # Keras refuses too
    b = GraphBuilder("m")
    refs = [b.input(f"in{k}", s.shape[1:]) for k, s in enumerate(inputs)]
    out = b.layer(op_type, refs, name="my_op", **config)
    b.output(out)
    problems = [p for p in check(b.document).errors if "my_op" in p.message]
    assert problems and needle in problems[0].message, [p.message for p in check(b.document).errors]
