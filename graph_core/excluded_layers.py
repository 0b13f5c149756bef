"""The public ``keras.layers`` classes that are deliberately not in the catalog, and why.

Every other public class of ``keras.layers`` has a catalog entry (or is another name for a
cataloged class, e.g. ``MaxPool2D`` for ``MaxPooling2D``);
``tests/keras_equality/test_keras_coverage.py`` enumerates ``keras.layers`` at run time and
fails when a Keras release adds a class that is neither. docs/layer-catalog.md lists them too.
"""

from __future__ import annotations

CODE = "carries code: refused on import and never built"

#: class name -> reason it is not in the catalog
EXCLUDED = {
    "Lambda": "runs an arbitrary Python function (" + CODE + ")",
    "TFSMLayer": "loads a TensorFlow SavedModel from a path and runs its graph (" + CODE + ")",
    "TorchModuleWrapper": "wraps a PyTorch module (" + CODE + ")",
    "JaxLayer": "wraps a JAX function (" + CODE + ")",
    "FlaxLayer": "wraps a Flax module (" + CODE + ")",
    "Layer": "the base class of all layers (subclassing it means custom code)",
    "Wrapper": "the base class of wrappers; Bidirectional, TimeDistributed and "
               "SpectralNormalization are in the catalog",
    "InputLayer": "what keras.Input creates; the catalog's Input kind stands for it",
    "InputSpec": "not a layer: it describes the input a layer expects",
    "RNN": "generic recurrent layer over a cell object; SimpleRNN, LSTM, GRU and ConvLSTM1D-3D "
           "cover the built-in cells",
    "SimpleRNNCell": "a cell, used only inside RNN; use SimpleRNN",
    "LSTMCell": "a cell, used only inside RNN; use LSTM",
    "GRUCell": "a cell, used only inside RNN; use GRU",
    "StackedRNNCells": "a list of cells, used only inside RNN; stack LSTM/GRU layers instead",
    "Pipeline": "holds a list of layer objects applied in turn; draw those layers one after "
                "another instead",
    "STFTSpectrogram": "needs scipy, which LayerLoom does not install, so Keras cannot build it "
                       "here and its shape rule could not be checked against Keras",
}


def why_excluded(layer_type: str) -> str | None:
    """The reason ``layer_type`` is not in the catalog, or None when it is not excluded."""
    return EXCLUDED.get(layer_type)
