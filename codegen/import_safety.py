"""Deciding, from a model config alone, whether importing it could run code from the file.

Nothing here imports Keras: the config is plain JSON data and is inspected as such. A file is
refused when any object in it names Python code (a ``Lambda`` layer, a serialized lambda, a
wrapped TensorFlow SavedModel, PyTorch module or JAX function) or a class or function that does
not come from Keras itself (a custom layer, initializer, regularizer, activation…): loading such
a file with Keras would import and run that code, which LayerLoom never does.
"""

from __future__ import annotations

from typing import Any

from codegen.errors import ImportRefused

#: Keras layers that carry code or opaque programs, with the reason given to the user.
REFUSED_LAYERS = {
    "Lambda": "is a Lambda layer: it contains Python code, which LayerLoom never runs; "
              "rebuild it from standard layers",
    "TFSMLayer": "is a TFSMLayer: it wraps a TensorFlow SavedModel, a program LayerLoom cannot "
                 "inspect and never runs; rebuild it from standard layers",
    "TorchModuleWrapper": "is a TorchModuleWrapper: it wraps a PyTorch module, Python code which "
                          "LayerLoom never runs; rebuild it from standard layers",
    "JaxLayer": "is a JaxLayer: it wraps a JAX function, Python code which LayerLoom never runs; "
                "rebuild it from standard layers",
    "FlaxLayer": "is a FlaxLayer: it wraps a Flax module, Python code which LayerLoom never runs; "
                 "rebuild it from standard layers",
    "TFOpLambda": "is a TFOpLambda: a raw TensorFlow operation recorded by Keras 2, which "
                  "LayerLoom cannot represent and never runs; rebuild it from standard layers",
    "SlicingOpLambda": "is a SlicingOpLambda: a raw tensor slice recorded by Keras 2, which "
                       "LayerLoom cannot represent and never runs; rebuild it from standard layers",
}

#: Serialization markers for plain data (not classes): safe to read.
DATA_MARKERS = frozenset({
    "__keras_tensor__", "__tuple__", "__numpy__", "__bytes__", "__ellipsis__", "__slice__",
    "__tensor__", "__typespec__",
})

# Public Keras class names (Keras 3.15 API plus Keras 2 names found in older files). Used for
# objects without a "module" key (legacy .h5 and Keras 2 JSON), which identify their class by
# name only: a name outside this list is a custom class.
_KNOWN = """
Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D
AdaptiveAveragePooling3D AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D Add
AdditiveAttention AlphaDropout Attention AugMix AutoContrast Average AveragePooling1D
AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D BatchNormalization
Bidirectional CategoryEncoding CenterCrop Concatenate
ContrastLimitedAdaptiveHistogramEqualization Conv1D Conv1DTranspose Conv2D Conv2DTranspose
Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D ConvLSTM3D Convolution1D Convolution1DTranspose
Convolution2D Convolution2DTranspose Convolution3D Convolution3DTranspose Cropping1D
Cropping2D Cropping3D CutMix Dense DepthwiseConv1D DepthwiseConv2D Discretization Dot
Dropout ELU EinsumDense Embedding Equalization Flatten GRU GRUCell GaussianDropout
GaussianNoise GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D
GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D GlobalMaxPool1D GlobalMaxPool2D
GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D GroupNormalization
GroupQueryAttention HashedCrossing Hashing Identity InputLayer IntegerLookup
LSTM LSTMCell LayerNormalization LeakyReLU Masking MaxNumBoundingBoxes
MaxPool1D MaxPool2D MaxPool3D MaxPooling1D MaxPooling2D MaxPooling3D Maximum MelSpectrogram
Minimum MixUp MultiHeadAttention Multiply Normalization PReLU Permute Pipeline
RMSNormalization RNN RandAugment RandomBrightness RandomColorDegeneration RandomColorJitter
RandomContrast RandomCrop RandomElasticTransform RandomErasing RandomFlip RandomGaussianBlur
RandomGrayscale RandomHue RandomInvert RandomPerspective RandomPosterization RandomRotation
RandomSaturation RandomSharpness RandomShear RandomTranslation RandomZoom ReLU RepeatVector
Rescaling Reshape Resizing ReversibleEmbedding STFTSpectrogram SeparableConv1D
SeparableConv2D SeparableConvolution1D SeparableConvolution2D SimpleRNN SimpleRNNCell
Softmax Solarization SpatialDropout1D SpatialDropout2D SpatialDropout3D
SpectralNormalization StackedRNNCells StringLookup Subtract TextVectorization
TimeDistributed UnitNormalization UpSampling1D UpSampling2D UpSampling3D
ZeroPadding1D ZeroPadding2D ZeroPadding3D
Functional Model Sequential
CuDNNGRU CuDNNLSTM ThresholdedReLU LocallyConnected1D LocallyConnected2D SyncBatchNormalization
RandomHeight RandomWidth PeepholeLSTMCell AbstractRNNCell
Constant GlorotNormal GlorotUniform HeNormal HeUniform IdentityInitializer
LecunNormal LecunUniform Ones Orthogonal OrthogonalInitializer RandomNormal
RandomUniform STFT STFTInitializer TruncatedNormal VarianceScaling Zeros
L1 L2 L1L2 OrthogonalRegularizer MaxNorm MinMaxNorm NonNeg UnitNorm RadialConstraint
DTypePolicy FloatDTypePolicy QuantizedDTypePolicy QuantizedFloat8DTypePolicy DTypePolicyMap
Int4DTypePolicy GPTQDTypePolicy AWQDTypePolicy Policy
Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lamb Lion LossScaleOptimizer Nadam RMSprop SGD
CosineDecay CosineDecayRestarts ExponentialDecay InverseTimeDecay PiecewiseConstantDecay
PolynomialDecay
"""
KNOWN_KERAS_CLASSES = frozenset(_KNOWN.split())

