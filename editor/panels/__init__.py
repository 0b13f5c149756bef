"""Dockable panels of the editor that show Keras's view of the document.

- :mod:`editor.panels.summary_panel` — ``model.summary()`` from the Keras worker, build errors mapped
  back to their node;
- :mod:`editor.panels.code_panel` — the live Python export, highlighted, with Copy and Save…;
- :mod:`editor.panels.training_panel` — compile/fit settings, Run/Cancel, progress, loss curves.

None of them imports TensorFlow: Keras work happens in the worker process (:mod:`editor.worker`).
"""
