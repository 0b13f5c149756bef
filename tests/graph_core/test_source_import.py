"""Python source import without Keras: constructs, naming, compile settings, several models,
and hostile or unsupported sources refused with a line number and no side effect."""

from __future__ import annotations

import ast
import builtins
import sys

import pytest

from graph_core import check
from graph_core.source_import import SourceImportError, import_source, looks_like_python

HEADER = "import keras\nfrom keras import layers\n"


def imported(body: str, **kwargs):
    return import_source(HEADER + body, **kwargs).document


def test_spellings_of_the_imports_give_the_same_graph():
    bodies = {
        "import keras\nfrom keras import layers\n": ("keras.Input", "layers.Dense", "keras.Model"),
        "from keras import layers, Input, Model\n": ("Input", "layers.Dense", "Model"),
        "import tensorflow as tf\n": ("tf.keras.Input", "tf.keras.layers.Dense", "tf.keras.Model"),
        "from tensorflow import keras\n": ("keras.Input", "keras.layers.Dense", "keras.models.Model"),
        "from tensorflow.keras import layers\nfrom tensorflow.keras.models import Model\n"
        "from tensorflow.keras.layers import Input\n": ("Input", "layers.Dense", "Model"),
        "from keras.layers import Dense, Input\nfrom keras import Model\n": ("Input", "Dense", "Model"),
    }
    totals = set()
    for header, (inp, dense, model) in bodies.items():
        doc = import_source(f"{header}x = {inp}(shape=(8,))\ny = {dense}(4)(x)\nm = {model}(x, y)\n").document
        totals.add((check(doc).total, tuple(layer.type for layer in doc.layers.values())))
    assert totals == {(36, ("Input", "Dense"))}


def test_shared_layer_is_one_layer_called_twice():
    doc = imported("lstm = layers.LSTM(4)\na = keras.Input((None, 3))\nb = keras.Input((None, 3))\n"
                   "m = keras.Model([a, b], layers.concatenate([lstm(a), lstm(b)]))\n")
    lstm = doc.layer_by_name("lstm")
    assert doc.is_shared(lstm.id) and [n.type for n in doc.layers.values()].count("LSTM") == 1
    assert [doc.layers[doc.nodes[n].layer].name for n in doc.input_nodes()] == ["a", "b"]


def test_names_come_from_name_arguments_then_variables_then_types():
    doc = imported("inp = keras.Input((8,), name='features')\nhidden = layers.Dense(4)(inp)\n"
                   "x = layers.Dense(3)(hidden)\nx = layers.Dense(2, name='out')(x)\nm = keras.Model(inp, x)\n")
    assert [layer.name for layer in doc.layers.values()] == ["features", "hidden", "dense", "out"]


def test_names_bound_to_literals_are_read():
    doc = imported("vocab = 1000\ndim = 16\nshape = (None,)\nx = keras.Input(shape, dtype='int32')\n"
                   "m = keras.Model(x, layers.Embedding(vocab, dim)(x))\n")
    assert doc.layer_by_name("embedding").config == {"input_dim": 1000, "output_dim": 16}


def test_sequential_list_add_and_called_as_a_layer():
    doc = imported("enc = keras.Sequential([layers.Dense(8), layers.Dense(4)], name='enc')\n"
                   "enc.add(layers.Dense(2))\nx = keras.Input((5,))\nm = keras.Model(x, enc(x))\n")
    enc = doc.layer_by_name("enc")
    assert enc.type == "Model" and [layer.type for layer in enc.subgraph.layers.values()] == \
        ["Input", "Dense", "Dense", "Dense"]
    assert enc.subgraph.layer_by_name("input_layer").config["shape"] == [5]
    assert check(doc).total == 5 * 8 + 8 + 8 * 4 + 4 + 4 * 2 + 2


