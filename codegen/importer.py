"""Importing Keras model files (``.keras``, ``.h5``, JSON) as LayerLoom documents, safely.

The model's architecture is read as data — ``config.json`` from the ``.keras`` zip archive, the
``model_config`` attribute of an HDF5 file, or the text of ``model.to_json()`` — and translated
layer by layer (:mod:`codegen.import_config`); nothing from the file is ever executed, and Keras
is not even imported for Keras 3 files. Before translation the whole config is inspected
(:mod:`codegen.import_safety`): files with Lambda layers, custom classes or functions, wrapped
SavedModels, PyTorch or JAX code are refused. Reading the files themselves, within size limits,
is :mod:`codegen.model_files`.

Keras 2 configs (legacy ``inbound_nodes`` lists, renamed arguments) are translated directly too.
Only when that fails is Keras 3's own legacy loader asked to upgrade the config, in a child
process (:mod:`codegen.import_child`) with safe mode on and a time limit; the editor's process
never loads a model with Keras.

Typical use::

    doc = import_model_file("resnet.keras")           # raises ImportRefused / ImportFailed
    status = run_import_command("model.h5", "model.loom")  # the ``layerloom import`` command
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from codegen.child_limits import child_environment
from codegen.errors import ImportFailed, ImportRefused
from codegen.import_config import ConfigError, translate_model
from codegen.import_masks import absorb_implicit_masks
from codegen.import_safety import check_safety
from codegen.import_vocabulary import (
    attach_vocabularies,
    refuse_vocabulary_paths,
    settle_adapted_discretization,
)
from codegen.model_files import (  # noqa: F401 - MAX_*, read_member re-exported for callers
    MAX_CONFIG_BYTES,
    MAX_METADATA_BYTES,
    ModelFile,
    read_member,
    read_model_file,
)
from graph_core.document import Document
from graph_core.errors import LoomFormatError, LoomRefused
from graph_core.layer_kinds import kind_of
from graph_core.layout import layered_positions
from graph_core.loom_format import FORMAT_NAME, FORMAT_VERSION, document_from_dict

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


# ------------------------------------------------------------------------------ public API
def import_model_file(path: str | os.PathLike, timeout: float = 120.0, *,
                      keras_upgrade: str = "auto") -> Document:
    """Read a Keras model file as a LayerLoom document, never running code from it.

    Args:
        path: a ``.keras`` archive, an ``.h5`` file saved with ``model.save`` or the JSON text of
            ``model.to_json()`` (recognized by content, whatever the extension).
        timeout: seconds allowed for the Keras child process that may upgrade a Keras 2 config.
        keras_upgrade: for Keras 2 configs only: ``"auto"`` translates them directly and asks
            Keras 3's legacy loader (in a child process) only when that fails; ``"always"`` goes
            through Keras first (falling back to the direct translation if Keras cannot read
            it); ``"never"`` does not start Keras at all.

    Returns:
        The document: one layer per Keras layer, one node per call, nested models as ``Model``
        layers, outputs with the compile settings found in the file, laid out in columns.
        ``doc.extra["imported_from"]`` records the source; ``doc.extra["import_notes"]`` lists
        what could not be kept exactly (when anything).

    Raises:
        ImportRefused: the file contains code (Lambda…) or classes from outside Keras.
        ImportFailed: the file is missing, unreadable, corrupt, not a Keras model, or the Keras
            child process timed out; the message names the file and what is wrong.
    """
    if keras_upgrade not in ("auto", "always", "never"):
        raise ValueError(f"keras_upgrade must be 'auto', 'always' or 'never', not {keras_upgrade!r}")
    source = read_model_file(path)
    name = source.path
    source.model = absorb_implicit_masks(source.model)  # the mask operations layers re-create
    try:
        check_safety(source.model)
        refuse_vocabulary_paths(source.model)
    except ImportRefused as exc:
        raise ImportRefused(f"{name}: {exc.message}", exc.layer_name) from None
    notes: list = []
    doc = None
    if source.legacy and keras_upgrade == "always":
        doc = _import_upgraded(source, timeout, notes, fallback_ok=True)
    if doc is None:
        try:
            doc = document_from_config(source.model, keras_major=source.keras_major,
                                       compile_config=source.compile_config, notes=notes, file=name)
        except ImportFailed as first:
            if not (source.legacy and keras_upgrade == "auto"):
                raise
            notes.clear()
            doc = _import_upgraded(source, timeout, notes, fallback_ok=False, first=first)
    settle_adapted_discretization(doc)
    if source.kind == "keras":
        attach_vocabularies(name, source.model, doc, notes)
    doc.extra["imported_from"] = {"file": os.path.basename(name), "format": source.kind,
                                  "keras_version": source.keras_version}
    if notes:
        doc.extra["import_notes"] = notes
    return doc


def _import_upgraded(source: ModelFile, timeout: float, notes: list, fallback_ok: bool,
                     first: ImportFailed | None = None) -> Document | None:
    """Translate a Keras 2 config after Keras 3's legacy loader upgraded it (child process)."""
    name = source.path
    try:
        upgraded = upgrade_with_keras(source.model, timeout)
    except ImportFailed as exc:
        raise ImportFailed(f"{name}: {exc}") from None
    except _UpgradeUnavailable as exc:
        if fallback_ok:
            notes.append(f"Keras could not upgrade the Keras 2 config, so it was translated as it "
                         f"is ({exc})")
            return None
        raise ImportFailed(f"{first}; Keras 3's legacy loader could not read it either ({exc})") from None
    upgraded = absorb_implicit_masks(upgraded)
    try:
        check_safety(upgraded)
    except ImportRefused as exc:
        raise ImportRefused(f"{name}: {exc.message}", exc.layer_name) from None
    notes.append("the Keras 2 config was upgraded by Keras 3's legacy loader")
    return document_from_config(upgraded, keras_major=3, compile_config=source.compile_config,
                                notes=notes, file=name)


