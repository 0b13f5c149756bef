"""Differential test against Keras: random DAGs over the catalog, with parameter values from the
equality spaces and at the edges of each constraint, built by Keras and checked by LayerLoom.

For every graph: Keras builds it ⇔ LayerLoom finds no error (documented stricter cases aside,
matched by problem code and parameter, never by message); where both build, every output shape
and dtype, the total and the trainable parameter count are equal. ``HYPOTHESIS_PROFILE=thorough``
runs thousands of graphs.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codegen.build import build_model, used_nodes
from codegen.errors import BuildError
from graph_core.analysis import check
from graph_core.builder import GraphBuilder
from graph_core.catalog import CATALOG
from tests.hypothesis_profiles import examples
from tests.keras_equality.test_constructor_limits import _boundary_values
from tests.keras_equality.test_constructor_limits import _stricter as stricter_param
from tests.keras_equality.test_keras_equality import MERGES, SPACES

pytestmark = [pytest.mark.keras, pytest.mark.slow]

#: Problem codes of shape rules deliberately stricter than Keras's symbolic build
#: (docs/layer-catalog.md, "Where LayerLoom is stricter than Keras").
STRICTER_CODES = frozenset({"dtype.embedding_float", "shape.undefined_dim", "shape.axis", "shape.rank",
                            "shape.attention_mismatch",
                            "keras.unbuildable"})  # Equalization: Keras refuses, or drops the layer silently

INPUT_SHAPES = ((5,), (4, 6), (None, 7), (2, 3, 4), (8, 8, 3), (None, None, 3), (6, 6, 6, 2), (10, 4), (3,))
TYPES = sorted(t for t in CATALOG if t in SPACES and t != "Input")


def _values(layer_type: str, name: str) -> list:
    """Candidate values of one parameter: its equality-space values and its boundary values."""
    values = list(SPACES[layer_type]["params"][name])
    p = CATALOG[layer_type].param(name)
    if p is not None and p.kind in ("int", "float", "int_tuple"):
        values += [v for v in _boundary_values(p) if abs(v) < 600]
    return values


@st.composite
def graphs(draw):
    """``(document, [(layer type, config)])``: an Input, then 1 to 5 calls on earlier tensors."""
    g = GraphBuilder("differential")
    shape = draw(st.sampled_from(INPUT_SHAPES))
    dtype = draw(st.sampled_from(("float32", "float32", "int32")))
    refs = [g.input(shape=list(shape), dtype=dtype)]
    calls = []
    for _ in range(draw(st.integers(1, 5))):
        layer_type = draw(st.sampled_from(TYPES))
        config = {}
        for name in SPACES[layer_type]["params"]:
            value = draw(st.sampled_from(_values(layer_type, name)))
            if value is not None:
                config[name] = value
        if layer_type in MERGES:
            inputs = [draw(st.sampled_from(refs)), draw(st.sampled_from(refs))]
        else:
            inputs = draw(st.sampled_from([refs[-1], refs[-1], *refs]))
        refs.append(g.layer(layer_type, inputs, **config))
        calls.append((layer_type, config))
    g.output(refs[-1])
    return g.document, calls


def _stricter(problem, doc, in_model: set) -> bool:
    if problem.code in STRICTER_CODES:
        return True
    if problem.node_ids and not set(problem.node_ids) & in_model:
        return True  # an error in a layer that reaches no output still counts: it was drawn
    if problem.code == "param.invalid" and problem.param and problem.node_ids:
        layer = doc.layer_of(problem.node_ids[0])
        return stricter_param(layer.type, problem.param, layer.config.get(problem.param)) is not None
    return False


@settings(max_examples=examples(250), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(graphs())
def test_keras_builds_exactly_what_layerloom_accepts(graph):
    import keras

    doc, calls = graph
    result = check(doc)
    try:
        model = build_model(doc, compile=False, validate=False)
    except BuildError as exc:
        keras_error = exc.message
        model = None
    finally:
        keras.backend.clear_session(free_memory=False)
    event("Keras builds" if model is not None else "Keras refuses")
    event(f"{len(calls)} calls")
    if model is None:
        assert not result.valid, f"LayerLoom accepts {calls}, Keras refuses: {keras_error}"
        return
    errors = result.errors
    if errors:
        in_model = set(used_nodes(doc))
        assert all(_stricter(p, doc, in_model) for p in errors), \
            f"Keras builds {calls}, LayerLoom says {[str(p) for p in errors]}"
        return
    event("both build")
    out = doc.outputs[0]
    ours = result.nodes[out.node].output(out.index)
    assert ours.shape == tuple(model.outputs[0].shape), calls
    assert ours.dtype == model.outputs[0].dtype, calls
    assert result.known_total == model.count_params(), calls
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert result.trainable == trainable, calls
