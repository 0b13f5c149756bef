"""Pure shape rules of ``keras.ops`` operations, equal to their ``compute_output_spec``.

Shapes are tuples with the batch axis first (``None`` for an unknown size), as a Keras tensor's
``shape``: ``keras.ops`` treats the batch axis like any other. Each rule raises
:class:`~graph_core.errors.ShapeError` where Keras raises, with a message showing the shapes.
"""

from __future__ import annotations

import math
import re

from graph_core.errors import ShapeError
from graph_core.tensor import format_shape

Shape = tuple


def _fail(message: str, hint: str = "", code: str = "shape.incompatible"):
    raise ShapeError(message, hint, code)


def axis_index(axis, rank: int, what: str = "axis") -> int:
    """``axis`` as an index in ``[0, rank)`` (negative axes count from the end).

    Raises:
        ShapeError: the axis is not an integer or is out of range.
    """
    if isinstance(axis, bool) or not isinstance(axis, int):
        _fail(f"{what} must be an integer, got {axis!r}", "", "param.invalid")
    if not -rank <= axis < rank:
        _fail(f"{what} {axis} is out of bounds for a tensor of rank {rank}",
              f"use an axis in [{-rank}, {rank - 1}]", "shape.axis")
    return axis + rank if axis < 0 else axis


def _axes(axis) -> tuple:
    return tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)


