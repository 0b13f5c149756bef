"""LayerLoom's desktop editor (PySide6) and the ``layerloom`` command line.

Importing this package imports neither Qt nor TensorFlow; the GUI modules import Qt themselves and
Keras work runs in a separate worker process.
"""
