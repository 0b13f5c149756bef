"""Operation nodes in the document (no Keras): the file format, the check's messages, the index
forms, the card expressions and the one-home-per-fact table."""

from __future__ import annotations

import json

import pytest

from graph_core import check, loom_format
from graph_core.builder import GraphBuilder
from graph_core.catalog import CATALOG, check_params
from graph_core.errors import LoomFormatError
from graph_core.layer_kinds import kind_of, spec_for_type
from graph_core.operations import OPERATION_SPECS, OPERATIONS, call_values, get_operation, index_key
from graph_core.operations.dtypes import result_type
from graph_core.operations.text import expression

S = {"slice": [None, None, None]}


def _file(layers: list, nodes: list, outputs: list) -> str:
    return json.dumps({"format": "layerloom", "version": 1, "name": "m", "layers": layers, "nodes": nodes,
                       "outputs": outputs})


def _ops_file(config: dict, op_type: str = "ops.get_item") -> str:
    return _file([{"id": "l1", "type": "Input", "name": "x", "config": {"shape": [8]}},
                  {"id": "l2", "type": op_type, "name": "op", "config": config}],
                 [{"id": "n1", "layer": "l1", "inputs": []}, {"id": "n2", "layer": "l2", "inputs": [["n1", 0]]}],
                 [{"node": "n2", "index": 0}])


def test_operation_types_never_clash_with_layers_and_have_their_kind():
    assert not set(OPERATION_SPECS) & set(CATALOG)
    assert all(t.startswith("ops.") for t in OPERATION_SPECS)
    assert len({op.keras_class for op in OPERATIONS}) == len(OPERATIONS)
    assert spec_for_type("ops.add").kind == "operation" and spec_for_type("Add").kind == "layer"
    assert OPERATION_SPECS["ops.add"].count_params({}, []) == (0, 0)


def test_a_loom_file_with_operations_loads_checks_and_saves_unchanged():
    text = _ops_file({"key": [S, {"slice": [None, 4, None]}]})
    doc = loom_format.loads(text)
    result = check(doc)
    assert not result.errors
    op_node = doc.nodes_of(doc.layer_by_name("op").id)[0]
    assert result.nodes[op_node].output(0).shape == (None, 4)
    assert kind_of(doc.layer_by_name("op")) == "operation"
    again = loom_format.loads(loom_format.dumps(doc))
    assert again.layer_by_name("op").config == doc.layer_by_name("op").config


@pytest.mark.parametrize("config,op_type,path,words", [
    ({"key": [{"slice": [None, 4]}]}, "ops.get_item", "$.layers[1].config.key", "slice"),
    ({"key": "[:, :4]"}, "ops.get_item", "$.layers[1].config.key", "list"),
    ({"key": ["...", "..."]}, "ops.get_item", "$.layers[1].config.key", "one ellipsis"),
    ({"key": [{"slice": [None, None, 0]}]}, "ops.get_item", "$.layers[1].config.key", "zero"),
    ({"x2": "two"}, "ops.multiply", "$.layers[1].config.x2", "number"),
    ({"x2": [1, 2]}, "ops.add", "$.layers[1].config.x2", "number"),
])
def test_the_loader_refuses_malformed_operation_configs_naming_the_path(config, op_type, path, words):
    with pytest.raises(LoomFormatError) as info:
        loom_format.loads(_ops_file(config, op_type))
    assert info.value.path == path and words in info.value.message


def test_check_messages_name_the_node_and_the_operands():
    b = GraphBuilder("m")
    x = b.input("x", (4,))
    y = b.input("y", (5,))
    bad = b.layer("ops.add", [x, y], name="total")
    too_many = b.layer("ops.multiply", [x, x], name="scaled", x2=2.0)
    b.output(bad)
    b.output(too_many)
    messages = [p.message for p in check(b.document).errors]
    assert any("ops.add 'total'" in m and "broadcast" in m for m in messages), messages
    assert any("ops.multiply 'scaled'" in m and "takes 1 tensor (x2=2.0 is a constant), got 2" in m
               for m in messages), messages


def test_parameter_problems_are_reported_like_a_layers():
    assert check_params("ops.mean", {"axis": -1, "keepdim": True})[0][0] == "keepdim"
    assert check_params("ops.reshape", {})[0][1] == "newshape is required"
    assert check_params("ops.add", {"x1": 1.0, "x2": 2.0})[0][1].startswith("every operand is a constant")
    assert check_params("ops.clip", {"x_min": "a", "x_max": 1})[0][0] == "x_min"
    assert check_params("ops.get_item", {"key": [S]}) == []


@pytest.mark.parametrize("text,key", [
    (":, :4", [S, {"slice": [None, 4, None]}]),
    ("[..., None, 1:3:2]", ["...", None, {"slice": [1, 3, 2]}]),
    ("0", [0]),
    ("-1, ::-1", [-1, {"slice": [None, None, -1]}]),
    (":, np.newaxis", [S, None]),
])
def test_index_text_round_trips(text, key):
    assert index_key.parse_text(text) == key
    assert index_key.parse_text(index_key.to_text(key)) == key


