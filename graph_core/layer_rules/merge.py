"""Merge layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, Dot."""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules.common import FLOAT32, fmt, unknown
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

RESIDUAL_HINT = (
    "for a residual connection whose shapes differ, put a 1×1 Conv2D with strides (and the "
    "filters of the other branch) on the shortcut, as in residual-downsample"
)


def _all_shapes(shapes) -> str:
    return ", ".join(fmt(s) for s in shapes)


def _batch(layer: str, shapes) -> object:
    """The common batch size (None if unknown); raise when two fixed sizes differ."""
    sizes = {s[0] for s in shapes if s} - {None}
    if len(sizes) > 1:
        raise ShapeError(f"{layer} inputs have different batch sizes: {_all_shapes(shapes)}",
                         "give the Inputs the same batch_size (or None)", "shape.merge_mismatch")
    return sizes.pop() if sizes else None


def _broadcast(a: tuple, b: tuple):
    """Keras Merge._compute_elemwise_op_output_shape on non-batch shapes; None if invalid."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            return None
    return tuple(out)


def make_elementwise(layer: str, hint: str):
    """Infer function of an element-wise merge (shapes broadcast like Keras's Merge)."""

    def infer(config: dict, inputs: list) -> list:
        shapes = [spec.shape for spec in inputs]
        if None in shapes:
            return unknown()
        batch = _batch(layer, shapes)
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = _broadcast(out, s[1:])
            if out is None:
                raise ShapeError(
                    f"{layer} needs inputs of the same shape (size-1 axes broadcast), got "
                    f"{_all_shapes(shapes)}", hint, "shape.merge_mismatch")
        return [TensorSpec((batch, *out), FLOAT32)]

    return infer


def infer_concatenate(config: dict, inputs: list) -> list:
    """Join along ``axis``; every other axis must match (None matches anything)."""
    shapes = [spec.shape for spec in inputs]
    if None in shapes:
        return unknown()
    axis = config["axis"]
    rank = len(shapes[0])
    listing = _all_shapes(shapes)
    if any(len(s) != rank for s in shapes):
        raise ShapeError(f"Concatenate needs inputs of the same rank, got {listing}",
                         "Reshape or Flatten the inputs to the same rank first",
                         "shape.concat_mismatch")
    if not -rank <= axis < rank:
        raise ShapeError(f"Concatenate axis {axis} is out of range for inputs {listing}",
                         "use axis=-1 to join along the last axis", "shape.axis")
    axis %= rank
    out = list(shapes[0])
    for i in range(rank):
        if i == axis:
            continue
        dims = {s[i] for s in shapes} - {None}
        if len(dims) > 1:
            raise ShapeError(
                f"Concatenate along axis {axis} needs all other axes to match, but axis {i} "
                f"differs: {listing}",
                "Concatenate joins along one axis only; resize the other axes (pooling, "
                "Reshape, Dense) or pick the axis where they differ", "shape.concat_mismatch")
    total = 0
    for s in shapes:
        if s[axis] is None:
            total = None
            break
        total += s[axis]
    out[axis] = total
    return [TensorSpec(tuple(out), FLOAT32)]


def _dot_axes(axes, r1: int, r2: int) -> tuple:
    if isinstance(axes, int):
        return (axes % r1, axes % r2) if axes < 0 else (axes, axes)
    return (axes[0] % r1 if axes[0] < 0 else axes[0], axes[1] % r2 if axes[1] < 0 else axes[1])


def infer_dot(config: dict, inputs: list) -> list:
    """Batched dot product over one axis of each input."""
    s1, s2 = inputs[0].shape, inputs[1].shape
    if s1 is None or s2 is None:
        return unknown()
    a1, a2 = _dot_axes(config["axes"], len(s1), len(s2))
    listing = f"{fmt(s1)} and {fmt(s2)}"
    if len(s1) < 2 or len(s2) < 2:
        raise ShapeError(f"Dot needs inputs of rank >= 2, got {listing}", "Reshape first",
                         "shape.rank")
    if not (0 < a1 < len(s1) and 0 < a2 < len(s2)):
        raise ShapeError(f"Dot axes {config['axes']} are out of range (or the batch axis) for "
                         f"inputs {listing}", "use axes=-1 or axes counted from 1",
                         "shape.axis")
    if s1[a1] != s2[a2]:
        raise ShapeError(
            f"Dot needs axis {a1} of the first input and axis {a2} of the second to have the "
            f"same size, got {s1[a1]} and {s2[a2]} in {listing}",
            "choose axes of equal size, or project one input with Dense first",
            "shape.dot_mismatch")
    _batch("Dot", (s1, s2))
    out = [d for i, d in enumerate(s1) if i != a1] + [d for i, d in enumerate(s2)
                                                       if i not in (0, a2)]
    if len(out) == 1:
        out.append(1)
    return [TensorSpec(tuple(out), FLOAT32)]


def check_dot(config: dict) -> list:
    """axes is an int or a pair of ints."""
    axes = config["axes"]
    if isinstance(axes, tuple) and len(axes) != 2:
        return [("axes", f"axes must be an int or a pair of ints, got {axes!r}",
                 "e.g. axes=-1 or axes=(1, 2)")]
    return []


def _merge_spec(layer: str, description: str, max_inputs, hint: str) -> LayerSpec:
    return LayerSpec(layer, "Merge", description, (), 2, max_inputs,
                     make_elementwise(layer, hint), no_params)


_SAME_HINT = "make the branches produce the same shape (Dense/Conv with matching units/filters)"

SPECS = (
    LayerSpec("Concatenate", "Merge", "Joins its inputs along one axis.",
              (ParamSpec("axis", "axis", -1, doc="axis to join along", main=True),),
              2, None, infer_concatenate, no_params),
    _merge_spec("Add", "Element-wise sum of its inputs.", None, RESIDUAL_HINT),
    _merge_spec("Subtract", "First input minus the second.", 2, _SAME_HINT),
    _merge_spec("Multiply", "Element-wise product of its inputs.", None, _SAME_HINT),
    _merge_spec("Average", "Element-wise mean of its inputs.", None, _SAME_HINT),
    _merge_spec("Maximum", "Element-wise maximum of its inputs.", None, _SAME_HINT),
    _merge_spec("Minimum", "Element-wise minimum of its inputs.", None, _SAME_HINT),
    LayerSpec("Dot", "Merge", "Batched dot product of two inputs along the given axes.",
              (ParamSpec("axes", "axes", REQUIRED, doc="axis (or pair of axes) to multiply "
                         "along, counted from 1", main=True),
               ParamSpec("normalize", "bool", False,
                         doc="L2-normalize first (gives cosine similarity)")),
              2, 2, infer_dot, no_params, check=check_dot, keyword_constructor=True),
)