def test_sequential_starting_with_an_input_layer():
    doc = imported("m = keras.Sequential([layers.InputLayer(input_shape=(6,)), layers.Dense(2)])\n")
    assert [layer.type for layer in doc.layers.values()] == ["Input", "Dense"]
    assert check(doc).total == 14


def test_model_called_as_a_layer_with_several_outputs():
    doc = imported("i = keras.Input((6,))\ninner = keras.Model(i, [layers.Dense(2)(i), layers.Dense(3)(i)])\n"
                   "x = keras.Input((6,))\na, b = inner(x)\nm = keras.Model(x, layers.concatenate([a, b]))\n")
    inner = doc.layer_by_name("inner")
    assert inner.type == "Model" and len(inner.subgraph.outputs) == 2
    concat = doc.nodes[doc.outputs[0].node]
    assert [ref.index for ref in concat.inputs] == [0, 1]
    assert check(doc).output_specs(doc.outputs[0].node)[0].shape == (None, 5)


def test_application_and_compile_with_dicts():
    doc = imported("base = keras.applications.MobileNetV2(weights=None, include_top=False)\n"
                   "x = keras.Input((32, 32, 3))\nf = layers.GlobalAveragePooling2D()(base(x))\n"
                   "a = layers.Dense(1, name='age')(f)\ng = layers.Dense(1, activation='sigmoid', name='gender')(f)\n"
                   "m = keras.Model(x, [a, g])\n"
                   "m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),\n"
                   "          loss={'age': 'mse', 'gender': 'binary_crossentropy'},\n"
                   "          loss_weights={'age': 0.25, 'gender': 10.0}, metrics={'gender': ['accuracy']})\n")
    assert doc.layer_by_name("base").config == {"application": "MobileNetV2", "weights": None, "include_top": False}
    assert [(o.loss, o.loss_weight, o.metrics) for o in doc.outputs] == [
        ("mse", 0.25, []), ("binary_crossentropy", 10.0, ["accuracy"])]
    assert doc.compile == {"optimizer": "adam", "learning_rate": 0.01}


def test_compile_lists_and_default_learning_rates():
    doc = imported("x = keras.Input((4,))\nm = keras.Model(x, [layers.Dense(1)(x), layers.Dense(2)(x)])\n"
                   "m.compile('sgd', ['mse', 'mae'], [1.0, 0.5])\nm.fit(x, x, epochs=3, batch_size=8)\n")
    assert [(o.loss, o.loss_weight) for o in doc.outputs] == [("mse", 1.0), ("mae", 0.5)]
    assert doc.compile == {"optimizer": "sgd", "learning_rate": 0.01}
    assert doc.fit["epochs"] == 3 and doc.fit["batch_size"] == 8


def test_several_models_last_one_wins_and_model_picks():
    source = HEADER + ("x = keras.Input((4,))\nfirst = keras.Model(x, layers.Dense(1)(x))\n"
                       "y = keras.Input((4,))\nsecond = keras.Model(y, layers.Dense(2)(y), name='two')\n")
    result = import_source(source)
    assert result.model == "second" and result.models == ["first", "second"]
    assert any("first" in note for note in result.notes)
    assert import_source(source, model="first").document.name == "first"
    assert import_source(source, model="two").model == "second"
    with pytest.raises(SourceImportError, match="no model called 'third'.*first, second"):
        import_source(source, model="third")


def test_fragment_inputs_and_unconsumed_outputs():
    doc = imported("x = keras.Input((8, 8, 3))\na = layers.Conv2D(4, 1)(x)\n"
                   "b = layers.Conv2D(4, 3, padding='same')(x)\nc = layers.MaxPooling2D(2)(a)\n")
    assert len(doc.input_nodes()) == 1
    assert sorted(doc.layer_of(o.node).name for o in doc.outputs) == ["b", "c"]


