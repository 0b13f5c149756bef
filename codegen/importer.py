"""Importing Keras model files (``.keras``, ``.h5``, JSON) as LayerLoom documents, safely.

The model's architecture is read as data — ``config.json`` from the ``.keras`` zip archive, the
``model_config`` attribute of an HDF5 file, or the text of ``model.to_json()`` — and translated
layer by layer (:mod:`codegen.import_config`); nothing from the file is ever executed, and Keras
is not even imported for Keras 3 files. Before translation the whole config is inspected
(:mod:`codegen.import_safety`): files with Lambda layers, custom classes or functions, wrapped
SavedModels, PyTorch or JAX code are refused.

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
import zipfile
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
from graph_core.document import Document
from graph_core.errors import LoomFormatError, LoomRefused
from graph_core.layer_kinds import kind_of
from graph_core.layout import layered_positions
from graph_core.loom_format import FORMAT_NAME, FORMAT_VERSION, document_from_dict

#: Largest model config read (config.json, model_config attribute, JSON file), in bytes.
MAX_CONFIG_BYTES = 32 * 1024 * 1024
#: Largest metadata.json read from a .keras archive (it holds a few version strings).
MAX_METADATA_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024
EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


class ModelFile:
    """What was read from a model file, before translation.

    Attributes:
        path: the file.
        kind: ``"keras"`` (zip archive), ``"h5"`` or ``"json"``.
        model: the parsed model config (``{"class_name", "config", ...}``).
        keras_version: the Keras version that wrote it, when recorded.
        compile_config: the compile (Keras 3) or training (Keras 2 / .h5) settings, or None.
    """

    def __init__(self, path: str, kind: str, model: Any, keras_version: str | None,
                 compile_config: dict | None):
        self.path = path
        self.kind = kind
        self.model = model
        self.keras_version = keras_version
        self.compile_config = compile_config

    @property
    def keras_major(self) -> int | None:
        """2 or 3 (None when unknown)."""
        if self.keras_version:
            head = self.keras_version.split(".", 1)[0]
            if head.isdigit():
                return int(head)
        if isinstance(self.model, dict) and "module" in self.model:
            return 3
        return None

    @property
    def legacy(self) -> bool:
        """True for a Keras 2 config (inbound nodes as lists, or written by Keras 2)."""
        if self.keras_major is not None and self.keras_major < 3:
            return True
        return _has_legacy_nodes(self.model)


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


# ------------------------------------------------------------------------------ reading files
def read_model_file(path: str | os.PathLike) -> ModelFile:
    """Read the model config (and compile settings) of a model file without Keras.

    Raises:
        ImportFailed: naming the file and what is wrong with it.
    """
    name = os.fspath(path)
    try:
        if os.path.isdir(name):
            raise ImportFailed(f"{name}: is a folder, not a model file (a TensorFlow SavedModel?); "
                               f"LayerLoom imports .keras, .h5 and .json model files")
        size = os.path.getsize(name)
        with open(name, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise ImportFailed(f"{name}: no such file") from None
    except OSError as exc:
        raise ImportFailed(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    if size == 0:
        raise ImportFailed(f"{name}: the file is empty")
    if head.startswith(_ZIP_MAGIC):
        return _read_keras_zip(name)
    if head.startswith(_HDF5_MAGIC):
        return _read_h5(name)
    return _read_json(name, size)


def _read_keras_zip(name: str) -> ModelFile:
    try:
        with zipfile.ZipFile(name) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise ImportFailed(f"{name}: the archive has no config.json, so it is not a Keras "
                                   f"model file (.keras archives hold config.json, metadata.json and "
                                   f"model.weights.h5)")
            raw = read_member(archive, "config.json", MAX_CONFIG_BYTES, name)
            metadata = (read_member(archive, "metadata.json", MAX_METADATA_BYTES, name)
                        if "metadata.json" in names else None)
    except ImportFailed:
        raise
    except zipfile.BadZipFile as exc:
        raise ImportFailed(f"{name}: not a readable .keras archive (truncated or corrupt: {exc})") from None
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError) as exc:
        raise ImportFailed(f"{name}: the .keras archive cannot be read ({exc})") from None
    model = _parse_json(raw, name, "config.json")
    version = None
    if metadata is not None:
        try:
            meta = json.loads(metadata)
            version = meta.get("keras_version") if isinstance(meta, dict) else None
        except (ValueError, RecursionError):
            version = None
    _expect_model(model, name, "config.json")
    compile_config = model.get("compile_config") if isinstance(model.get("compile_config"), dict) else None
    return ModelFile(name, "keras", model, version if isinstance(version, str) else None, compile_config)


def read_member(archive: zipfile.ZipFile, member: str, limit: int, name: str) -> bytes:
    """Read one archive member in bounded chunks: never more than ``limit`` bytes inflated,
    whatever its header claims (a zip bomb stops at the limit, not at the end).

    Raises:
        ImportFailed: the member is (or inflates to) more than ``limit`` bytes, or its compressed
            size alone is over the limit.
    """
    info = archive.getinfo(member)
    too_big = (f"{name}: {member} inflates to more than {limit} bytes, the most LayerLoom reads "
               f"(a zip bomb?)")
    if info.file_size > limit or info.compress_size > limit:
        raise ImportFailed(too_big)
    chunks, total = [], 0
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(min(_CHUNK_BYTES, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise ImportFailed(too_big)
            chunks.append(chunk)
    return b"".join(chunks)


def _read_h5(name: str) -> ModelFile:
    import h5py

    try:
        with h5py.File(name, "r") as f:
            attrs = f.attrs
            for key in ("model_config", "training_config", "keras_version"):
                if key in attrs and attrs.get_id(key).get_storage_size() > MAX_CONFIG_BYTES:
                    raise ImportFailed(f"{name}: its {key} attribute is larger than {MAX_CONFIG_BYTES} bytes")
            raw = attrs.get("model_config")
            if raw is None:
                if "layer_names" in attrs or "layers" in f or "vars" in f or "model_weights" in f:
                    raise ImportFailed(
                        f"{name}: this .h5 file holds only weights (saved with save_weights), not "
                        f"the model's architecture; save the whole model with "
                        f"model.save('model.keras') and import that")
                raise ImportFailed(f"{name}: this HDF5 file holds no Keras model (it has no "
                                   f"model_config attribute)")
            training = attrs.get("training_config")
            version = attrs.get("keras_version")
            raw = _as_text(raw)
            training = _as_text(training) if training is not None else None
            version = _as_text(version) if version is not None else None
    except ImportFailed:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise ImportFailed(f"{name}: not a readable HDF5 file (truncated or corrupt: {exc})") from None
    if raw is None:
        raise ImportFailed(f"{name}: its model_config attribute is not text")
    if len(raw) > MAX_CONFIG_BYTES:
        raise ImportFailed(f"{name}: model_config is larger than {MAX_CONFIG_BYTES} bytes")
    model = _parse_json(raw, name, "model_config")
    _expect_model(model, name, "model_config")
    compile_config = None
    if training:
        try:
            parsed = json.loads(training)
            compile_config = parsed if isinstance(parsed, dict) else None
        except (ValueError, RecursionError):
            compile_config = None
    return ModelFile(name, "h5", model, version, compile_config)


def _read_json(name: str, size: int) -> ModelFile:
    if size > MAX_CONFIG_BYTES:
        raise ImportFailed(f"{name}: the file is {size} bytes, more than the {MAX_CONFIG_BYTES} a "
                           f"model config can be")
    try:
        with open(name, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)  # bounded, whatever the size said
    except OSError as exc:
        raise ImportFailed(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ImportFailed(f"{name}: the file is more than the {MAX_CONFIG_BYTES} bytes a model config can be")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(f"{name}: not a Keras model file: it is neither a .keras archive, an "
                           f"HDF5 (.h5) file nor JSON text") from None
    if not text.lstrip().startswith(("{", "[")):
        raise ImportFailed(f"{name}: not a Keras model file: it is neither a .keras archive, an "
                           f"HDF5 (.h5) file nor JSON text")
    model = _parse_json(text, name, "the JSON text")
    if isinstance(model, dict) and model.get("format") == FORMAT_NAME:
        raise ImportFailed(f"{name}: this is a LayerLoom project (.loom file); open it instead of "
                           f"importing it")
    _expect_model(model, name, "the JSON text")
    compile_config = model.get("compile_config") if isinstance(model.get("compile_config"), dict) else None
    version = model.get("keras_version") if isinstance(model.get("keras_version"), str) else None
    return ModelFile(name, "json", model, version, compile_config)


def _as_text(value: Any) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        return value
    if hasattr(value, "tobytes"):  # numpy scalar of bytes
        return _as_text(value.tobytes())
    return None


def _parse_json(raw: str | bytes, name: str, what: str) -> Any:
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{name}: {what} is not valid JSON (line {exc.lineno}, column "
                           f"{exc.colno}: {exc.msg}); the file is corrupt or not a Keras model") from None
    except UnicodeDecodeError:
        raise ImportFailed(f"{name}: {what} is not UTF-8 text") from None
    except RecursionError:
        raise ImportFailed(f"{name}: {what} is nested too deeply") from None
    except ValueError as exc:
        raise ImportFailed(f"{name}: {what}: {exc}") from None


def _reject_constant(token: str):
    raise ValueError(f"it contains the number {token}, which a LayerLoom document cannot hold")


def _expect_model(model: Any, name: str, what: str) -> None:
    if not isinstance(model, dict) or not isinstance(model.get("class_name"), str) \
            or not isinstance(model.get("config"), dict):
        raise ImportFailed(f"{name}: {what} is not a Keras model config (expected the JSON of "
                           f"model.to_json(): an object with \"class_name\" and \"config\")")


def _has_legacy_nodes(model: Any, depth: int = 0) -> bool:
    if depth > 50 or not isinstance(model, dict):
        return False
    config = model.get("config")
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        return False
    for entry in config["layers"]:
        if not isinstance(entry, dict):
            continue
        nodes = entry.get("inbound_nodes")
        if isinstance(nodes, list) and any(isinstance(n, list) for n in nodes):
            return True
        if _has_legacy_nodes(entry, depth + 1):
            return True
    return False


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
