"""A small fluent API to build documents in code (tests, templates, benchmarks, importers).

Example::

    b = GraphBuilder("mlp")
    x = b.input("features", shape=(64,))
    x = b.layer("Dense", x, units=32, activation="relu")
    b.output(b.layer("Dense", x, units=10, activation="softmax"), loss="categorical_crossentropy")
    doc = b.document
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from graph_core.document import Document, Layer, Node, Output, TensorRef
from graph_core.edits import AddNode, MarkOutput, snake_case

RefLike = Union[TensorRef, tuple, str]


class GraphBuilder:
    """Builds a :class:`Document` through ordinary edits, one call per layer call.

    Args:
        name: the model name.
        document: an existing document to extend (a new one when None).
    """

    def __init__(self, name: str = "model", document: Document | None = None):
        self.document = document if document is not None else Document(name)

    def input(self, name: str | None = None, shape: Sequence = (), dtype: str | None = None) -> TensorRef:
        """Add an Input layer; returns its tensor."""
        config = {"shape": list(shape)}
        if dtype and dtype != "float32":
            config["dtype"] = dtype
        return self.layer("Input", [], name=name, **config)

    def layer(self, layer_type: str, inputs: RefLike | Sequence[RefLike] = (), *,
              name: str | None = None, **config) -> TensorRef:
        """Add a new layer of ``layer_type`` called once on ``inputs``; returns its first output."""
        doc = self.document
        layer = Layer(doc.new_id("l"), layer_type, name or doc.unique_name(snake_case(layer_type)), config)
        if layer_type == "Model" and "graph" in config:
            layer.subgraph = config.pop("graph")
        return self._call(layer, inputs, new_layer=True)

    def model_layer(self, sub: Document, inputs: RefLike | Sequence[RefLike], name: str | None = None
                    ) -> TensorRef:
        """Add a nested model (``sub``) as a layer called on ``inputs``."""
        doc = self.document
        layer = Layer(doc.new_id("l"), "Model", name or doc.unique_name(sub.name), {}, subgraph=sub)
        sub.name = layer.name  # a nested model is named by its layer
        return self._call(layer, inputs, new_layer=True)

    def call(self, layer_name: str, inputs: RefLike | Sequence[RefLike]) -> TensorRef:
        """Call the existing layer ``layer_name`` again (shared weights); returns its first output."""
        layer = self.document.layer_by_name(layer_name)
        if layer is None:
            raise KeyError(f"no layer named {layer_name!r}")
        return self._call(layer, inputs, new_layer=False)

    def output(self, ref: RefLike, loss: str | None = None, loss_weight: float = 1.0,
               metrics: Sequence[str] = ()) -> None:
        """Mark a tensor as the next model output."""
        ref = _as_ref(ref)
        self.document.apply(MarkOutput(Output(ref.node, ref.index, loss, float(loss_weight), list(metrics))))

    def layer_id(self, ref: RefLike) -> str:
        """The layer id of the node producing ``ref``."""
        return self.document.nodes[_as_ref(ref).node].layer

    def _call(self, layer: Layer, inputs, new_layer: bool) -> TensorRef:
        doc = self.document
        refs = [_as_ref(r) for r in _as_list(inputs)]
        node = Node(doc.new_id("n"), layer.id, refs, (0.0, 0.0))
        doc.apply(AddNode(node, layer if new_layer else None))
        return TensorRef(node.id, 0)


def _as_list(inputs) -> list:
    if isinstance(inputs, TensorRef) or isinstance(inputs, str):
        return [inputs]
    if isinstance(inputs, tuple) and len(inputs) == 2 and isinstance(inputs[1], int) and isinstance(inputs[0], str):
        return [inputs]
    return list(inputs)


def _as_ref(ref: RefLike) -> TensorRef:
    if isinstance(ref, str):
        return TensorRef(ref, 0)
    return TensorRef(*ref)
