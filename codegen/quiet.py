"""Importing TensorFlow/Keras without the log noise they print (for command-line tools)."""

from __future__ import annotations

import os
import sys
import warnings


def import_keras_quietly():
    """Import and return ``keras`` with TensorFlow's start-up logging silenced.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` (unless set), hides what the native libraries write to
    standard error while loading (oneDNN / CUDA notices that ignore that variable), and turns
    down TensorFlow's Python logger and Keras's user warnings. Already imported: a no-op.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "keras" not in sys.modules:
        _with_stderr_hidden(_import_keras)
    import keras

    warnings.filterwarnings("ignore", category=UserWarning, module=r"keras(\.|$)")
    try:
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        tf.autograph.set_verbosity(0)
    except Exception:
        pass
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except Exception:
        pass
    return keras


def _import_keras():
    import keras  # noqa: F401


def _with_stderr_hidden(func):
    """Run ``func`` with file descriptor 2 pointed at /dev/null; restore it afterwards."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return func()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        return func()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
