"""Small helpers for Qt signal connections."""

from __future__ import annotations

from collections.abc import Callable


def disconnect_quietly(signal, slot: Callable) -> None:
    """Disconnect ``slot`` from ``signal``; nothing happens when they are not connected (or the
    sender is already deleted)."""
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):
        pass


def reconnect(old, new, slots: dict[str, Callable]) -> None:
    """Move connections from ``old`` to ``new`` (either may be None): every ``slots`` entry
    ``{signal_name: slot}`` is disconnected (quietly) from ``old``'s signal and connected to
    ``new``'s."""
    for name, slot in slots.items():
        if old is not None:
            disconnect_quietly(getattr(old, name), slot)
        if new is not None:
            getattr(new, name).connect(slot)
