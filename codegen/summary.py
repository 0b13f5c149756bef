"""Keras's ``model.summary()`` of a document, as text plus parameter totals."""

from __future__ import annotations

import os
from dataclasses import dataclass

from graph_core.document import Document


@dataclass(frozen=True)
class SummaryResult:
    """The summary text Keras prints and the model's parameter counts.

    Attributes:
        text: what ``model.summary()`` prints.
        total: all parameters.
        trainable: parameters updated by training.
        non_trainable: the others (e.g. BatchNormalization's moving statistics).
    """

    text: str
    total: int
    trainable: int
    non_trainable: int


def summarize(doc: Document, expand_nested: bool = False, model=None,
              line_length: int | None = None, fill_caches: bool = False) -> SummaryResult:
    """Build the model of ``doc`` (unless given) and capture its Keras summary.

    Args:
        doc: the document.
        expand_nested: also list the layers inside nested models and applications.
        model: the ``keras.Model`` already built from ``doc`` (built when None).
        line_length: total width of the summary table (Keras's choice when None: wide enough
            for a "Connected to" column on multi-input models, whatever the terminal).
        fill_caches: also store the Keras-measured shapes and parameters of Application
            layers graph_core does not know yet (:func:`codegen.applications.
            fill_application_caches`, through edits on ``doc``), so graph_core's totals then
            match the summary's.

    Returns:
        A :class:`SummaryResult`.

    Raises:
        BuildError: the document cannot be built.
    """
    if model is None:
        from codegen.build import build_model

        model = build_model(doc, compile=False)
    if fill_caches:
        from codegen.applications import fill_application_caches

        fill_application_caches(doc, model)
    chunks: list = []

    def capture(text: str = "", *args, **kwargs) -> None:
        chunks.append(str(text))

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(max(line_length or 0, 200))  # rich and Keras read it for the width
    try:
        model.summary(print_fn=capture, expand_nested=expand_nested, line_length=line_length)
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    text = "\n".join(c.rstrip("\n") for c in chunks)
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    return SummaryResult(text, trainable + non_trainable, trainable, non_trainable)


def _count(weights) -> int:
    seen = set()
    total = 0
    for w in weights:
        key = id(w)
        if key in seen:
            continue
        seen.add(key)
        size = 1
        for d in w.shape:
            size *= int(d)
        total += size
    return total
