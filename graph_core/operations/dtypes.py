"""Keras 3's type promotion, as pure Python (the TensorFlow backend, ``floatx`` float32).

Keras promotes dtypes on a lattice (the JAX one): ``bool < int < uint8/int8 < … < float <
bfloat16/float16 < float32 < float64``, where ``int`` and ``float`` are the *weak* types of Python
scalars: ``float32_tensor * 2.0`` stays float32, ``int32_tensor * 2.0`` becomes float32,
``int32_tensor + 1`` stays int32. :func:`result_type` is ``keras.backend.result_type`` for the
dtypes a document can hold; :func:`scalar_dtype` is what a constant operand counts as.
"""

from __future__ import annotations

from functools import lru_cache

from graph_core.errors import ShapeError

FLOATX = "float32"
"""Keras's default float dtype (``keras.config.floatx()``), which weak types resolve to."""

_LATTICE = {
    "bool": ("int",),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int": ("uint8", "int8", "complex64"),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex64": ("complex128",),
    "complex128": (),
}
WEAK = ("int", "float")
_NARROWED = {"uint64": "uint32", "complex128": "complex64"}  # the TensorFlow backend keeps int64/float64
"""The weak dtypes: what a Python ``int`` or ``float`` operand counts as."""


def _upper_bounds() -> dict:
    bounds = {node: {node} for node in _LATTICE}
    changed = True
    while changed:
        changed = False
        for ups in bounds.values():
            more = set().union(*(_LATTICE[u] for u in ups)) - ups
            if more:
                ups |= more
                changed = True
    return bounds


_BOUNDS = _upper_bounds()


def _least_upper_bound(nodes: frozenset) -> str:
    common = set.intersection(*(_BOUNDS[n] for n in nodes))
    lub = (common & nodes) or {c for c in common if common <= _BOUNDS[c]}
    if len(lub) != 1:
        raise ShapeError(f"the dtypes {', '.join(sorted(nodes))} have no common dtype",
                         "cast one of the operands first (keras.ops.cast)", "dtype.promotion")
    return lub.pop()


def _weak_of(dtype: str) -> str:
    if dtype == "bool":
        return dtype
    return "float" if "float" in dtype else "int"


def _resolve_weak(dtype: str) -> str:
    if dtype == "bool":
        return dtype
    if dtype == "float" or dtype == "bfloat16" or dtype.startswith("f"):
        return FLOATX
    return "int32" if dtype.startswith("i") else "uint32"


@lru_cache(maxsize=4096)
def result_type(*dtypes: str) -> str:
    """The dtype Keras gives an operation on operands of these dtypes.

    Args:
        *dtypes: dtype names (``"float32"``), or ``"int"``/``"float"`` for Python scalars.

    Returns:
        The promoted dtype name, as ``keras.backend.result_type`` returns it.

    Raises:
        ShapeError: a dtype Keras cannot promote (float8, string, no common dtype).
    """
    if not dtypes:
        return FLOATX
    for d in dtypes:
        if d not in _LATTICE:
            raise ShapeError(f"the dtype {d!r} cannot take part in arithmetic",
                             "cast it first (keras.ops.cast)", "dtype.promotion")
    weak = [d in WEAK for d in dtypes]
    strong = [d if not w else ("float32" if d == "float" else "int64") for d, w in zip(dtypes, weak)]
    if len(dtypes) == 1:
        out, out_weak = strong[0], weak[0]
    elif len(set(strong)) == 1 and not all(weak):
        out, out_weak = strong[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(frozenset(strong)), True
    else:
        out = _least_upper_bound(frozenset(_weak_of(s) if w else s for s, w in zip(strong, weak)))
        out_weak = out in WEAK
    if out_weak and out != "bool":
        out = _resolve_weak(out)
    return _NARROWED.get(out, out)


def scalar_dtype(value) -> str:
    """What a constant operand counts as in promotion: ``"bool"``, ``"int"`` or ``"float"``.

    Raises:
        ShapeError: ``value`` is not a Python number.
    """
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    raise ShapeError(f"the constant {value!r} is not a number", "use an int, a float or true/false",
                     "param.invalid")


def is_float(dtype: str) -> bool:
    """True for float dtypes (float16, bfloat16, float32, float64)."""
    return dtype in ("float16", "bfloat16", "float32", "float64")


def is_integer(dtype: str) -> bool:
    """True for signed and unsigned integer dtypes."""
    return dtype.startswith(("int", "uint"))
