"""Shared test configuration: headless Qt, quiet TensorFlow."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from tests import hypothesis_profiles  # noqa: F401  (registers and loads the profile)
