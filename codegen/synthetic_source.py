"""The synthetic targets of an exported script: one array expression per output, shaped as
the loss needs it (class ids one-hot, bounded values, plain random values). Used by
:mod:`codegen.python_export` for a document without a data section.
"""

from __future__ import annotations

from codegen.data_plan import POSITIVE_HIGH, POSITIVE_LOW, TargetPlan
from codegen.source_expr import Attr, Call, Expr, Kw, Raw, literal


def _size(shape: tuple) -> Expr:
    dims = ["num_samples"] + [repr(int(d)) for d in shape]
    return Raw("(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")")


def _target_expr(item: TargetPlan, shape: tuple) -> Expr:
    """The numpy expression of one output's targets (same draws as codegen.synthetic)."""
    if item.kind == "onehot":
        classes = literal(int(item.classes))
        ids = Call("rng.integers", [Raw("0"), classes, Kw("size", _size(shape[:-1]))])
        return Call(Call("np.eye", [classes, Kw("dtype", Raw("np.float32"))]), [ids], "[]")
    if item.kind == "class_ids":
        return Call("rng.integers", [Raw("0"), literal(int(item.classes)), Kw("size", _size(shape))])
    size = _size(shape)
    if item.kind == "binary":
        draw = Call("rng.integers", [Raw("0"), Raw("2"), Kw("size", size)])
        return Call(Attr(draw, "astype"), [Raw("np.float32")])
    if item.kind == "positive":
        draw = Call("rng.uniform", [literal(POSITIVE_LOW), literal(POSITIVE_HIGH), Kw("size", size)])
        return Call(Attr(draw, "astype"), [Raw("np.float32")])
    return Call("rng.standard_normal", [size, Kw("dtype", Raw("np.float32"))])


def _dynamic_target_expr(item: TargetPlan, shape: str) -> Expr:
    """Targets whose shape is read from the built model (``shape`` names the tuple)."""
    if item.kind in ("onehot", "class_ids"):
        classes = Raw(f"{shape}[-1]")
        ids = Call("rng.integers", [Raw("0"), classes, Kw("size", Raw(f"(num_samples, *{shape}[:-1])"))])
        if item.kind == "class_ids":
            return ids
        return Call(Call("np.eye", [classes, Kw("dtype", Raw("np.float32"))]), [ids], "[]")
    size = Raw(f"(num_samples, *{shape})")
    if item.kind == "binary":
        return Call(Attr(Call("rng.integers", [Raw("0"), Raw("2"), Kw("size", size)]), "astype"),
                    [Raw("np.float32")])
    if item.kind == "positive":
        draw = Call("rng.uniform", [literal(POSITIVE_LOW), literal(POSITIVE_HIGH), Kw("size", size)])
        return Call(Attr(draw, "astype"), [Raw("np.float32")])
    return Call("rng.standard_normal", [size, Kw("dtype", Raw("np.float32"))])
