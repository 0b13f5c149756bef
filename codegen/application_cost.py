"""What one call of a ``keras.applications`` model costs, for graph_core's Application cache.

graph_core cannot see inside an application, so the cost is computed here, once, when codegen
measures the application's shapes (:func:`codegen.applications.measure_application`): the
application's Keras config is translated into a document (the importer's own translation, no code
runs), its Input is given the call's input shape, and :mod:`graph_core.cost` counts it at batch 1.
The entry gains ``macs_per_sample`` and ``activation_bytes_per_sample``; they are left out when
some inner size is unknown (graph_core then reports the cost as unknown, never a guess).
"""

from __future__ import annotations

import json

from graph_core.analysis import check
from graph_core.cost import model_cost
from graph_core.edits import SetConfig


def application_cost(app, input_specs: list) -> dict:
    """Per-sample MACs and activation bytes of ``app`` called on ``input_specs``.

    Args:
        app: the built ``keras.Model`` of the application.
        input_specs: the :class:`~graph_core.tensor.TensorSpec` of its input at that call.

    Returns:
        ``{"macs_per_sample": int, "activation_bytes_per_sample": int}``, or ``{}`` when the
        translation fails or a size stays unknown.
    """
    import keras

    from codegen.importer import document_from_config

    if len(input_specs) != 1 or input_specs[0].shape is None:
        return {}
    try:
        config = json.loads(json.dumps(keras.saving.serialize_keras_object(app), default=str))
        doc = document_from_config(config, keras_major=3)
        inputs = doc.input_nodes()
        if len(inputs) != 1:
            return {}
        doc.apply(SetConfig(doc.nodes[inputs[0]].layer, "shape", list(input_specs[0].shape[1:])))
        result = check(doc)
        if not result.valid:
            return {}
        cost = model_cost(doc, result, batch_size=1)
    except Exception:  # an application the translation does not cover: its cost stays unknown
        return {}
    inner = [n for n in doc.nodes if n in cost.model_nodes and doc.layer_of(n).type != "Input"]
    macs = [cost.nodes[n].macs for n in inner]
    activations = [cost.nodes[n].activation_bytes for n in inner]
    if None in macs or None in activations:
        return {}
    return {"macs_per_sample": sum(macs), "activation_bytes_per_sample": sum(activations)}
