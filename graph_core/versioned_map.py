"""A dict that hands out cheap read-only snapshots, for results that change a few keys at a time.

The incremental :class:`~graph_core.analysis.Analyzer` keeps one live table of node results and
gives every :class:`~graph_core.check_result.CheckResult` a :class:`Snapshot` of it. Taking a
snapshot costs O(1), not a copy of the table: when a key changes afterwards, its old value is saved
in the newest snapshot, and an older snapshot reads through the newer ones to the live table. A
snapshot nobody holds any more is simply garbage-collected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

_MISSING = object()


class VersionedMap:
    """The live table: write with ``map[key] = value`` / ``del map[key]``; read it as a dict (or
    through ``map.data``, the dict itself, which only the owner writes to)."""

    __slots__ = ("data", "_latest")

    def __init__(self) -> None:
        self.data: dict = {}
        self._latest: Snapshot | None = None

    def __setitem__(self, key, value) -> None:
        latest = self._latest
        if latest is not None and key not in latest._saved:
            latest._saved[key] = self.data.get(key, _MISSING)
        self.data[key] = value

    def __delitem__(self, key) -> None:
        latest = self._latest
        if latest is not None and key not in latest._saved:
            latest._saved[key] = self.data.get(key, _MISSING)
        del self.data[key]

    def setter(self):
        """A function ``store(key, value)`` that writes like ``map[key] = value``, for a pass of many
        writes with no snapshot taken in between: while no snapshot has been handed out there is
        nothing to save, and it is the dict's own ``__setitem__``."""
        return self.data.__setitem__ if self._latest is None else self.__setitem__

    # reads of the live table, as a dict's
    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        """The live value of ``key``, or ``default``."""
        return self.data.get(key, default)

    def __contains__(self, key) -> bool:
        return key in self.data

    def __iter__(self):
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def items(self):
        """The live ``(key, value)`` pairs."""
        return self.data.items()

    def snapshot(self) -> Snapshot:
        """A read-only view of the table as it is now; later writes do not show in it."""
        latest = self._latest
        if latest is not None and not latest._saved:
            return latest  # nothing changed since the last one
        new = Snapshot(self)
        if latest is not None:
            latest._next = new
        self._latest = new
        return new


class Snapshot(Mapping):
    """The contents of a :class:`VersionedMap` at the time :meth:`VersionedMap.snapshot` was called."""

    __slots__ = ("_store", "_saved", "_next", "_frozen")

    def __init__(self, store: VersionedMap):
        self._store = store
        self._saved: dict = {}  # key -> value it had here, for keys written after this snapshot
        self._next: Snapshot | None = None
        self._frozen: dict | None = None  # the materialized contents, once computed for an old snapshot

    def _is_current(self) -> bool:
        return self._next is None and not self._saved

    def __getitem__(self, key):
        if self._frozen is not None:
            return self._frozen[key]
        snap = self
        while snap is not None:
            saved = snap._saved
            if key in saved:
                value = saved[key]
                if value is _MISSING:
                    raise KeyError(key)
                return value
            snap = snap._next
        return self._store.data[key]

    def get(self, key, default=None):
        """The value of ``key``, or ``default``."""
        if self._frozen is None and self._is_current():
            return self._store.data.get(key, default)
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key) -> bool:
        if self._frozen is None and self._is_current():
            return key in self._store.data
        try:
            self[key]
        except KeyError:
            return False
        return True

    def changed_since(self, older: Snapshot) -> set | None:
        """The keys written after ``older`` was taken and before this snapshot was (their values
        may differ between the two), or None when ``older`` is not an earlier snapshot of the
        same table. Costs the number of keys written, not the size of the table."""
        if not isinstance(older, Snapshot) or older._store is not self._store:
            return None
        keys: set = set()
        snap = older
        while snap is not None and snap is not self:
            keys.update(snap._saved)
            snap = snap._next
        return keys if snap is self else None

    def _contents(self) -> dict:
        if self._frozen is not None:
            return self._frozen
        if self._is_current():
            return self._store.data
        chain = []
        snap = self
        while snap is not None:
            chain.append(snap)
            snap = snap._next
        contents = dict(self._store.data)
        for snap in reversed(chain):
            for key, value in snap._saved.items():
                if value is _MISSING:
                    contents.pop(key, None)
                else:
                    contents[key] = value
        self._frozen = contents  # an old snapshot never changes again
        return contents

    def _copy(self) -> dict:
        contents = self._contents()
        return dict(contents) if contents is self._store.data else contents

    def to_dict(self) -> dict:
        """The contents as a dict of its own (later writes do not show in it): one copy in C, for
        a reader that looks up every key."""
        return self._copy()

    def __iter__(self) -> Iterator:
        return iter(list(self._contents()))

    def keys(self):
        """The keys (a view of a private copy: later writes do not show in it)."""
        return self._copy().keys()

    def items(self):
        """The ``(key, value)`` pairs (a view of a private copy)."""
        return self._copy().items()

    def values(self):
        """The values (a view of a private copy)."""
        return self._copy().values()

    def __len__(self) -> int:
        return len(self._contents())

    def __repr__(self) -> str:
        return f"Snapshot({self._contents()!r})"
