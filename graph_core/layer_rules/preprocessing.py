"""Encoding and lookup preprocessing layers: CategoryEncoding, Hashing, HashedCrossing,
Discretization, StringLookup, IntegerLookup, TextVectorization.

The shape rules follow Keras's own ``compute_output_shape`` (including where Keras's symbolic
shape drops the batch axis of a rank-1 input in the multi_hot/count modes). A vocabulary is
kept inline in the layer config (a list of tokens); a vocabulary given as a file path is
refused by ``check`` and never read.
"""

from __future__ import annotations

from graph_core.errors import ShapeError
from graph_core.layer_rules.common import FLOAT32, fmt, unknown
from graph_core.layer_rules.core import no_params
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec

_CATEGORY = "Preprocessing"
INT64 = "int64"
ENCODE_MODES = ("int", "one_hot", "multi_hot", "count")
LOOKUP_MODES = ENCODE_MODES + ("tf_idf",)
PATH_REFUSED = ("a vocabulary file path is never read (a file could name any path on this "
                "machine); paste the tokens instead, one a line")


def _encode_shape(shape: tuple, depth, one_hot: bool) -> tuple:
    """Keras's lookup/hashing rule: one_hot appends depth (replacing a last axis of 1);
    the other modes replace the last axis with depth."""
    if one_hot:
        if len(shape) > 1 and shape[-1] == 1:
            return shape[:-1] + (depth,)
        return shape + (depth,)
    return shape[:-1] + (depth,)


# --- vocabularies -------------------------------------------------------------------------

def special_tokens(config: dict, mask_token, oov_token) -> list:
    """The tokens a lookup puts before its vocabulary (mask, then OOV), as Keras does."""
    mask = [mask_token] if mask_token is not None and config["output_mode"] == "int" else []
    return mask + [oov_token] * config["num_oov_indices"]


def lookup_depth(config: dict, mask_token, oov_token):
    """Size of a lookup's encoded axis (vocabulary + special tokens), or None when unknown.

    ``vocabulary_size`` (as Keras saves it) wins; then ``pad_to_max_tokens``; then the
    inline vocabulary, whose leading special tokens are not counted twice.
    """
    if config.get("pad_to_max_tokens") and config.get("max_tokens"):
        return config["max_tokens"]
    if config.get("vocabulary_size") is not None:
        return config["vocabulary_size"]
    vocab = config.get("vocabulary")
    if not isinstance(vocab, (list, tuple)):
        return None
    special = special_tokens(config, mask_token, oov_token)
    tokens = list(vocab)
    if tokens[:len(special)] == special:
        tokens = tokens[len(special):]
    return len(tokens) + len(special)


def check_vocabulary(config: dict, token_type: type) -> list:
    """An inline vocabulary is a list of distinct tokens; a file path is refused."""
    vocab = config.get("vocabulary")
    if vocab is None:
        return []
    if isinstance(vocab, str):
        return [("vocabulary", f"vocabulary is a file path ({vocab!r})", PATH_REFUSED)]
    if not isinstance(vocab, (list, tuple)):
        return [("vocabulary", f"vocabulary must be a list of tokens, got {vocab!r}",
                 "one token a line")]
    bad = [t for t in vocab if not isinstance(t, token_type) or isinstance(t, bool)]
    if bad:
        kind = "strings" if token_type is str else "integers"
        return [("vocabulary", f"vocabulary tokens must be {kind}, got {bad[0]!r}",
                 "one token a line")]
    if len(set(vocab)) != len(vocab):
        seen, dup = set(), None
        for t in vocab:
            if t in seen:
                dup = t
                break
            seen.add(t)
        return [("vocabulary", f"vocabulary has the token {dup!r} twice", "remove repeated tokens")]
    return []


def _check_pad(config: dict) -> list:
    if config["pad_to_max_tokens"] and config["max_tokens"] is None:
        return [("pad_to_max_tokens", "pad_to_max_tokens=True needs max_tokens",
                 "set max_tokens, or clear pad_to_max_tokens")]
    return []


def _check_max_tokens(config: dict, mask_token, oov_token) -> list:
    """Keras refuses an inline vocabulary (with its special tokens) larger than ``max_tokens``."""
    limit, vocab = config.get("max_tokens"), config.get("vocabulary")
    if limit is None or not isinstance(vocab, (list, tuple)):
        return []
    special = special_tokens({"num_oov_indices": 1, **config}, mask_token, oov_token)
    tokens = list(vocab)
    if tokens[:len(special)] == special:
        tokens = tokens[len(special):]
    size = len(special) + len(tokens)
    if size <= limit:
        return []
    return [("max_tokens", f"the vocabulary has {size} entries with its special tokens, more than "
             f"max_tokens={limit}", "raise max_tokens, or shorten the vocabulary")]


