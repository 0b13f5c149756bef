"""Shape inference and parameter-count rules, one module per layer family.

Each family module defines small ``infer_*`` / ``count_*`` functions in the spirit of Keras's
``compute_output_shape`` and a ``SPECS`` tuple of :class:`~graph_core.catalog.LayerSpec`.
Only the standard library is used here (no Keras, no TensorFlow).
"""