#: Config keys holding one nested layer entry, and config keys holding a list of them.
_ONE_LAYER_KEYS = ("layer", "backward_layer", "cell", "forward_layer")
_MANY_LAYER_KEYS = ("layers", "cells")


def is_keras_module(module: Any) -> bool:
    """True for ``keras`` and its submodules (``keras.layers``, ``keras.src.models.functional``)."""
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def check_safety(model: Any) -> None:
    """Refuse a model config that names code or a class from outside Keras.

    Args:
        model: the parsed model config (``{"class_name": ..., "config": ...}``).

    Raises:
        ImportRefused: naming the first offending layer (and the model around it when nested)
            and why it is refused.
    """
    try:
        if isinstance(model, dict):
            _walk_entry(model, [], top=True)
    except RecursionError:
        raise ImportRefused("the model config is nested too deeply to inspect safely") from None


def _entry_name(entry: dict) -> str | None:
    name = entry.get("name")
    if not isinstance(name, str):
        config = entry.get("config")
        name = config.get("name") if isinstance(config, dict) else None
    return name if isinstance(name, str) else None


def _subject(name: str | None, models: list, top: bool = False) -> str:
    if top:
        return f"the model '{name}'" if name else "the model"
    inside = f" (inside model '{models[-1]}')" if models else ""
    return f"layer '{name or '?'}'{inside}"


def _walk_entry(entry: dict, models: list, top: bool = False) -> None:
    """Check one layer (or model) entry, its nested objects and nested layers."""
    name = _entry_name(entry)
    subject = _subject(name, models, top)
    class_name = entry.get("class_name")
    if isinstance(class_name, str):
        _check_object(entry, class_name, subject, None, name)
    config = entry.get("config")
    if isinstance(config, dict):
        is_model = isinstance(config.get("layers"), list)
        inner_models = models + [name or "?"] if is_model and not top else models
        for key, value in config.items():
            if key in _ONE_LAYER_KEYS and isinstance(value, dict) and "class_name" in value:
                _walk_entry(value, inner_models)
            elif key in _MANY_LAYER_KEYS and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        _walk_entry(item, inner_models)
                    else:
                        _walk_value(item, subject, key, name)
            else:
                _walk_value(value, subject, key, name)
    if "inbound_nodes" in entry:
        _walk_value(entry["inbound_nodes"], subject, "its call arguments", name)


def _walk_value(value: Any, subject: str, key: str, layer: str | None) -> None:
    """Check the serialized objects (initializers, activations…) inside a layer's config."""
    if isinstance(value, list):
        for item in value:
            _walk_value(item, subject, key, layer)
        return
    if not isinstance(value, dict):
        return
    class_name = value.get("class_name")
    if isinstance(class_name, str) and "config" in value:
        _check_object(value, class_name, subject, key, layer)
        if class_name in DATA_MARKERS:
            return
    for inner in value.values():
        _walk_value(inner, subject, key, layer)


def _check_object(obj: dict, class_name: str, subject: str, key: str | None,
                  layer: str | None) -> None:
    """Raise ImportRefused when ``obj`` names code or a class from outside Keras."""
    module = obj.get("module")
    registered = obj.get("registered_name")
    config = obj.get("config")
    use = f" for '{key}'" if key else ""
    if class_name == "__lambda__":
        raise ImportRefused(f"{subject} holds a Python lambda{use}: it contains Python code, which "
                            f"LayerLoom never runs; rebuild it from standard layers", layer)
    if class_name in DATA_MARKERS:
        return
    if key is None and class_name in REFUSED_LAYERS:
        raise ImportRefused(f"{subject} {REFUSED_LAYERS[class_name]}", layer)
    if class_name == "function":
        if not is_keras_module(module):
            fn = config if isinstance(config, str) else "?"
            raise ImportRefused(
                f"{subject} uses the custom function '{fn}' (module '{module}'){use}: loading it "
                f"would run code from outside Keras, which LayerLoom never does; use a built-in "
                f"Keras function instead", layer)
        return
    what = f"{subject} is of" if key is None else f"{subject} uses{use} an object of"
    if module is not None:
        if not is_keras_module(module):
            raise ImportRefused(
                f"{what} the custom class '{class_name}' (module '{module}'): loading it would "
                f"import and run code from outside Keras, which LayerLoom never does; rebuild it "
                f"from standard Keras parts", layer)
        if registered is not None and registered != class_name:
            package = str(registered).split(">", 1)[0] if ">" in str(registered) else None
            if package != "keras":
                raise ImportRefused(
                    f"{what} the class registered as '{registered}', which is not a Keras built-in: "
                    f"loading it would run code from outside Keras, which LayerLoom never does; "
                    f"rebuild it from standard Keras parts", layer)
        return
    if class_name not in KNOWN_KERAS_CLASSES:
        raise ImportRefused(
            f"{what} the class '{class_name}', which is not a Keras built-in (a custom class?): "
            f"loading it would run code from outside Keras, which LayerLoom never does; rebuild "
            f"it from standard Keras parts", layer)