def _check_lookup(config: dict, token_type: type, mask_token=None, oov_token="[UNK]") -> list:
    problems = (check_vocabulary(config, token_type) or _check_pad(config)
                or _check_max_tokens(config, config.get("mask_token", mask_token),
                                     config.get("oov_token", oov_token)))
    if problems:
        return problems
    if config["output_mode"] == "tf_idf" and config["vocabulary"] is not None \
            and config["idf_weights"] is None:
        return [("idf_weights", "output_mode='tf_idf' with a vocabulary needs idf_weights",
                 "give one weight per token, or another output_mode")]
    if config["idf_weights"] is not None and config["output_mode"] != "tf_idf":
        return [("idf_weights", "idf_weights are used only with output_mode='tf_idf'",
                 "clear idf_weights or set output_mode='tf_idf'")]
    if config["invert"] and config["output_mode"] != "int":
        return [("invert", "invert=True works only with output_mode='int'",
                 "set output_mode='int'")]
    return []


def _lookup_infer(mask_default, oov_default):
    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        mode = config["output_mode"]
        if mode == "int":
            return [TensorSpec(shape, INT64)]
        if shape is None:
            return unknown()
        depth = lookup_depth(config, config.get("mask_token", mask_default),
                             config.get("oov_token", oov_default))
        return [TensorSpec(_encode_shape(tuple(shape), depth, mode == "one_hot"), FLOAT32)]

    return infer


def vocabulary_param(tokens: str = "str") -> ParamSpec:
    """The inline ``vocabulary``: kind ``"vocabulary"``, ``choices=(token type,)`` (``"str"``
    or ``"int"``) tells editors which tokens it holds."""
    return ParamSpec("vocabulary", "vocabulary", None, choices=(tokens,), allow_none=True,
                     main=True, doc="the tokens, in order (one a line); None: learned with adapt()")


def _lookup_params(oov_default, dtype_param: tuple, tokens: str = "str") -> tuple:
    return (  # in the order of Keras's constructor (positional arguments follow it)
        ParamSpec("max_tokens", "int", None, minimum=2, allow_none=True,
                  doc="largest vocabulary size, special tokens included"),
        ParamSpec("num_oov_indices", "int", 1, minimum=0, doc="out-of-vocabulary buckets"),
        ParamSpec("mask_token", "any", None, allow_none=True, doc="token that means padding"),
        ParamSpec("oov_token", "any", oov_default, doc="token for out-of-vocabulary (invert)"),
        vocabulary_param(tokens),
        *dtype_param,
        ParamSpec("idf_weights", "any", None, allow_none=True,
                  doc="inverse document frequencies (tf_idf)"),
        ParamSpec("invert", "bool", False, doc="map indices back to tokens"),
        ParamSpec("output_mode", "choice", "int", choices=LOOKUP_MODES, doc="encoding",
                  main=True),
        ParamSpec("pad_to_max_tokens", "bool", False, doc="encode to max_tokens wide"),
        ParamSpec("sparse", "bool", False, doc="return a sparse tensor"),
        ParamSpec("vocabulary_size", "int", None, minimum=0, allow_none=True,
                  doc="vocabulary size as Keras saved it"),
        ParamSpec("oov_method", "choice", "floormod", choices=("floormod", "farmhash"),
                  doc="how out-of-vocabulary tokens are bucketed"),
        ParamSpec("salt", "any", None, allow_none=True, doc="hash salt (farmhash)"),
    )


# --- TextVectorization --------------------------------------------------------------------

def infer_text_vectorization(config: dict, inputs: list) -> list:
    """Strings -> token ids ``(batch, output_sequence_length)`` or encoded tokens."""
    shape = inputs[0].shape
    mode = config["output_mode"]
    if shape is None:
        return unknown(1, INT64 if mode == "int" else FLOAT32)
    if mode == "int":
        return [TensorSpec((shape[0], config["output_sequence_length"]), INT64)]
    shape = tuple(shape)
    if config["split"] is None:
        if len(shape) <= 1:
            shape = shape + (1,)
    else:
        shape = shape + (None,)
    depth = lookup_depth({**config, "num_oov_indices": 1}, "", "[UNK]")
    return [TensorSpec(_encode_shape(shape, depth, mode == "one_hot"), FLOAT32)]


def check_text_vectorization(config: dict) -> list:
    """Inline vocabulary; tf_idf weights; output_sequence_length only for int output."""
    problems = check_vocabulary(config, str) or _check_pad(config) or _check_max_tokens(config, "", "[UNK]")
    if problems:
        return problems
    if config["output_sequence_length"] is not None and config["output_mode"] != "int":
        return [("output_sequence_length", "output_sequence_length works only with "
                 "output_mode='int'", "clear it or set output_mode='int'")]
    if config["output_mode"] == "tf_idf" and config["vocabulary"] is not None \
            and config["idf_weights"] is None:
        return [("idf_weights", "output_mode='tf_idf' with a vocabulary needs idf_weights",
                 "give one weight per token, or another output_mode")]
    return []