def document_from_config(model: Any, *, keras_major: int | None = None,
                         compile_config: dict | None = None, notes: list | None = None,
                         file: str = "model config") -> Document:
    """Translate a parsed Keras model config into a laid-out document (no safety check here:
    call :func:`codegen.import_safety.check_safety` first).

    Raises:
        ImportFailed: the config is malformed; the message names ``file`` and the layer.
    """
    notes = notes if notes is not None else []
    try:
        graph = translate_model(model, keras_major=keras_major, notes=notes,
                                compile_config=compile_config)
    except ConfigError as exc:
        raise ImportFailed(f"{file}: {exc}") from None
    except RecursionError:
        raise ImportFailed(f"{file}: the model config is nested too deeply") from None
    except Exception as exc:  # a config shaped in a way the translation did not foresee
        raise ImportFailed(f"{file}: the model config has an unexpected structure "
                           f"({type(exc).__name__}: {exc})") from None
    graph.pop("_output_names", None)
    graph["format"] = FORMAT_NAME
    graph["version"] = FORMAT_VERSION
    try:
        doc = document_from_dict(graph)
    except LoomRefused as exc:  # the allow-list: a vocabulary file, a refused type…
        raise ImportRefused(f"{file}: {exc.path}: {exc.message}") from None
    except LoomFormatError as exc:  # a translation the document model does not accept
        raise ImportFailed(f"{file}: the model could not be represented ({exc})") from None
    for sub in doc.iter_documents():
        for nid, pos in layered_positions(sub).items():
            sub.nodes[nid].pos = pos
    return doc


def run_import_command(src: str, out: str) -> int:
    """``layerloom import SRC -o OUT``: import a Keras model file and save it as a ``.loom`` file.

    Prints a one-line summary (layers, nodes, inputs, outputs, problems found by the check).
    A refused or unreadable import writes nothing.

    Returns:
        0 when imported, 1 when refused (the file contains code or custom classes), 2 when the
        file cannot be read or the output cannot be written.
    """
    from graph_core import check, loom_format

    try:
        doc = import_model_file(src)
    except ImportRefused as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    except ImportFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as exc:  # a last resort: the command never ends in a traceback
        print(f"error: {src}: the import failed unexpectedly ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_UNREADABLE
    result = check(doc)
    try:
        loom_format.save(doc, out)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    nested = sum(1 for layer in doc.layers.values() if kind_of(layer) == "model")
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    print(f"imported {src} -> {out}: {len(doc.layers)} layers ({nested} nested models), "
          f"{len(doc.nodes)} nodes, {len(doc.input_nodes())} inputs, {len(doc.outputs)} outputs, "
          f"{result.params_text()}; check: {errors} error{'s' if errors != 1 else ''}, "
          f"{warnings} warning{'s' if warnings != 1 else ''} ({result.status})")
    for note in doc.extra.get("import_notes", []):
        print(f"note: {note}")
    return EXIT_OK


# ------------------------------------------------------------------------------ Keras child
class _UpgradeUnavailable(Exception):
    """Keras could not upgrade the config (its message says why); translate it as it is."""


def upgrade_with_keras(model: dict, timeout: float) -> dict:
    """Rebuild a Keras 2 config with Keras 3's legacy loader in a child process; return its
    Keras 3 config.

    The child (``python -m codegen.import_child``) gets the config on stdin — never the file —,
    loads it with safe mode on, and prints ``model.to_json()``. It is killed after ``timeout``
    seconds.

    Raises:
        ImportFailed: "timed out after N s".
        _UpgradeUnavailable: Keras could not rebuild it (the caller falls back).
    """
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("KERAS_BACKEND", "tensorflow")
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(child_environment(timeout + 5))
    request = json.dumps({"model": model})
    try:
        proc = subprocess.run([sys.executable, "-m", "codegen.import_child"], input=request.encode(),
                              capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise ImportFailed(f"timed out after {timeout:g} s while Keras upgraded the Keras 2 config") from None
    except OSError as exc:
        raise _UpgradeUnavailable(f"the Keras child process could not start: {exc}") from None
    try:
        reply = json.loads(proc.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise _UpgradeUnavailable(f"the Keras child process failed: {tail[0][:300]}") from None
    if not reply.get("ok"):
        raise _UpgradeUnavailable(f"Keras could not rebuild it: {str(reply.get('error'))[:300]}")
    upgraded = reply.get("model")
    if not isinstance(upgraded, dict):
        raise _UpgradeUnavailable("the Keras child process returned no model")
    return upgraded