def test_functions_with_arguments_build_blocks():
    doc = imported("def block(t, filters):\n    y = layers.Conv2D(filters, 3, padding='same')(t)\n"
                   "    return layers.add([y, t])\n"
                   "x = keras.Input((8, 8, 4))\nm = keras.Model(x, block(block(x, 4), 4))\n")
    assert [layer.type for layer in doc.layers.values()].count("Conv2D") == 2
    assert check(doc).valid


def test_bidirectional_wraps_a_layer():
    doc = imported("x = keras.Input((None, 3))\nm = keras.Model(x, layers.Bidirectional(layers.LSTM(4))(x))\n")
    assert doc.layer_by_name("bidirectional").config == {"layer": {"type": "LSTM", "config": {"units": 4}}}


def test_looks_like_python():
    assert looks_like_python(HEADER + "x = keras.Input((3,))\n")
    assert not looks_like_python('{"format": "layerloom-clipboard"}')
    assert not looks_like_python("layers. (")


# ------------------------------------------------------------------ refused, with a position
HOSTILE = [
    ("__import__('os').system('touch /tmp/pwned')\n", 3, "__import__"),
    ("import os\n", 3, "importing 'os'"),
    ("import subprocess as keras2\n", 3, "subprocess"),
    ("from os import path\n", 3, "importing 'os'"),
    ("from . import x\n", 3, "relative"),
    ("from keras.layers import *\n", 3, "import \\*"),
    ("eval('1')\n", 3, "'eval'"),
    ("exec('x = 1')\n", 3, "'exec'"),
    ("open('/etc/passwd')\n", 3, "'open'"),
    ("x = keras.Input((8,))\nfor i in range(3):\n    x = layers.Dense(4)(x)\n", 4, "for loop"),
    ("while True:\n    pass\n", 3, "while loop"),
    ("class Mine(layers.Layer):\n    pass\n", 3, "class definition"),
    ("x = keras.Input((8,))\ny = layers.Dense(int('4'))(x)\n", 4, "'int'"),
    ("units = f'{4}'\n", 3, "f-string"),
    ("x = keras.Input((8,))\ny = layers.Dense(10 ** 100)(x)\n", 4, "arithmetic"),
    ("x = keras.Input((8,))\ny = layers.Dense(99999999999999)(x)\n", 4, "too large"),
    ("name = '" + "a" * 5000 + "'\n", 3, "too long"),
    ("x = keras.Input((8,))\ny = layers.Lambda(lambda t: t)(x)\n", 4, "Lambda"),
    ("x = keras.Input((8,))\ny = layers.Dense(4, activation=lambda t: t)(x)\n", 4, "lambda"),
    ("x = keras.Input((8,))\ny = layers.Dense(units=4, bogus=1)(x)\n", 4, "no argument 'bogus'"),
    ("x = keras.Input((8,))\ny = layers.NoSuchLayer(4)(x)\n", 4, "must be given by keyword"),
    ("x = keras.Input((8,))\ny = layers.deserialize({'class_name': 'Lambda', 'config': {}})(x)\n", 4,
     "never imported"),
    ("x = keras.Input((8,))\ny = layers.deserialize({'class_name': 'a b', 'config': {}})(x)\n", 4,
     "literal"),
    ("x = keras.Input((8,))\ny = layers.Dense(4)(z)\n", 4, "'z' is used but never defined"),
    ("x = keras.Input((8,))\ny = x[:, :2]\n", 4, "slicing"),
    ("x = keras.Input((8,))\ny = x + x\n", 4, "arithmetic"),
    ("x = keras.Input((8,))\ny = layers.Dense(4)(x, training=True)\n", 4, "training="),
    ("x = keras.Input((8,))\nm = keras.Model(x, x)\nm.layers[0].trainable = False\n", 5, "attribute"),
    ("try:\n    pass\nexcept Exception:\n    pass\n", 3, "try statement"),
    ("with open('f') as f:\n    pass\n", 3, "with statement"),
    ("print = layers.Dense\nprint(3)(keras.Input((2,)))\nx = lambda: 0\n", 5, "lambda"),
    ("len = 3\nlen(keras.Input((2,)))\n", 4, "calling 'len'"),
    ("keras.utils.get_file('x', 'http://example.com')\n", 3, "keras.utils.get_file"),
    ("x = keras.Input((8,))\ny = layers.Dense(4)(x)\ny = layers.Dense(3)(y).numpy()\n", 5, "method 'numpy'"),
    ("x = keras.Input((8,))\ndel x\n", 4, "del"),
    ("@staticmethod\ndef f():\n    pass\n", 3, "decorated"),
    ("def f():\n    return f()\nf()\n", 4, "levels deep"),
    ("x = (\n", 3, "not valid Python"),
    ("x = keras.Input((8,))\nm = keras.Model(x, layers.Dense(4)(x))\nm.compile(loss=keras.losses.MSE)\n", 5, "literal"),
    ("a = keras.Input((8,))\nb = keras.Input((8,))\nm = keras.Model(a, layers.add([a, b]))\n", 4,
     "not among its inputs"),
    ("x = keras.Input((8,))\nm = keras.Model(x, layers.Dense(4)(x))\nm.compile(loss=['mse', 'mae'])\n", 5, "2 entries"),
    ("layers = 3\nx = layers.Dense(4)\n", 4, "method 'Dense'"),
    ("", 0, "no layer"),
]


