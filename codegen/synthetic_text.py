"""Synthetic string inputs: words drawn from the vocabularies of the lookup layers they feed.

A string Input that feeds a TextVectorization gets short sentences (a few words joined by
spaces); one that feeds a StringLookup (or Hashing…) gets single tokens. Words come from the
inline vocabularies of those layers (plus an out-of-vocabulary word now and then), or from a
small built-in word list when no vocabulary is known (a layer still to be adapted).
"""

from __future__ import annotations

from graph_core.document import Document
from graph_core.graph_algorithms import walk_downstream

#: words used when the string input feeds no layer with an inline vocabulary
FALLBACK_WORDS = ("the", "cat", "dog", "sat", "ran", "on", "a", "mat", "home", "fast", "red",
                  "blue", "green", "big", "small")
OOV_WORD = "zyzzyva"
SENTENCE_WORDS = (2, 8)
#: synthetic data (and exported Python's data function) use the first this many words
EXPORT_WORDS = 200


def string_plan(doc: Document, input_node: str) -> tuple:
    """``(kind, words)`` for a string Input: kind ``"text"`` when it feeds a TextVectorization
    (sentences), else ``"tokens"``; the words of the vocabularies it feeds (in order, unique)."""
    words: dict = {}
    found = {"text": False}

    def visit(_doc, _nid, layer) -> bool:
        if layer.type not in ("TextVectorization", "StringLookup"):
            return True
        found["text"] = found["text"] or layer.type == "TextVectorization"
        vocab = layer.config.get("vocabulary")
        if isinstance(vocab, list):
            words.update((w, None) for w in vocab if isinstance(w, str) and w.strip())
        return False  # after a lookup the data are ids, not strings

    walk_downstream(doc, input_node, visit)
    text = found["text"]
    return ("text" if text else "tokens"), tuple(words) or FALLBACK_WORDS


def draw_strings(rng, kind: str, words: tuple, size: tuple):
    """An array of ``size`` strings: sentences (``kind="text"``) or single tokens.

    Words are drawn uniformly from the first :data:`EXPORT_WORDS` vocabulary words plus one
    out-of-vocabulary word (so OOV handling is exercised too), exactly as the exported
    Python's ``make_data`` draws them (:func:`string_source`).

    Args:
        rng: a ``numpy.random.Generator``.
        kind: ``"text"`` or ``"tokens"``.
        words: the vocabulary words.
        size: the array shape (samples first).
    """
    import numpy as np

    pool = list(words[:EXPORT_WORDS]) + [OOV_WORD]
    if kind == "tokens":
        return rng.choice(pool, size=size)
    low, high = SENTENCE_WORDS
    sentences = [" ".join(rng.choice(pool, size=int(n)))
                 for n in rng.integers(low, high + 1, size=int(np.prod(size)))]
    return np.array(sentences).reshape(size)


def keras_ready(x):
    """``x`` (an array, a list or a dict of arrays) with string arrays as TensorFlow string
    tensors, which Keras's fit and predict accept (NumPy string arrays they do not)."""
    if isinstance(x, dict):
        return {k: keras_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(keras_ready(v) for v in x)
    import numpy as np

    if isinstance(x, np.ndarray) and x.dtype.kind in ("U", "S", "O"):
        import tensorflow as tf

        return tf.constant(x.astype(str))
    return x


def string_source(kind: str, words: tuple, size: str) -> str:
    """Python source drawing string inputs as :func:`draw_strings` does (for exported code).

    Args:
        kind: ``"text"`` or ``"tokens"``.
        words: the vocabulary words (the first :data:`EXPORT_WORDS` are written).
        size: the source of the size tuple, e.g. ``"(num_samples, 1)"``.

    Returns:
        An expression giving a ``tf.constant`` of strings (Keras's fit does not take NumPy
        string arrays).
    """
    pool = repr(list(words[:EXPORT_WORDS]) + [OOV_WORD])
    if kind == "tokens":
        return f"tf.constant(rng.choice({pool}, size={size}))"
    low, high = SENTENCE_WORDS
    return (f"tf.constant(np.array([' '.join(rng.choice({pool}, size=int(n))) "
            f"for n in rng.integers({low}, {high + 1}, size=int(np.prod({size})))]).reshape({size}))")
