"""Issue 12, finding 3: `layerloom summary`, `fit` and `.keras` export refuse a model above the
parameter threshold before Keras allocates it (``--allow-large`` lifts the limit)."""

from __future__ import annotations

import json
import resource
import time

import pytest

from editor.cli import main
from tests.security.corpus import loom_dict


@pytest.mark.parametrize("argv", [["summary"], ["fit", "--epochs", "1"], ["export", "-o", "OUT.keras"]],
                         ids=["summary", "fit", "export"])
def test_cli_refuses_huge_models_before_allocating(argv, tmp_path, capsys):
    data = loom_dict("Dense", {"units": 250_000})
    data["layers"][0]["config"]["shape"] = [1000]  # 250 million weights
    src = tmp_path / "huge.loom"
    src.write_text(json.dumps(data))
    args = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    assert main([args[0], str(src), *args[1:]]) == 1
    err = capsys.readouterr().err
    assert "250,250,000 parameters" in err and "--allow-large" in err and "Traceback" not in err
    assert time.perf_counter() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KB: no weights
    assert not (tmp_path / "out.keras").exists()
