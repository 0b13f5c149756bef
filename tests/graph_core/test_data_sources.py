"""The .loom data section and the fit options: parse, validate, keep unknown keys, map, rebase."""

from __future__ import annotations

import json
import os

import pytest

from graph_core import loom_format
from graph_core.data_sources import (
    Binding,
    DataSection,
    DataSource,
    parse_section,
    rebase_paths,
    relative_path,
    resolve_bindings,
    resolve_path,
    section_to_dict,
)
from graph_core.edits import SetDataSection
from graph_core.errors import DataSourceError, EditError, LoomFormatError
from graph_core.fit_options import fit_options
from graph_core.templates import load_template, template_path
from graph_core.training_settings import DEFAULT_FIT_OPTIONS

SECTION = {
    "sources": [
        {"id": "train", "kind": "npz", "path": "data/train.npz", "note": "kept"},
        {"id": "val", "kind": "csv", "path": "val.csv", "delimiter": ";", "header": False},
        {"id": "pics", "kind": "image_folder", "path": "pics", "image_size": [28, 28], "color_mode": "grayscale"},
    ],
    "inputs": {"image": {"source": "train", "array": "x", "future": 1}},
    "outputs": {"digit": {"source": "train", "columns": ["label", 3], "type": "int"}},
    "validation": {"train": "val"},
    "view": {"open": True},
}


def _file(data_section) -> str:
    data = json.loads((template_path("mlp")).read_text())
    data["data"] = data_section
    return json.dumps(data)


def test_section_round_trips_with_unknown_keys_kept():
    section = parse_section(SECTION)
    assert section.source("val").delimiter == ";" and section.source("pics").image_size == (28, 28)
    assert section.inputs["image"] == Binding("train", "x")
    assert section.outputs["digit"].columns == ("label", 3)
    assert section_to_dict(section) == SECTION
    doc = loom_format.loads(_file(SECTION))
    assert json.loads(loom_format.dumps(doc))["data"] == SECTION


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d["sources"].append({"id": "train", "kind": "npz", "path": "x.npz"}), "$.data.sources[3].id",
     "duplicate"),
    (lambda d: d["sources"][0].update(kind="pickle"), "$.data.sources[0].kind", "npz, npy"),
    (lambda d: d["sources"][0].pop("path"), "$.data.sources[0].path", "needs a path"),
    (lambda d: d["sources"][0].update(path="a\0b"), "$.data.sources[0].path", "NUL"),
    (lambda d: d["sources"].append({"id": "s", "kind": "synthetic", "path": "x"}), "$.data.sources[3].path",
     "reads no file"),
    (lambda d: d["sources"][1].update(delimiter=";;"), "$.data.sources[1].delimiter", "one character"),
    (lambda d: d["sources"][1].update(header="yes"), "$.data.sources[1].header", "true or false"),
    (lambda d: d["sources"][2].update(image_size=[0, 28]), "$.data.sources[2].image_size", "height, width"),
    (lambda d: d["sources"][2].update(color_mode="cmyk"), "$.data.sources[2].color_mode", "grayscale"),
    (lambda d: d["inputs"]["image"].update(source="nope"), "$.data.inputs.image.source", "no source"),
    (lambda d: d["outputs"]["digit"].update(columns=[-1]), "$.data.outputs.digit.columns", "0-based"),
    (lambda d: d["outputs"]["digit"].update(type="complex"), "$.data.outputs.digit.type", "float, int"),
    (lambda d: d.update(validation={"train": "missing"}), "$.data.validation.train", "id of a source"),
    (lambda d: d.update(sources={}), "$.data.sources", "a list"),
])
def test_malformed_sections_do_not_open_and_name_the_json_path(change, path, words):
    data = json.loads(json.dumps(SECTION))
    change(data)
    with pytest.raises(LoomFormatError) as info:
        loom_format.loads(_file(data), file="bad.loom")
    assert info.value.path == path and words in info.value.message


@pytest.mark.parametrize("name, value", [("validation_split", 1.0), ("validation_split", -0.1),
                                         ("lr_schedule", "warp"), ("early_stopping", "yes"), ("patience", 0),
                                         ("lr_factor", 0.0), ("checkpoint_best", 1)])
def test_fit_options_out_of_range_do_not_open(name, value):
    data = json.loads(template_path("mlp").read_text())
    data["fit"][name] = value
    with pytest.raises(LoomFormatError) as info:
        loom_format.loads(json.dumps(data))
    assert info.value.path == f"$.fit.{name}"


