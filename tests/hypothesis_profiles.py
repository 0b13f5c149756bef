"""Hypothesis profiles: how many examples the property tests draw.

``HYPOTHESIS_PROFILE`` picks one: ``ci`` (the default, what ``make test`` and CI run), ``fast``
(a quarter of the examples, for ``make test-fast``) or ``thorough`` (ten times as many, for a
long local run). Each property test states its CI-sized count through :func:`examples`.
"""

from __future__ import annotations

import os

from hypothesis import settings

_SCALE = {"fast": 0.25, "ci": 1.0, "thorough": 10.0}

for _name in _SCALE:
    settings.register_profile(_name, deadline=None, print_blob=True)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in _SCALE:
    raise ValueError(f"HYPOTHESIS_PROFILE={PROFILE!r}: choose one of {', '.join(_SCALE)}")
settings.load_profile(PROFILE)


def examples(ci_count: int) -> int:
    """The number of examples for a test that draws ``ci_count`` in CI, scaled by the profile."""
    return max(10, round(ci_count * _SCALE[PROFILE]))
