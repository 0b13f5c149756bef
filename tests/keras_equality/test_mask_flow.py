"""Where a mask flows (graph_core.mask_flow, reported by the check per node) equals Keras: after a
mask producer (Masking, Embedding(mask_zero=True)) or none, a layer's output carries a mask exactly
when Keras's ``_keras_mask`` is set on it, for many layers and chains of layers."""

from __future__ import annotations

import itertools
import warnings

import keras
import pytest

from codegen.build import call_layer, make_layer, used_nodes
from graph_core import check
from graph_core.builder import GraphBuilder
from graph_core.document import Layer, Node, TensorRef
from graph_core.edits import AddNode

pytestmark = pytest.mark.keras

#: (layer type, config) applied to a (batch, 6, 8) float sequence.
SEQUENCE_LAYERS = [
    ("Dense", {"units": 8}), ("Dropout", {"rate": 0.5}), ("Activation", {"activation": "relu"}),
    ("LayerNormalization", {}), ("BatchNormalization", {}), ("ReLU", {}), ("LeakyReLU", {}),
    ("GaussianNoise", {"stddev": 0.1}), ("GaussianDropout", {"rate": 0.2}), ("Softmax", {}),
    ("UnitNormalization", {}), ("Identity", {}), ("PReLU", {}), ("ELU", {}),
    ("LSTM", {"units": 8}), ("LSTM", {"units": 8, "return_sequences": True}),
    ("GRU", {"units": 8, "return_sequences": True}), ("SimpleRNN", {"units": 8}),
    ("GRU", {"units": 8, "return_sequences": True, "return_state": True}),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 4, "return_sequences": True}}}),
    ("Bidirectional", {"layer": {"type": "GRU", "config": {"units": 4}}}),
    ("Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 4, "return_sequences": True}},
                       "merge_mode": None}),
    ("TimeDistributed", {"layer": {"type": "Dense", "config": {"units": 8}}}),
    ("GlobalAveragePooling1D", {}), ("GlobalMaxPooling1D", {}), ("Flatten", {}),
    ("Conv1D", {"filters": 8, "kernel_size": 3, "padding": "same"}), ("MaxPooling1D", {}),
    ("Reshape", {"target_shape": [6, 8]}), ("Permute", {"dims": [2, 1]}), ("ZeroPadding1D", {}),
    ("Cropping1D", {}), ("UpSampling1D", {}), ("SpatialDropout1D", {"rate": 0.2}),
    ("RepeatVector", None), ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": [None, 8]}),
    ("RMSNormalization", {}), ("GroupNormalization", {"groups": 2}), ("Rescaling", {"scale": 0.5}),
]
#: (layer type, config) called on two sequences of the same shape.
TWO_INPUT_LAYERS = [
    ("Add", {}), ("Multiply", {}), ("Average", {}), ("Maximum", {}), ("Subtract", {}),
    ("Concatenate", {}), ("Concatenate", {"axis": 1}), ("Attention", {}), ("AdditiveAttention", {}),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}), ("Dot", {"axes": 2}),
]
PRODUCERS = {
    "masking": ("Masking", {}),
    "embedding_mask": ("Embedding", {"input_dim": 20, "output_dim": 8, "mask_zero": True}),
    "embedding": ("Embedding", {"input_dim": 20, "output_dim": 8}),
    "dense": ("Dense", {"units": 8}),
}


def _add(b: GraphBuilder, layer_type: str, config: dict, inputs: list, name: str,
         keyword_inputs: dict | None = None) -> TensorRef:
    doc = b.document
    layer = Layer(doc.new_id("l"), layer_type, name, dict(config))
    node = Node(doc.new_id("n"), layer.id, list(inputs), (0.0, 0.0), keyword_inputs=keyword_inputs or {})
    doc.apply(AddNode(node, layer))
    return TensorRef(node.id, 0)


def _source(b: GraphBuilder, producer: str, name: str):
    layer_type, config = PRODUCERS[producer]
    if layer_type == "Embedding":
        x = b.input(f"{name}_tokens", (6,), dtype="int32")
    else:
        x = b.input(f"{name}_x", (6, 8))
    return _add(b, layer_type, config, [x], f"{name}_source")


