"""The child process that upgrades a Keras 2 model config with Keras 3's legacy loader.

Run as ``python -m codegen.import_child`` by :func:`codegen.importer.upgrade_with_keras`:
reads ``{"model": <config>}`` on stdin, rebuilds the model from the config alone (no weights,
no file) with safe mode on, and prints one JSON line on stdout: ``{"ok": true, "model": <Keras 3
config>}`` or ``{"ok": false, "error": "..."}``. The parent has already refused configs naming
code or custom classes; safe mode is a second lock. The parent kills this process on timeout;
the process also limits its own memory and dies with its parent (:mod:`codegen.child_limits`).
"""

from __future__ import annotations

import json
import os
import sys


def upgrade(model: dict) -> dict:
    """Rebuild ``model`` (a Keras 2 config) with Keras 3 and return Keras 3's config of it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras  # noqa: F401  (imported here: the child is the only place that loads Keras)
    from keras.src.legacy.saving import saving_options, saving_utils
    from keras.src.saving import serialization_lib

    with saving_options.keras_option_scope(use_legacy_config=True), \
            serialization_lib.SafeModeScope(True):
        rebuilt = saving_utils.model_from_config(model, custom_objects={})
    return json.loads(rebuilt.to_json())


def main() -> int:
    """Entry point: one request on stdin, one reply line on stdout."""
    from codegen.child_limits import limit_self

    limit_self()  # memory rlimit, killed with the parent, lifetime watchdog
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # anything Keras prints must not mix with the reply
    try:
        request = json.loads(sys.stdin.read())
        reply = {"ok": True, "model": upgrade(request["model"])}
    except MemoryError:
        reply = {"ok": False, "error": "MemoryError: the model needs more memory than the import "
                                       "allows (its layers are too large to rebuild)"}
    except Exception as exc:
        reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    real_stdout.write(json.dumps(reply) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
