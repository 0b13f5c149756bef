"""Issue 12, findings 1 and 7: one allow-list refuses code, outside classes and file paths the
same way in open, check, export, build and import (the safety check relies on no Keras internals)."""

from __future__ import annotations

import json
import os

import pytest

from codegen.errors import ExportRefused, ImportRefused
from codegen.import_safety import check_safety
from codegen.importer import import_model_file, run_import_command
from codegen.python_export import export_python
from graph_core import check, loom_format
from graph_core.errors import LoomRefused
from tests.security.corpus import BAIT_PATH, hostile_keras_configs, hostile_loom_documents, in_memory

LOOM = hostile_loom_documents()
KERAS = hostile_keras_configs()


@pytest.mark.parametrize("case", sorted(LOOM))
def test_open_refuses_with_the_json_path(case):
    data, path = LOOM[case]
    with pytest.raises(LoomRefused) as info:
        loom_format.loads(json.dumps(data))
    assert info.value.path == path
    assert "evil" in info.value.message  # names the layer


@pytest.mark.parametrize("case", sorted(LOOM))
def test_check_reports_an_error_and_export_writes_nothing(case):
    doc = in_memory(LOOM[case][0])
    result = check(doc)
    assert any(p.code == "layer.refused" and p.is_error for p in result.problems), result.problems
    with pytest.raises(ExportRefused, match="cannot export"):
        export_python(doc)


@pytest.mark.parametrize("case", ["tfsm_layer", "string_lookup_vocabulary"])
def test_cli_check_and_export_refuse_without_traceback(case, tmp_path, capsys):
    from editor.cli import main

    src = tmp_path / "hostile.loom"
    src.write_text(json.dumps(LOOM[case][0]))
    out = tmp_path / "out.py"
    assert main(["check", str(src)]) != 0
    assert main(["export", str(src), "-o", str(out)]) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and LOOM[case][1] in err
    assert not out.exists()


def test_unknown_but_harmless_types_open_and_are_reported():
    data = json.loads(json.dumps(LOOM["tfsm_layer"][0]))
    data["layers"][1] = {"id": "l2", "type": "Mystery", "name": "evil", "config": {}}
    doc = loom_format.loads(json.dumps(data))  # opens: the file can be repaired in the editor
    assert [p.code for p in check(doc).errors] == ["layer.not_allowed"]
    with pytest.raises(ExportRefused):
        export_python(doc)


@pytest.mark.parametrize("case", sorted(KERAS))
def test_import_refuses_every_hostile_config(case, tmp_path, capsys):
    src = tmp_path / f"{case}.json"
    src.write_text(json.dumps(KERAS[case]))
    with pytest.raises(ImportRefused):
        import_model_file(src, keras_upgrade="never")
    out = tmp_path / "out.loom"
    assert run_import_command(str(src), str(out)) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists() and not os.path.exists(BAIT_PATH)


@pytest.mark.parametrize("case", ["lambda_inside_typespec", "refused_layer_at_initializer_key",
                                  "get_file_function", "enable_unsafe_deserialization",
                                  "keras_module_unlisted_class"])
def test_safety_check_itself_refuses_without_keras(case):
    with pytest.raises(ImportRefused):
        check_safety(KERAS[case])


@pytest.mark.keras
def test_build_refuses_paths_even_without_validation():
    from codegen.build import make_plain_layer
    from codegen.errors import BuildError

    with pytest.raises(BuildError, match="vocabulary"):
        make_plain_layer("StringLookup", {"vocabulary": BAIT_PATH}, "look")