def broadcast(a: Shape, b: Shape) -> Shape:
    """The broadcast of two shapes (numpy rules; an unknown size broadcasts with anything).

    Raises:
        ShapeError: two known sizes differ and neither is 1.
    """
    a, b = list(a), list(b)
    if len(a) < len(b):
        a = [1] * (len(b) - len(a)) + a
    if len(b) < len(a):
        b = [1] * (len(a) - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif x is None:
            out.append(None if y == 1 else y)
        elif y == 1 or y is None or y == x:
            out.append(x)
        else:
            _fail(f"cannot broadcast shapes: size {x} against size {y}",
                  "the operands' sizes must be equal or 1 on each axis (counted from the end)",
                  "shape.broadcast")
    return tuple(out)


def broadcast_all(shapes: list) -> Shape:
    """The broadcast of several shapes (:func:`broadcast` left to right)."""
    out: Shape = tuple(shapes[0])
    for s in shapes[1:]:
        out = broadcast(out, s)
    return out


def reduce(shape: Shape, axis, keepdims: bool) -> Shape:
    """The shape of a reduction (``mean``, ``sum``, ``any``…) over ``axis`` (None: every axis)."""
    if axis is None:
        return tuple(1 for _ in shape) if keepdims else ()
    axes = tuple(axis_index(a, len(shape)) for a in _axes(axis))
    out = list(shape)
    if keepdims:
        for a in axes:
            out[a] = 1
        return tuple(out)
    for a in sorted(axes, reverse=True):
        del out[a]
    return tuple(out)


def concatenate(shapes: list, axis: int) -> Shape:
    """Joining tensors along ``axis``: every other size must agree (unknown sizes agree)."""
    first = shapes[0]
    if len(first) == 0:
        _fail("cannot concatenate scalars (rank 0)", "", "shape.axis")
    ax = axis_index(axis, len(first))
    total = 0
    for s in shapes:
        if not _equal_except(s, first, ax):
            _fail(f"every tensor must have the same shape except on axis {axis}: got {format_shape(s)} "
                  f"and {format_shape(first)}", "make the other axes equal, or concatenate on another axis",
                  "shape.concat_mismatch")
        total = None if total is None or s[ax] is None else total + s[ax]
    out = list(first)
    out[ax] = total
    return tuple(out)


def _equal_except(a: Shape, b: Shape, axis: int | None) -> bool:
    if len(a) != len(b):
        return False
    return all(i == axis or x is None or y is None or x == y for i, (x, y) in enumerate(zip(a, b)))


def stack(shapes: list, axis: int) -> Shape:
    """Stacking equal-shaped tensors along a new axis."""
    first = shapes[0]
    ax = axis_index(axis, len(first) + 1)
    for s in shapes:
        if not _equal_except(s, first, None):
            _fail(f"every tensor must have the same shape: got {format_shape(s)} and {format_shape(first)}",
                  "stack tensors of one shape", "shape.stack_mismatch")
    out = list(first)
    out.insert(ax, len(shapes))
    return tuple(out)


def reshape(shape: Shape, newshape) -> Shape:
    """``keras.ops.reshape``: the batch axis is an axis like the others (``-1`` infers one size)."""
    if isinstance(newshape, int) and not isinstance(newshape, bool):
        newshape = (newshape,)
    if not isinstance(newshape, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in newshape):
        _fail(f"newshape must be a tuple of integers, got {newshape!r}", "", "param.invalid")
    newshape = tuple(newshape)
    if any(d < -1 for d in newshape) or newshape.count(-1) > 1:
        _fail(f"newshape {newshape} must hold sizes >= 0 and at most one -1", "", "param.invalid")
    if None in shape:
        return tuple(None if d == -1 else d for d in newshape)
    size = math.prod(shape)
    if -1 not in newshape:
        if size != math.prod(newshape):
            _fail(f"cannot reshape {format_shape(shape)} ({size} values) to {newshape}",
                  "the number of values must stay the same", "shape.reshape_size")
        return newshape
    known = math.prod(d for d in newshape if d != -1)
    if known == 0 or size % known:
        _fail(f"cannot reshape {format_shape(shape)} ({size} values) to {newshape}",
              "the number of values must be divisible by the known sizes", "shape.reshape_size")
    return tuple(size // known if d == -1 else d for d in newshape)


def transpose(shape: Shape, axes) -> Shape:
    """``keras.ops.transpose``: reversed axes, or the permutation ``axes``."""
    if axes is None:
        return tuple(reversed(shape))
    axes = _axes(axes)
    rank = len(shape)
    if len(axes) != rank:
        _fail(f"axes {list(axes)} must list the {rank} axes of a {format_shape(shape)} tensor",
              "give a permutation of every axis, batch axis included", "shape.axis")
    norm = [axis_index(a, rank, "each axis in axes") for a in axes]
    if len(set(norm)) != rank:
        _fail(f"axes {list(axes)} must be a permutation of the tensor's axes", "", "shape.axis")
    return tuple(shape[a] for a in norm)


def expand_dims(shape: Shape, axis) -> Shape:
    """``keras.ops.expand_dims``: a new axis of size 1 at ``axis`` (or at each of them)."""
    axes = _axes(axis)
    rank = len(axes) + len(shape)
    where = {axis_index(a, rank) for a in axes}
    rest = iter(shape)
    return tuple(1 if i in where else next(rest) for i in range(rank))


def squeeze(shape: Shape, axis) -> Shape:
    """``keras.ops.squeeze``: drop axes of size 1 (every one when ``axis`` is None)."""
    if axis is None:
        return tuple(d for d in shape if d != 1)
    axes = _axes(axis)
    for a in axes:
        axis_index(a, len(shape))
        if shape[a] != 1:
            _fail(f"cannot squeeze axis {a} of {format_shape(shape)}: its size is not 1",
                  "squeeze an axis of size 1", "shape.squeeze")
    out = list(shape)
    for a in sorted((axis_index(a, len(shape)) for a in axes), reverse=True):
        del out[a]
    return tuple(out)


def matmul(a: Shape, b: Shape) -> Shape:
    """``keras.ops.matmul`` (numpy rules: 1-D operands, broadcast leading axes)."""
    if len(a) == 0 or len(b) == 0:
        _fail("matmul needs operands of rank 1 or more", "", "shape.rank")
    a1, b1 = len(a) == 1, len(b) == 1
    if a1:
        a = (1, a[0])
    if b1:
        b = (b[0], 1)
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        _fail(f"the inner sizes differ: {format_shape(a)} @ {format_shape(b)} ({a[-1]} vs {b[-2]})",
              "the last axis of x1 must equal the second-to-last of x2", "shape.matmul")
    out = list(broadcast(a[:-2], b[:-2])) + [a[-2], b[-1]]
    if a1:
        del out[-2]
    if b1:
        del out[-1]
    return tuple(out)


def einsum(subscripts: str, shapes: list) -> Shape:
    """``keras.ops.einsum``'s shape rule (Keras's own algorithm: sizes of the output letters,
    unnamed ``...`` axes broadcast, letters an operand lacks count as 1)."""
    if not isinstance(subscripts, str):
        _fail(f"subscripts must be a string such as 'ij,jk->ik', got {subscripts!r}", "", "param.invalid")
    parts = subscripts.split("->")
    if len(parts) > 2:
        _fail(f"at most one '->' is allowed in subscripts, got {subscripts!r}", "", "param.invalid")
    inputs, output = (parts[0], parts[1]) if len(parts) == 2 else (subscripts, None)
    specs = inputs.split(",")
    if len(specs) != len(shapes):
        _fail(f"subscripts {subscripts!r} name {len(specs)} operand{'s' if len(specs) != 1 else ''}, "
              f"got {len(shapes)}", "connect one tensor per comma-separated term", "shape.arity")
    kept: set = set()
    reduced: set = set()
    for ch in inputs:
        if not ch.isalpha():
            continue
        if ch not in kept and ch not in reduced:
            kept.add(ch)
        elif ch in kept:
            kept.discard(ch)
            reduced.add(ch)
    if output is not None:
        kept, reduced = ({d for d in kept | reduced if d in output},
                         {d for d in kept | reduced if d not in output})
    target = output if output is not None else "..." + "".join(sorted(kept))
    expanded = []
    for shape, spec in zip(shapes, specs):
        dims = [-1 if d is None else d for d in shape]
        pieces = spec.split("...")
        text = target
        if len(pieces) == 1:
            if len(dims) != len(pieces[0]):
                _fail(f"the subscript {spec!r} names {len(pieces[0])} axes but the operand has shape "
                      f"{format_shape(shape)}", "one letter per axis, batch axis included", "shape.rank")
            for size, ch in zip(dims, pieces[0]):
                text = text.replace(ch, f"{size} ")
            text = text.replace("...", "")
        else:
            head, tail = pieces[0], pieces[1]
            if len(head) + len(tail) > len(dims):
                _fail(f"the subscript {spec!r} names more axes than the operand {format_shape(shape)} has",
                      "", "shape.rank")
            for i, ch in enumerate(head):
                text = text.replace(ch, f"{dims[i]} ")
            for i in range(len(tail)):
                text = text.replace(tail[-i - 1], f"{dims[-i - 1]} ")
            wild = dims[len(head): len(dims) if not tail else -len(tail)]
            text = text.replace("...", " ".join(str(d) for d in wild) + " ")
        text = re.sub("[a-z]", "1 ", text)
        try:
            expanded.append([None if s == "-1" else int(s) for s in text.split()])
        except ValueError:
            _fail(f"subscripts {subscripts!r} cannot be read (use lowercase letters, commas, '...' and '->')",
                  "", "param.invalid")
    return broadcast_all(expanded)


def get_item(shape: Shape, key: list) -> Shape:
    """``x[key]`` for a decoded key (ints, slices, ``None`` for a new axis, ``Ellipsis``)."""
    rest = list(shape)
    out: list = []
    key = list(key)
    if key.count(Ellipsis) > 1:
        _fail("an index may hold only one ellipsis (...)", "", "param.invalid")
    if Ellipsis not in key:
        key.append(Ellipsis)
    while key:
        sub = key.pop(0)
        if sub is Ellipsis:
            needed = len(key) - key.count(None)
            consumed = len(rest) - needed
            if consumed < 0:
                _fail(f"the index has too many entries for a tensor of shape {format_shape(shape)}",
                      "index at most one entry per axis (batch axis included)", "shape.index")
            out += rest[:consumed]
            rest = rest[consumed:]
            continue
        if sub is None:
            out.append(1)
            continue
        if not rest:
            _fail(f"the index has too many entries for a tensor of shape {format_shape(shape)}",
                  "index at most one entry per axis (batch axis included)", "shape.index")
        length = rest.pop(0)
        if isinstance(sub, int):
            if length is not None and not -length <= sub < length:
                _fail(f"index {sub} is out of bounds for an axis of size {length} (shape {format_shape(shape)})",
                      f"use an index in [{-length}, {length - 1}]", "shape.index")
        elif isinstance(sub, slice):
            if sub.step == 0:
                _fail("a slice step cannot be zero", "", "param.invalid")
            out.append(len(range(*sub.indices(length))) if length is not None else None)
    return tuple(out)


def tile(shape: Shape, repeats) -> Shape:
    """``keras.ops.tile``: each axis times its repeat count (missing counts are 1, on the left)."""
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    dims = list(shape)
    if len(dims) > len(reps):
        reps = [1] * (len(dims) - len(reps)) + reps
    else:
        dims = [1] * (len(reps) - len(dims)) + dims
    return tuple(None if d is None else d * r for d, r in zip(dims, reps))


def repeat(shape: Shape, repeats, axis) -> Shape:
    """``keras.ops.repeat``: each entry repeated along ``axis`` (None: of the flattened tensor)."""
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    if axis is None:
        if None in shape:
            return (None,)
        size = math.prod(shape)
        if len(reps) == 1:
            return (size * reps[0],)
        if len(reps) != size:
            _fail(f"repeats has {len(reps)} counts but the flattened tensor has {size} values", "", "shape.repeat")
        return (sum(reps),)
    out = list(shape)
    ax = axis_index(axis, len(shape))
    if out[ax] is None:
        return tuple(out)
    if len(reps) == 1:
        out[ax] = out[ax] * reps[0]
    elif len(reps) != out[ax]:
        _fail(f"repeats has {len(reps)} counts but axis {axis} has size {out[ax]}", "", "shape.repeat")
    else:
        out[ax] = sum(reps)
    return tuple(out)


def pad(shape: Shape, pad_width) -> Shape:
    """``keras.ops.pad``: each axis grows by its (before, after) widths (one pair: every axis)."""
    if isinstance(pad_width, int):
        widths = [(pad_width, pad_width)]
    elif isinstance(pad_width, (list, tuple)) and pad_width and isinstance(pad_width[0], int):
        widths = [tuple(pad_width)]
    else:
        widths = [tuple(w) * (2 if len(w) == 1 else 1) for w in pad_width]
    if any(len(w) != 2 for w in widths):
        _fail(f"pad_width must hold (before, after) pairs, got {pad_width!r}", "", "param.invalid")
    if len(widths) == 1:
        widths = widths * len(shape)
    elif len(widths) != len(shape):
        _fail(f"pad_width has {len(widths)} pairs but the tensor {format_shape(shape)} has {len(shape)} axes",
              "give one pair per axis (batch axis included) or a single pair", "shape.pad")
    return tuple(None if d is None else d + a + b for d, (a, b) in zip(shape, widths))


def swapaxes(shape: Shape, axis1: int, axis2: int) -> Shape:
    """``keras.ops.swapaxes``."""
    a, b = axis_index(axis1, len(shape), "axis1"), axis_index(axis2, len(shape), "axis2")
    out = list(shape)
    out[a], out[b] = out[b], out[a]
    return tuple(out)


def moveaxis(shape: Shape, source, destination) -> Shape:
    """``keras.ops.moveaxis``: the ``source`` axes go to ``destination``, the others keep their order."""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        _fail(f"source {source!r} and destination {destination!r} must name as many axes", "", "param.invalid")
    rank = len(shape)
    src = [axis_index(a, rank, "source") for a in src]
    dst = [axis_index(a, rank, "destination") for a in dst]
    out: list = [-1] * rank
    rest = list(shape)
    for s, d in zip(src, dst):
        out[d] = rest[s]
        rest[s] = -1
    left = iter(d for i, d in enumerate(rest) if i not in src)
    return tuple(next(left) if o == -1 else o for o in out)


def flattened(shape: Shape) -> Shape:
    """The shape of a tensor flattened to one axis."""
    return (None,) if None in shape else (math.prod(shape),)


def split(shape: Shape, sections, axis: int) -> list:
    """``keras.ops.split``: the shapes of the pieces (``sections`` equal ones, or cut at indices)."""
    out = list(shape)
    ax = axis_index(axis, len(shape))
    size = out[ax]
    if isinstance(sections, int) and not isinstance(sections, bool):
        if sections < 1:
            _fail(f"indices_or_sections must be at least 1, got {sections}", "", "param.invalid")
        if size is not None and size % sections:
            _fail(f"axis {axis} has size {size}, which {sections} equal pieces cannot split",
                  "choose a number of pieces that divides the size, or give cut indices", "shape.split")
        out[ax] = None if size is None else size // sections
        return [tuple(out)] * sections
    cuts = [0, *sections, size]
    pieces = []
    for start, end in zip(cuts, cuts[1:]):
        out[ax] = None if start is None or end is None else end - start
        pieces.append(tuple(out))
    return pieces
