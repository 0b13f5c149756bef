"""EinsumDense: a dense layer written as an einsum equation (``"abc,cd->abd"``).

The equation is read the way Keras reads it (``_analyze_einsum_string``): ``X,Y->Z``,
``...X,Y->...Z`` or ``X...,Y->Z...``; the kernel takes each of its axes from the output
(``output_shape``) or from the input.
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import FLOAT32, fmt, known_shapes, prod, unknown
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_LAYER = "EinsumDense"
_FORMS = "X,Y->Z, ...X,Y->...Z or X...,Y->Z... with letters for axes"


def parse_equation(equation: str):
    """``(input spec, kernel spec, output spec, left_elided, right_elided)`` or None."""
    if not isinstance(equation, str) or equation.count("->") != 1:
        return None
    left, out = equation.split("->")
    if left.count(",") != 1:
        return None
    inp, kernel = left.split(",")
    left_elided = inp.startswith("...") and out.startswith("...")
    right_elided = not left_elided and inp.endswith("...") and out.endswith("...")
    if left_elided:
        inp, out = inp[3:], out[3:]
    elif right_elided:
        inp, out = inp[:-3], out[:-3]
        if len(inp) < 2:
            return None
    if not all(s.isascii() and s.isalpha() for s in (inp, kernel, out)):
        return None
    return inp, kernel, out, left_elided, right_elided


def _error(message: str, hint: str = "check the equation letters against output_shape"):
    raise ShapeError(f"{_LAYER} {message}", hint, "shape.einsum")


def analyze(config: dict, shape) -> tuple:
    """``(kernel shape, bias shape or None, output shape)`` for an input ``shape``."""
    parsed = parse_equation(config["equation"])
    if parsed is None:
        _error(f"equation {config['equation']!r} is not one of {_FORMS}", "e.g. 'ab,bc->ac'")
    inp, kernel, out_spec, left, _right = parsed
    elided = len(shape) - len(inp)
    wanted = config["output_shape"]
    output = [wanted] if isinstance(wanted, int) else list(wanted)
    output.insert(0, shape[0])
    if elided > 0 and left:
        for i in range(1, elided):
            output.insert(1, shape[i])
    elif elided > 0:
        output.extend(shape[len(shape) - elided:])
    if left:
        in_map = {d: i + elided - len(shape) for i, d in enumerate(inp)}
        out_map = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        in_map = {d: i for i, d in enumerate(inp)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    try:
        for d in inp:
            if d in out_map and output[out_map[d]] is not None \
                    and output[out_map[d]] != shape[in_map[d]]:
                _error(f"output_shape {fmt(wanted if isinstance(wanted, (list, tuple)) else (wanted,))} "
                       f"does not match input {fmt(shape)} on the shared axis {d!r}")
        for d in out_spec:
            if d not in inp and d not in kernel:
                _error(f"output axis {d!r} is neither in the input nor in the kernel")
        weights = []
        for d in kernel:
            if d in out_map:
                weights.append(output[out_map[d]])
            elif d in in_map:
                weights.append(shape[in_map[d]])
            else:
                _error(f"kernel axis {d!r} is neither in the input nor in the output")
    except IndexError:
        _error(f"equation {config['equation']!r} does not fit input {fmt(shape)} and "
               f"output_shape {wanted!r}", "one letter per input axis (batch included)")
    bias = None
    if config["bias_axes"] is not None:
        axes = config["bias_axes"]
        if any(c not in out_spec for c in axes):
            _error(f"bias_axes {axes!r} must be letters of the output {out_spec!r}")
        offset = elided if left else 0
        sizes = {c: output[i + offset] for i, c in enumerate(out_spec)}
        first = min(out_spec.find(c) for c in axes)
        bias = [sizes[c] if c in axes else 1 for c in out_spec[first:]]
        if not left:
            bias.extend([1] * max(elided, 0))
    return weights, bias, tuple(output)


def infer_einsum_dense(config: dict, inputs: list) -> list:
    """The output shape Keras computes; the kernel's axes must have fixed sizes."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    weights, bias, output = analyze(config, shape)
    if None in weights or (bias is not None and None in bias):
        _error(f"needs fixed sizes for its kernel {fmt(weights)} (input {fmt(shape)}, "
               f"output_shape {config['output_shape']!r})",
               "give those input axes fixed sizes, or fixed entries in output_shape")
    return [TensorSpec(output, FLOAT32)]


def count_einsum_dense(config: dict, inputs: list) -> tuple:
    """Kernel plus bias entries."""
    (shape,) = known_shapes(_LAYER, inputs)
    weights, bias, _ = analyze(config, shape)
    return prod(weights) + (prod(bias) if bias is not None else 0), 0


SPECS = (
    LayerSpec(
        _LAYER, "Core", "Dense layer given as an einsum equation, e.g. 'abc,cde->abde' "
        "(projections to several axes).",
        (ParamSpec("equation", "str", REQUIRED, doc="einsum equation: input,kernel->output",
                   main=True),
         ParamSpec("output_shape", "any", REQUIRED, main=True,
                   doc="output shape without the batch axis (None for an axis kept from the input)"),
         P.activation(None, main=False),
         ParamSpec("bias_axes", "str", None, allow_none=True, doc="output letters with a bias"),
         *P.dense_extras()[:2],
         *P.regularizers("kernel_regularizer", "bias_regularizer", "kernel_constraint",
                         "bias_constraint"),
         ParamSpec("lora_rank", "int", None, minimum=1, allow_none=True, doc="LoRA rank"),
         ParamSpec("lora_alpha", "float", None, allow_none=True, doc="LoRA scale")),
        1, 1, infer_einsum_dense, count_einsum_dense,
        keyword_constructor=True),
)
