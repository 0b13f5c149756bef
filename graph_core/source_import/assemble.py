"""Turn the models a :class:`~graph_core.source_import.reader.Reader` found into documents.

A functional model is rebuilt the way Keras does it: from its outputs back to its inputs,
one node per layer call, one document layer per layer object (several calls = shared). A
model called as a layer becomes a nested ``Model`` layer, a ``Sequential`` a nested model of
its chain, a ``keras.applications`` model an ``Application`` layer.
"""

from __future__ import annotations

from graph_core.builder import GraphBuilder
from graph_core.document import Document, TensorRef
from graph_core.edits import MarkOutput, Move, snake_case
from graph_core.layout import layered_positions
from graph_core.source_import.compile_args import apply_compile
from graph_core.source_import.values import (
    ApplicationValue,
    InputValue,
    LayerValue,
    ModelValue,
    SequentialValue,
    SourceImportError,
)


class Assembler:
    """Builds documents, remembering which document each layer object went to."""

    def __init__(self):
        self._home: dict = {}  # id(layer object) -> (document, object)

    # ------------------------------------------------------------------ functional models
    def functional(self, model: ModelValue, name: str, top: bool = True) -> Document:
        """The document of ``keras.Model(inputs, outputs)``."""
        calls = _needed_calls(model, name)
        builder = GraphBuilder(name)
        layers: dict = {}
        refs: dict = {}
        for call in calls:
            inputs = [refs[(id(t.call), t.index)] for t in call.inputs]
            ref = self._place(builder, layers, call.target, inputs, call.line)
            for index in range(call.outputs):
                refs[(id(call), index)] = TensorRef(ref.node, index)
        for tensor in model.outputs:
            builder.document.apply(_mark(refs[(id(tensor.call), tensor.index)]))
        doc = builder.document
        if model.compile is not None and top:
            keys = model.output_keys or [doc.layer_of(out.node).name for out in doc.outputs]
            apply_compile(doc, model.compile, keys)
        _lay_out(doc)
        return doc

    def fragment(self, calls: list, name: str) -> Document:
        """A code fragment without ``keras.Model``: its Inputs in, unconsumed tensors out."""
        consumed = {(id(t.call), t.index) for call in calls for t in call.inputs}
        inputs = [c for c in calls if isinstance(c.target, InputValue)]
        from graph_core.source_import.values import TensorValue

        outputs = [TensorValue(c, i) for c in calls if not isinstance(c.target, InputValue)
                   for i in range(c.outputs) if (id(c), i) not in consumed]
        if not outputs:
            raise SourceImportError("the source calls no layer on a tensor, so there is no graph "
                                    "to import")
        model = ModelValue([TensorValue(c, 0) for c in inputs], outputs, name)
        return self.functional(model, name)

    def sequential(self, seq: SequentialValue, name: str, input_shape: list | None = None,
                   top: bool = True) -> Document:
        """The document of a ``Sequential`` (its first layer or ``input_shape`` gives the shape)."""
        builder = GraphBuilder(name)
        items = list(seq.layers)
        if not items:
            raise SourceImportError(f"Sequential '{name}' has no layers", seq.line)
        if isinstance(items[0], InputValue):
            first = items.pop(0)
            ref = builder.layer("Input", [], name=first.name or "input_layer", **first.config)
        else:
            shape = getattr(items[0], "input_shape", None) or input_shape
            if shape is None:
                raise SourceImportError(
                    f"Sequential '{name}' has no input shape: start it with "
                    f"keras.Input(shape=...) or give its first layer input_shape=...", seq.line)
            ref = builder.input("input_layer", shape=shape)
        layers: dict = {}
        for item in items:
            if isinstance(item, InputValue):
                raise SourceImportError(f"Sequential '{name}': an Input can only come first", seq.line)
            ref = self._place(builder, layers, item, [ref], item.line)
        doc = builder.document
        doc.apply(_mark(ref))
        if seq.compile is not None and top:
            apply_compile(doc, seq.compile, [doc.layer_of(ref.node).name])
        _lay_out(doc)
        return doc

    # ------------------------------------------------------------------ one call
    def _place(self, builder: GraphBuilder, layers: dict, target, inputs: list, line: int) -> TensorRef:
        doc = builder.document
        known = layers.get(id(target))
        if known is not None:
            return builder.call(known, inputs)
        home = self._home.get(id(target))
        if home is not None and home[0] is not doc and not isinstance(target, InputValue):
            raise SourceImportError(
                f"'{_label(target)}' is used inside two different models; LayerLoom "
                f"shares a layer's weights only within one model", line)
        self._home[id(target)] = (doc, target)
        layer_name = doc.unique_name(_layer_name(target))
        if isinstance(target, InputValue):
            ref = builder.layer("Input", [], name=layer_name, **target.config)
        elif isinstance(target, LayerValue):
            ref = builder.layer(target.type, inputs, name=layer_name, **target.config)
        elif isinstance(target, ApplicationValue):
            ref = builder.layer("Application", inputs, name=layer_name, **target.config)
        elif isinstance(target, ModelValue):
            if len(inputs) != len(target.inputs):
                raise SourceImportError(f"model '{layer_name}' has {len(target.inputs)} "
                                        f"input(s) but is called on {len(inputs)}", line)
            sub = self.functional(target, layer_name, top=False)
            ref = builder.model_layer(sub, inputs, name=layer_name)
        else:
            ref = self._sequential_layer(builder, target, inputs, layer_name, line)
        layers[id(target)] = doc.layer_of(ref.node).name
        return ref

    def _sequential_layer(self, builder: GraphBuilder, seq: SequentialValue, inputs: list,
                          name: str, line: int) -> TensorRef:
        if len(inputs) != 1:
            raise SourceImportError(f"Sequential '{name}' takes one tensor", line)
        shape = None
        first = seq.layers[0] if seq.layers else None
        if not isinstance(first, InputValue) and getattr(first, "input_shape", None) is None:
            from graph_core.analysis import check

            specs = check(builder.document).output_specs(inputs[0].node)
            spec = specs[inputs[0].index] if inputs[0].index < len(specs) else None
            if spec is None or spec.shape is None:
                raise SourceImportError(f"the shape of the tensor Sequential '{name}' "
                                        f"is called on is unknown", line)
            shape = list(spec.shape[1:])
        sub = self.sequential(seq, name, input_shape=shape, top=False)
        return builder.model_layer(sub, inputs, name=name)


