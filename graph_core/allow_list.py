"""The one allow-list of what a LayerLoom document may contain.

Open, check, build, Python export, import and the worker all ask this module, so a document is
refused the same way everywhere. A layer type is allowed when it is a catalog type, a layer kind
(``Model``, ``Application``) or a built-in generic ``keras.layers`` class name; types that carry
code or opaque programs (``Lambda``, ``TFSMLayer``…) are refused whatever else is true. Inside a
layer's config, serialized objects (initializers, regularizers, constraints, dtype policies)
must be Keras classes from this list, functions must be listed Keras functions, names for
activations/initializers/regularizers/constraints/dtypes must be known, and path-valued
arguments (vocabulary files, SavedModels, weight files) are refused: a document never makes
LayerLoom, Keras or the exported script read a file it names.

Typical use::

    for path, message in document_problems(doc):   # [] when everything is allowed
        print(path, message)
"""

from __future__ import annotations

from collections.abc import Iterator

from graph_core.layer_kinds import APPLICATIONS, is_known_type
from graph_core.layer_rules.params import ACTIVATIONS
from graph_core.losses import LOSS_ALIASES, LOSSES, METRICS
from graph_core.records import frozen
from graph_core.tensor import FLOAT_DTYPES, INTEGER_DTYPES

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ALLOWED_FUNCTIONS", "DATA_MARKERS", "KERAS_LAYER_CLASSES", "KERAS_OBJECT_CLASSES", "REFUSED_TYPES",
    "Refusal", "allow_list_problems", "config_problems", "document_problems", "is_refused_type",
    "layer_problems", "layer_type_problem",
]

@frozen
class Refusal:
    """One thing the allow-list does not accept.

    Attributes:
        path: the JSON path of the value (``$.layers[2].config.vocabulary``).
        message: a sentence naming the layer and the value.
        refused: True for what may never be read or run (code, outside classes, file paths):
            such a file does not open. False for names Keras would just reject (an unknown
            layer type or activation): the file opens and the check reports them as errors.
    """

    path: str
    message: str
    refused: bool


#: Layer types that carry code or opaque programs, with the reason given to the user.
REFUSED_TYPES = {
    "Lambda": "a Lambda layer contains Python code, which LayerLoom never runs",
    "TFSMLayer": "a TFSMLayer wraps a TensorFlow SavedModel, a program LayerLoom cannot inspect "
                 "and never runs",
    "TorchModuleWrapper": "a TorchModuleWrapper wraps a PyTorch module, Python code which "
                          "LayerLoom never runs",
    "JaxLayer": "a JaxLayer wraps a JAX function, Python code which LayerLoom never runs",
    "FlaxLayer": "a FlaxLayer wraps a Flax module, Python code which LayerLoom never runs",
    "TFOpLambda": "a TFOpLambda is a raw TensorFlow operation recorded by Keras 2, which "
                  "LayerLoom cannot represent and never runs",
    "SlicingOpLambda": "a SlicingOpLambda is a raw tensor slice recorded by Keras 2, which "
                       "LayerLoom cannot represent and never runs",
}

# Public keras.layers class names (Keras 3 API plus Keras 2 names found in older files), and the
# internal layers of keras.applications models (graph_core.layer_rules.applications).
_LAYERS = """
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
GroupQueryAttention GroupedQueryAttention HashedCrossing Hashing Identity Input InputLayer
IntegerLookup LSTM LSTMCell LayerNormalization LeakyReLU Masking MaxNumBoundingBoxes
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
LayerScale StochasticDepth CustomScaleLayer
"""
#: Built-in Keras layer (and model) class names.
KERAS_LAYER_CLASSES = frozenset(_LAYERS.split())