def _keras_masks(doc) -> dict:
    """node id -> whether each Keras output tensor of that call carries a mask."""
    tensors, instances, out = {}, {}, {}
    for nid in used_nodes(doc):
        node = doc.nodes[nid]
        layer = doc.layers[node.layer]
        if layer.type == "Input":
            tensors[nid] = [keras.Input(tuple(layer.config["shape"]), dtype=layer.config.get("dtype", "float32"))]
            continue
        instance = instances.setdefault(layer.id, make_layer(layer))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call_layer(instance, layer, node, [tensors[r.node][r.index] for r in node.inputs])
        tensors[nid] = list(result) if isinstance(result, (list, tuple)) else [result]
        out[nid] = tuple(getattr(t, "_keras_mask", None) is not None for t in tensors[nid])
    return out


def _assert_same_flow(doc) -> None:
    result = check(doc)
    assert result.valid, [str(p) for p in result.errors]
    want = _keras_masks(doc)
    got = {nid: tuple(result.nodes[nid].carries_mask(k) for k in range(len(want[nid]))) for nid in want}
    assert got == want, {doc.layer_of(n).name: (got[n], want[n]) for n in want if got[n] != want[n]}


@pytest.mark.parametrize("producer", sorted(PRODUCERS))
def test_each_layer_passes_on_uses_or_drops_the_mask_as_keras(producer):
    b = GraphBuilder("flow")
    outs = []
    for k, (layer_type, config) in enumerate(SEQUENCE_LAYERS):
        source = _source(b, producer, f"s{k}")
        if layer_type == "RepeatVector":
            source = _add(b, "GlobalAveragePooling1D", {}, [source], f"s{k}_pool")
            config = {"n": 3}
        out = _add(b, layer_type, config, [source], f"s{k}_{layer_type.lower()}")
        outs.append(out)
    for k, (layer_type, config) in enumerate(TWO_INPUT_LAYERS):
        first = _source(b, producer, f"t{k}a")
        second = _source(b, producer if k % 2 else "dense", f"t{k}b")
        outs.append(_add(b, layer_type, config, [first, second], f"t{k}_{layer_type.lower()}"))
    for out in outs:
        b.output(out)
    _assert_same_flow(b.document)


CHAINS = [("LSTM", {"units": 4, "return_sequences": True}), ("Dense", {"units": 8}), ("Dropout", {"rate": 0.1}),
          ("GlobalAveragePooling1D", {}), ("Conv1D", {"filters": 8, "kernel_size": 1}), ("LayerNormalization", {})]


@pytest.mark.parametrize("first,second", list(itertools.permutations(range(len(CHAINS)), 2)))
def test_chains_of_layers_carry_the_mask_as_keras(first, second):
    b = GraphBuilder("chain")
    outs = []
    for producer in ("masking", "embedding_mask"):
        x = _source(b, producer, producer)
        for k in (first, second):
            layer_type, config = CHAINS[k]
            if layer_type == "GlobalAveragePooling1D" and k != second:
                continue  # a pooled tensor is no sequence for the next layer
            x = _add(b, layer_type, config, [x], f"{producer}_{k}_{layer_type.lower()}")
        outs.append(x)
    for out in outs:
        b.output(out)
    _assert_same_flow(b.document)


def test_an_explicit_mask_input_is_a_mask_and_a_nested_model_drops_it():
    b = GraphBuilder("explicit")
    x = b.input("x", (6, 8))
    m = b.input("steps", (6,), dtype="bool")
    seq = _add(b, "GRU", {"units": 4, "return_sequences": True}, [x, m], "gru", keyword_inputs={"mask": 1})
    head = _add(b, "Dense", {"units": 2}, [seq], "head")
    inner = GraphBuilder("inner")
    inner.output(_add(inner, "Dense", {"units": 3}, [inner.input("seq", (6, 2))], "inner_dense"))
    nested = b.model_layer(inner.document, [head], name="inner")
    b.output(head)
    b.output(nested)
    _assert_same_flow(b.document)
    result = check(b.document)
    assert result.nodes[head.node].carries_mask(0) and not result.nodes[nested.node].carries_mask(0)
