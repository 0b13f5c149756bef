"""Loaders on small files the tests write: right arrays, mismatches refused before training."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.data_loaders import load_model_data, source_for_path
from codegen.data_readers import DataReadError, read_npy, read_npz, split_validation
from codegen.errors import DataError, DataUnreadable
from graph_core.builder import GraphBuilder
from graph_core.edits import SetDataSection

pytestmark = pytest.mark.keras


def _model(input_shape=(4,), units=3, loss="categorical_crossentropy", dtype=None, names=("x", "y"),
           activation="softmax"):
    b = GraphBuilder("m")
    kwargs = {"dtype": dtype} if dtype else {}
    x = b.input(names[0], shape=input_shape, **kwargs)
    if len(input_shape) > 1:
        x = b.layer("Flatten", x, name="flat")
    b.output(b.layer("Dense", x, units=units, activation=activation, name=names[1]), loss=loss)
    return b.document


def _with_data(doc, section):
    doc.apply(SetDataSection(section))
    return doc


def test_npz_arrays_by_name_and_class_ids_one_hot(tmp_path):
    x = np.arange(40, dtype=np.float64).reshape(10, 4)
    y = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 0])
    np.savez(tmp_path / "d.npz", x=x, y=y)
    doc = _with_data(_model(), {"sources": [{"id": "d", "kind": "npz", "path": "d.npz"}]})
    data = load_model_data(doc, tmp_path / "m.loom")
    assert data.samples == 10 and data.x.dtype == np.float32
    np.testing.assert_array_equal(data.x, x.astype(np.float32))
    np.testing.assert_array_equal(data.y, np.eye(3, dtype=np.float32)[y])
    assert "d.npz array 'x'" in data.describe()


def test_npz_mismatches_name_the_input_the_expected_shape_and_what_the_file_holds(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((10, 5)), y=np.zeros(10, dtype=int), z=np.zeros((9, 4)))
    doc = _with_data(_model(), {"sources": [{"id": "d", "kind": "npz", "path": "d.npz"}]})
    with pytest.raises(DataError) as info:
        load_model_data(doc, tmp_path / "m.loom")
    assert str(info.value) == ("Input 'x' expects arrays of shape (None, 4) float32; "
                               "d.npz array 'x' holds (10, 5) float64")
    doc = _with_data(_model(), {"sources": [{"id": "d", "kind": "npz", "path": "d.npz"}],
                                "inputs": {"x": {"array": "z"}}})
    with pytest.raises(DataError, match=r"different numbers of samples: x 9 .*y 10"):
        load_model_data(doc, tmp_path / "m.loom")
    doc = _with_data(_model(), {"sources": [{"id": "d", "kind": "npz", "path": "d.npz"}],
                                "inputs": {"x": {"array": "pixels"}}})
    with pytest.raises(DataError, match=r"no array named 'pixels' \(arrays: x \(10, 5\), y \(10,\), z"):
        load_model_data(doc, tmp_path / "m.loom")


def test_class_ids_out_of_range_and_wrong_dtypes_are_refused(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 4)), y=np.array([0, 1, 5, 2]))
    doc = _with_data(_model(), {"sources": [{"id": "d", "kind": "npz", "path": "d.npz"}]})
    with pytest.raises(DataError, match="output 'y' has 3 classes, but .* holds class ids from 0 to 5"):
        load_model_data(doc, tmp_path / "m.loom")
    np.savez(tmp_path / "s.npz", x=np.array([["a"] * 4] * 4), y=np.zeros(4, dtype=int))
    doc = _with_data(_model(), {"sources": [{"id": "d", "kind": "npz", "path": "s.npz"}]})
    with pytest.raises(DataError, match=r"Input 'x' expects .* holds \(4, 4\) <U1 \(numbers needed\)"):
        load_model_data(doc, tmp_path / "m.loom")
    np.savez(tmp_path / "f.npz", x=np.zeros((4, 4)), y=np.zeros(4))
    doc = _with_data(_model(loss="sparse_categorical_crossentropy"),
                     {"sources": [{"id": "d", "kind": "npz", "path": "f.npz"}]})
    with pytest.raises(DataError, match=r"expects integer class ids of shape \(None,\); .* holds \(4,\) float64"):
        load_model_data(doc, tmp_path / "m.loom")


def test_npy_is_memory_mapped_and_a_pickled_npy_is_refused(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((6, 4), dtype=np.float32))
    np.save(tmp_path / "y.npy", np.array([0, 1, 2, 0, 1, 2]))
    array = read_npy(tmp_path / "x.npy")
    assert isinstance(array, np.memmap)
    doc = _with_data(_model(), {"sources": [{"id": "x", "kind": "npy", "path": "x.npy"},
                                            {"id": "y", "kind": "npy", "path": "y.npy"}],
                                "inputs": {"x": {"source": "x"}}, "outputs": {"y": {"source": "y"}}})
    assert load_model_data(doc, tmp_path / "m.loom").y.shape == (6, 3)
    np.save(tmp_path / "evil.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataReadError, match="pickled object array.*never loaded"):
        read_npy(tmp_path / "evil.npy")
    np.savez(tmp_path / "evil.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataReadError, match="pickled object array"):
        read_npz(tmp_path / "evil.npz")
    doc = _with_data(_model(), {"sources": [{"id": "x", "kind": "npy", "path": "evil.npy"},
                                            {"id": "y", "kind": "npy", "path": "y.npy"}],
                                "inputs": {"x": {"source": "x"}}, "outputs": {"y": {"source": "y"}}})
    with pytest.raises(DataUnreadable, match="evil.npy: holds Python objects"):
        load_model_data(doc, tmp_path / "m.loom")


def test_csv_last_column_is_the_target_and_named_columns_with_types(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,c,d,label\n1,2,3,4,0\n5,6,7,8,2\n\n9,10,11,12,1\n")
    doc = _with_data(_model(), {"sources": [{"id": "t", "kind": "csv", "path": "t.csv"}]})
    data = load_model_data(doc, tmp_path / "m.loom")
    np.testing.assert_array_equal(data.x, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    np.testing.assert_array_equal(data.y, np.eye(3)[[0, 2, 1]])
    doc = _with_data(_model(input_shape=(2,), loss="mse", units=1, activation="linear"),
                     {"sources": [{"id": "t", "kind": "csv", "path": "t.csv"}],
                      "inputs": {"x": {"columns": ["d", 0]}}, "outputs": {"y": {"columns": ["c"], "type": "float"}}})
    data = load_model_data(doc, tmp_path / "m.loom")
    np.testing.assert_array_equal(data.x, [[4, 1], [8, 5], [12, 9]])
    assert data.y.shape == (3, 1) and data.y.dtype == np.float32
    (tmp_path / "bad.csv").write_text("a,b,c,d,label\n1,2,x,4,0\n")
    doc = _with_data(_model(), {"sources": [{"id": "t", "kind": "csv", "path": "bad.csv"}]})
    with pytest.raises(DataError, match=r"input 'x': .*bad.csv: line 2, column 'c': 'x' is not a number"):
        load_model_data(doc, tmp_path / "m.loom")
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3\n")
    doc = _with_data(_model(), {"sources": [{"id": "t", "kind": "csv", "path": "ragged.csv"}]})
    with pytest.raises(DataUnreadable, match="line 3 has 1 fields, the header has 2"):
        load_model_data(doc, tmp_path / "m.loom")


def test_image_folder_one_sub_folder_per_class(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, level in (("cats", 30), ("dogs", 220)):
        (tmp_path / "pics" / name).mkdir(parents=True)
        for i in range(3):
            pixels = np.full((6, 5), level, dtype=np.uint8) + rng.integers(0, 5, (6, 5), dtype=np.uint8)
            Image.fromarray(pixels, mode="L").save(tmp_path / "pics" / name / f"{i}.png")
    doc = _with_data(_model(input_shape=(6, 5, 1), units=2),
                     {"sources": [{"id": "p", "kind": "image_folder", "path": "pics"}]})
    data = load_model_data(doc, tmp_path / "m.loom")
    assert data.x.shape == (6, 6, 5, 1) and data.x.dtype == np.float32
    labels = data.y.argmax(axis=1)
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1]
    assert np.all((data.x.mean(axis=(1, 2, 3)) > 128) == (labels == 1))  # the pictures go with their classes
    assert data.class_names == {"y": ["cats", "dogs"]}
    assert source_for_path(tmp_path / "pics").kind == "image_folder"
    doc = _with_data(_model(input_shape=(30,), units=2), {"sources": [{"id": "p", "kind": "image_folder",
                                                                        "path": "pics"}]})
    with pytest.raises(DataError, match=r"needs a \(height, width, channels\) shape"):
        load_model_data(doc, tmp_path / "m.loom")


def test_text_folder_one_sub_folder_per_class(tmp_path):
    for name, words in (("neg", "awful bad"), ("pos", "great fine")):
        (tmp_path / "reviews" / name).mkdir(parents=True)
        for i in range(2):
            (tmp_path / "reviews" / name / f"{i}.txt").write_text(f"{words} {i}")
    b = GraphBuilder("texts")
    x = b.input("text", shape=(1,), dtype="string")
    x = b.layer("TextVectorization", x, vocabulary=["awful", "bad", "great", "fine"], output_mode="multi_hot",
                name="vec")
    b.output(b.layer("Dense", x, units=2, activation="softmax", name="sentiment"), loss="categorical_crossentropy")
    doc = _with_data(b.document, {"sources": [{"id": "r", "kind": "text_folder", "path": "reviews"}]})
    with pytest.raises(DataError, match=r"Input 'text' expects arrays of shape \(None, 1\) string; .* holds \(4,\)"):
        load_model_data(doc, tmp_path / "m.loom")
    doc.layers[doc.layer_by_name("text").id].config["shape"] = []
    data = load_model_data(doc, tmp_path / "m.loom")
    texts = dict(zip(data.x.tolist(), data.y.argmax(axis=1).tolist()))
    assert texts == {"awful bad 0": 0, "awful bad 1": 0, "great fine 0": 1, "great fine 1": 1}
    assert source_for_path(tmp_path / "reviews").kind == "text_folder"


def test_synthetic_without_a_data_section_and_unreadable_paths():
    doc = _model()
    data = load_model_data(doc, samples=7, seed=1)
    assert data.samples == 7 and data.synthetic
    with pytest.raises(DataUnreadable, match="no such file"):
        load_model_data(doc, paths={None: "/nonexistent/data.npz"})


def test_validation_split_is_seeded_and_disjoint():
    train, val = split_validation(100, 0.2, seed=3)
    assert len(val) == 20 and len(train) == 80 and not set(train) & set(val)
    again = split_validation(100, 0.2, seed=3)
    assert np.array_equal(again[1], val)
    assert len(split_validation(5, 0.01)[1]) == 1 and len(split_validation(2, 0.9)[0]) == 1