# --- CategoryEncoding, Hashing, HashedCrossing, Discretization --------------------------

def infer_category_encoding(config: dict, inputs: list) -> list:
    """Integer ids -> one/multi-hot or count vectors of num_tokens."""
    shape = inputs[0].shape
    if shape is None:
        return unknown()
    shape, n = tuple(shape), config["num_tokens"]
    if config["output_mode"] == "one_hot":
        if shape[-1] != 1 or len(shape) == 1:
            return [TensorSpec(shape + (n,), FLOAT32)]
        return [TensorSpec(shape[:-1] + (n,), FLOAT32)]
    return [TensorSpec(shape[:-1] + (n,), FLOAT32)]


def infer_hashing(config: dict, inputs: list) -> list:
    """Values -> bin ids in [0, num_bins) (int64), or encoded num_bins wide."""
    shape = inputs[0].shape
    if config["output_mode"] == "int":
        return [TensorSpec(shape, INT64)]
    if shape is None:
        return unknown()
    return [TensorSpec(tuple(shape)[:-1] + (config["num_bins"],), FLOAT32)]


def infer_hashed_crossing(config: dict, inputs: list) -> list:
    """Two features of the same shape -> one hashed cross (int64), or encoded."""
    a, b = inputs[0].shape, inputs[1].shape
    mode = config["output_mode"]
    if a is None or b is None:
        return unknown(1, INT64 if mode == "int" else FLOAT32)
    if a[-1] != b[-1]:
        raise ShapeError(f"HashedCrossing needs two inputs of the same shape, got {fmt(a)} "
                         f"and {fmt(b)}", "cross two features of the same shape",
                         "shape.merge_mismatch")
    if mode == "int":
        return [TensorSpec(tuple(a), INT64)]
    if mode == "one_hot" and a[-1] != 1:
        return [TensorSpec(tuple(a) + (config["num_bins"],), FLOAT32)]
    return [TensorSpec(tuple(a)[:-1] + (config["num_bins"],), FLOAT32)]


def infer_discretization(config: dict, inputs: list) -> list:
    """Values -> bucket ids (int32), or buckets encoded ``len(bin_boundaries) + 1`` wide."""
    shape = inputs[0].shape
    mode = config["output_mode"]
    if mode == "int":
        return [TensorSpec(shape, "int32")]
    if shape is None:
        return unknown()
    shape = tuple(shape)
    bounds = config["bin_boundaries"]
    depth = len(bounds) + 1 if bounds is not None else config["num_bins"]
    if mode == "one_hot":
        if shape and shape[-1] == 1 and len(shape) > 1:
            return [TensorSpec(shape[:-1] + (depth,), FLOAT32)]
        return [TensorSpec(shape + (depth,), FLOAT32)]
    if len(shape) >= 2:
        return [TensorSpec((shape[0],) + shape[2:] + (depth,), FLOAT32)]
    return [TensorSpec((depth,), FLOAT32)]


def check_discretization(config: dict) -> list:
    """Exactly one of bin_boundaries (sorted numbers) and num_bins."""
    bounds, bins = config["bin_boundaries"], config["num_bins"]
    if (bounds is None) == (bins is None):
        return [("bin_boundaries", "set either bin_boundaries or num_bins (exactly one)",
                 "bin_boundaries: the cut points, e.g. [0.0, 1.0]; num_bins: learned with adapt()")]
    if bounds is not None:
        if isinstance(bounds, str) or not isinstance(bounds, (list, tuple)) or not all(
                isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds):
            return [("bin_boundaries", f"bin_boundaries must be a list of numbers, got {bounds!r}",
                     "e.g. [0.0, 1.0, 2.5]")]
    return _check_sparse(config)


def check_hashing(config: dict) -> list:
    """Integer ids need an integer dtype (Keras refuses ``dtype="float64"`` with output_mode="int")."""
    dtype = config.get("dtype")
    if config["output_mode"] == "int" and isinstance(dtype, str) and dtype not in ("int32", "int64"):
        return [("dtype", f"with output_mode='int' the dtype must be int32 or int64, got {dtype!r}",
                 "clear dtype, or choose int32 or int64")]
    return _check_sparse(config)


def _check_sparse(config: dict) -> list:
    if config.get("sparse") and config["output_mode"] == "int":
        return [("sparse", "sparse=True needs output_mode one_hot, multi_hot or count",
                 "clear sparse")]
    return []


def _mode(choices=ENCODE_MODES, default="int") -> ParamSpec:
    return ParamSpec("output_mode", "choice", default, choices=choices, doc="encoding", main=True)


