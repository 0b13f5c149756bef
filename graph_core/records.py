"""graph_core's records: :class:`Record` for the mutable ones, :func:`frozen` for the immutable.

The document (:class:`~graph_core.document.Layer`, ``Node``, ``Output``) and the check
(:class:`~graph_core.check_result.NodeResult`, ``CheckResult``, ``ModelCost``) are made of small
mutable records; the immutable ones (tensor specs, layer specs, problems, change events) are
named tuples. None uses :mod:`dataclasses`: importing it imports :mod:`inspect` (with ``ast``,
``dis`` and ``tokenize``), and each decorated class compiles its generated methods at import;
together about 30 ms of a 140 ms ``layerloom check`` on the 2-core benchmark machine (issue 17).
A record writes its ``__init__`` by hand (a plain function, the hot path of load and check) and
names its fields once, in ``_fields``. ``typing.NamedTuple`` is not used either: it compiles each
field's annotation (a string, under ``from __future__ import annotations``) into a ForwardRef,
about 0.1 ms a field; :func:`frozen` makes the same class from the same body without that.
Nor do the modules on the check path import :mod:`typing` itself (about 5 ms): those that name
its types in annotations, which ``from __future__ import annotations`` never evaluates, import
them under ``TYPE_CHECKING = False`` / ``if TYPE_CHECKING:``, for type checkers and readers only.
"""

from __future__ import annotations

from collections import namedtuple


class Record:
    """A mutable record whose fields are named, in order, by the class attribute ``_fields``.

    Two records are equal when they are of the same class and their ``_compared`` fields
    (by default all of ``_fields``) are equal; records are unhashable, like mutable data
    classes. ``repr`` shows every field. A subclass usually sets ``__slots__ = _fields = (...)``.
    """

    __slots__ = ()
    _fields: tuple = ()
    _compared: tuple = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "_compared" not in cls.__dict__:
            cls._compared = cls._fields

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = self._compared
        return [getattr(self, n) for n in names] == [getattr(other, n) for n in names]

    __hash__ = None  # mutable: equal records may stop being equal

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"


def frozen(cls: type) -> type:
    """Class decorator: the class as an immutable record, as ``typing.NamedTuple`` would make it.

    The annotated names of the body are the fields, in order; those given a value in the body
    have it as their default (they come last). The record is a :func:`collections.namedtuple`
    (equality, hashing, ``_replace``, ``_fields``) with the body's docstring, methods and
    properties, and no per-instance ``__dict__``.
    """
    body = cls.__dict__
    names = tuple(body.get("__annotations__", ()))
    defaults = [body[name] for name in names if name in body]
    if any(name not in body for name in names[len(names) - len(defaults):]):
        raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
    base = namedtuple(cls.__name__, names, defaults=defaults, module=cls.__module__)
    namespace = {key: value for key, value in body.items()
                 if key not in names and key not in ("__dict__", "__weakref__")}
    namespace["__slots__"] = ()
    return type(cls.__name__, (base,), namespace)
