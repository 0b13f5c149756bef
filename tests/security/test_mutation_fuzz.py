"""Issue 12: mutated projects (hypothesis) — the loader either refuses a file with its own error or
gives a document that checks, saves, re-opens identically and exports without raising, each case
within a time limit."""

from __future__ import annotations

import copy
import json
import signal
import time
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codegen.errors import ExportRefused
from codegen.python_export import export_python
from graph_core import check, loom_format
from graph_core.errors import LoomFormatError
from graph_core.templates import list_templates, template_path
from tests.hypothesis_profiles import examples

SEEDS = {t.slug if hasattr(t, "slug") else t: None for t in list_templates()}
CASE_SECONDS = 5.0

HOSTILE_VALUES = st.one_of(
    st.sampled_from([10 ** 30, -(10 ** 30), 2 ** 53, 2 ** 63, -1, 0, 255, 256, 10 ** 4000, 1e308, -1e308, 5e-324,
                     "", "\x00", "\x1b[2K\r", "../../etc/passwd", "/etc/passwd", "Lambda", "TFSMLayer",
                     "keras.utils.get_file", "relu", "float32", None, True, [], {}, [None], [[0]],
                     {"class_name": "__lambda__", "config": {}}, {"class_name": "function", "module": "os",
                                                                "config": "system"},
                     {"class_name": "__typespec__", "config": {"x": {"class_name": "Lambda"}}}]),
    st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
)


def _seed(slug: str) -> dict:
    if SEEDS.get(slug) is None:
        SEEDS[slug] = json.loads(template_path(slug).read_text(encoding="utf-8"))
    return json.loads(json.dumps(SEEDS[slug]))


def _containers(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _containers(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _containers(item, path + (i,))


@st.composite
def mutated_projects(draw) -> str:
    data = _seed(draw(st.sampled_from(sorted(SEEDS))))
    for _ in range(draw(st.integers(1, 4))):
        spots = [(p, v) for p, v in _containers(data) if p and isinstance(v, (dict, list, str, int, float, type(None)))]
        path, _value = draw(st.sampled_from(spots))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "nest", "duplicate"]))
        key = path[-1]
        if action == "replace":
            parent[key] = copy.deepcopy(draw(HOSTILE_VALUES))  # samples are shared objects
        elif action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "nest":
            deep, as_list = parent[key], draw(st.booleans())
            for _ in range(draw(st.integers(1, 300))):
                deep = [deep] if as_list else {"x": deep}
            parent[key] = deep
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[key])))
    text = json.dumps(data, allow_nan=True)
    if draw(st.booleans()):  # literals json.dumps never writes
        text = text.replace("1e+308", "1e400", 1).replace("0.5", draw(st.sampled_from(["1e400", "NaN", "-1e999"])), 1)
    return text


@contextmanager
def time_limit(seconds: float):
    def fail(_signum, _frame):
        raise TimeoutError(f"case took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.setitimer(signal.ITIMER_REAL, seconds * 4)  # the hard stop against a hang
    start = time.perf_counter()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert time.perf_counter() - start < seconds


@pytest.mark.slow
@settings(max_examples=examples(2000), deadline=None, suppress_health_check=list(HealthCheck))
@given(text=mutated_projects())
def test_mutated_projects_raise_nothing_but_the_loaders_error(text):
    with time_limit(CASE_SECONDS):
        try:
            doc = loom_format.loads(text)
        except LoomFormatError:
            event("refused by the loader")
            return
        event("loaded")
        result = check(doc)
        json.dumps(result.to_json(doc))
        saved = loom_format.dumps(doc)  # whatever loads can be saved...
        again = loom_format.loads(saved)  # ...and opened again, unchanged
        assert loom_format.dumps(again) == saved
        try:
            export_python(doc)
        except ExportRefused:
            assert not result.valid
