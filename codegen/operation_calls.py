"""Building operation nodes: a document ``ops.*`` layer becomes a ``keras.ops`` call.

Keras is imported inside the functions only.
"""

from __future__ import annotations

from codegen.errors import BuildError
from graph_core.document import Layer
from graph_core.operations import call_values, get_operation


class OperationCall:
    """What :func:`codegen.build.make_layer` gives for an operation: calling it on the node's
    tensors calls the ``keras.ops`` function with the layer's arguments and constant operands.

    Args:
        layer: the document layer (type ``ops.<function>``).
    """

    def __init__(self, layer: Layer):
        self.layer = layer
        self.operation = get_operation(layer.type)
        self.calls = 0
        if self.operation is None:
            raise BuildError(f"{layer.type} is not an operation LayerLoom knows", layer.name)

    def __call__(self, *tensors, **kwargs):
        import keras

        if kwargs:
            raise BuildError(f"{self.layer.type} '{self.layer.name}' takes no call keywords "
                             f"({', '.join(kwargs)})", self.layer.name)
        args, keywords = call_values(self.operation, self.layer.config, list(tensors))
        result = getattr(keras.ops, self.operation.function)(*args, **keywords)
        if self.calls == 0:  # a second call is a second Keras operation: Keras names it
            name_operation(result, self.layer.name)
        self.calls += 1
        return result


def name_operation(result, name: str) -> None:
    """Give the Keras operation that produced ``result`` the document layer's name, so the built
    model (its summary, its saved file) names the node as the document does."""
    if isinstance(result, (list, tuple)):  # several results (split) come from one operation
        result = result[0] if result else None
    history = getattr(result, "_keras_history", None)
    operation = getattr(history, "operation", None)
    if operation is not None:
        operation.name = name


def model_operation(model, name: str):
    """The layer or operation called ``name`` inside a built functional ``model`` (``get_layer``
    finds layers only; an operation node's Keras operation carries the document layer's name).

    Raises:
        ValueError: ``model`` has nothing of that name.
    """
    for operation in getattr(model, "operations", ()):
        if operation.name == name:
            return operation
    return model.get_layer(name)