@pytest.mark.parametrize("body,line,message", HOSTILE, ids=[f"case{i}" for i in range(len(HOSTILE))])
def test_hostile_or_unsupported_source_is_refused_with_its_line(body, line, message, tmp_path, monkeypatch):
    called = []
    for name in ("exec", "eval", "open"):
        original = getattr(builtins, name)
        monkeypatch.setattr(builtins, name, lambda *a, _n=name, _o=original, **k: (called.append(_n), _o(*a, **k))[1])
    real_compile, real_import = builtins.compile, builtins.__import__

    def watched_compile(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:  # parsing to a tree is fine; compiling to code is not
            called.append("compile")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def watched_import(name, *args, **kwargs):
        if name not in sys.modules:
            called.append(f"import {name}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", watched_compile)
    monkeypatch.setattr(builtins, "__import__", watched_import)
    modules = set(sys.modules)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceImportError, match=message) as info:
        import_source(HEADER + body, filename="hostile.py")
    monkeypatch.undo()
    assert info.value.line == line
    assert line == 0 or f"hostile.py:{line}:" in str(info.value)
    assert called == []  # nothing was executed, compiled, imported or opened
    assert set(sys.modules) - modules == set()
    assert list(tmp_path.iterdir()) == []
    assert not __import__("os").path.exists("/tmp/pwned")


@pytest.mark.parametrize("source", [
    "x = " + "[" * 200_000 + "]" * 200_000,
    "import keras\nx = keras" + ".layers" * 1500 + "\n",
    "from keras import layers\nx = layers.Input((2,))\nx = layers.Dense(1)" + "(x)" * 900 + "\n",
    "x = [1]" + "[0]" * 1500 + "\n",
    "x = " + "-" * 1500 + "1\n",
    "x = " + "+".join(["1"] * 50_000) + "\n",
], ids=["brackets", "attributes", "calls", "subscripts", "signs", "sum"])
def test_deeply_nested_source_is_refused_without_crashing(source):
    """Also: functions calling each other exponentially often are cut off."""
    with pytest.raises(SourceImportError):
        import_source(source)


def test_exponentially_many_function_calls_are_cut_off():
    lines = ["def f0(x):\n    return x\n"]
    for k in range(1, 16):
        lines.append(f"def f{k}(x):\n" + "".join(f"    x = f{k - 1}(x)\n" for _ in range(10)) + "    return x\n")
    with pytest.raises(SourceImportError, match="more than 200,000 steps"):
        import_source("".join(lines) + "y = f15(1)\n")
