"""The base of graph_core's mutable records: equality and ``repr`` from the field names.

The document (:class:`~graph_core.document.Layer`, ``Node``, ``Output``) and the check
(:class:`~graph_core.check_result.NodeResult`, ``CheckResult``, ``ModelCost``) are made of small
mutable records; the immutable ones (specs, problems, change events) are ``typing.NamedTuple``.
Neither uses :mod:`dataclasses`: importing it imports :mod:`inspect` (with ``ast``, ``dis`` and
``tokenize``), and each decorated class compiles its generated methods at import. Together that
was about 30 ms of a 140 ms ``layerloom check`` on the 2-core benchmark machine (issue 17). A
record writes its ``__init__`` by hand (a plain function, the hot path of load and check) and
names its fields once, in ``_fields``.
"""

from __future__ import annotations


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