_OBJECTS = """
Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity IdentityInitializer
LecunNormal LecunUniform Ones Orthogonal OrthogonalInitializer RandomNormal
RandomUniform STFT STFTInitializer TruncatedNormal VarianceScaling Zeros
L1 L2 L1L2 OrthogonalRegularizer MaxNorm MinMaxNorm NonNeg UnitNorm RadialConstraint
DTypePolicy FloatDTypePolicy QuantizedDTypePolicy QuantizedFloat8DTypePolicy DTypePolicyMap
Int4DTypePolicy GPTQDTypePolicy AWQDTypePolicy Policy
Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lamb Lion LossScaleOptimizer Nadam RMSprop SGD
CosineDecay CosineDecayRestarts ExponentialDecay InverseTimeDecay PiecewiseConstantDecay
PolynomialDecay
"""
#: Built-in Keras classes of objects found inside configs (initializers, regularizers…).
KERAS_OBJECT_CLASSES = frozenset(_OBJECTS.split())

#: Serialization markers for plain data (not classes); their contents are still inspected.
DATA_MARKERS = frozenset({
    "__keras_tensor__", "__tuple__", "__numpy__", "__bytes__", "__ellipsis__", "__slice__",
    "__tensor__", "__typespec__",
})

_ACTIVATION_NAMES = frozenset(ACTIVATIONS) | frozenset((
    "celu", "glu", "hard_shrink", "hard_silu", "hard_tanh", "log_sigmoid", "soft_shrink",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold",
    "relu6", "silu", "swish",
))
_LOSS_FUNCTIONS = frozenset(LOSSES) | frozenset(LOSS_ALIASES) | frozenset(METRICS) | frozenset((
    "mean_squared_logarithmic_error", "mean_absolute_percentage_error", "kl_divergence",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "ctc", "dice", "tversky",
    "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy", "log_cosh_error",
))
#: Keras function names a config may name (activations, losses, metrics); nothing else.
ALLOWED_FUNCTIONS = _ACTIVATION_NAMES | _LOSS_FUNCTIONS
#: Modules Keras serializes those functions from.
_FUNCTION_MODULES = ("keras.activations", "keras.losses", "keras.metrics", "keras.src.activations",
                     "keras.src.losses", "keras.src.metrics", "keras.src.ops")

_INITIALIZER_NAMES = frozenset((
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "zeros", "ones", "zero", "one", "orthogonal", "random_uniform", "random_normal", "uniform",
    "normal", "truncated_normal", "identity", "constant", "variance_scaling",
))
_REGULARIZER_NAMES = frozenset(("l1", "l2", "l1_l2", "orthogonal_regularizer"))
_CONSTRAINT_NAMES = frozenset(("max_norm", "min_max_norm", "non_neg", "unit_norm", "radial_constraint"))
_DTYPE_NAMES = FLOAT_DTYPES | INTEGER_DTYPES | frozenset(("bool", "string", "mixed_float16",
                                                           "mixed_bfloat16", "float8_e4m3fn",
                                                           "float8_e5m2", "int4"))

#: Config keys whose string value would be a file or folder to read: refused (inline only).
PATH_KEYS = frozenset(("vocabulary", "idf_weights", "filepath", "file_path", "path", "weights_path",
                       "vocabulary_file", "vocabulary_path", "model_path", "saved_model"))
#: ``weights`` values an Application may have (a path would be read by keras.applications).
_APPLICATION_WEIGHTS = (None, "imagenet")


def layer_type_problem(layer_type: Any) -> str | None:
    """Why ``layer_type`` may not appear in a document, or None when it may.

    Args:
        layer_type: a document layer's ``type``.

    Returns:
        A sentence naming the type, or None.
    """
    if not isinstance(layer_type, str):
        return "a layer type must be a string"
    if layer_type in REFUSED_TYPES:
        return f"{layer_type} is refused: {REFUSED_TYPES[layer_type]}; rebuild it from standard layers"
    if is_known_type(layer_type) or layer_type in KERAS_LAYER_CLASSES:
        return None
    return (f"{_short(layer_type)} is not a LayerLoom layer type nor a built-in keras.layers class "
            f"(a custom class?); LayerLoom documents hold built-in layers only")


