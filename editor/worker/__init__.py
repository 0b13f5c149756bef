"""The Keras worker: a separate process that does all TensorFlow/Keras work for the editor.

The editor never imports TensorFlow. It starts ``python -m editor.worker.server`` in the background
(:class:`editor.worker.client.KerasWorker`) and talks to it with one small JSON message per line
(:mod:`editor.worker.protocol`). Importing this package imports neither Qt nor TensorFlow.
"""
