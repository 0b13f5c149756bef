"""Refusing, before Keras allocates anything, models too large to build without asking.

A 600-byte file can declare a layer with billions of weights; summary, build and fit would
allocate them (gigabytes) before anyone sees a number. graph_core counts parameters in pure
Python, so the worker asks this module first and refuses above
:data:`graph_core.file_limits.LARGE_MODEL_PARAMS` unless the request says the user agreed.
"""

from __future__ import annotations

from codegen.errors import BuildError
from graph_core.analysis import check
from graph_core.file_limits import LARGE_MODEL_PARAMS

#: The ``stage`` of the refusal: the editor offers to build anyway (``allow_large``).
SIZE_STAGE = "size"


def refuse_large_model(doc, allow_large: bool = False, limit: int = LARGE_MODEL_PARAMS) -> None:
    """Raise when ``doc`` has more parameters than ``limit`` and the user has not agreed.

    Args:
        doc: the document to build.
        allow_large: the user confirmed building it anyway.
        limit: the parameter count above which to refuse.

    Raises:
        BuildError: ``stage`` :data:`SIZE_STAGE`, the message giving the count and the memory.
    """
    if allow_large:
        return
    total = check(doc).total
    if total <= limit:
        return
    gigabytes = total * 4 / 1024 ** 3
    message = (f"the model has {total:,} parameters (about {gigabytes:.1f} GB of float32 weights), more "
               f"than the {limit:,} LayerLoom builds without asking; confirm (in the editor) or pass "
               f"--allow-large (on the command line) to build it anyway")
    raise BuildError(message, stage=SIZE_STAGE, reason=message)