def _needed_calls(model: ModelValue, name: str) -> list:
    """The calls between a model's inputs and outputs: its Inputs first, in order, then the
    others in the order the code made them."""
    inputs = [t.call for t in model.inputs]
    seen = {id(c) for c in inputs}
    found = []
    stack = [t.call for t in model.outputs]
    while stack:
        call = stack.pop()
        if id(call) in seen:
            continue
        seen.add(id(call))
        if isinstance(call.target, InputValue):
            label = call.target.name or call.target.var or "an Input"
            raise SourceImportError(
                f"the outputs of model '{name}' depend on Input '{label}', "
                f"which is not among its inputs", call.line)
        found.append(call)
        stack.extend(t.call for t in call.inputs)
    found.sort(key=lambda c: c.index)
    return inputs + found


def _layer_name(target) -> str:
    if getattr(target, "name", None):
        return target.name
    if getattr(target, "var", None):
        return target.var
    if isinstance(target, InputValue):
        return "input_layer"
    if isinstance(target, LayerValue):
        return snake_case(target.type)
    if isinstance(target, ApplicationValue):
        return snake_case(target.config.get("application", "application"))
    return "sequential" if isinstance(target, SequentialValue) else "model"


def _label(target) -> str:
    return _layer_name(target)


def _mark(ref: TensorRef):
    from graph_core.document import Output

    return MarkOutput(Output(ref.node, ref.index))


def _lay_out(doc: Document) -> None:
    positions = layered_positions(doc)
    if positions:
        doc.apply(Move(positions))

