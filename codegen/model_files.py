"""Reading Keras model files (``.keras``, ``.h5``, JSON) as data, without Keras and within limits.

:func:`read_model_file` returns the model config, Keras version and compile settings of a file as a
:class:`ModelFile`; :mod:`codegen.importer` translates it into a document. Every read is bounded
(:data:`MAX_CONFIG_BYTES`; archive members inflate in chunks, so a zip bomb stops at the limit),
JSON is parsed without NaN/Infinity, and every failure is an :class:`ImportFailed` naming the file.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

from codegen.errors import ImportFailed
from graph_core.loom_format import FORMAT_NAME

#: Largest model config read (config.json, model_config attribute, JSON file), in bytes.
MAX_CONFIG_BYTES = 32 * 1024 * 1024
#: Largest metadata.json read from a .keras archive (it holds a few version strings).
MAX_METADATA_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024

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
