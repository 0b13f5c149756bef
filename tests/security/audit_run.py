"""Run the hostile corpus through import, open, check, export and the worker's document path
under an audit hook (``sys.addaudithook``), and report what it saw.

``python -m tests.security.audit_run FOLDER`` writes the corpus into FOLDER, installs the hook,
processes every file, and prints one JSON line: the number of files, the outcomes, and the
violations (an ``open`` outside FOLDER, any ``exec``/``marshal``/``pickle``/subprocess/socket/
``ctypes``/``import`` event while processing).
"""

from __future__ import annotations

import encodings.cp437  # zip member names, decoded lazily by zipfile
import encodings.utf_8_sig  # noqa: F401  (JSON text, decoded lazily)
import json
import sys
import zipfile
from pathlib import Path

import h5py  # imported before the hook: processing must import nothing
import numpy as np

import codegen.python_export  # noqa: F401
from codegen.errors import CodegenError
from codegen.importer import import_model_file
from codegen.python_export import export_python
from graph_core import check, loom_format
from graph_core.errors import LoomFormatError
from tests.security.corpus import (
    config_bomb,
    hostile_keras_configs,
    hostile_loom_documents,
    in_memory,
    metadata_bomb,
)

_FORBIDDEN = ("exec", "compile", "marshal.", "pickle.", "subprocess.", "os.system", "os.exec", "os.posix_spawn",
              "os.spawn", "os.fork", "socket.", "ctypes.", "import", "urllib.", "http.", "shutil.", "os.remove",
              "os.rename", "os.mkdir", "os.symlink")


def write_corpus(folder: Path) -> tuple:
    """Write every hostile file; return (model files to import, .loom files to open)."""
    imports, looms = [], []
    for name, config in hostile_keras_configs().items():
        text = json.dumps(config)
        (folder / f"{name}.json").write_text(text)
        with zipfile.ZipFile(folder / f"{name}.keras", "w") as archive:
            archive.writestr("config.json", text)
            archive.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        with h5py.File(folder / f"{name}.h5", "w") as f:
            f.attrs["model_config"] = text.encode()
            f.attrs["keras_version"] = b"3.5.0"
        imports += [folder / f"{name}.{ext}" for ext in ("json", "keras", "h5")]
    imports.append(config_bomb(folder / "config_bomb.keras", 40 * 1024 * 1024))
    imports.append(metadata_bomb(folder / "metadata_bomb.keras", 1024 * 1024))
    for name, (data, _path) in hostile_loom_documents().items():
        (folder / f"{name}.loom").write_text(json.dumps(data))
        looms.append(folder / f"{name}.loom")
    return imports, looms


def main(folder: Path) -> dict:
    imports, looms = write_corpus(folder)
    docs = [in_memory(data) for data, _path in hostile_loom_documents().values()]
    allowed = str(folder.resolve())
    violations: list = []

    def hook(event: str, args) -> None:
        if event == "open":
            path = args[0]
            if isinstance(path, bytes):
                path = path.decode("utf-8", "replace")
            if isinstance(path, (str, Path)) and not str(Path(path).resolve()).startswith(allowed):
                violations.append(f"open {path!r}")
        elif event.startswith(_FORBIDDEN):
            violations.append(f"{event} {str(args)[:120]}")

    outcomes: dict = {}
    sys.addaudithook(hook)
    for path in imports:
        try:
            import_model_file(path)
            outcomes[path.name] = "imported"
        except CodegenError as exc:
            outcomes[path.name] = type(exc).__name__
    for path in looms:
        try:
            loom_format.load(path)
            outcomes[path.name] = "opened"
        except LoomFormatError as exc:
            outcomes[path.name] = type(exc).__name__
    for i, doc in enumerate(docs):
        check(doc)
        try:
            export_python(doc)
            outcomes[f"export{i}"] = "exported"
        except CodegenError as exc:
            outcomes[f"export{i}"] = type(exc).__name__
        try:  # the worker's path: the document as the editor sends it
            loom_format.document_from_dict(loom_format.document_to_dict(doc))
            outcomes[f"worker{i}"] = "accepted"
        except LoomFormatError as exc:
            outcomes[f"worker{i}"] = type(exc).__name__
    np.zeros(1)
    return {"files": len(imports) + len(looms), "outcomes": outcomes, "violations": violations}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