def is_refused_type(layer_type: Any) -> bool:
    """True for types that are never allowed, even in a file (code carriers, non-strings)."""
    return not isinstance(layer_type, str) or layer_type in REFUSED_TYPES


def config_problems(layer_type: str, config: Any, path: str) -> list:
    """The disallowed values inside one layer's config.

    Args:
        layer_type: the layer's type (used for path-valued arguments and applications).
        config: the layer's config (without a nested model's ``graph``).
        path: the JSON path of ``config`` (e.g. ``$.layers[3].config``).

    Returns:
        A list of :class:`Refusal`.
    """
    problems: list = []
    if not isinstance(config, dict):
        return problems
    if layer_type == "Application":
        weights = config.get("weights")
        if weights not in _APPLICATION_WEIGHTS:
            problems.append(Refusal(f"{path}.weights", f"weights must be null or \"imagenet\", not a "
                                                       f"file ({_short(weights)}): LayerLoom never loads a "
                                                       f"file a document names", True))
        app = config.get("application")
        if app is not None and app not in APPLICATIONS:
            problems.append(Refusal(f"{path}.application", f"{_short(app)} is not a keras.applications "
                                                           f"model LayerLoom knows", False))
    for key, value in config.items():
        if value is None or type(value) in _SCALARS:
            continue  # a number, a boolean or null names nothing: the commonest argument, no path made
        where = f"{path}.{key}"
        if key in ("graph", "layer", "backward_layer") and layer_type != "Application":
            if key == "graph":
                continue
            if isinstance(value, dict) and "type" in value:
                inner = value.get("type")
                problem = layer_type_problem(inner)
                if problem:
                    problems.append(Refusal(f"{where}.type", problem, is_refused_type(inner)))
                problems.extend(config_problems(value.get("type"), value.get("config"), f"{where}.config"))
                continue
        problems.extend(_value_problems(key, value, where))
    return problems


_SCALARS = frozenset({int, float, bool})


def _value_problems(key: str, value: Any, where: str) -> list:
    """Problems of one config argument (strings by the key's kind, objects by their class)."""
    problems: list = []
    if isinstance(value, str):
        if key in PATH_KEYS:
            problems.append(Refusal(where, f"{key} is the file {_short(value)}: LayerLoom never reads a "
                                           f"file a document names; give the values inline (a list)", True))
        problem = _name_problem(key, value)
        if problem:  # a dotted name is a module path Keras might import: refused, not just unknown
            problems.append(Refusal(where, problem, "." in value or ">" in value))
        return problems
    for sub_path, obj in _objects(value, where):
        problem = _object_problem(obj)
        if problem:
            problems.append(Refusal(sub_path, problem, True))
    return problems


def _name_problem(key: str, value: str) -> str | None:
    known = None
    if key == "activation" or key.endswith("_activation"):
        known, what = _ACTIVATION_NAMES, "activation"
    elif key.endswith("_initializer"):
        known, what = _INITIALIZER_NAMES, "initializer"
    elif key.endswith("_regularizer"):
        known, what = _REGULARIZER_NAMES, "regularizer"
    elif key.endswith("_constraint"):
        known, what = _CONSTRAINT_NAMES, "constraint"
    elif key == "dtype":
        known, what = _DTYPE_NAMES, "dtype"
    if known is not None and value not in known and value not in KERAS_OBJECT_CLASSES:
        return f"{_short(value)} is not a built-in Keras {what}"
    return None


