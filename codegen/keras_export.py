"""Document → ``.keras`` model file (the built and compiled model, saved by Keras)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from codegen.applications import keras_message
from codegen.errors import BuildError, CodegenError
from graph_core.document import Document


def save_keras(doc: Document, path: str | os.PathLike, model=None) -> Path:
    """Build (unless given) and save the model of ``doc`` as a ``.keras`` file.

    The file is written next to its destination under a temporary name and renamed over it,
    so a failure never leaves a half-written model file.

    Args:
        doc: the document.
        path: destination, ending in ``.keras``.
        model: the compiled ``keras.Model`` already built from ``doc`` (built when None).

    Returns:
        The path written.

    Raises:
        BuildError: the model cannot be built.
        CodegenError: the path does not end in ``.keras`` or cannot be written.
    """
    target = Path(path)
    if target.suffix != ".keras":
        raise CodegenError(f"{os.fspath(path)}: a Keras model file must end in .keras")
    if model is None:
        from codegen.build import build_model

        model = build_model(doc, compile=True)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".keras", dir=folder)
    except OSError as exc:
        raise CodegenError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        model.save(tmp)
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise CodegenError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
    except Exception as exc:
        reason = keras_message(exc)
        raise BuildError(f"Keras could not save the model: {reason}", stage="save", reason=reason) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