def test_fit_options_default_until_set_and_overrides_win():
    doc = load_template("mlp")
    assert not set(DEFAULT_FIT_OPTIONS) & set(doc.fit)  # files without options save unchanged
    options = fit_options(doc.fit, epochs=3, validation_split=0.25, lr_schedule=None)
    assert (options.epochs, options.validation_split, options.lr_schedule) == (3, 0.25, "constant")
    assert options.checkpoint_best is True and options.to_dict()["patience"] == 3
    with pytest.raises(ValueError, match="validation split"):
        fit_options(doc.fit, validation_split=1.5)
    with pytest.raises(ValueError, match="no fit setting"):
        fit_options(doc.fit, momentum=0.9)


def test_default_mapping_by_name_and_csv_last_column():
    npz = DataSection((DataSource("d", "npz", "d.npz"),))
    found = resolve_bindings(npz, ["image"], ["digit"])
    assert [(b.role, b.name, b.field) for b in found] == [("input", "image", "image"), ("output", "digit", "digit")]
    table = DataSection((DataSource("t", "csv", "t.csv"),))
    found = resolve_bindings(table, ["features"], ["target"])
    assert [b.columns for b in found] == [("*rest",), ("*last",)]
    with pytest.raises(DataSourceError, match="input 'a'.*CSV columns"):
        resolve_bindings(table, ["a", "b"], ["target"])
    folder = DataSection((DataSource("f", "image_folder", "pics"),))
    assert [b.field for b in resolve_bindings(folder, ["x"], ["y"])] == ["images", "labels"]
    two = DataSection((DataSource("a", "npz", "a.npz"), DataSource("b", "npz", "b.npz")))
    with pytest.raises(DataSourceError, match="input 'x' is not mapped.*has 2"):
        resolve_bindings(two, ["x"], ["y"])


def test_validation_sources_replace_the_training_ones():
    section = parse_section(SECTION)
    found = resolve_bindings(section, ["image"], ["digit"], role="validation")
    assert {b.source.id for b in found} == {"val"}
    with pytest.raises(DataSourceError, match="no validation source"):
        resolve_bindings(parse_section({"sources": [{"id": "a", "kind": "npz", "path": "a.npz"}]}),
                         ["x"], ["y"], role="validation")


def test_paths_are_relative_in_the_file_and_absolute_in_memory(tmp_path):
    project = tmp_path / "proj" / "model.loom"
    project.parent.mkdir()
    data = tmp_path / "proj" / "data" / "train.npz"
    assert relative_path(data, project) == "data/train.npz"
    assert relative_path(tmp_path / "other.npz", project) == "../other.npz"
    assert resolve_path(DataSource("d", "npz", "data/train.npz"), project) == data
    project.write_text(_file({"sources": [{"id": "d", "kind": "npz", "path": "data/train.npz"}]}))
    doc = loom_format.load(project)
    assert doc.extra["data"]["sources"][0]["path"] == data.as_posix()
    moved = tmp_path / "elsewhere" / "copy.loom"
    moved.parent.mkdir()
    loom_format.save(doc, moved)
    assert json.loads(moved.read_text())["data"]["sources"][0]["path"] == "../proj/data/train.npz"
    assert rebase_paths({"sources": [{"id": "s", "kind": "synthetic"}]}, project, None)["sources"][0] == {
        "id": "s", "kind": "synthetic"}


def test_opening_never_reads_the_data_paths(tmp_path):
    target = tmp_path / "secret.npz"
    project = tmp_path / "m.loom"
    project.write_text(_file({"sources": [{"id": "d", "kind": "npz", "path": "secret.npz"}]}))
    os.mkfifo(target)  # reading it would block the test forever
    doc = loom_format.load(project)
    assert doc.extra["data"]["sources"][0]["path"].endswith("secret.npz")


def test_set_data_section_is_undoable_and_checked():
    doc = load_template("mlp")
    edit = SetDataSection({"sources": [{"id": "d", "kind": "npz", "path": "/data/d.npz"}]})
    doc.apply(edit)
    assert doc.extra["data"]["sources"][0]["id"] == "d"
    doc.revert(edit)
    assert "data" not in doc.extra
    with pytest.raises(EditError, match="kind"):
        SetDataSection({"sources": [{"id": "d", "kind": "zip", "path": "x"}]})
    assert load_template("digits-cnn").extra["data"]["sources"][0]["path"].endswith("assets/data/digits.npz")