def _objects(value: Any, path: str) -> Iterator:
    """Every dict with a ``class_name`` inside ``value`` (iteratively, any depth), with its path."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            if "class_name" in item:
                yield where, item
            stack.extend((v, f"{where}.{k}") for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))


def _object_problem(obj: dict) -> str | None:
    """Why a serialized object may not be in a document (code, custom class, unlisted function)."""
    class_name = obj.get("class_name")
    module = obj.get("module")
    registered = obj.get("registered_name")
    if class_name == "__lambda__":
        return "a serialized Python lambda is code, which LayerLoom never runs"
    if not isinstance(class_name, str):
        return "class_name must be a string"
    if module is not None and not (isinstance(module, str) and (module == "keras" or module.startswith("keras."))):
        return (f"the class {_short(class_name)} comes from module {_short(module)}, not from Keras: "
                f"loading it would run code from outside Keras")
    if class_name in REFUSED_TYPES:
        return f"{class_name} is refused: {REFUSED_TYPES[class_name]}"
    if class_name == "function":
        fn = obj.get("config")
        if not (isinstance(module, str) and module.startswith(_FUNCTION_MODULES)) or fn not in ALLOWED_FUNCTIONS:
            return (f"the function {_short(fn)} (module {_short(module)}) is not a listed Keras "
                    f"activation, loss or metric")
        return None
    if class_name in DATA_MARKERS:
        return None
    if registered is not None and registered != class_name and not (
            isinstance(registered, str) and registered.startswith("keras>")):
        return f"the class registered as {_short(registered)} is not a Keras built-in"
    if class_name in KERAS_OBJECT_CLASSES or class_name in KERAS_LAYER_CLASSES:
        return None
    return f"{_short(class_name)} is not a built-in Keras class (a custom class?)"


def layer_problems(layer) -> list:
    """What the allow-list refuses in one layer (its type and config, not a nested graph).

    Returns:
        A list of :class:`Refusal` with paths relative to the layer (``$.type``, ``$.config.x``).
    """
    problem = layer_type_problem(layer.type)
    if problem:
        return [Refusal("$.type", problem, is_refused_type(layer.type))]
    return config_problems(layer.type, layer.config, "$.config")


def allow_list_problems(layer, label: str, node_id: str) -> list:
    """The allow-list's findings on one layer as check problems (errors: the build refuses them).

    Names the catalog itself checks (a catalog layer's activation…) are left to the catalog.

    Args:
        layer: the document layer.
        label: how problems name it (``Dense 'dense_1'``).
        node_id: the node the problem is shown on.

    Returns:
        A list of :class:`graph_core.problems.Problem`.
    """
    return refusal_problems(layer_refusals(layer), label, node_id)


def layer_refusals(layer) -> list:
    """The :class:`Refusal` of one layer that checks report (the catalog checks its own names)."""
    from graph_core.catalog import get_spec

    in_catalog = get_spec(layer.type) is not None
    return [item for item in layer_problems(layer) if item.refused or not in_catalog]


def refusal_problems(refusals: list, label: str, node_id: str) -> list:
    """Refusals as check problems shown on ``node_id`` (errors: the build refuses them)."""
    from graph_core.problems import ERROR, Problem

    return [Problem(ERROR, "layer.refused" if item.refused else "layer.not_allowed",
                    f"{label}: {item.message}", (node_id,),
                    "LayerLoom builds, exports and opens built-in Keras parts only", detail=item.message,
                    param=item.path[len("$.config."):] if item.path.startswith("$.config.") else None)
            for item in refusals]


def document_problems(doc, path: str = "$") -> list:
    """Everything in ``doc`` (and its nested models) the allow-list refuses.

    Args:
        doc: a :class:`graph_core.document.Document`.
        path: the JSON path of ``doc`` in its file.

    Returns:
        A list of :class:`Refusal`; empty when the document is allowed.
    """
    problems: list = []
    for i, layer in enumerate(doc.layers.values()):
        problem = layer_type_problem(layer.type)
        if problem:
            problems.append(Refusal(f"{path}.layers[{i}].type", f"layer '{layer.name}': {problem}",
                                    is_refused_type(layer.type)))
            continue
        for item in config_problems(layer.type, layer.config, "$"):  # paths made only for what is found
            problems.append(Refusal(f"{path}.layers[{i}].config{item.path[1:]}",
                                    f"layer '{layer.name}': {item.message}", item.refused))
        if layer.subgraph is not None:
            problems.extend(document_problems(layer.subgraph, f"{path}.layers[{i}].config.graph"))
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

