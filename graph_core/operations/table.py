"""Every ``keras.ops`` operation a document can call: one :class:`Operation` entry each.

An entry is the one home of an operation's facts: the ``keras.ops`` function and the Keras class
it saves as, its operands (the tensors, or constants, of its call), its arguments (constants such
as ``axis``), its shape and dtype rule, and how Python code writes it (``x + y``,
``keras.ops.mean(x, axis=-1)``). :mod:`graph_core.operations` turns the entries into layer specs.
"""

from __future__ import annotations

from collections.abc import Callable

from graph_core.errors import ShapeError
from graph_core.layer_rules.spec import REQUIRED, ParamSpec
from graph_core.operations import dtypes as dt
from graph_core.operations import index_key
from graph_core.operations import shapes as sh
from graph_core.records import frozen
from graph_core.tensor import TensorSpec

PREFIX = "ops."
"""Document types of operations are ``ops.<keras.ops function>`` (never a keras.layers name)."""


@frozen
class Operation:
    """One ``keras.ops`` operation.

    Args:
        function: the ``keras.ops`` function name (``"add"``); the document type is ``ops.add``.
        keras_class: the class Keras saves a call as (``"Add"``), in ``keras.src.ops.<module>``.
        module: ``numpy``, ``nn``, ``math``, ``core`` or ``linalg``.
        group: palette sub-group (``Arithmetic``, ``Comparison``, ``Reduction``, ``Shape``…).
        operands: names of the call's operands in order (``("x1", "x2")``).
        constant_operands: those of them that may be a constant instead of a tensor.
        variadic: ``"list"`` when the only operand is a list of tensors (``concatenate``),
            ``"star"`` when the tensors follow the arguments (``einsum(subscripts, *operands)``).
        params: the non-tensor arguments (Keras saves them in the class config).
        rule: ``(arguments, operand values) -> TensorSpec``; operand values are input specs
            or constants (Python numbers).
        symbol: the Python operator written for it (``"+"``, unary ``"-"``), if any.
        doc: one line of help.
    """

    function: str
    keras_class: str
    module: str
    group: str
    operands: tuple
    rule: Callable
    params: tuple = ()
    constant_operands: tuple = ()
    variadic: str | None = None
    symbol: str | None = None
    doc: str = ""
    outputs: Callable | None = None  # config -> number of results, for operations returning several

    @property
    def type(self) -> str:
        """The document layer type, e.g. ``ops.add``."""
        return PREFIX + self.function


# --------------------------------------------------------------------------- operand helpers
def shape_of(value) -> tuple:
    """An operand's shape (``()`` for a constant)."""
    return tuple(value.shape) if isinstance(value, TensorSpec) else ()


def dtype_of(value) -> str:
    """An operand's dtype for promotion (a constant counts as a weak ``int``/``float``)."""
    return value.dtype if isinstance(value, TensorSpec) else dt.scalar_dtype(value)


def _spec(shape, dtype: str) -> TensorSpec:
    return TensorSpec(tuple(shape), dtype)


# --------------------------------------------------------------------------- dtype rules
def _same(d: str) -> str:
    return d


def _floating(d: str) -> str:
    return dt.FLOATX if not dt.is_float(d) else d


def _float32(_d: str) -> str:
    return dt.FLOATX


def _bool_int32(d: str) -> str:
    return "int32" if d == "bool" else d


