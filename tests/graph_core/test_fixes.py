"""One-click fixes: each listed repair turns a broken model valid (or shortens its problem
list) as one undoable edit; undo restores the file; a fix never makes the problem list longer."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_core import check, loom_format
from graph_core.builder import GraphBuilder
from graph_core.fixes import apply_fix, apply_safe_fixes, fixes_for
from graph_core.source_import import import_source
from tests.graph_core.test_properties import random_documents

H = "import keras\nfrom keras import layers\n"

BROKEN = {  # name: (source, problem code, fix label start, safe)
    "flatten": ("x = keras.Input((8, 8, 3))\ny = layers.Conv2D(4, 3)(x)\n"
                "m = keras.Model(x, layers.Dense(10, activation='softmax')(y))\n"
                "m.compile(loss='categorical_crossentropy')\n", "lint.dense_spatial", "Insert Flatten", False),
    "pooling": ("x = keras.Input((8, 8, 3))\ny = layers.Conv2D(4, 3)(x)\n"
                "m = keras.Model(x, layers.Dense(10, activation='softmax')(y))\n"
                "m.compile(loss='categorical_crossentropy')\n", "lint.dense_spatial",
                "Insert GlobalAveragePooling2D", False),
    "shortcut": ("x = keras.Input((16, 16, 64))\ny = layers.Conv2D(128, 3, padding='same')(x)\n"
                 "y = layers.MaxPooling2D(2, strides=2)(y)\nm = keras.Model(x, layers.add([y, x]))\n"
                 "m.compile(loss='mse')\n", "shape.merge_mismatch", "Insert a 1×1 Conv2D (128 filters, strides 2)",
                 True),
    "embedding": ("t = keras.Input((None,), dtype='int32')\ne = layers.Embedding(64, 10000)(t)\n"
                  "m = keras.Model(t, layers.LSTM(32)(e))\nm.compile(loss='mse')\n",
                  "lint.embedding_swapped", "Swap input_dim and output_dim", True),
    "loss_missing": ("x = keras.Input((8,))\nm = keras.Model(x, layers.Dense(1, activation='sigmoid')(x))\n",
                     "loss.missing", "Use loss binary_crossentropy", True),
    "loss_mismatch": ("x = keras.Input((8,))\nm = keras.Model(x, layers.Dense(3, activation='softmax')(x))\n"
                      "m.compile(loss='binary_crossentropy')\n", "loss.mismatch",
                      "Use loss categorical_crossentropy", False),
    "channel_axis": ("x = keras.Input((28, 28))\ny = layers.Conv2D(4, 3)(x)\n"
                     "m = keras.Model(x, layers.GlobalAveragePooling2D()(y))\nm.compile(loss='mse')\n",
                     "shape.rank", "Insert Reshape to (28, 28, 1)", True),
    "stacked_rnn": ("x = keras.Input((None, 8))\ny = layers.LSTM(4)(x)\n"
                    "m = keras.Model(x, layers.GRU(4)(y))\nm.compile(loss='mse')\n",
                    "shape.rank", "Set return_sequences=True on 'y'", True),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_each_fix_makes_the_broken_model_valid_and_undo_restores_it(name):
    source, code, label, safe = BROKEN[name]
    doc = import_source(H + source).document
    before = loom_format.dumps(doc)
    problems = check(doc).problems
    assert code in [p.code for p in problems]
    (problem, fix), = [(p, f) for p, f in fixes_for(doc) if f.label.startswith(label)]
    assert problem.code == code and fix.safe is safe
    edit = apply_fix(doc, fix)
    after = check(doc)
    assert after.valid and not after.problems, [str(p) for p in after.problems]
    doc.revert(edit)
    assert loom_format.dumps(doc) == before


def test_the_notes_embedding_mistake_is_fixed_in_one_step():
    from tests.codegen.test_source_import import cell

    doc = import_source(cell("In [11]")).document
    pairs = [(p, f) for p, f in fixes_for(doc) if p.code == "lint.embedding_swapped"]
    assert len(pairs) == 2
    apply_fix(doc, pairs[0][1])
    assert doc.layer_by_name("embedded_text").config == {"input_dim": 10000, "output_dim": 64}
    assert [p.code for p in check(doc).problems] == ["lint.embedding_swapped"]


def test_safe_fixes_leave_choices_to_the_user():
    doc = import_source(H + BROKEN["flatten"][0]).document
    assert apply_safe_fixes(doc) == []
    doc = import_source(H + BROKEN["shortcut"][0]).document
    assert len(apply_safe_fixes(doc)) == 1 and check(doc).valid


@st.composite
def broken_models(draw):
    """Small chains that often hit a fixable problem: random input ranks, layer kinds, losses."""
    b = GraphBuilder("random")
    rank = draw(st.sampled_from([1, 2, 3]))
    shape = [draw(st.sampled_from([4, 8, 12])) for _ in range(rank)]
    if rank == 1 and draw(st.booleans()):
        x = b.input("tokens", shape=[None], dtype="int32")
        x = b.layer("Embedding", x, input_dim=draw(st.sampled_from([8, 64])),
                    output_dim=draw(st.sampled_from([16, 2000])))
    else:
        x = b.input("features", shape=shape)
    start = x
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Dense", "Conv2D", "LSTM", "GRU", "MaxPooling2D", "Add", "Flatten"]))
        if kind == "Dense":
            x = b.layer("Dense", x, units=draw(st.sampled_from([1, 3, 8])),
                        activation=draw(st.sampled_from(["relu", "softmax", "sigmoid", None])))
        elif kind == "Conv2D":
            x = b.layer("Conv2D", x, filters=draw(st.sampled_from([4, 8])), kernel_size=1,
                        padding="same", strides=draw(st.sampled_from([1, 2])))
        elif kind in ("LSTM", "GRU"):
            x = b.layer(kind, x, units=4, return_sequences=draw(st.booleans()))
        elif kind == "MaxPooling2D":
            x = b.layer("MaxPooling2D", x, pool_size=2)
        elif kind == "Add":
            x = b.layer("Add", [x, start])
        else:
            x = b.layer("Flatten", x)
    b.output(x, loss=draw(st.sampled_from([None, "mse", "categorical_crossentropy", "binary_crossentropy"])))
    return b.document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_models())
def test_a_fix_never_makes_the_problem_list_longer(doc):
    before = check(doc)
    text = loom_format.dumps(doc)
    for _problem, fix in fixes_for(doc, before):
        edit = apply_fix(doc, fix)
        after = check(doc)
        assert after.valid and not before.valid or len(after.problems) < len(before.problems)
        doc.revert(edit)
        assert loom_format.dumps(doc) == text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_documents())
def test_fixes_on_random_graphs_never_crash(data):
    doc = loom_format.document_from_dict(data)
    for _problem, fix in fixes_for(doc):
        assert fix.label and fix.code