_SPARSE = ParamSpec("sparse", "bool", False, doc="return a sparse tensor")

SPECS = (
    LayerSpec(
        "StringLookup", _CATEGORY, "Maps strings to integer ids through a vocabulary "
        "(string lookup table; one_hot/multi_hot/count/tf_idf encodings too).",
        _lookup_params("[UNK]", (ParamSpec("encoding", "str", "utf-8", doc="text encoding"),)),
        1, 1, _lookup_infer(None, "[UNK]"), no_params,
        check=lambda c: _check_lookup(c, str)),
    LayerSpec(
        "IntegerLookup", _CATEGORY, "Maps integer values to contiguous ids through a vocabulary "
        "(integer lookup table).",
        _lookup_params(-1, (ParamSpec("vocabulary_dtype", "choice", "int64",
                                      choices=("int64", "int32"), doc="dtype of the tokens"),),
                       "int"),
        1, 1, _lookup_infer(None, -1), no_params,
        check=lambda c: _check_lookup(c, int, None, -1)),
    LayerSpec(
        "TextVectorization", _CATEGORY, "Turns text (strings) into token ids with a vocabulary: "
        "standardize, split into words, look up (tokenizer).",
        (ParamSpec("max_tokens", "int", None, minimum=2, allow_none=True,
                   doc="largest vocabulary size"),
         ParamSpec("standardize", "choice", "lower_and_strip_punctuation",
                   choices=("lower_and_strip_punctuation", "lower", "strip_punctuation"),
                   allow_none=True, doc="text clean-up before splitting"),
         ParamSpec("split", "choice", "whitespace", choices=("whitespace", "character"),
                   allow_none=True, doc="how text is split into tokens"),
         ParamSpec("ngrams", "any", None, allow_none=True, doc="n-gram sizes"),
         ParamSpec("output_mode", "choice", "int", choices=LOOKUP_MODES, doc="encoding",
                   main=True),
         ParamSpec("output_sequence_length", "int", None, minimum=1, allow_none=True,
                   doc="pad/cut token ids to this length (int mode)", main=True),
         ParamSpec("pad_to_max_tokens", "bool", False, doc="encode to max_tokens wide"),
         vocabulary_param(),
         ParamSpec("idf_weights", "any", None, allow_none=True, doc="tf_idf weights"),
         _SPARSE,
         ParamSpec("ragged", "bool", False, doc="return a ragged tensor"),
         ParamSpec("encoding", "str", "utf-8", doc="text encoding"),
         ParamSpec("vocabulary_size", "int", None, minimum=0, allow_none=True,
                   doc="vocabulary size as Keras saved it")),
        1, 1, infer_text_vectorization, no_params, check=check_text_vectorization),
    LayerSpec(
        "CategoryEncoding", _CATEGORY, "Encodes integer category ids as one-hot, multi-hot or "
        "count vectors.",
        (ParamSpec("num_tokens", "int", REQUIRED, minimum=1, doc="number of categories",
                   main=True),
         _mode(("one_hot", "multi_hot", "count"), "multi_hot"), _SPARSE),
        1, 1, infer_category_encoding, no_params),
    LayerSpec(
        "Hashing", _CATEGORY, "Hashes values (strings or ints) into num_bins buckets "
        "(hashing trick).",
        (ParamSpec("num_bins", "int", REQUIRED, minimum=1, doc="number of buckets", main=True),
         ParamSpec("mask_value", "any", None, allow_none=True, doc="value mapped to bin 0"),
         ParamSpec("salt", "any", None, allow_none=True, doc="hash salt"),
         _mode(), _SPARSE),
        1, 1, infer_hashing, no_params, check=check_hashing),
    LayerSpec(
        "HashedCrossing", _CATEGORY, "Crosses two categorical features by hashing the pairs "
        "into num_bins buckets (feature cross).",
        (ParamSpec("num_bins", "int", REQUIRED, minimum=1, doc="number of buckets", main=True),
         _mode(("int", "one_hot")), _SPARSE),
        2, 2, infer_hashed_crossing, no_params),
    LayerSpec(
        "Discretization", _CATEGORY, "Buckets numbers by bin_boundaries (binning, "
        "discretize), as ids or encoded.",
        (ParamSpec("bin_boundaries", "any", None, allow_none=True, main=True,
                   doc="sorted cut points, e.g. [0.0, 1.0]"),
         ParamSpec("num_bins", "int", None, minimum=1, allow_none=True,
                   doc="number of bins, learned with adapt()"),
         ParamSpec("epsilon", "float", 0.01, minimum=0.0, doc="adapt() approximation error"),
         _mode(), _SPARSE),
        1, 1, infer_discretization, no_params, check=check_discretization, base_args=("dtype",)),
)