def _summed(d: str) -> str:
    d = dt.result_type(d)
    return {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32", "uint16": "uint32"}.get(d, d)


def _bool(_d: str) -> str:
    return "bool"


def _int32(_d: str) -> str:
    return "int32"


# --------------------------------------------------------------------------- rules
def _binary(kind: str = "promote"):
    def rule(_args: dict, ops: list) -> TensorSpec:
        a, b = ops
        shape = sh.broadcast(shape_of(a), shape_of(b))
        if kind == "bool":
            return _spec(shape, "bool")
        types = [dtype_of(a), dtype_of(b)] + (["float"] if kind == "divide" else [])
        out = dt.result_type(*types)
        if kind == "mod" and out == "bool":
            out = "int32"
        return _spec(shape, out)
    return rule


def _unary(dtype_rule):
    def rule(_args: dict, ops: list) -> TensorSpec:
        (x,) = ops
        return _spec(x.shape, dtype_rule(x.dtype))
    return rule


def _axis_checked(dtype_rule):
    def rule(args: dict, ops: list) -> TensorSpec:
        (x,) = ops
        if args.get("axis") is not None:
            for a in (args["axis"] if isinstance(args["axis"], (list, tuple)) else (args["axis"],)):
                sh.axis_index(a, len(x.shape))
        return _spec(x.shape, dtype_rule(x.dtype))
    return rule


def _reduction(dtype_rule):
    def rule(args: dict, ops: list) -> TensorSpec:
        (x,) = ops
        return _spec(sh.reduce(x.shape, args.get("axis"), bool(args.get("keepdims"))), dtype_rule(x.dtype))
    return rule


def _argreduction(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    return _spec(sh.reduce(x.shape, args.get("axis"), bool(args.get("keepdims"))), "int32")


def _concatenate(args: dict, ops: list) -> TensorSpec:
    return _spec(sh.concatenate([x.shape for x in ops], args.get("axis", 0)),
                 dt.result_type(*[x.dtype for x in ops]))


def _stack(args: dict, ops: list) -> TensorSpec:
    return _spec(sh.stack([x.shape for x in ops], args.get("axis", 0)), dt.result_type(*[x.dtype for x in ops]))


def _reshape(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    return _spec(sh.reshape(x.shape, args.get("newshape")), x.dtype)


def _transpose(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    return _spec(sh.transpose(x.shape, args.get("axes")), x.dtype)


def _expand_dims(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    return _spec(sh.expand_dims(x.shape, args.get("axis")), x.dtype)


def _squeeze(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    return _spec(sh.squeeze(x.shape, args.get("axis")), x.dtype)


def _cast(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    return _spec(x.shape, args["dtype"])


def _matmul(_args: dict, ops: list) -> TensorSpec:
    a, b = ops
    shape = sh.matmul(a.shape, b.shape)
    return _spec(shape, "int32" if a.dtype == b.dtype == "int8" else dt.result_type(a.dtype, b.dtype))


def _einsum(args: dict, ops: list) -> TensorSpec:
    shape = sh.einsum(args.get("subscripts"), [x.shape for x in ops])
    kinds = sorted({x.dtype for x in ops})
    return _spec(shape, "int32" if kinds == ["int8"] else dt.result_type(*kinds))


def _where(_args: dict, ops: list) -> TensorSpec:
    cond, a, b = ops
    shape = sh.broadcast(sh.broadcast(shape_of(cond), shape_of(a)), shape_of(b))
    return _spec(shape, dt.result_type(dtype_of(a), dtype_of(b)))


def _get_item(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    key = args.get("key")
    why = index_key.problem(key)
    if why:
        raise ShapeError(why, "write the index as in Python, e.g. ':, :4'", "param.invalid")
    return _spec(sh.get_item(x.shape, index_key.decode(key)), x.dtype)


def _shape_rule(fn, *names):
    """A rule keeping the dtype and computing the shape with ``fn(shape, *arguments)``."""
    def rule(args: dict, ops: list) -> TensorSpec:
        (x,) = ops
        return _spec(fn(x.shape, *(args.get(n) for n in names)), x.dtype)
    return rule


def _split(args: dict, ops: list) -> list:
    (x,) = ops
    return [_spec(shape, x.dtype) for shape in sh.split(x.shape, args.get("indices_or_sections"), args.get("axis", 0))]


def split_count(config: dict) -> int:
    """How many pieces ``keras.ops.split`` returns for this config (1 when it cannot tell)."""
    sections = config.get("indices_or_sections")
    if isinstance(sections, int) and not isinstance(sections, bool) and sections > 0:
        return sections
    return len(sections) + 1 if isinstance(sections, (list, tuple)) else 1


def _cumsum(args: dict, ops: list) -> TensorSpec:
    (x,) = ops
    if args.get("axis") is None:
        shape = sh.flattened(x.shape)
    else:
        sh.axis_index(args["axis"], len(x.shape))
        shape = x.shape
    dtype = args.get("dtype") or x.dtype
    return _spec(shape, "int32" if dtype == "bool" else dtype)


# --------------------------------------------------------------------------- parameters
def _axis(default=None, doc="the axis (None: every axis)", allow_none=True, kind="axes"):
    return ParamSpec("axis", kind, default, allow_none=allow_none, main=True, doc=doc)


_KEEPDIMS = ParamSpec("keepdims", "bool", False, main=True, doc="keep the reduced axes with size 1")
_NUMBER = "any"


def _binary_op(function, keras_class, group, symbol=None, kind="promote", doc=""):
    return Operation(function, keras_class, "numpy", group, ("x1", "x2"), _binary(kind),
                     params=(ParamSpec("x1", _NUMBER, None, allow_none=True, main=True,
                                       doc="a constant first operand (leave unset to connect a tensor)"),
                             ParamSpec("x2", _NUMBER, None, allow_none=True, main=True,
                                       doc="a constant second operand (leave unset to connect a tensor)")),
                     constant_operands=("x1", "x2"), symbol=symbol, doc=doc)


def _unary_op(function, keras_class, module, group, dtype_rule, doc="", symbol=None, params=()):
    rule = _axis_checked(dtype_rule) if any(p.name == "axis" for p in params) else _unary(dtype_rule)
    return Operation(function, keras_class, module, group, ("x",), rule, params=params, symbol=symbol, doc=doc)


def _reduction_op(function, keras_class, dtype_rule, doc, extra=(), module="numpy"):
    return Operation(function, keras_class, module, "Reduction", ("x",), _reduction(dtype_rule),
                     params=(_axis(), _KEEPDIMS, *extra), doc=doc)


_A, _C, _L = "Arithmetic", "Comparison", "Logic"
OPERATIONS = (
    _binary_op("add", "Add", _A, "+", doc="x1 + x2, element-wise with broadcasting"),
    _binary_op("subtract", "Subtract", _A, "-", doc="x1 - x2"),
    _binary_op("multiply", "Multiply", _A, "*", doc="x1 * x2"),
    _binary_op("true_divide", "TrueDivide", _A, "/", kind="divide", doc="x1 / x2 (always a float result)"),
    _binary_op("divide", "Divide", _A, kind="divide", doc="keras.ops.divide(x1, x2)"),
    _binary_op("floor_divide", "FloorDivide", _A, "//", doc="x1 // x2"),
    _binary_op("power", "Power", _A, "**", doc="x1 ** x2"),
    _binary_op("mod", "Mod", _A, "%", kind="mod", doc="x1 % x2"),
    _binary_op("maximum", "Maximum", _A, doc="the larger of x1 and x2, element-wise"),
    _binary_op("minimum", "Minimum", _A, doc="the smaller of x1 and x2, element-wise"),
    _binary_op("equal", "Equal", _C, "==", kind="bool", doc="x1 == x2 (bool)"),
    _binary_op("not_equal", "NotEqual", _C, "!=", kind="bool", doc="x1 != x2 (bool; Keras's masks use it)"),
    _binary_op("less", "Less", _C, "<", kind="bool", doc="x1 < x2 (bool)"),
    _binary_op("less_equal", "LessEqual", _C, "<=", kind="bool", doc="x1 <= x2 (bool)"),
    _binary_op("greater", "Greater", _C, ">", kind="bool", doc="x1 > x2 (bool)"),
    _binary_op("greater_equal", "GreaterEqual", _C, ">=", kind="bool", doc="x1 >= x2 (bool)"),
    _binary_op("logical_and", "LogicalAnd", _L, kind="bool", doc="x1 and x2, element-wise (bool)"),
    _binary_op("logical_or", "LogicalOr", _L, kind="bool", doc="x1 or x2, element-wise (bool)"),
    _binary_op("logical_xor", "LogicalXor", _L, kind="bool", doc="x1 xor x2, element-wise (bool)"),
    _unary_op("logical_not", "LogicalNot", "numpy", _L, _bool, "not x, element-wise (bool)"),
    _unary_op("negative", "Negative", "numpy", _A, _same, "-x", symbol="-"),
    _unary_op("absolute", "Absolute", "numpy", _A, _same, "abs(x)"),
    _unary_op("square", "Square", "numpy", _A, _bool_int32, "x squared"),
    _unary_op("sqrt", "Sqrt", "numpy", _A, _floating, "square root"),
    _unary_op("rsqrt", "Rsqrt", "math", _A, _same, "1 / sqrt(x)"),
    _unary_op("exp", "Exp", "numpy", _A, _floating, "e to the x"),
    _unary_op("log", "Log", "numpy", _A, _floating, "natural logarithm"),
    _unary_op("tanh", "Tanh", "numpy", _A, _floating, "hyperbolic tangent"),
    _unary_op("floor", "Floor", "numpy", _A, _floating, "round down"),
    _unary_op("ceil", "Ceil", "numpy", _A, _floating, "round up"),
    _unary_op("sign", "Sign", "numpy", _A, _same, "-1, 0 or 1"),
    _unary_op("erf", "Erf", "math", _A, _same, "the error function"),
    _unary_op("reciprocal", "Reciprocal", "numpy", _A, _float32, "1 / x"),
    Operation("clip", "Clip", "numpy", _A, ("x",), _unary(_bool_int32),
              params=(ParamSpec("x_min", _NUMBER, REQUIRED, main=True, doc="the smallest value kept"),
                      ParamSpec("x_max", _NUMBER, REQUIRED, main=True, doc="the largest value kept")),
              doc="limit the values to [x_min, x_max]"),
    _unary_op("relu", "Relu", "nn", "Activation", _same, "max(x, 0)"),
    _unary_op("relu6", "Relu6", "nn", "Activation", _same, "min(max(x, 0), 6)"),
    _unary_op("sigmoid", "Sigmoid", "nn", "Activation", _same, "1 / (1 + exp(-x))"),
    _unary_op("hard_sigmoid", "HardSigmoid", "nn", "Activation", _same, "the piece-wise linear sigmoid"),
    _unary_op("silu", "Silu", "nn", "Activation", _same, "x * sigmoid(x)"),
    _unary_op("hard_silu", "HardSilu", "nn", "Activation", _same, "x * hard_sigmoid(x) (hard swish)"),
    _unary_op("gelu", "Gelu", "nn", "Activation", _same, "the Gaussian error linear unit",
              params=(ParamSpec("approximate", "bool", True, main=True, doc="use the tanh approximation"),)),
    _unary_op("softplus", "Softplus", "nn", "Activation", _same, "log(1 + exp(x))"),
    _unary_op("softmax", "Softmax", "nn", "Activation", _same, "softmax along an axis",
              params=(_axis(-1, "the axis normalized", allow_none=True),)),
    _unary_op("log_softmax", "LogSoftmax", "nn", "Activation", _same, "log of softmax along an axis",
              params=(_axis(-1, "the axis normalized", allow_none=True),)),
    _reduction_op("mean", "Mean", _floating, "the mean over axis"),
    _reduction_op("sum", "Sum", _summed, "the sum over axis"),
    _reduction_op("max", "Max", _same, "the largest value over axis",
                  (ParamSpec("initial", _NUMBER, None, allow_none=True, doc="a value to start from"),)),
    _reduction_op("min", "Min", _same, "the smallest value over axis",
                  (ParamSpec("initial", _NUMBER, None, allow_none=True, doc="a value to start from"),)),
    _reduction_op("prod", "Prod", _summed, "the product over axis",
                  (ParamSpec("dtype", "dtype", None, allow_none=True, doc="the result dtype"),)),
    _reduction_op("any", "Any", _bool, "whether any value is true over axis (Keras's masks use it)"),
    _reduction_op("all", "All", _bool, "whether every value is true over axis"),
    _reduction_op("var", "Var", _floating, "the variance over axis"),
    _reduction_op("std", "Std", _floating, "the standard deviation over axis"),
    _unary_op("log1p", "Log1p", "numpy", _A, _floating, "log(1 + x)"),
    _unary_op("expm1", "Expm1", "numpy", _A, _floating, "exp(x) - 1"),
    _unary_op("sin", "Sin", "numpy", _A, _floating, "sine"),
    _unary_op("cos", "Cos", "numpy", _A, _floating, "cosine"),
    _unary_op("round", "Round", "numpy", _A, _same, "round to decimals",
              params=(ParamSpec("decimals", "int", 0, doc="digits kept after the point"),)),
    _unary_op("isnan", "Isnan", "numpy", _L, _bool, "whether x is NaN (bool)"),
    _unary_op("isfinite", "Isfinite", "numpy", _L, _bool, "whether x is finite (bool)"),
    _unary_op("leaky_relu", "LeakyRelu", "nn", "Activation", _same, "x, or negative_slope * x below 0",
              params=(ParamSpec("negative_slope", "float", 0.2, main=True, doc="slope below 0"),)),
    _unary_op("elu", "Elu", "nn", "Activation", _same, "the exponential linear unit",
              params=(ParamSpec("alpha", "float", 1.0, main=True, doc="scale below 0"),)),
    _unary_op("selu", "Selu", "nn", "Activation", _same, "the scaled exponential linear unit"),
    _reduction_op("logsumexp", "Logsumexp", _float32, "log of the sum of exponentials over axis", module="math"),
    Operation("argmax", "Argmax", "numpy", "Reduction", ("x",), _argreduction,
              params=(_axis(), _KEEPDIMS), doc="the index of the largest value along axis"),
    Operation("argmin", "Argmin", "numpy", "Reduction", ("x",), _argreduction,
              params=(_axis(), _KEEPDIMS), doc="the index of the smallest value along axis"),
    Operation("get_item", "GetItem", "numpy", "Shape", ("x",), _get_item,
              params=(ParamSpec("key", "index", REQUIRED, main=True, doc="the index, e.g. :, :4"),),
              doc="x[key]: slicing and indexing"),
    Operation("concatenate", "Concatenate", "numpy", "Shape", ("xs",), _concatenate, variadic="list",
              params=(_axis(0, "the axis joined along", allow_none=False, kind="axis"),),
              doc="join tensors along an axis"),
    Operation("stack", "Stack", "numpy", "Shape", ("x",), _stack, variadic="list",
              params=(_axis(0, "the new axis", allow_none=False, kind="axis"),),
              doc="stack equal-shaped tensors along a new axis"),
    Operation("reshape", "Reshape", "numpy", "Shape", ("x",), _reshape,
              params=(ParamSpec("newshape", "shape", REQUIRED, main=True,
                                doc="the new shape, batch axis included (-1: inferred)"),),
              doc="keras.ops.reshape (the batch axis is not kept apart, unlike layers.Reshape)"),
    Operation("transpose", "Transpose", "numpy", "Shape", ("x",), _transpose,
              params=(ParamSpec("axes", "axes", None, allow_none=True, main=True,
                                doc="the permutation, batch axis included (None: reverse)"),),
              doc="permute the axes"),
    Operation("expand_dims", "ExpandDims", "numpy", "Shape", ("x",), _expand_dims,
              params=(_axis(REQUIRED, "where the new axis goes", allow_none=False),),
              doc="insert an axis of size 1"),
    Operation("squeeze", "Squeeze", "numpy", "Shape", ("x",), _squeeze,
              params=(_axis(None, "the axes of size 1 removed (None: all)"),),
              doc="remove axes of size 1"),
    Operation("tile", "Tile", "numpy", "Shape", ("x",), _shape_rule(sh.tile, "repeats"),
              params=(ParamSpec("repeats", "axes", REQUIRED, main=True, doc="copies along each axis"),),
              doc="repeat the whole tensor along each axis"),
    Operation("repeat", "Repeat", "numpy", "Shape", ("x",), _shape_rule(sh.repeat, "repeats", "axis"),
              params=(ParamSpec("repeats", "axes", REQUIRED, main=True, doc="copies of each entry"),
                      _axis(None, "the axis repeated along (None: flatten first)", kind="axis")),
              doc="repeat each entry along an axis"),
    Operation("pad", "Pad", "numpy", "Shape", ("x",), _shape_rule(sh.pad, "pad_width"),
              params=(ParamSpec("pad_width", "any", REQUIRED, main=True,
                                doc="(before, after) per axis, batch axis included"),
                      ParamSpec("mode", "choice", "constant", choices=("constant", "edge", "linear_ramp", "maximum",
                                                                        "mean", "median", "minimum", "reflect",
                                                                        "symmetric", "wrap", "empty"),
                                doc="how the new values are chosen")),
              doc="pad the tensor on each axis"),
    Operation("swapaxes", "Swapaxes", "numpy", "Shape", ("x",), _shape_rule(sh.swapaxes, "axis1", "axis2"),
              params=(ParamSpec("axis1", "axis", REQUIRED, main=True, doc="the first axis"),
                      ParamSpec("axis2", "axis", REQUIRED, main=True, doc="the second axis")),
              doc="exchange two axes"),
    Operation("moveaxis", "Moveaxis", "numpy", "Shape", ("x",), _shape_rule(sh.moveaxis, "source", "destination"),
              params=(ParamSpec("source", "axes", REQUIRED, main=True, doc="the axes moved"),
                      ParamSpec("destination", "axes", REQUIRED, main=True, doc="where they go")),
              doc="move axes to new positions"),
    Operation("cumsum", "Cumsum", "numpy", _A, ("x",), _cumsum,
              params=(_axis(None, "the axis summed along (None: flatten first)", kind="axis"),
                      ParamSpec("dtype", "dtype", None, allow_none=True, doc="the result dtype")),
              doc="running sum along an axis"),
    Operation("split", "Split", "numpy", "Shape", ("x",), _split, outputs=split_count,
              params=(ParamSpec("indices_or_sections", "axes", REQUIRED, main=True,
                                doc="a number of equal pieces, or the indices to cut at"),
                      _axis(0, "the axis split", allow_none=False, kind="axis")),
              doc="split into several tensors along an axis (one output each)"),
    Operation("cast", "Cast", "core", "Shape", ("x",), _cast,
              params=(ParamSpec("dtype", "dtype", REQUIRED, main=True, doc="the new dtype"),),
              doc="convert to another dtype"),
    Operation("matmul", "Matmul", "numpy", "Linear algebra", ("x1", "x2"), _matmul,
              doc="matrix product x1 @ x2", symbol="@"),
    Operation("einsum", "Einsum", "numpy", "Linear algebra", ("operands",), _einsum, variadic="star",
              params=(ParamSpec("subscripts", "str", REQUIRED, main=True, doc="e.g. 'bij,bjk->bik'"),),
              doc="Einstein summation"),
    Operation("where", "Where", "numpy", _L, ("condition", "x1", "x2"), _where,
              params=(ParamSpec("x1", _NUMBER, None, allow_none=True, main=True,
                                doc="a constant taken where the condition holds"),
                      ParamSpec("x2", _NUMBER, None, allow_none=True, main=True,
                                doc="a constant taken elsewhere")),
              constant_operands=("x1", "x2"), doc="x1 where condition, else x2"),
)
"""The operations, in palette order."""
