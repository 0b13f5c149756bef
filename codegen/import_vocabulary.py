"""Vocabularies of lookup layers on import: inline from the config, or from the archive's assets.

Keras keeps the vocabulary of a StringLookup / IntegerLookup / TextVectorization layer in its
config when it was given as a list, and in the ``.keras`` archive's assets
(``assets/layers/<layer key>/vocabulary.txt``, one token a line) when it was learned with
``adapt()``. Both are read as data, size-bounded, from the archive itself. A vocabulary that
the config gives as a file path is refused: LayerLoom never reads a path a file names.
"""

from __future__ import annotations

import re
import zipfile

from codegen.errors import ImportFailed, ImportRefused
from graph_core.document import Document

#: layer types whose vocabulary can live in the archive's assets
LOOKUP_TYPES = ("StringLookup", "IntegerLookup", "TextVectorization")
MAX_VOCABULARY_BYTES = 64 * 1024 * 1024
MAX_TOKENS = 2_000_000


def refuse_vocabulary_paths(model: dict) -> None:
    """Refuse a model config where a lookup layer's vocabulary is a file path (never read).

    Raises:
        ImportRefused: naming the layer and the path.
    """
    for entry, inside in _layer_entries(model, []):
        config = entry.get("config")
        if entry.get("class_name") in LOOKUP_TYPES and isinstance(config, dict) \
                and isinstance(config.get("vocabulary"), str):
            where = f" (inside model '{inside[-1]}')" if inside else ""
            name = config.get("name", "?")
            raise ImportRefused(
                f"layer '{name}'{where}: its vocabulary is a file path "
                f"({config['vocabulary'][:200]!r}); LayerLoom never reads a path a model file "
                f"names. Give the tokens inline (a list), or save the model after adapt() so the "
                f"vocabulary is stored in the archive", name)


def _layer_entries(model: dict, inside: list, depth: int = 0):
    """(layer entry, names of the models around it) for every layer, nested models included."""
    config = model.get("config") if isinstance(model, dict) else None
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list) or depth > 64:
        return
    for entry in layers:
        if not isinstance(entry, dict):
            continue
        yield entry, inside
        if isinstance(entry.get("config"), dict) and "layers" in entry["config"]:
            yield from _layer_entries(entry, inside + [entry["config"].get("name", "?")], depth + 1)


def snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case`` (the key of a layer's folder in the archive)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def asset_keys(model: dict) -> dict:
    """Top-level layer name -> its folder key under ``layers/`` (``string_lookup_1``), as Keras
    names them: the snake-case class name, numbered from the second of a class, in order."""
    config = model.get("config") if isinstance(model, dict) else None
    layers = config.get("layers") if isinstance(config, dict) else None
    used: dict = {}
    keys = {}
    for entry in layers if isinstance(layers, list) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
            continue
        key = snake_case(entry["class_name"])
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        name = (entry.get("config") or {}).get("name") if isinstance(entry.get("config"), dict) else None
        if isinstance(name, str):
            keys[name] = key
    return keys


def _tokens(raw: bytes, where: str, integers: bool) -> list:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{where}: the vocabulary is not UTF-8 text ({exc})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > MAX_TOKENS:
        raise ImportFailed(f"{where}: the vocabulary has {len(lines)} tokens, more than the "
                           f"{MAX_TOKENS} LayerLoom reads")
    if not integers:
        return lines
    try:
        return [int(t) for t in lines]
    except ValueError:
        raise ImportFailed(f"{where}: an IntegerLookup vocabulary holds a token that is not an "
                           f"integer") from None


def strip_special_tokens(tokens: list, config: dict, layer_type: str) -> list:
    """The vocabulary without the mask and OOV tokens Keras writes before it."""
    if layer_type == "TextVectorization":
        mask, oov, n_oov = "", "[UNK]", 1
    else:
        mask = config.get("mask_token")
        oov = config.get("oov_token", "[UNK]" if layer_type == "StringLookup" else -1)
        n_oov = config.get("num_oov_indices", 1)
    start = 0
    if mask is not None and tokens[:1] == [mask]:
        start = 1
    while start < len(tokens) and n_oov > 0 and tokens[start] == oov:
        start += 1
        n_oov -= 1
    return tokens[start:]


def attach_vocabularies(path: str, model: dict, doc: Document, notes: list) -> None:
    """Put the asset vocabularies of the top-level lookup layers into their configs.

    Layers whose config already holds a vocabulary are left alone; adapted lookups inside
    nested models are noted (their vocabulary is not read).

    Args:
        path: the ``.keras`` archive.
        model: its parsed config.json.
        doc: the imported document (changed in place, before anyone sees it).
        notes: import notes to append to.
    """
    wanted = [layer for layer in doc.layers.values()
              if layer.type in LOOKUP_TYPES and layer.config.get("vocabulary") is None]
    if not wanted:
        _note_nested(model, notes)
        return
    keys = asset_keys(model)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for layer in wanted:
                member = f"assets/layers/{keys.get(layer.name, '?')}/vocabulary.txt"
                if member not in names:
                    notes.append(f"layer '{layer.name}': no vocabulary in the file (it was never "
                                 f"adapted); adapt it or give the tokens before training")
                    continue
                info = archive.getinfo(member)
                if info.file_size > MAX_VOCABULARY_BYTES:
                    raise ImportFailed(f"{path}: {member} is {info.file_size} bytes, more than the "
                                       f"{MAX_VOCABULARY_BYTES} a vocabulary can be")
                where = f"{path}: {member}"
                tokens = _tokens(archive.read(member), where, layer.type == "IntegerLookup")
                layer.config["vocabulary"] = strip_special_tokens(tokens, layer.config, layer.type)
                if layer.config.get("output_mode") == "tf_idf":
                    notes.append(f"layer '{layer.name}': its tf_idf weights live in the weights "
                                 f"file and were not imported")
    except ImportFailed:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        raise ImportFailed(f"{path}: the vocabulary cannot be read from the archive ({exc})") from None
    _note_nested(model, notes)


def _note_nested(model: dict, notes: list) -> None:
    for entry, inside in _layer_entries(model, []):
        config = entry.get("config")
        if inside and entry.get("class_name") in LOOKUP_TYPES and isinstance(config, dict) \
                and config.get("vocabulary") is None:
            notes.append(f"layer '{config.get('name', '?')}' inside model '{inside[-1]}': an "
                         f"adapted vocabulary of a nested model is not imported")


def settle_adapted_discretization(doc: Document) -> None:
    """An adapted Discretization is saved with both ``num_bins`` and the learned
    ``bin_boundaries``, which its constructor refuses together (Keras's ``from_config`` sets
    the boundaries after construction): keep the boundaries, which are the layer's state, and
    drop ``num_bins``, which only tells ``adapt()`` how many to learn. Nested models too."""
    for layer in doc.layers.values():
        if layer.subgraph is not None:
            settle_adapted_discretization(layer.subgraph)
        config = layer.config
        if layer.type == "Discretization" and config.get("bin_boundaries") is not None \
                and config.get("num_bins") is not None:
            del config["num_bins"]