@pytest.mark.parametrize("text", ["", "x", "1:2:3:4", "..., ...", "0.5", ":, ::0", "a:b"])
def test_index_text_that_is_not_an_index_is_refused(text):
    with pytest.raises(index_key.IndexKeyError):
        index_key.parse_text(text)


def test_index_from_keras_markers():
    saved = [{"class_name": "__ellipsis__", "config": {}}, None,
             {"class_name": "__slice__", "config": {"start": 1, "stop": 3, "step": 2}}]
    assert index_key.from_keras(saved) == ["...", None, {"slice": [1, 3, 2]}]
    assert index_key.from_keras(0) == [0]
    with pytest.raises(index_key.IndexKeyError, match="tensor"):
        index_key.from_keras([{"class_name": "__keras_tensor__", "config": {}}])


@pytest.mark.parametrize("op_type,config,count,text", [
    ("ops.multiply", {"x2": 2.0}, 1, "x * 2.0"),
    ("ops.subtract", {"x1": 3.0}, 1, "3.0 - x"),
    ("ops.multiply", {"x2": 1 / 6}, 1, "x * ≈0.16667"),  # MobileNetV3's hard-sigmoid
    ("ops.multiply", {"x2": 1e-7}, 1, "x * 1e-07"),
    ("ops.add", {}, 2, "x + y"),
    ("ops.add", {}, 1, "x + ?"),
    ("ops.power", {"x2": -1}, 1, "x ** (-1)"),
    ("ops.negative", {}, 1, "-x"),
    ("ops.get_item", {"key": [S, {"slice": [None, 4, None]}]}, 1, "x[:, :4]"),
    ("ops.mean", {"axis": -1, "keepdims": True}, 1, "mean(x, axis=-1, keepdims=True)"),
    ("ops.concatenate", {"axis": -1}, 2, "concatenate([x0, x1], axis=-1)"),
    ("ops.where", {"x2": 0.0}, 2, "where(c, x, 0.0)"),
    ("ops.reshape", {"newshape": [5, 1]}, 1, "reshape(x, (5, 1))"),
    ("ops.cast", {"dtype": "int32"}, 1, "cast(x, 'int32')"),
    ("ops.einsum", {"subscripts": "ij->ji"}, 1, "einsum('ij->ji', x0)"),
    ("ops.get_item", {"key": "bad"}, 1, "x[?]"),
])
def test_card_expressions_show_constants_inline(op_type, config, count, text):
    assert expression(op_type, config, count) == text


def test_call_values_place_tensors_constants_and_arguments():
    op = get_operation("ops.subtract")
    assert call_values(op, {"x1": 3.0}, ["t"]) == ([3.0, "t"], {})
    mean = get_operation("ops.mean")
    assert call_values(mean, {"axis": [1, 2], "keepdims": False}, ["t"]) == (["t"], {"axis": (1, 2)})
    assert call_values(get_operation("ops.einsum"), {"subscripts": "i,i"}, ["a", "b"]) == (["i,i", "a", "b"], {})
    assert call_values(get_operation("ops.concatenate"), {"axis": 1}, ["a", "b"]) == ([["a", "b"]], {"axis": 1})
    args, _ = call_values(get_operation("ops.get_item"), {"key": [S, 0]}, ["t"])
    assert args == ["t", (slice(None), 0)]


@pytest.mark.parametrize("dtypes,out", [
    (("float32", "float"), "float32"), (("int32", "float"), "float32"), (("int32", "int"), "int32"),
    (("float16", "float"), "float16"), (("bool", "int"), "int32"), (("int8", "uint8"), "int16"),
    (("bfloat16", "float16"), "float32"), (("int64", "float16"), "float16"), (("uint32", "int64"), "int64"),
])
def test_type_promotion_matches_keras_rules(dtypes, out):
    assert result_type(*dtypes) == out


def test_operation_costs_count_tensor_products_only():
    from graph_core.cost import model_cost

    b = GraphBuilder("m")
    q = b.input("q", (3, 4))
    k = b.input("k", (4, 5))
    scores = b.layer("ops.matmul", [q, k], name="scores")
    mixed = b.layer("ops.einsum", [scores, k], name="mixed", subscripts="bij,bkj->bik")
    b.output(b.layer("ops.relu", b.layer("ops.multiply", mixed, name="scaled", x2=0.5), name="act"))
    doc = b.document
    cost = model_cost(doc, batch_size=2)
    macs = {doc.layer_of(nid).name: entry.macs for nid, entry in cost.nodes.items()}
    assert macs["scores"] == 2 * 3 * 5 * 4      # one MAC per output value and inner step
    assert macs["mixed"] == 2 * 3 * 4 * 5       # b, i, k kept; j summed
    assert macs["scaled"] == macs["act"] == 0   # element-wise work counts 0 (docs/cost.md)
